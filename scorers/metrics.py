"""Inspect ``@metric``s written into every log; the math lives in ``verifier_eval.measures``."""

import pandas as pd
from inspect_ai.scorer import Metric, SampleScore, metric

from verifier_eval import measures
from verifier_eval.analysis import calibration


def scores_frame(scores: list[SampleScore]) -> pd.DataFrame:
    """One row per answer from confidence-scorer scores (all answers, failures included)."""
    rows = []
    for s in scores:
        value = s.score.value
        meta = s.score.metadata or {}
        if not isinstance(value, dict):
            continue
        rows.append(
            {
                "generator": meta.get("generator"),
                "problem_id": meta.get("problem_id"),
                "verifier_points": float(value["verifier_points"]),
                "human_points": float(value["human_points"]),
                "format_ok": float(value["format_ok"]),
                "failure_policy": meta.get("failure_policy", "zero"),
            }
        )
    columns = ["generator", "problem_id", "verifier_points", "human_points", "format_ok"]
    return pd.DataFrame(rows, columns=[*columns, "failure_policy"])


def _scored(scores: list[SampleScore]) -> pd.DataFrame:
    return measures.scored_answers(scores_frame(scores))


@metric
def total_score_difference() -> Metric:
    """Mean over generators of |verifier total - human total| (the seed's headline, 0-42)."""

    def compute(scores: list[SampleScore]) -> float:
        return measures.total_score_difference(_scored(scores))

    return compute


@metric
def total_score_difference_by_generator() -> Metric:
    """|verifier total - human total| for each generator."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        return measures.total_score_difference_by_generator(_scored(scores))

    return compute


@metric
def mae() -> Metric:
    """Per-answer mean absolute error in points."""

    def compute(scores: list[SampleScore]) -> float:
        return measures.mean_absolute_error(_scored(scores))

    return compute


@metric
def signed_bias() -> Metric:
    """Per-answer mean of verifier minus human points."""

    def compute(scores: list[SampleScore]) -> float:
        return measures.signed_bias(_scored(scores))

    return compute


@metric
def pearson() -> Metric:
    """Pearson correlation of verifier and human points."""

    def compute(scores: list[SampleScore]) -> float:
        return measures.pearson(_scored(scores))

    return compute


@metric
def spearman() -> Metric:
    """Spearman correlation of verifier and human points."""

    def compute(scores: list[SampleScore]) -> float:
        return measures.spearman(_scored(scores))

    return compute


@metric
def format_failure_rate() -> Metric:
    """Share of answers without a valid verdict."""

    def compute(scores: list[SampleScore]) -> float:
        return measures.format_failure_rate(scores_frame(scores)["format_ok"])

    return compute


def _binary(scores: list[SampleScore]) -> tuple[pd.Series, pd.Series]:
    """Labels (1 = correct) and probabilities (points / max points) of binary-labelled answers."""
    rows = []
    for s in scores:
        value, meta = s.score.value, s.score.metadata or {}
        if not isinstance(value, dict):
            continue
        if meta.get("failure_policy") == "exclude" and float(value["format_ok"]) == 0:
            continue
        rows.append(
            (
                1.0 if meta.get("label") == "correct" else 0.0,
                float(value["verifier_points"]) / float(meta.get("max_points") or 1),
            )
        )
    frame = pd.DataFrame(rows, columns=["label", "probability"])
    return frame["label"], frame["probability"]


@metric
def binary_accuracy() -> Metric:
    """Share of answers where confidence >= 50 agrees with the binary human label."""

    def compute(scores: list[SampleScore]) -> float:
        return calibration.accuracy(*_binary(scores))

    return compute


@metric
def auroc() -> Metric:
    """Area under the ROC curve of the confidence against the binary human label."""

    def compute(scores: list[SampleScore]) -> float:
        return calibration.auroc(*_binary(scores))

    return compute


@metric
def brier() -> Metric:
    """Brier score of confidence / 100 against the binary human label (0 is perfect)."""

    def compute(scores: list[SampleScore]) -> float:
        return calibration.brier_score(*_binary(scores))

    return compute


BINARY_METRICS: list[Metric] = [binary_accuracy(), auroc(), brier(), format_failure_rate()]
