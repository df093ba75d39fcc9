"""The confidence scorer: parse the answer, scale it to points, keep everything for audits."""

from typing import Literal

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState
from verifier_eval.scorers.metrics import (
    format_failure_rate,
    mae,
    pearson,
    signed_bias,
    spearman,
    total_score_difference,
    total_score_difference_by_generator,
)

from verifier_eval.errors import ConfigError
from verifier_eval.verdict import parse_confidence

FailurePolicy = Literal["zero", "exclude"]
FAILURE_POLICIES: tuple[str, ...] = ("zero", "exclude")


@scorer(
    metrics=[
        total_score_difference(),
        total_score_difference_by_generator(),
        mae(),
        signed_bias(),
        pearson(),
        spearman(),
        format_failure_rate(),
    ]
)
def confidence_scorer(failure_policy: FailurePolicy = "zero") -> Scorer:
    """Score a verifier's confidence against the human grade of the answer.

    The confidence (0-100) is scaled linearly to points (``confidence / 100 * max_points``).

    Args:
        failure_policy: What an unparseable, ambiguous, out-of-range or truncated answer counts
            as: ``zero`` points (the seed's evaluation) or ``exclude`` (left out of the metrics;
            still counted in the format-failure rate).
    """
    if failure_policy not in FAILURE_POLICIES:
        raise ConfigError(
            f"unknown failure_policy {failure_policy!r}; choose one of {list(FAILURE_POLICIES)}"
        )

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        max_points = float(meta["max_points"])
        verdict = parse_confidence(
            state.output.completion, truncated=state.output.stop_reason == "max_tokens"
        )
        points = 0.0 if verdict.confidence is None else verdict.confidence / 100 * max_points
        return Score(
            value={
                "verifier_points": points,
                "human_points": float(meta["human_points"]),
                "format_ok": 1.0 if verdict.ok else 0.0,
            },
            answer=verdict.matched,
            explanation=f"verdict {verdict.status.value}"
            + (f" ({verdict.form})" if verdict.form else ""),
            metadata={
                "benchmark": meta["benchmark"],
                "problem_id": meta["problem_id"],
                "generator": meta["generator"],
                "generator_family": meta["generator_family"],
                "answer_index": meta["answer_index"],
                "confidence": verdict.confidence,
                "verdict_status": verdict.status.value,
                "max_points": max_points,
                "judge_points": meta["judge_points"],
                "label": meta.get("label"),
                "failure_policy": failure_policy,
            },
        )

    return score
