"""Item-level extras: RMSE, the within-one-point rate and the cancellation diagnostic.

The seed's headline (total-score difference) sums per-problem errors before taking the absolute
value, so a verifier that is 3 points too generous on one problem and 3 points too harsh on another
scores a perfect 0. The cancellation diagnostic shows how much of that happens per generator:
``sum_abs_error`` is ``Σ_p |e_p|`` and ``abs_sum_error`` is ``|Σ_p e_p|``, where ``e_p`` is the
generator's mean (verifier - human) error on problem ``p``; ``cancelled = sum_abs - abs_sum`` is
the error hidden by cancellation and ``cancelled_share`` its share of ``sum_abs_error``.
"""

import math

import numpy as np
import pandas as pd

from verifier_eval import measures
from verifier_eval.analysis._common import POINTS_DECIMALS, RUN_KEYS, Columns, iter_runs

WITHIN_POINTS = 1.0
"""Tolerance of the within-one-point rate (inclusive)."""


def _errors(frame: pd.DataFrame) -> pd.Series:
    return (frame["verifier_points"] - frame["human_points"]).astype(float)


def rmse(frame: pd.DataFrame) -> float:
    """Root mean squared per-answer error in points (NaN when empty)."""
    if frame.empty:
        return math.nan
    return float(np.sqrt((_errors(frame) ** 2).mean()))


def within_points_rate(frame: pd.DataFrame, tolerance: float = WITHIN_POINTS) -> float:
    """Share of answers with ``|verifier - human| <= tolerance`` points (NaN when empty)."""
    if frame.empty:
        return math.nan
    error = _errors(frame).abs().round(POINTS_DECIMALS)
    return float((error <= tolerance).mean())


CANCELLATION_COLUMNS: tuple[str, ...] = (
    "generator",
    "n_problems",
    "sum_abs_error",
    "abs_sum_error",
    "cancelled",
    "cancelled_share",
)
ITEM_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "n_answers",
    "rmse",
    "within_one_rate",
    "sum_abs_error",
    "abs_sum_error",
    "cancelled_share",
)


def cancellation(frame: pd.DataFrame) -> pd.DataFrame:
    """Per generator: ``Σ_p |e_p|`` against ``|Σ_p e_p|`` of per-problem mean errors.

    Args:
        frame: Tidy answers of one run (the failure policy is applied here).

    Returns:
        Columns ``generator, n_problems, sum_abs_error, abs_sum_error, cancelled,
        cancelled_share`` (share NaN when there is no error at all). ``abs_sum_error`` equals
        :func:`verifier_eval.measures.total_score_difference_by_generator` (up to rounding).
    """
    return scored_cancellation(measures.scored_answers(frame))


def scored_cancellation(scored: pd.DataFrame) -> pd.DataFrame:
    """:func:`cancellation` of rows that already passed the failure policy."""
    return pd.DataFrame(cancellation_columns(scored), columns=list(CANCELLATION_COLUMNS))


def cancellation_columns(scored: pd.DataFrame) -> Columns:
    """:func:`scored_cancellation` as columns."""
    if scored.empty:
        return {name: [] for name in CANCELLATION_COLUMNS}
    generators, generator = np.unique(scored["generator"].to_numpy(dtype=str), return_inverse=True)
    problems, problem = np.unique(scored["problem_id"].to_numpy(dtype=str), return_inverse=True)
    cell = generator * len(problems) + problem
    size = len(generators) * len(problems)
    count = np.bincount(cell, minlength=size).reshape(len(generators), len(problems))
    error_sum = np.bincount(cell, weights=_errors(scored).to_numpy(), minlength=size)
    # The per-problem mean error of each generator, as in measures.generator_totals, so that
    # abs_sum_error is the generator's |verifier total - human total| (tests pin the equality).
    mean_error = np.where(count > 0, error_sum.reshape(count.shape) / np.maximum(count, 1), 0.0)
    sum_abs = np.abs(mean_error).sum(axis=1)
    abs_sum = np.abs(mean_error.sum(axis=1))
    cancelled = sum_abs - abs_sum
    share = np.full(len(generators), math.nan)
    np.divide(cancelled, sum_abs, out=share, where=sum_abs > 0)
    return {
        "generator": [str(g) for g in generators],
        "n_problems": (count > 0).sum(axis=1).tolist(),
        "sum_abs_error": sum_abs.tolist(),
        "abs_sum_error": abs_sum.tolist(),
        "cancelled": cancelled.tolist(),
        "cancelled_share": share.tolist(),
    }


def item_row(
    scored: pd.DataFrame,
    *,
    tolerance: float = WITHIN_POINTS,
    cancel: Columns | None = None,
) -> dict[str, object]:
    """RMSE, within rate and cancellation totals of one run's scored rows.

    Args:
        scored: The run's rows after the failure policy.
        tolerance: Points tolerance of the within rate.
        cancel: ``cancellation_columns(scored)`` when already computed.
    """
    cancel = cancellation_columns(scored) if cancel is None else cancel
    sum_abs = float(sum(cancel["sum_abs_error"]))
    abs_sum = float(sum(cancel["abs_sum_error"]))
    return {
        "n_answers": len(scored),
        "rmse": rmse(scored),
        "within_one_rate": within_points_rate(scored, tolerance),
        "sum_abs_error": sum_abs,
        "abs_sum_error": abs_sum,
        "cancelled_share": (sum_abs - abs_sum) / sum_abs if sum_abs > 0 else math.nan,
    }


def item_metrics(frame: pd.DataFrame, *, tolerance: float = WITHIN_POINTS) -> pd.DataFrame:
    """RMSE, within-one-point rate and total cancellation per run.

    Args:
        frame: Tidy answers.
        tolerance: Points tolerance of the within rate.

    Returns:
        :data:`ITEM_COLUMNS`, one row per run (the cancellation sums over generators).
    """
    rows = [
        {**key._asdict(), **item_row(measures.scored_answers(run), tolerance=tolerance)}
        for key, run in iter_runs(frame)
    ]
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))
