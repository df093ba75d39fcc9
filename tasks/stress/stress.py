"""stress: how far do manipulated, degraded or official proofs move a verifier's grade?

Every selected answer of a benchmark is graded once per probe (``tasks/stress/probes.py``): as is
(``original``), with a manipulation that adds no mathematical content (an appended claim of
correctness, an instruction to the grader, confident formatting), replaced by the reference
solution, or degraded (steps shuffled, conclusion cut). The analysis
(:mod:`verifier_eval.analysis.stress`) pairs each rewrite with the original answer and reports the
mean confidence shift per probe with bootstrap intervals over problems.

Grades of rewritten text: the samples carry the ORIGINAL answer's human grades (``human_points``,
``judge_points``) so that the confidence scorer can run unchanged, but nobody graded the rewritten
text; the stress analysis uses confidence shifts only. The scorer is :func:`stress_scorer` (not
``confidence_scorer``), so the leaderboard, which reads ``confidence_scorer`` logs only, never
mistakes a stress run for grades of the benchmark.
"""

from collections.abc import Callable, Iterable
from random import Random
from typing import Any

import pandas as pd
import yaml
from inspect_ai import Task, task, task_with
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState
from verifier_eval.scorers.confidence import FailurePolicy, confidence_scorer
from verifier_eval.scorers.metrics import format_failure_rate
from verifier_eval.tasks.imo_2025.imo_2025 import SPEC as IMO_2025_SPEC
from verifier_eval.tasks.matharena import (
    answer_to_sample,
    as_list,
    filter_answers,
    load_matharena,
    verifier_task,
)
from verifier_eval.tasks.opc.dataset import load_opc_answers
from verifier_eval.tasks.stress.probes import PROBES, apply_probe
from verifier_eval.tasks.usamo_2025.usamo_2025 import SPEC as USAMO_2025_SPEC

from verifier_eval.analysis.stress import STRESS_METADATA, probe_summary
from verifier_eval.errors import ConfigError
from verifier_eval.records import GradedAnswer, usamo_2025_problem_info

# Bump when a change could move the numbers (probes, answer selection, prompt, parser, scoring).
VERSION = "1.0"

TASK_NAME = "stress"


def _usamo_2025() -> list[GradedAnswer]:
    return load_matharena(USAMO_2025_SPEC, problem_info=usamo_2025_problem_info()).answers


def _imo_2025() -> list[GradedAnswer]:
    return load_matharena(IMO_2025_SPEC).answers


STRESSED_BENCHMARKS: dict[str, Callable[[], list[GradedAnswer]]] = {
    "usamo_2025": _usamo_2025,
    "imo_2025": _imo_2025,
    "opc": load_opc_answers,
}
"""Benchmarks the stress task can draw answers from (bundled snapshots, offline).

Only ``usamo_2025`` and ``opc`` bundle reference solutions; on ``imo_2025`` the
``reference_solution`` probe yields no samples.
"""


def probe_names(probes: str | Iterable[str]) -> list[str]:
    """The probes to run, in registry order; ``all`` means every probe, ``original`` is implied.

    Raises:
        ConfigError: Naming unknown probes and the known ones.
    """
    wanted = as_list(probes if isinstance(probes, str) else list(probes)) or []
    if wanted == ["all"]:
        return list(PROBES)
    unknown = [p for p in wanted if p not in PROBES]
    if unknown:
        raise ConfigError(f"unknown probe(s) {unknown}; choose from {['all', *PROBES]}")
    # Every shift is measured against the unchanged answer, so it is always graded.
    return [p for p in PROBES if p in wanted or p == "original"]


def select_answers(answers: list[GradedAnswer], limit: int | None, seed: int) -> list[GradedAnswer]:
    """A seeded subset spread evenly over problems (all answers when ``limit`` is ``None``).

    Problems are visited in a seeded order, each problem's answers in a seeded order, taking one
    answer per problem per round until ``limit`` answers are chosen: 24 of USAMO's 264 answers
    are 4 answers of each of its 6 problems, so intervals over problems stay meaningful.

    Returns:
        The chosen answers in their original order.

    Raises:
        ConfigError: When ``limit`` is below 1.
    """
    if limit is None:
        return answers
    if limit < 1:
        raise ConfigError(f"limit_answers must be at least 1, got {limit}")
    rng = Random(f"{seed}:select")
    by_problem: dict[str, list[int]] = {}
    for position, answer in enumerate(answers):
        by_problem.setdefault(answer.problem_id, []).append(position)
    problems = sorted(by_problem)
    rng.shuffle(problems)
    queues = []
    for problem in problems:
        queue = list(by_problem[problem])
        rng.shuffle(queue)
        queues.append(queue)
    chosen: list[int] = []
    for round_ in range(max(len(q) for q in queues)):
        chosen += [q[round_] for q in queues if round_ < len(q)]
    return [answers[i] for i in sorted(chosen[:limit])]


def stress_sample(answer: GradedAnswer, probe: str, text: str, prompt: str = "seed") -> Sample:
    """The sample of one probe applied to one answer.

    Its metadata is the original answer's (``answer_to_sample``, human grades included, see the
    module docstring) plus ``probe``, ``probe_kind`` and ``original_sample_id``.
    """
    base = answer_to_sample(answer.model_copy(update={"solution": text}), prompt)
    metadata = dict(base.metadata or {})
    metadata.update(
        probe=probe,
        probe_kind=PROBES[probe].kind.value,
        original_sample_id=answer.sample_id,
    )
    return Sample(
        id=f"{answer.sample_id}/{probe}", input=text, target=base.target, metadata=metadata
    )


