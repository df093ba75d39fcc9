"""Open Proof Corpus judge split: 434 LLM proofs of 98 historical olympiad problems, binary labels.

"The Open Proof Corpus: Building a Large-Scale, Human-Validated Dataset of LLM-Generated Proofs"
(INSAIT / ETH Zurich, 2025); split ``data/train/discrete/long/test.parquet`` of
``insait-institute/open-proof-corpus@f51794e`` (Apache-2.0). OPC counts a proof correct if it would
earn 5+/7, so the labels are binary: points metrics (total-score difference, MAE) make no sense here
and accuracy (confidence >= 50), AUROC and Brier score are reported instead.

The embedded verifier was trained on this split: it answers out-of-fold predictions (grouped by
problem) for these proofs, so its ``opc`` numbers are not in-sample.
"""

from inspect_ai import Task, task
from verifier_eval.scorers.confidence import FailurePolicy
from verifier_eval.scorers.metrics import BINARY_METRICS
from verifier_eval.tasks.matharena import as_list, filter_answers, verifier_task
from verifier_eval.tasks.opc.dataset import load_opc_answers

from verifier_eval.families import load_family_overrides

# Bump when a change could move the numbers (data, prompt, parser, scoring).
VERSION = "1.0"


@task
def opc(
    prompt: str = "seed",
    generators: str | list[str] | None = None,
    problems: str | list[str] | None = None,
    failure_policy: FailurePolicy = "zero",
    family_overrides: str | None = None,
) -> Task:
    """Grade the Open Proof Corpus judge split with the model under test.

    Args:
        prompt: ``seed`` (problem + proof) or ``rubric`` (adds OPC's first reference solution and
            its grading guideline).
        generators: Only these generators (OPC model ids, comma-separated).
        problems: Only these problem ids (comma-separated).
        failure_policy: A format failure scores ``zero`` or is ``exclude``d.
        family_overrides: JSON object or file mapping generator names to families.
    """
    answers = load_opc_answers(family_overrides=load_family_overrides(family_overrides))
    return verifier_task(
        filter_answers(answers, as_list(generators), as_list(problems)),
        name="opc",
        version=VERSION,
        prompt=prompt,
        failure_policy=failure_policy,
        metrics=BINARY_METRICS,
    )
