"""Your own human-graded proofs, through the same verifiers, scorer and metrics as benchmarks."""

from inspect_ai import Task, task
from verifier_eval.scorers.confidence import FailurePolicy
from verifier_eval.scorers.metrics import BINARY_METRICS
from verifier_eval.tasks.graded_file.dataset import load_graded_file
from verifier_eval.tasks.matharena import verifier_task

from verifier_eval.families import load_family_overrides

# Bump when a change could move the numbers (prompt, parser, scoring).
VERSION = "1.0"


@task
def graded_file(
    path: str,
    columns: str | None = None,
    name: str | None = None,
    prompt: str = "seed",
    failure_policy: FailurePolicy = "zero",
    family_overrides: str | None = None,
) -> Task:
    """Grade a JSONL or CSV file of human-graded proofs with the model under test.

    Args:
        path: The file (see ``verifier_eval.tasks.graded_file.dataset`` for the columns).
        columns: Column mapping ``ours=theirs,...`` when the file's names differ.
        name: Benchmark name in logs and the leaderboard (the file name by default).
        prompt: ``seed`` or ``rubric`` (uses the ``reference_solution``/``rubric`` columns).
        failure_policy: A format failure scores ``zero`` or is ``exclude``d.
        family_overrides: JSON object or file mapping generator names to families.
    """
    answers = load_graded_file(
        path,
        columns=columns,
        benchmark=name,
        family_overrides=load_family_overrides(family_overrides),
    )
    binary = all(a.label is not None for a in answers)
    return verifier_task(
        answers,
        name=answers[0].benchmark,
        version=VERSION,
        prompt=prompt,
        failure_policy=failure_policy,
        metrics=BINARY_METRICS if binary else None,
        metadata={"path": str(path)},
    )
