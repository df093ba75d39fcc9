"""USAMO 2025: MathArena's model answers with two expert human grades each.

Petrov et al., "Proof or Bluff? Evaluating LLMs on 2025 USA Math Olympiad", arXiv:2503.21934;
data ``MathArena/usamo_2025_outputs`` (CC BY-NC-SA 4.0), 11 generators x 6 problems x 4 answers.
Grading schemes and reference solutions: ``eth-sri/matharena`` (MIT).
"""

from inspect_ai import Task, task
from verifier_eval.scorers.confidence import FailurePolicy
from verifier_eval.tasks.matharena import MatharenaSpec, matharena_task

from verifier_eval.records import usamo_2025_problem_info

# Bump when a change could move the numbers (data, prompt, parser, scoring).
VERSION = "1.0"

SPEC = MatharenaSpec(
    benchmark="usamo_2025",
    snapshot="matharena_usamo_2025.jsonl.gz",
    hub_path="MathArena/usamo_2025_outputs",
    # The revision matching the bundled 11-generator snapshot could not be resolved offline; the
    # Hub loader therefore requires -T hub_revision=<sha> (see README).
    hub_revision=None,
)


@task
def usamo_2025(
    prompt: str = "seed",
    generators: str | list[str] | None = None,
    problems: str | int | list[str] | None = None,
    keep_reasoning: bool = False,
    failure_policy: FailurePolicy = "zero",
    source: str = "bundled",
    hub_revision: str | None = None,
    family_overrides: str | None = None,
    include_partially_graded: bool = False,
) -> Task:
    """Grade MathArena's USAMO 2025 answers with the model under test.

    Args:
        prompt: ``seed`` (problem + proof) or ``rubric`` (adds MathArena's grading scheme and a
            reference solution).
        generators: Only these generator models (names as in the data, comma-separated).
        problems: Only these problems (``1``..``6``, comma-separated).
        keep_reasoning: Keep the generator's reasoning trace before ``</think>`` (stripped by
            default, as the human judges graded the answer after it).
        failure_policy: A format failure scores ``zero`` points or is ``exclude``d.
        source: ``bundled`` snapshot (offline) or the Hugging Face ``hub``.
        hub_revision: Hub dataset revision to load (required with ``source=hub``).
        family_overrides: JSON object or file mapping generator names to families.
        include_partially_graded: Keep doubly graded answers of generators lacking a second grade
            on some answers.
    """
    return matharena_task(
        SPEC,
        version=VERSION,
        problem_info=usamo_2025_problem_info(),
        prompt=prompt,
        generators=generators,
        problems=problems,
        keep_reasoning=keep_reasoning,
        failure_policy=failure_policy,
        source=source,
        hub_revision=hub_revision,
        family_overrides=family_overrides,
        include_partially_graded=include_partially_graded,
    )
