"""Metric math over graded answers, shared by the inspect ``@metric``s and the analysis layer.

All functions take a DataFrame with at least ``generator``, ``problem_id``, ``verifier_points`` and
``human_points`` (one row per answer, epochs already reduced) and return plain floats or dicts, so
the numbers written into eval logs and the ones the leaderboard recomputes cannot differ.

The headline metric is the seed's total-score difference: per generator, the mean over answers of
each problem, summed over problems, gives a verifier total and a human total; the metric is
``|verifier total - human total|`` (0-42 on a 6-problem, 7-point competition), averaged over
generators.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class GeneratorTotal:
    """One generator's totals."""

    generator: str
    verifier_total: float
    human_total: float

    @property
    def difference(self) -> float:
        """Signed difference, verifier minus human."""
        return self.verifier_total - self.human_total


def generator_totals(frame: pd.DataFrame) -> list[GeneratorTotal]:
    """Per generator: mean over answers per problem, summed over problems.

    Args:
        frame: One row per answer with ``generator, problem_id, verifier_points, human_points``.

    Returns:
        One :class:`GeneratorTotal` per generator, sorted by generator name.
    """
    if frame.empty:
        return []
    per_problem = frame.groupby(["generator", "problem_id"], sort=True)[
        ["verifier_points", "human_points"]
    ].mean()
    totals = per_problem.groupby(level="generator", sort=True).sum()
    return [
        GeneratorTotal(str(g), float(row.verifier_points), float(row.human_points))
        for g, row in totals.iterrows()
    ]


def total_score_difference(frame: pd.DataFrame) -> float:
    """Mean over generators of ``|verifier total - human total|`` (NaN when empty)."""
    totals = generator_totals(frame)
    if not totals:
        return math.nan
    return float(np.mean([abs(t.difference) for t in totals]))


def total_score_difference_by_generator(frame: pd.DataFrame) -> dict[str, float]:
    """``|verifier total - human total|`` for each generator."""
    return {t.generator: abs(t.difference) for t in generator_totals(frame)}


def mean_absolute_error(frame: pd.DataFrame) -> float:
    """Per-answer mean of ``|verifier points - human points|``."""
    if frame.empty:
        return math.nan
    return float((frame["verifier_points"] - frame["human_points"]).abs().mean())


def signed_bias(frame: pd.DataFrame) -> float:
    """Per-answer mean of ``verifier points - human points`` (positive = too generous)."""
    if frame.empty:
        return math.nan
    return float((frame["verifier_points"] - frame["human_points"]).mean())


def _correlation(frame: pd.DataFrame, method: str) -> float:
    x = frame["verifier_points"].to_numpy(dtype=float)
    y = frame["human_points"].to_numpy(dtype=float)
    # Correlation is undefined for a constant verifier (the always-0 baseline) or constant grades.
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    if method == "pearson":
        return float(stats.pearsonr(x, y).statistic)
    return float(stats.spearmanr(x, y).statistic)


def pearson(frame: pd.DataFrame) -> float:
    """Pearson correlation of verifier and human points per answer (NaN if either is constant)."""
    return _correlation(frame, "pearson")


def spearman(frame: pd.DataFrame) -> float:
    """Spearman rank correlation of verifier and human points (NaN if either is constant)."""
    return _correlation(frame, "spearman")


def format_failure_rate(format_ok: pd.Series) -> float:
    """Share of answers without a valid verdict (``format_ok`` is the share of valid epochs)."""
    if format_ok.empty:
        return math.nan
    return float(1.0 - format_ok.astype(float).mean())


def scored_answers(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that enter the point metrics under each row's failure policy.

    Under ``zero`` every answer counts (a failure already scores 0 points); under ``exclude`` the
    answers without any valid verdict are left out.
    """
    if "failure_policy" not in frame or "format_ok" not in frame:
        return frame
    keep = (frame["failure_policy"] != "exclude") | (frame["format_ok"] > 0)
    return frame.loc[keep]
