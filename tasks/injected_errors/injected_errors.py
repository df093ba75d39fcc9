"""injected_errors: can a verifier say whether a proof is correct AND where its first error is?

Samples are the validation split written by ``verifier-eval train build-data``: correct proofs
(target confidence 100) and the same proofs with one injected error (target 0, with the injected
character span). The verifier answers with a confidence and quotes the first error in
``<error>...</error>``; the scorer reports the confidence metrics beside precision/recall/F1 of
the quote's character overlap with the injected span. None of the human-graded benchmarks scores
error localisation. Data: derived from the bundled corpora (see ``verifier_eval/data/README.md``
for their licences) or a user-supplied corpus.
"""

from inspect_ai import Task, task
from inspect_ai.solver import generate
from verifier_eval.tasks.injected_errors.dataset import load_dataset
from verifier_eval.tasks.injected_errors.scorer import error_localisation

TASK_VERSION = 1


@task
def injected_errors(data_file: str, include_correct: bool = True) -> Task:
    """Confidence and first-error location on error-injected proofs.

    Args:
        data_file: ``validation.jsonl`` from ``verifier-eval train build-data``.
        include_correct: Keep the untouched correct proofs (the confidence metrics need both
            classes); ``false`` scores localisation on injected proofs only.
    """
    dataset = load_dataset(data_file)
    if not include_correct:
        dataset = dataset.filter(lambda s: (s.metadata or {}).get("error_span") is not None)
    return Task(
        dataset=dataset,
        solver=[generate()],
        scorer=error_localisation(),
        version=TASK_VERSION,
    )
