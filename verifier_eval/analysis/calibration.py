"""Calibration and discrimination: does the confidence behave like a probability of full credit?

Label and probability (documented choices):

- **Label** ``1`` when the answer deserves full credit. Where the row has a binary human ``label``
  (OPC) that label is used; elsewhere the label is ``human_points >= threshold``, with the threshold
  defaulting to the row's ``max_points``: on MathArena, whose human points are the mean of two
  judges, this means *both* judges gave 7/7. Pass ``threshold`` (in points) to move it, e.g.
  ``threshold=6`` for "essentially correct".
- **Probability** ``confidence / 100``, computed as ``verifier_points / max_points`` so that a
  format failure is probability 0 under the ``zero`` policy (and epochs are averaged as in the
  log). Under ``exclude`` the failures are dropped, exactly as in the point metrics
  (:func:`verifier_eval.measures.scored_answers`). Probabilities are rounded to 12 decimals so that
  ``0.3 * 7 / 7`` falls in the same calibration bin and ties with ``0.3``.

Expected calibration error uses ``n_bins`` equal-width bins over [0, 1] (default 10): bin ``k``
holds ``k/n <= p < (k+1)/n``, the last bin also holds ``p = 1``; ECE is the count-weighted mean of
``|mean probability - observed rate|`` over non-empty bins.
"""

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata

from verifier_eval import measures
from verifier_eval.analysis._common import (
    RUN_KEYS,
    Columns,
    FloatArray,
    IntArray,
    iter_runs,
    keyed,
    points_equal_or_above,
    stack,
)

DEFAULT_N_BINS = 10
"""Equal-width bins of the expected calibration error and the reliability curve."""

ACCURACY_CUTOFF = 0.5
"""A verdict counts as "correct" when the confidence is at least 50."""

PROBABILITY_DECIMALS = 12


def calibration_labels(frame: pd.DataFrame, *, threshold: float | None = None) -> pd.Series:
    """Full-credit label per row (1.0 / 0.0): the binary ``label`` where present, else points.

    Args:
        frame: Tidy answers (``human_points``, ``max_points``, optionally ``label``).
        threshold: Human points at or above which an answer counts as correct; ``None`` means the
            row's ``max_points`` (full credit).

    Returns:
        A float Series aligned with ``frame``.
    """
    cut = frame["max_points"].to_numpy(dtype=float) if threshold is None else threshold
    by_points = points_equal_or_above(frame["human_points"].to_numpy(dtype=float), cut)
    labels = by_points.astype(float)
    if "label" in frame:
        given = frame["label"].to_numpy(dtype=float)
        labels = np.where(np.isnan(given), labels, given)
    return pd.Series(labels, index=frame.index)


def calibration_probabilities(frame: pd.DataFrame) -> pd.Series:
    """Verifier probability of full credit per row: ``verifier_points / max_points`` in [0, 1]."""
    ratio = frame["verifier_points"].to_numpy(dtype=float) / frame["max_points"].to_numpy(
        dtype=float
    )
    return pd.Series(np.round(np.clip(ratio, 0.0, 1.0), PROBABILITY_DECIMALS), index=frame.index)


def calibration_data(frame: pd.DataFrame, *, threshold: float | None = None) -> pd.DataFrame:
    """The rows that enter calibration, with ``probability`` and ``label`` columns added.

    Args:
        frame: Tidy answers of one or more runs.
        threshold: See :func:`calibration_labels`.

    Returns:
        The scored rows (failure policy applied) with a defined label.
    """
    return calibration_rows(measures.scored_answers(frame), threshold=threshold)


def calibration_rows(scored: pd.DataFrame, *, threshold: float | None = None) -> pd.DataFrame:
    """:func:`calibration_data` of rows that already passed the failure policy."""
    data = scored.assign(
        probability=calibration_probabilities(scored),
        label=calibration_labels(scored, threshold=threshold),
    )
    return data.loc[data["label"].notna()]


