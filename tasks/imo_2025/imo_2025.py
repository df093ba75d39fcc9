"""IMO 2025: MathArena's model answers with expert human grades.

Balunović et al., "MathArena: Evaluating LLMs on Uncontaminated Math Competitions"; data
``MathArena/imo_2025_outputs`` (CC BY-NC-SA 4.0), 7 generators x 6 problems x 4 answers, of which
5 generators have two human grades on every answer (the others are left out by default).
No reference solutions are bundled for IMO 2025; the ``rubric`` prompt uses the grading scheme.
"""

from inspect_ai import Task, task
from verifier_eval.scorers.confidence import FailurePolicy
from verifier_eval.tasks.matharena import MatharenaSpec, matharena_task

# Bump when a change could move the numbers (data, prompt, parser, scoring).
VERSION = "1.0"

SPEC = MatharenaSpec(
    benchmark="imo_2025",
    snapshot="matharena_imo_2025.jsonl.gz",
    hub_path="MathArena/imo_2025_outputs",
    # No revision could be resolved offline; the Hub loader requires -T hub_revision=<sha>.
    hub_revision=None,
)


@task
def imo_2025(
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
    """Grade MathArena's IMO 2025 answers with the model under test.

    Args:
        prompt: ``seed`` (problem + proof) or ``rubric`` (adds MathArena's grading scheme).
        generators: Only these generator models (names as in the data, comma-separated).
        problems: Only these problems (``1``..``6``, comma-separated).
        keep_reasoning: Keep the generator's reasoning trace before ``</think>``.
        failure_policy: A format failure scores ``zero`` points or is ``exclude``d.
        source: ``bundled`` snapshot (offline) or the Hugging Face ``hub``.
        hub_revision: Hub dataset revision to load (required with ``source=hub``).
        family_overrides: JSON object or file mapping generator names to families.
        include_partially_graded: Keep the doubly graded answers of ``Grok 4 (Specific Prompt)``
            (``GPT-5 (high)`` has no second grade at all and stays out).
    """
    return matharena_task(
        SPEC,
        version=VERSION,
        problem_info=None,
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
