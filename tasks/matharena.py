"""Shared loader and task builder for MathArena's human-graded olympiad outputs (USAMO, IMO 2025).

Both benchmarks have the same row schema (the Hugging Face ``MathArena/*_outputs`` datasets), so
one mapping turns rows into :class:`~verifier_eval.records.GradedAnswer` and then into inspect
``Sample``s; each benchmark folder only names its data and version.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Metric
from verifier_eval.scorers.confidence import FailurePolicy, confidence_scorer
from verifier_eval.scorers.reducer import verdict_mean
from verifier_eval.solvers.prompts import PROMPTS
from verifier_eval.solvers.verifier import proof_verifier

from verifier_eval.errors import ConfigError, DataError
from verifier_eval.families import load_family_overrides
from verifier_eval.records import (
    DATA_DIR,
    GradedAnswer,
    LoadedAnswers,
    ProblemInfo,
    collect_matharena,
    read_jsonl,
    verify_snapshot,
)

logger = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("bundled", "hub")


@dataclass(frozen=True)
class MatharenaSpec:
    """Where one MathArena benchmark's data lives."""

    benchmark: str
    snapshot: str
    """File name of the bundled snapshot in ``verifier_eval/data``."""
    hub_path: str
    """Hugging Face dataset id."""
    hub_revision: str | None
    """Pinned revision (commit sha) of the Hub dataset; ``None`` means none is known, so the
    user must pass one."""