def _arrays(labels: npt.ArrayLike, probabilities: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    return y, p


def auroc(labels: npt.ArrayLike, probabilities: npt.ArrayLike) -> float:
    """Area under the ROC curve (ties count one half); NaN when only one class is present.

    Computed with the Mann-Whitney rank formula, which equals ``sklearn.metrics.roc_auc_score``.
    """
    y, p = _arrays(labels, probabilities)
    positive = y == 1.0
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = rankdata(p)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def brier_score(labels: npt.ArrayLike, probabilities: npt.ArrayLike) -> float:
    """Mean squared difference between probability and label (0 is perfect); NaN when empty."""
    y, p = _arrays(labels, probabilities)
    if len(y) == 0:
        return math.nan
    return float(np.mean((p - y) ** 2))


def accuracy(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike, *, cutoff: float = ACCURACY_CUTOFF
) -> float:
    """Share of rows where ``probability >= cutoff`` agrees with the label; NaN when empty."""
    y, p = _arrays(labels, probabilities)
    if len(y) == 0:
        return math.nan
    return float(np.mean((p >= cutoff) == (y == 1.0)))


def bin_index(probabilities: npt.ArrayLike, n_bins: int = DEFAULT_N_BINS) -> IntArray:
    """Equal-width bin of each probability (``p = 1`` goes to the last bin)."""
    p = np.asarray(probabilities, dtype=float)
    bins: IntArray = np.minimum(np.floor(p * n_bins), n_bins - 1).astype(np.int64)
    return bins


def expected_calibration_error(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike, *, n_bins: int = DEFAULT_N_BINS
) -> float:
    """Count-weighted mean over bins of ``|mean probability - observed rate|``; NaN when empty."""
    y, p = _arrays(labels, probabilities)
    if len(y) == 0:
        return math.nan
    bins = bin_index(p, n_bins)
    gap = np.bincount(bins, weights=p - y, minlength=n_bins)
    return float(np.abs(gap).sum() / len(y))


def reliability_curve(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike, *, n_bins: int = DEFAULT_N_BINS
) -> pd.DataFrame:
    """Reliability-diagram points: one row per non-empty bin.

    Returns:
        Columns ``bin, bin_low, bin_high, n, mean_probability, observed_rate``.
    """
    return pd.DataFrame(reliability_columns(labels, probabilities, n_bins=n_bins))


def reliability_columns(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike, *, n_bins: int = DEFAULT_N_BINS
) -> Columns:
    """:func:`reliability_curve` as columns."""
    y, p = _arrays(labels, probabilities)
    bins = bin_index(p, n_bins)
    count = np.bincount(bins, minlength=n_bins)
    sum_p = np.bincount(bins, weights=p, minlength=n_bins)
    sum_y = np.bincount(bins, weights=y, minlength=n_bins)
    keep = count > 0
    k = np.arange(n_bins)[keep]
    return {
        "bin": k.tolist(),
        "bin_low": (k / n_bins).tolist(),
        "bin_high": ((k + 1) / n_bins).tolist(),
        "n": count[keep].tolist(),
        "mean_probability": (sum_p[keep] / count[keep]).tolist(),
        "observed_rate": (sum_y[keep] / count[keep]).tolist(),
    }


SUMMARY_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "n",
    "positives",
    "auroc",
    "brier",
    "ece",
    "accuracy",
)
RELIABILITY_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "bin",
    "bin_low",
    "bin_high",
    "n",
    "mean_probability",
    "observed_rate",
)


def summary_row(data: pd.DataFrame, *, n_bins: int = DEFAULT_N_BINS) -> dict[str, object]:
    """AUROC, Brier, ECE and accuracy of one run's :func:`calibration_data`."""
    y, p = data["label"].to_numpy(dtype=float), data["probability"].to_numpy(dtype=float)
    return {
        "n": len(y),
        "positives": int(y.sum()),
        "auroc": auroc(y, p),
        "brier": brier_score(y, p),
        "ece": expected_calibration_error(y, p, n_bins=n_bins),
        "accuracy": accuracy(y, p),
    }


def calibration_summary(
    frame: pd.DataFrame, *, threshold: float | None = None, n_bins: int = DEFAULT_N_BINS
) -> pd.DataFrame:
    """AUROC, Brier score, ECE and accuracy per run.

    Args:
        frame: Tidy answers.
        threshold: See :func:`calibration_labels`.
        n_bins: Bins of the expected calibration error.

    Returns:
        :data:`SUMMARY_COLUMNS`, one row per run.
    """
    rows = [
        {**key._asdict(), **summary_row(calibration_data(run, threshold=threshold), n_bins=n_bins)}
        for key, run in iter_runs(frame)
    ]
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def reliability_table(
    frame: pd.DataFrame, *, threshold: float | None = None, n_bins: int = DEFAULT_N_BINS
) -> pd.DataFrame:
    """Reliability-curve points of every run (:data:`RELIABILITY_COLUMNS`)."""
    parts = []
    for key, run in iter_runs(frame):
        data = calibration_data(run, threshold=threshold)
        curve = reliability_columns(data["label"], data["probability"], n_bins=n_bins)
        parts.append(keyed(curve, key))
    return stack(parts, RELIABILITY_COLUMNS)