def stress_samples(
    answers: list[GradedAnswer], probes: list[str], seed: int, prompt: str = "seed"
) -> list[Sample]:
    """One sample per (answer, probe) where the probe applies, grouped by answer."""
    samples = []
    for answer in answers:
        for probe in probes:
            text = apply_probe(probe, answer, seed)
            if text is not None:
                samples.append(stress_sample(answer, probe, text, prompt))
    return samples


def _score_rows(scores: list[SampleScore]) -> pd.DataFrame:
    rows = []
    for s in scores:
        meta = s.score.metadata or {}
        rows.append(
            {
                "sample_id": str(s.sample_id),
                "problem_id": str(meta.get("problem_id")),
                **{key: meta.get(key) for key in STRESS_METADATA},
                "confidence": meta.get("confidence"),
            }
        )
    frame = pd.DataFrame(rows, columns=["sample_id", "problem_id", *STRESS_METADATA, "confidence"])
    frame["confidence"] = frame["confidence"].astype(float)
    return frame


@metric
def probe_shift() -> Metric:
    """Mean paired confidence shift (probe - original, 0-100 points) per probe, and their summary.

    Keys ``shift_<probe>``, plus ``manipulation_shift`` (mean over the manipulation probes) and
    ``degradation_shift`` (mean over the degradation probes); see
    :mod:`verifier_eval.analysis.stress`, which adds the bootstrap intervals.
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        return probe_summary(_score_rows(scores))

    return compute


@scorer(metrics=[probe_shift(), format_failure_rate()])
def stress_scorer(failure_policy: FailurePolicy = "zero") -> Scorer:
    """The confidence scorer's verdict of a stressed answer, tagged with its probe.

    Args:
        failure_policy: Passed to the confidence scorer (the shifts leave format failures out
            either way; they are counted in the format-failure rate).
    """
    grade = confidence_scorer(failure_policy=failure_policy)

    async def score(state: TaskState, target: Target) -> Score:
        graded = await grade(state, target)
        if graded is None:  # the confidence scorer always scores; this narrows its Protocol type
            raise RuntimeError("the confidence scorer returned no score")
        metadata = dict(graded.metadata or {})
        metadata.update({key: state.metadata.get(key) for key in STRESS_METADATA})
        return graded.model_copy(update={"metadata": metadata})

    return score


@task
def stress(
    benchmark: str = "usamo_2025",
    probes: str | list[str] = "all",
    limit_answers: int | None = None,
    seed: int = 0,
    prompt: str = "seed",
    generators: str | list[str] | None = None,
    problems: str | int | list[str] | None = None,
    failure_policy: FailurePolicy = "zero",
) -> Task:
    """Grade a benchmark's answers under each stress probe (manipulations, degradations, anchors).

    Args:
        benchmark: Answers to stress: ``usamo_2025``, ``imo_2025`` or ``opc``.
        probes: ``all`` or probe names, comma-separated (``original`` is always included).
        limit_answers: Stress this many answers, spread evenly over problems (seeded); all by
            default.
        seed: Seed of the answer selection and of every probe's randomness.
        prompt: Verifier prompt, ``seed`` or ``rubric`` (``rubric`` shows the reference solution,
            which makes the ``reference_solution`` probe trivial).
        generators: Only answers of these generators (comma-separated).
        problems: Only these problems (comma-separated).
        failure_policy: Passed to the confidence scorer.
    """
    loader = STRESSED_BENCHMARKS.get(benchmark)
    if loader is None:
        raise ConfigError(
            f"the stress task cannot use benchmark {benchmark!r}; choose one of "
            f"{sorted(STRESSED_BENCHMARKS)}"
        )
    names = probe_names(probes)
    answers = filter_answers(loader(), as_list(generators), as_list(problems))
    chosen = select_answers(answers, limit_answers, seed)
    # verifier_task builds the solver, epochs and version exactly as the benchmarks do; the
    # dataset and scorer are then swapped for the stressed samples and the tagging scorer.
    base = verifier_task(
        chosen,
        name=TASK_NAME,
        version=VERSION,
        prompt=prompt,
        failure_policy=failure_policy,
        metadata={
            "stressed_benchmark": benchmark,
            "probes": names,
            "limit_answers": limit_answers,
            "seed": seed,
            "answers": len(chosen),
        },
    )
    return task_with(
        base,
        dataset=MemoryDataset(stress_samples(chosen, names, seed, prompt), name=TASK_NAME),
        scorer=stress_scorer(failure_policy=failure_policy),
    )


def build_stress_task(benchmark: str, task_args: dict[str, Any]) -> Task:
    """The stress task of ``benchmark`` from CLI ``-T`` strings (read as YAML, as inspect does).

    Raises:
        ConfigError: For an unknown benchmark, probe or task argument.
    """
    parsed = {k: yaml.safe_load(v) if isinstance(v, str) else v for k, v in task_args.items()}
    parsed.pop("benchmark", None)
    try:
        return stress(benchmark=benchmark, **parsed)
    except TypeError as ex:
        raise ConfigError(f"stress: {ex}") from ex