def as_list(value: str | int | Iterable[str | int] | None) -> list[str] | None:
    """Accept ``-T x=a,b`` as well as a list.

    Inspect reads ``-T`` values as YAML, so ``problems=1`` arrives as the int 1 and ``problems=1,2``
    as the string ``"1,2"``.
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _hub_rows(spec: MatharenaSpec, revision: str | None) -> list[tuple[str, dict[str, Any]]]:
    revision = revision or spec.hub_revision
    if not revision:
        raise ConfigError(
            f"{spec.benchmark}: loading {spec.hub_path} from the Hub needs a pinned revision; pass "
            "-T hub_revision=<commit sha> (see the benchmark README), or use the bundled snapshot"
        )
    try:
        from datasets import load_dataset

        data = load_dataset(spec.hub_path, split="train", revision=revision)
    except Exception as ex:  # the datasets library raises many unrelated types when offline
        raise DataError(
            f"{spec.benchmark}: could not load {spec.hub_path}@{revision} from the Hugging Face "
            f"Hub ({type(ex).__name__}: {ex}); use source=bundled when offline"
        ) from ex
    return [(f"{spec.hub_path} row {i}", dict(row)) for i, row in enumerate(data)]


def load_matharena(
    spec: MatharenaSpec,
    *,
    source: str = "bundled",
    hub_revision: str | None = None,
    problem_info: dict[str, ProblemInfo] | None = None,
    keep_reasoning: bool = False,
    family_overrides: dict[str, str] | None = None,
    include_partially_graded: bool = False,
) -> LoadedAnswers:
    """Load one MathArena benchmark as graded-answer records.

    Args:
        spec: The benchmark's data location.
        source: ``bundled`` (the pinned snapshot inside the package) or ``hub``.
        hub_revision: Hub revision, overriding the pinned one.
        problem_info: Reference solutions and grading schemes by problem id.
        keep_reasoning: Keep reasoning traces before an end-of-thinking marker.
        family_overrides: Generator-family overrides.
        include_partially_graded: Keep doubly graded answers of partially graded generators.

    Returns:
        The records and the generators left out for lacking two human grades.
    """
    if source == "bundled":
        path = DATA_DIR / spec.snapshot
        verify_snapshot(path)
        rows: Iterable[tuple[str, dict[str, Any]]] = (
            (f"{spec.snapshot} line {n}", row) for n, row in read_jsonl(path)
        )
    elif source == "hub":
        rows = _hub_rows(spec, hub_revision)
    else:
        raise ConfigError(f"unknown source {source!r}; choose one of {list(SOURCES)}")
    return collect_matharena(
        rows,
        benchmark=spec.benchmark,
        problem_info=problem_info,
        keep_reasoning=keep_reasoning,
        family_overrides=family_overrides,
        include_partially_graded=include_partially_graded,
    )


def answer_to_sample(answer: GradedAnswer, prompt: str = "seed") -> Sample:
    """One inspect sample per graded answer; everything the scorer and analyses need is metadata.

    The reference solution and the rubric are kept only when ``prompt`` shows them: inspect
    copies and shortens every metadata string several times per sample, which costs grading
    throughput, and the ``seed`` prompt never reads them.
    """
    template = PROMPTS.get(prompt, "")
    context = {
        field: getattr(answer, field)
        for field in ("reference_solution", "rubric")
        if "{" + field + "}" in template
    }
    return Sample(
        id=answer.sample_id,
        input=answer.solution,
        target=f"{answer.human_points:g}",
        metadata={
            "benchmark": answer.benchmark,
            "problem_id": answer.problem_id,
            "problem": answer.problem,
            "generator": answer.generator,
            "generator_family": answer.generator_family,
            "answer_index": answer.answer_index,
            **context,
            "max_points": answer.max_points,
            "human_points": answer.human_points,
            "judge_points": [j.points for j in answer.judges],
            "judge_comments": [j.comments for j in answer.judges],
            "label": answer.label,
        },
    )


def filter_answers(
    answers: list[GradedAnswer], generators: list[str] | None, problems: list[str] | None
) -> list[GradedAnswer]:
    """Keep the named generators and problems; unknown names are an error, not an empty run."""
    for wanted, field in ((generators, "generator"), (problems, "problem_id")):
        if wanted is None:
            continue
        known = sorted({str(getattr(a, field)) for a in answers})
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ConfigError(f"unknown {field} {unknown}; available: {known}")
        answers = [a for a in answers if str(getattr(a, field)) in wanted]
    return answers


def verifier_task(
    answers: list[GradedAnswer],
    *,
    name: str,
    version: str,
    prompt: str,
    failure_policy: FailurePolicy,
    metadata: dict[str, Any] | None = None,
    metrics: Sequence[Metric] | None = None,
) -> Task:
    """Assemble the task: the verifier solver, the confidence scorer, epochs averaged.

    ``metrics`` replaces the scorer's points metrics (binary-labelled benchmarks).
    """
    if not answers:
        raise ConfigError(f"{name}: no answers left to grade after filtering")
    task_metrics: list[Metric | dict[str, list[Metric]]] | None = (
        None if metrics is None else [*metrics]
    )
    return Task(
        dataset=MemoryDataset([answer_to_sample(a, prompt) for a in answers], name=name),
        solver=proof_verifier(prompt=prompt),
        scorer=confidence_scorer(failure_policy=failure_policy),
        metrics=task_metrics,
        epochs=Epochs(1, verdict_mean()),
        version=version,
        metadata={"benchmark": name, "prompt": prompt, **(metadata or {})},
    )


def matharena_task(
    spec: MatharenaSpec,
    *,
    version: str,
    problem_info: dict[str, ProblemInfo] | None,
    prompt: str,
    generators: str | list[str] | None,
    problems: str | int | list[str] | None,
    keep_reasoning: bool,
    failure_policy: FailurePolicy,
    source: str,
    hub_revision: str | None,
    family_overrides: str | dict[str, str] | None,
    include_partially_graded: bool,
) -> Task:
    """Build a MathArena verifier task (see the benchmark tasks for the parameters)."""
    loaded = load_matharena(
        spec,
        source=source,
        hub_revision=hub_revision,
        problem_info=problem_info,
        keep_reasoning=keep_reasoning,
        family_overrides=load_family_overrides(family_overrides),
        include_partially_graded=include_partially_graded,
    )
    if loaded.excluded_generators:
        logger.warning(
            "%s: left out generators without two human grades: %s",
            spec.benchmark,
            ", ".join(f"{g} ({n} answers)" for g, n in sorted(loaded.excluded_generators.items())),
        )
    answers = filter_answers(loaded.answers, as_list(generators), as_list(problems))
    return verifier_task(
        answers,
        name=spec.benchmark,
        version=version,
        prompt=prompt,
        failure_policy=failure_policy,
        metadata={
            "source": source,
            "keep_reasoning": keep_reasoning,
            "excluded_generators": loaded.excluded_generators,
        },
    )
