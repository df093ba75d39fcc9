"""Bootstrap confidence intervals for every leaderboard metric, and paired verifier comparisons.

Method (documented for users of the numbers):

- **Resampling unit: the problem.** The answers of one problem (all generators, all answer
  indices) move together, because they share the problem's difficulty and grading scheme; with 6
  problems per competition this is where the uncertainty is. A resample draws ``P`` problems with
  replacement from the ``P`` problems of the benchmark; a problem drawn twice counts as two
  problems (its answers enter every sum twice, and it adds to each generator's total twice).
  When several benchmarks are pooled (the self-preference contrasts) the problems are resampled
  within each benchmark (a stratified bootstrap).
- **Seeded and shared.** The multiplicities come from ``numpy.random.default_rng(seed)`` and
  depend only on ``(seed, number of problems, n_boot)``, so two runs with the same seed give the
  same intervals, and every verifier of a benchmark sees the *same* resamples.
- **Vectorised.** Each metric is written in terms of per-problem sufficient statistics (sums,
  counts, per-(generator, problem) means, rank counts); a ``(n_boot, P)`` matrix of
  multiplicities times a ``(P, k)`` statistics matrix gives the statistics of all resamples at
  once (rank correlations and AUROC are quadratic / cubic forms in the multiplicities). There is
  no Python loop over resamples; BLAS runs single-threaded (see :func:`single_threaded_blas`).
- **Percentile intervals.** The ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles (linear
  interpolation) of the replicates; resamples where a metric is undefined (a correlation of a
  constant, an AUROC with one class) are left out. The point estimate is always computed on the
  original data with :mod:`verifier_eval.measures` (or the calibration / item functions), so it is
  exactly the number in the log; the vectorised replicate of the unresampled data equals it up to
  floating-point summation order. Caveat: the total-score difference averages *absolute*
  per-generator differences, so its bootstrap distribution sits above the estimate when the true
  differences are near 0, and its percentile interval can then exclude the estimate.
- **Paired comparison.** Two verifiers are compared on the answers both graded, with the same
  resamples for both; the interval is the percentile interval of the replicate differences and the
  two-sided p-value is ``min(1, 2 * min(#{d* <= 0} + 1, #{d* >= 0} + 1) / (n + 1))`` over the ``n``
  defined replicates ``d*``: the smallest level at which the percentile interval excludes 0, with
  the usual +1 so that it is never 0.
"""

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, NamedTuple, ParamSpec, TypeVar, get_args

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from verifier_eval import measures
from verifier_eval.analysis import calibration, items
from verifier_eval.analysis._common import (
    POINTS_DECIMALS,
    RUN_KEYS,
    BoolArray,
    FloatArray,
    IntArray,
    RunKey,
    StrArray,
    iter_runs,
    require_columns,
)
from verifier_eval.errors import ConfigError, DataError

DEFAULT_N_BOOT = 1000
DEFAULT_LEVEL = 0.95
DEFAULT_SEED = 0

# Cap on the (resamples x answers) blocks of the rank-correlation bootstrap with many problems,
# so that a large custom dataset does not allocate gigabytes at once.
_BLOCK_ELEMENTS = 2_000_000

MetricName = Literal[
    "total_score_difference",
    "mae",
    "bias",
    "pearson",
    "spearman",
    "rmse",
    "within_one_rate",
    "format_failure_rate",
    "auroc",
    "brier",
    "ece",
    "accuracy",
    "kendall_tau",
]
METRICS: tuple[MetricName, ...] = get_args(MetricName)

POINTS_METRICS: frozenset[MetricName] = frozenset(
    {
        "total_score_difference",
        "mae",
        "bias",
        "pearson",
        "spearman",
        "rmse",
        "within_one_rate",
        "kendall_tau",
    }
)
"""Metrics on the points scale: meaningless on binary-label benchmarks (NaN there)."""


class Interval(NamedTuple):
    """A point estimate with its percentile bootstrap interval (NaN bounds without resamples)."""

    estimate: float
    low: float
    high: float


class PairedComparison(NamedTuple):
    """Verifier B against verifier A on the same answers, with the same resamples."""

    metric: str
    benchmark: str
    verifier_a: str
    verifier_b: str
    estimate_a: float
    estimate_b: float
    difference: float
    """``estimate_b - estimate_a`` (whether that is better depends on the metric)."""
    low: float
    high: float
    p_value: float
    """Two-sided bootstrap p-value of "no difference"."""
    n_answers: int
    n_problems: int
    n_boot: int


@dataclass(frozen=True)
class MetricOptions:
    """Choices shared by the calibration metrics.

    Attributes:
        threshold: Human points at or above which an answer is "correct" (``None``: full credit);
            see :func:`verifier_eval.analysis.calibration.calibration_labels`.
        n_bins: Equal-width bins of the expected calibration error.
    """

    threshold: float | None = None
    n_bins: int = calibration.DEFAULT_N_BINS


@dataclass(frozen=True)
class ProblemLayout:
    """The resampling units: problems keyed ``(benchmark, problem_id)``, grouped by benchmark.

    Attributes:
        keys: Problems sorted by benchmark, then problem id.
        strata: Number of problems of each benchmark, in the order of ``keys``.
    """

    keys: tuple[tuple[str, str], ...]
    strata: tuple[int, ...]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> "ProblemLayout":
        """The layout of the problems present in ``frame``."""
        benchmarks, problems, pairs = _problem_codes(frame)
        codes = np.unique(pairs)
        n = len(problems)
        keys = tuple((str(benchmarks[c // n]), str(problems[c % n])) for c in codes)
        strata = np.bincount(codes // n, minlength=len(benchmarks))
        return cls(keys, tuple(int(k) for k in strata if k > 0))

    @property
    def n_problems(self) -> int:
        """Number of problems."""
        return len(self.keys)

    def index(self, frame: pd.DataFrame) -> IntArray:
        """Problem index of each row of ``frame``."""
        position = {key: i for i, key in enumerate(self.keys)}
        benchmarks, problems, pairs = _problem_codes(frame)
        # One dictionary lookup per distinct problem, not per answer.
        codes, inverse = np.unique(pairs, return_inverse=True)
        n = len(problems)
        try:
            found = np.array(
                [position[(str(benchmarks[c // n]), str(problems[c % n]))] for c in codes],
                dtype=np.int64,
            )
        except KeyError as ex:
            raise DataError(f"problem {ex.args[0]} is not in the resampling layout") from ex
        index: IntArray = found[inverse]
        return index


def _problem_codes(frame: pd.DataFrame) -> tuple[StrArray, StrArray, IntArray]:
    """Distinct benchmarks, distinct problem ids, and a (benchmark, problem) code per row."""
    benchmarks, b = np.unique(frame["benchmark"].to_numpy(dtype=str), return_inverse=True)
    problems, p = np.unique(frame["problem_id"].to_numpy(dtype=str), return_inverse=True)
    return benchmarks, problems, (b * len(problems) + p).astype(np.int64)


@functools.cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with one BLAS thread.

    The bootstrap's matrix products are small (``n_boot`` x tens of problems); BLAS threads cost
    more than they save there, and on a busy machine OpenBLAS's spinning threads made them 5-10x
    slower in our measurements. (threadpoolctl comes with scikit-learn.)
    """
    with _threadpools().limit(limits=1, user_api="blas"):
        yield


_P = ParamSpec("_P")
_R = TypeVar("_R")


def single_threaded(f: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate an analysis entry point to run under :func:`single_threaded_blas`."""

    @functools.wraps(f)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with single_threaded_blas():
            return f(*args, **kwargs)

    return wrapper


def resample_counts(strata: int | Sequence[int], n_boot: int, seed: int) -> IntArray:
    """Multiplicity of every problem in every bootstrap resample.

    Args:
        strata: Number of problems, or the number of problems of each stratum (benchmark); each
            stratum is resampled within itself, in order, from one generator.
        n_boot: Number of resamples.
        seed: Seed of ``numpy.random.default_rng``.

    Returns:
        An ``(n_boot, total problems)`` integer matrix whose rows sum to the number of problems of
        each stratum.
    """
    sizes = (strata,) if isinstance(strata, int) else tuple(strata)
    rng = np.random.default_rng(seed)
    blocks = []
    for size in sizes:
        draws = rng.integers(0, size, size=(n_boot, size))
        offsets = (np.arange(n_boot) * size)[:, None]
        flat = np.bincount((draws + offsets).ravel(), minlength=n_boot * size)
        blocks.append(flat.reshape(n_boot, size))
    if not blocks:
        return np.zeros((n_boot, 0), dtype=np.int64)
    return np.hstack(blocks).astype(np.int64)


@functools.lru_cache(maxsize=64)
def _weights(strata: tuple[int, ...], n_boot: int, seed: int) -> FloatArray:
    # Every run of a benchmark shares one matrix; it is cached and read-only.
    weights = resample_counts(strata, n_boot, seed).astype(np.float64)
    weights.setflags(write=False)
    return weights


def bootstrap_weights(layout: ProblemLayout, n_boot: int, seed: int) -> FloatArray:
    """Float multiplicities ``(n_boot, n_problems)`` for ``layout`` (cached, read-only)."""
    return _weights(layout.strata, n_boot, seed)


@dataclass(frozen=True)
class AnswerArrays:
    """One run's answers as arrays, with the failure policy and labels resolved.

    Attributes:
        n_problems: Number of problems of the layout.
        generators: Generator names, sorted; ``generator`` indexes into them.
        problem: Problem index per answer.
        generator: Generator index per answer.
        verifier_points: Verifier points per answer.
        human_points: Human points per answer.
        format_ok: Share of valid epochs per answer.
        scored: Whether the answer enters the point metrics (failure policy).
        probability: Verifier probability of full credit.
        label: Full-credit label (NaN where undefined).
        calibrated: Whether the answer enters the calibration metrics (scored, label defined).
        n_bins: Bins of the expected calibration error.
    """

    n_problems: int
    generators: tuple[str, ...]
    problem: IntArray
    generator: IntArray
    verifier_points: FloatArray
    human_points: FloatArray
    format_ok: FloatArray
    scored: BoolArray
    probability: FloatArray
    label: FloatArray
    calibrated: BoolArray
    n_bins: int

    @classmethod
    def of(
        cls,
        frame: pd.DataFrame,
        layout: ProblemLayout,
        options: MetricOptions | None = None,
        scored: pd.DataFrame | None = None,
    ) -> "AnswerArrays":
        """Arrays of ``frame`` (one run, or one verifier pooled over benchmarks).

        Args:
            frame: The rows.
            layout: The resampling layout of their problems.
            options: Calibration choices.
            scored: ``measures.scored_answers(frame)`` when already computed (same index).
        """
        options = options or MetricOptions()
        # Positional masks below need a unique index; tidy frames built by concatenation may not
        # have one.
        frame = frame.reset_index(drop=True)
        generators, generator = np.unique(
            frame["generator"].to_numpy(dtype=str), return_inverse=True
        )
        kept = measures.scored_answers(frame) if scored is None else scored
        in_scored = frame.index.isin(kept.index)
        label = calibration.calibration_labels(frame, threshold=options.threshold)
        return cls(
            n_problems=layout.n_problems,
            generators=tuple(str(g) for g in generators),
            problem=layout.index(frame),
            generator=generator.astype(np.int64),
            verifier_points=frame["verifier_points"].to_numpy(dtype=float),
            human_points=frame["human_points"].to_numpy(dtype=float),
            format_ok=frame["format_ok"].to_numpy(dtype=float),
            scored=np.asarray(in_scored, dtype=bool),
            probability=calibration.calibration_probabilities(frame).to_numpy(dtype=float),
            label=label.to_numpy(dtype=float),
            calibrated=np.asarray(in_scored & label.notna().to_numpy(), dtype=bool),
            n_bins=options.n_bins,
        )

    def problem_sums(self, mask: BoolArray, values: FloatArray | None = None) -> FloatArray:
        """Per-problem sum of ``values`` (or count) over the rows in ``mask``."""
        weights = None if values is None else values[mask]
        return np.bincount(self.problem[mask], weights=weights, minlength=self.n_problems).astype(
            float
        )


def ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator`` where the denominator is positive, NaN elsewhere."""
    out = np.full(np.broadcast_shapes(numerator.shape, denominator.shape), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _mean_over_answers(
    a: AnswerArrays, w: FloatArray, mask: BoolArray, values: FloatArray
) -> FloatArray:
    return ratio(w @ a.problem_sums(mask, values), w @ a.problem_sums(mask))


class GeneratorTotals(NamedTuple):
    """Generator totals of every resample (``(n_boot, n_generators)``)."""

    verifier: FloatArray
    human: FloatArray
    present: BoolArray


def generator_totals(a: AnswerArrays, w: FloatArray) -> GeneratorTotals:
    """Per resample and generator: per-problem answer means summed over the drawn problems."""
    mask = a.scored
    n_gen, n_prob = len(a.generators), a.n_problems
    cell = a.problem[mask] * n_gen + a.generator[mask]
    size = n_prob * n_gen
    count = np.bincount(cell, minlength=size).reshape(n_prob, n_gen).astype(float)
    safe = np.where(count > 0, count, 1.0)
    sum_v = np.bincount(cell, weights=a.verifier_points[mask], minlength=size)
    sum_h = np.bincount(cell, weights=a.human_points[mask], minlength=size)
    return GeneratorTotals(
        verifier=w @ (sum_v.reshape(n_prob, n_gen) / safe),
        human=w @ (sum_h.reshape(n_prob, n_gen) / safe),
        present=(w @ (count > 0).astype(float)) > 0,
    )


def _total_score_difference(a: AnswerArrays, w: FloatArray) -> FloatArray:
    totals = generator_totals(a, w)
    gap = np.abs(totals.verifier - totals.human)
    gap[~totals.present] = 0.0
    return ratio(gap.sum(axis=1), totals.present.sum(axis=1).astype(float))


def _errors(a: AnswerArrays) -> FloatArray:
    return a.verifier_points - a.human_points


def _mae(a: AnswerArrays, w: FloatArray) -> FloatArray:
    return _mean_over_answers(a, w, a.scored, np.abs(_errors(a)))


def _bias(a: AnswerArrays, w: FloatArray) -> FloatArray:
    return _mean_over_answers(a, w, a.scored, _errors(a))


def _rmse(a: AnswerArrays, w: FloatArray) -> FloatArray:
    return np.sqrt(_mean_over_answers(a, w, a.scored, _errors(a) ** 2))


def _within_one(a: AnswerArrays, w: FloatArray) -> FloatArray:
    within = np.round(np.abs(_errors(a)), POINTS_DECIMALS) <= items.WITHIN_POINTS
    return _mean_over_answers(a, w, a.scored, within.astype(float))


def _format_failure_rate(a: AnswerArrays, w: FloatArray) -> FloatArray:
    every = np.ones_like(a.scored)
    return _mean_over_answers(a, w, every, 1.0 - a.format_ok)


def _not_constant(a: AnswerArrays, w: FloatArray, values: FloatArray) -> BoolArray:
    # measures.pearson/spearman return NaN for constant inputs (np.ptp == 0). A resample is
    # constant exactly when every drawn problem (with answers) is constant at one common value c,
    # i.e. when it draws no problem outside the set of problems constant at c.
    mask = a.scored
    problems, values = a.problem[mask], values[mask]
    low = np.full(a.n_problems, np.inf)
    high = np.full(a.n_problems, -np.inf)
    np.minimum.at(low, problems, values)
    np.maximum.at(high, problems, values)
    has_rows = np.isfinite(low)
    constant_at = np.where(has_rows & (low == high), low, np.nan)
    result = np.ones(w.shape[0], dtype=bool)
    for c in np.unique(constant_at[np.isfinite(constant_at)]):
        elsewhere = has_rows & (constant_at != c)
        result &= (w @ elsewhere.astype(float)) > 0
    return result


def _correlation_defined(a: AnswerArrays, w: FloatArray) -> BoolArray:
    n = w @ a.problem_sums(a.scored)
    return np.asarray(
        (n >= 2) & _not_constant(a, w, a.verifier_points) & _not_constant(a, w, a.human_points)
    )


def _pearson(a: AnswerArrays, w: FloatArray) -> FloatArray:
    mask = a.scored
    if not mask.any():
        return np.full(w.shape[0], np.nan)
    # Shifting by one observed value leaves r unchanged and keeps the sums small.
    x = a.verifier_points - a.verifier_points[mask][0]
    y = a.human_points - a.human_points[mask][0]
    stats = np.stack(
        [np.ones_like(x), x, y, x * x, y * y, x * y], axis=1
    )  # sufficient statistics per answer
    n, sx, sy, sxx, syy, sxy = (w @ np.stack([a.problem_sums(mask, s) for s in stats.T], axis=1)).T
    cov = n * sxy - sx * sy
    var = (n * sxx - sx * sx) * (n * syy - sy * sy)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.clip(cov / np.sqrt(var), -1.0, 1.0)
    return np.where(_correlation_defined(a, w), r, np.nan)


def _rank_coefficients(a: AnswerArrays, mask: BoolArray, values: FloatArray) -> FloatArray:
    # In a resample every answer of problem p appears w_p times, so the mid-rank of a value v is
    # (weighted count of smaller values) + (its own weighted count + 1) / 2 = w . c(v) + 1/2 with
    # c(v)_p = #{answers of p below v} + #{answers of p equal to v} / 2: linear in the weights.
    # Returns c for every selected answer, shape (answers, problems).
    v = values[mask]
    return _below_counts(v, v, a.problem[mask], a.n_problems)


def _below_counts(
    queries: FloatArray, values: FloatArray, problems: IntArray, n_problems: int
) -> FloatArray:
    """``#{values of problem p below q} + #{equal to q} / 2`` for every query ``q`` and problem."""
    counts = np.zeros((len(queries), n_problems))
    for p in range(n_problems):
        ordered = np.sort(values[problems == p])
        left = np.searchsorted(ordered, queries, side="left")
        right = np.searchsorted(ordered, queries, side="right")
        counts[:, p] = left + (right - left) / 2.0
    return counts


def _rank_moments(
    w: FloatArray, problems: IntArray, n_problems: int, cx: FloatArray, cy: FloatArray
) -> FloatArray:
    """``sum_i w[p_i] (w . a_i + 1/2)(w . b_i + 1/2)`` for (a, b) = (cx, cx), (cy, cy), (cx, cy).

    Returns:
        ``(n_boot, 3)``: the weighted sums of squared x ranks, squared y ranks and their products.
    """
    onehot = np.zeros((len(problems), n_problems))
    onehot[np.arange(len(problems)), problems] = 1.0
    n = w @ onehot.sum(axis=0)
    sides = ((cx, cx), (cy, cy), (cx, cy))
    linear = np.stack([((w @ (onehot.T @ (a + b))) * w).sum(axis=1) for a, b in sides], axis=1)
    if n_problems**2 <= len(problems):
        # Few problems: each cubic term is sum_pqr w_p w_q w_r T[p, q, r] with a (P, P, P) tensor
        # T, i.e. the row-wise dot product of (w outer w) with w @ T.
        tensors = np.concatenate(
            [
                (onehot.T @ (a[:, :, None] * b[:, None, :]).reshape(len(problems), -1))
                for a, b in sides
            ],
            axis=1,
        )
        partial = (w @ tensors).reshape(len(w), 3, n_problems**2)
        outer = (w[:, :, None] * w[:, None, :]).reshape(len(w), n_problems**2)
        main = np.einsum("bkj,bj->bk", partial, outer)
    else:
        main = np.empty((len(w), 3))
        step = max(1, _BLOCK_ELEMENTS // max(1, len(problems)))
        for start in range(0, len(w), step):
            block = w[start : start + step]
            row_weight = block @ onehot.T
            ranks_x, ranks_y = block @ cx.T, block @ cy.T
            main[start : start + step, 0] = (row_weight * ranks_x * ranks_x).sum(axis=1)
            main[start : start + step, 1] = (row_weight * ranks_y * ranks_y).sum(axis=1)
            main[start : start + step, 2] = (row_weight * ranks_x * ranks_y).sum(axis=1)
    return np.asarray(main + 0.5 * linear + 0.25 * n[:, None])


def _spearman(a: AnswerArrays, w: FloatArray) -> FloatArray:
    mask = a.scored
    if not mask.any():
        return np.full(w.shape[0], np.nan)
    cx = _rank_coefficients(a, mask, a.verifier_points)
    cy = _rank_coefficients(a, mask, a.human_points)
    n = w @ a.problem_sums(mask)
    mean_square = (n * ((n + 1.0) / 2.0) ** 2)[:, None]
    sxx, syy, sxy = (_rank_moments(w, a.problem[mask], a.n_problems, cx, cy) - mean_square).T
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)
    return np.where(_correlation_defined(a, w), r, np.nan)


def _auroc(a: AnswerArrays, w: FloatArray) -> FloatArray:
    # The Mann-Whitney count, the sum over (positive, negative) pairs of [p+ > p-] + [p+ = p-] / 2,
    # is a quadratic form in the problem weights: pairs from problems (p, q) count w_p * w_q times.
    mask = a.calibrated
    prob, problems = a.probability[mask], a.problem[mask]
    positive = a.label[mask] == 1.0
    onehot = np.zeros((len(prob), a.n_problems))
    onehot[np.arange(len(prob)), problems] = 1.0
    n_pos = w @ onehot[positive].sum(axis=0)
    n_neg = w @ onehot[~positive].sum(axis=0)
    distinct, value = np.unique(prob, return_inverse=True)
    if 2 * len(distinct) < a.n_problems:
        # Few distinct probabilities (e.g. a constant baseline): count per value instead, which
        # costs (n_boot x P x values) instead of (n_boot x P x P).
        cells = a.n_problems * len(distinct)
        pos = np.bincount(problems[positive] * len(distinct) + value[positive], minlength=cells)
        neg = np.bincount(problems[~positive] * len(distinct) + value[~positive], minlength=cells)
        w_pos = w @ pos.reshape(a.n_problems, -1).astype(float)
        w_neg = w @ neg.reshape(a.n_problems, -1).astype(float)
        below = np.cumsum(w_neg, axis=1) - w_neg
        u = (w_pos * (below + 0.5 * w_neg)).sum(axis=1)
    else:
        wins = _below_counts(prob[positive], prob[~positive], problems[~positive], a.n_problems)
        pair_counts = onehot[positive].T @ wins
        u = ((w @ pair_counts) * w).sum(axis=1)
    return ratio(u, n_pos * n_neg)


def _brier(a: AnswerArrays, w: FloatArray) -> FloatArray:
    return _mean_over_answers(a, w, a.calibrated, (a.probability - a.label) ** 2)


def _accuracy(a: AnswerArrays, w: FloatArray) -> FloatArray:
    hit = (a.probability >= calibration.ACCURACY_CUTOFF) == (a.label == 1.0)
    return _mean_over_answers(a, w, a.calibrated, hit.astype(float))


def _ece(a: AnswerArrays, w: FloatArray) -> FloatArray:
    mask = a.calibrated
    bins = calibration.bin_index(a.probability[mask], a.n_bins)
    gap = np.bincount(
        a.problem[mask] * a.n_bins + bins,
        weights=(a.probability - a.label)[mask],
        minlength=a.n_problems * a.n_bins,
    ).reshape(a.n_problems, a.n_bins)
    return ratio(np.abs(w @ gap).sum(axis=1), w @ a.problem_sums(mask))


def kendall_tau_b(x: FloatArray, y: FloatArray, present: BoolArray | None = None) -> FloatArray:
    """Kendall's tau-b between the columns of ``x`` and ``y``, row by row.

    Args:
        x: ``(rows, items)`` scores.
        y: ``(rows, items)`` scores.
        present: Which items take part in each row (all by default).

    Returns:
        One tau-b per row (as ``scipy.stats.kendalltau``), NaN when either side is all ties.
        Values equal at 9 decimals count as tied.
    """
    first, second = np.triu_indices(x.shape[1], k=1)
    # Pairwise differences as one matrix product (much faster than fancy indexing); on values
    # rounded to 9 decimals a tie gives an exact 0.
    pairs_matrix = np.zeros((x.shape[1], len(first)))
    pairs_matrix[first, np.arange(len(first))] = 1.0
    pairs_matrix[second, np.arange(len(first))] = -1.0
    sx = np.sign(np.round(x, POINTS_DECIMALS) @ pairs_matrix)
    sy = np.sign(np.round(y, POINTS_DECIMALS) @ pairs_matrix)
    if present is not None and not present.all():
        valid = (present[:, first] & present[:, second]).astype(float)
        sx, sy = sx * valid, sy * valid
    # Row-wise dot products: concordant minus discordant pairs, and pairs untied on each side.
    score = np.einsum("ij,ij->i", sx, sy)
    untied_x = np.einsum("ij,ij->i", sx, sx)
    untied_y = np.einsum("ij,ij->i", sy, sy)
    return ratio(score, np.sqrt(untied_x * untied_y))


def _kendall(a: AnswerArrays, w: FloatArray) -> FloatArray:
    totals = generator_totals(a, w)
    return kendall_tau_b(totals.verifier, totals.human, totals.present)


Replicates = Callable[[AnswerArrays, FloatArray], FloatArray]


class PointContext:
    """One run's data for the point estimates, with the shared subsets computed once."""

    def __init__(self, frame: pd.DataFrame, options: MetricOptions) -> None:
        """Wrap ``frame`` (one run) and the metric options."""
        self.frame = frame
        self.options = options

    @functools.cached_property
    def scored(self) -> pd.DataFrame:
        """The rows of the point metrics (:func:`verifier_eval.measures.scored_answers`)."""
        return measures.scored_answers(self.frame)

    @functools.cached_property
    def calibration(self) -> pd.DataFrame:
        """The rows of the calibration metrics, with ``probability`` and ``label``."""
        return calibration.calibration_rows(self.scored, threshold=self.options.threshold)


PointEstimate = Callable[[PointContext], float]


class MetricSpec(NamedTuple):
    """How one metric is estimated on the data and on all resamples at once."""

    point: PointEstimate | None
    """Estimate on the original data; ``None``: the replicate function at unit weights."""
    replicates: Replicates
    higher_is_better: bool


def _on_scored(f: Callable[[pd.DataFrame], float]) -> PointEstimate:
    return lambda ctx: f(ctx.scored)


def _on_calibration(f: Callable[[pd.Series, pd.Series], float]) -> PointEstimate:
    return lambda ctx: f(ctx.calibration["label"], ctx.calibration["probability"])


def _ece_point(ctx: PointContext) -> float:
    data = ctx.calibration
    return calibration.expected_calibration_error(
        data["label"], data["probability"], n_bins=ctx.options.n_bins
    )


METRIC_SPECS: dict[MetricName, MetricSpec] = {
    "total_score_difference": MetricSpec(
        _on_scored(measures.total_score_difference), _total_score_difference, False
    ),
    "mae": MetricSpec(_on_scored(measures.mean_absolute_error), _mae, False),
    "bias": MetricSpec(_on_scored(measures.signed_bias), _bias, False),
    "pearson": MetricSpec(_on_scored(measures.pearson), _pearson, True),
    "spearman": MetricSpec(_on_scored(measures.spearman), _spearman, True),
    "rmse": MetricSpec(_on_scored(items.rmse), _rmse, False),
    "within_one_rate": MetricSpec(_on_scored(items.within_points_rate), _within_one, True),
    "format_failure_rate": MetricSpec(
        lambda ctx: measures.format_failure_rate(ctx.frame["format_ok"]),
        _format_failure_rate,
        False,
    ),
    "auroc": MetricSpec(_on_calibration(calibration.auroc), _auroc, True),
    "brier": MetricSpec(_on_calibration(calibration.brier_score), _brier, False),
    "ece": MetricSpec(_ece_point, _ece, False),
    "accuracy": MetricSpec(_on_calibration(calibration.accuracy), _accuracy, True),
    "kendall_tau": MetricSpec(None, _kendall, True),
}
"""Every metric with a bootstrap interval. ``bias`` is signed: closer to 0 is better."""


def check_metrics(metrics: Sequence[str]) -> tuple[MetricName, ...]:
    """Validate metric names; ``ConfigError`` names the valid ones. Returns them in order."""
    unknown = [m for m in metrics if m not in METRIC_SPECS]
    if unknown:
        raise ConfigError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}")
    return tuple(m for m in METRICS if m in metrics)


def percentile_interval(
    estimate: float, replicates: FloatArray, level: float = DEFAULT_LEVEL
) -> Interval:
    """Percentile interval of the defined replicates (NaN bounds when none or no estimate)."""
    return percentile_intervals([estimate], replicates.reshape(-1, 1), level)[0]


def _linear_quantiles(values: FloatArray, quantiles: tuple[float, float]) -> FloatArray:
    """``np.quantile(values, quantiles, axis=0)`` (linear method) with one sort."""
    n = values.shape[0]
    position = np.asarray(quantiles) * (n - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    # A full sort: numpy's vectorised sort beats a multi-pivot partition several times here.
    ordered = np.sort(values, axis=0)
    a, b = ordered[below], ordered[above]
    # numpy's form of the interpolation: exact when both neighbours are equal.
    out: FloatArray = a + (b - a) * (position - below)[:, None]
    return out


def percentile_intervals(
    estimates: Sequence[float], replicates: FloatArray, level: float = DEFAULT_LEVEL
) -> list[Interval]:
    """:func:`percentile_interval` of several statistics at once.

    Args:
        estimates: ``k`` point estimates.
        replicates: ``(n_boot, k)`` replicates, column ``j`` of statistic ``j``.
        level: Confidence level.

    Returns:
        ``k`` intervals.
    """
    quantiles = ((1.0 - level) / 2.0, (1.0 + level) / 2.0)
    k = len(estimates)
    low, high = np.full(k, np.nan), np.full(k, np.nan)
    if replicates.shape[0] > 0:
        # One selection for the columns without undefined replicates (the usual case).
        complete = np.isfinite(replicates).all(axis=0)
        if complete.any():
            low[complete], high[complete] = _linear_quantiles(replicates[:, complete], quantiles)
        for j in np.flatnonzero(~complete):
            finite = replicates[np.isfinite(replicates[:, j]), j]
            if finite.size:
                low[j], high[j] = np.quantile(finite, quantiles)
    return [
        Interval(float(e), math.nan, math.nan)
        if math.isnan(e)
        else Interval(float(e), float(lo), float(hi))
        for e, lo, hi in zip(estimates, low, high, strict=True)
    ]


@single_threaded
def point_estimate(
    frame: pd.DataFrame, metric: MetricName, options: MetricOptions | None = None
) -> float:
    """One metric on the original data (the log's number for the log's metrics)."""
    options = options or MetricOptions()
    spec = METRIC_SPECS[metric]
    if spec.point is not None:
        return spec.point(PointContext(frame, options))
    layout = ProblemLayout.of(frame)
    arrays = AnswerArrays.of(frame, layout, options)
    return float(spec.replicates(arrays, np.ones((1, layout.n_problems)))[0])


@single_threaded
def replicates(
    frame: pd.DataFrame,
    metric: MetricName,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    options: MetricOptions | None = None,
) -> FloatArray:
    """The ``n_boot`` bootstrap replicates of one metric on one run (NaN where undefined)."""
    layout = ProblemLayout.of(frame)
    arrays = AnswerArrays.of(frame, layout, options)
    return METRIC_SPECS[metric].replicates(arrays, bootstrap_weights(layout, n_boot, seed))


@single_threaded
def bootstrap_metrics(
    frame: pd.DataFrame,
    metrics: Sequence[MetricName] = METRICS,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    options: MetricOptions | None = None,
) -> dict[MetricName, Interval]:
    """Point estimates and percentile intervals of several metrics on one run.

    Args:
        frame: Tidy answers of one run (one verifier, benchmark, version and log).
        metrics: Metric names (see :data:`METRICS`).
        n_boot: Number of resamples; 0 gives NaN bounds.
        seed: Seed of the resamples.
        level: Confidence level of the intervals.
        options: Calibration choices.

    Returns:
        ``{metric: Interval}`` in the order of :data:`METRICS`.
    """
    require_columns(frame, ("benchmark", "problem_id", "generator"), "bootstrap")
    names = check_metrics(metrics)
    if frame.empty:
        return {m: Interval(math.nan, math.nan, math.nan) for m in names}
    return run_metrics(RunData.of(frame, options=options), names, n_boot, seed, level)


class RunData:
    """One run's rows with what every analysis derives from them, each computed once.

    The standalone analyses build one per run; :func:`verifier_eval.analysis.analyse` shares it
    between all of them.
    """

    def __init__(
        self, key: RunKey | None, frame: pd.DataFrame, options: MetricOptions | None = None
    ) -> None:
        """Wrap one run's rows (any index; it is reset)."""
        self.key = key
        self.frame = frame.reset_index(drop=True)
        self.options = options or MetricOptions()
        self.layout = ProblemLayout.of(self.frame)
        self.context = PointContext(self.frame, self.options)
        self.arrays = AnswerArrays.of(self.frame, self.layout, self.options, self.context.scored)

    @classmethod
    def of(cls, frame: pd.DataFrame, options: MetricOptions | None = None) -> "RunData":
        """A run without a key (e.g. several benchmarks of one verifier, pooled)."""
        return cls(None, frame, options)

    def weights(self, n_boot: int, seed: int) -> FloatArray:
        """Bootstrap multiplicities of this run's problems (shared across runs, cached)."""
        return bootstrap_weights(self.layout, n_boot, seed)

    @property
    def unit(self) -> FloatArray:
        """Unit weights: the original data."""
        return np.ones((1, self.layout.n_problems))


def runs(frame: pd.DataFrame, options: MetricOptions | None = None) -> Iterator[RunData]:
    """:class:`RunData` of every run of ``frame`` (see :data:`RUN_KEYS`)."""
    for key, rows in iter_runs(frame):
        yield RunData(key, rows, options)


def run_metrics(
    run: RunData,
    names: Sequence[MetricName],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> dict[MetricName, Interval]:
    """:func:`bootstrap_metrics` on prepared run data (names already checked)."""
    estimates = []
    for name in names:
        spec = METRIC_SPECS[name]
        if spec.point is not None:
            estimates.append(spec.point(run.context))
        else:
            estimates.append(float(spec.replicates(run.arrays, run.unit)[0]))
    weights = run.weights(n_boot, seed) if n_boot > 0 else np.ones((0, run.layout.n_problems))
    replicates = np.empty((len(weights), len(names)))
    if len(weights):
        for j, name in enumerate(names):
            replicates[:, j] = METRIC_SPECS[name].replicates(run.arrays, weights)
    return dict(zip(names, percentile_intervals(estimates, replicates, level), strict=True))


@single_threaded
def bootstrap_table(
    frame: pd.DataFrame,
    metrics: Sequence[MetricName] = METRICS,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    options: MetricOptions | None = None,
) -> pd.DataFrame:
    """:func:`bootstrap_metrics` of every run: columns ``<metric>, <metric>_low, <metric>_high``.

    Args and defaults as in :func:`bootstrap_metrics`.
    """
    names = check_metrics(metrics)
    rows = []
    for key, run in iter_runs(frame):
        found = bootstrap_metrics(
            run, names, n_boot=n_boot, seed=seed, level=level, options=options
        )
        row: dict[str, object] = dict(key._asdict())
        for name, interval in found.items():
            row[name], row[f"{name}_low"], row[f"{name}_high"] = interval
        rows.append(row)
    columns = [*RUN_KEYS, *(f"{n}{s}" for n in names for s in ("", "_low", "_high"))]
    return pd.DataFrame(rows, columns=columns)


def _one_run(frame: pd.DataFrame, verifier: str, benchmark: str) -> pd.DataFrame:
    rows = frame.loc[(frame["verifier"] == verifier) & (frame["benchmark"] == benchmark)]
    if rows.empty:
        raise ConfigError(f"no answers of verifier {verifier!r} on benchmark {benchmark!r}")
    runs = rows[["task_version", "log"]].drop_duplicates()
    if len(runs) > 1:
        raise ConfigError(
            f"verifier {verifier!r} has {len(runs)} runs of {benchmark!r} (task versions "
            f"{sorted(runs['task_version'].astype(str).unique())}); keep one, e.g. load the logs "
            "with newest_only=True or filter on task_version"
        )
    return rows


@single_threaded
def paired_comparison(
    frame: pd.DataFrame,
    verifier_a: str,
    verifier_b: str,
    *,
    metric: MetricName = "total_score_difference",
    benchmark: str | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    options: MetricOptions | None = None,
) -> PairedComparison:
    """Is verifier B better than verifier A? Difference B - A on the answers both graded.

    Args:
        frame: Tidy answers containing one run of each verifier on the benchmark.
        verifier_a: The reference verifier (e.g. the previous checkpoint).
        verifier_b: The challenger.
        metric: Metric to compare (see :data:`METRICS`).
        benchmark: Benchmark to compare on; may be omitted when the frame has only one.
        n_boot: Number of resamples (problems, shared by both verifiers).
        seed: Seed of the resamples.
        level: Confidence level of the interval.
        options: Calibration choices.

    Returns:
        The comparison; ``difference`` is ``B - A`` (negative is better for error metrics).

    Raises:
        ConfigError: Unknown metric or verifier, an ambiguous benchmark, several runs of one
            verifier, or no answers in common.
    """
    (name,) = check_metrics([metric])
    options = options or MetricOptions()
    if benchmark is None:
        benchmarks = sorted(frame["benchmark"].astype(str).unique())
        if len(benchmarks) != 1:
            raise ConfigError(f"several benchmarks {benchmarks}: choose one with benchmark=")
        benchmark = benchmarks[0]
    rows_a = _one_run(frame, verifier_a, benchmark)
    rows_b = _one_run(frame, verifier_b, benchmark)
    common = sorted(set(rows_a["sample_id"]) & set(rows_b["sample_id"]))
    if not common:
        raise ConfigError(f"{verifier_a!r} and {verifier_b!r} graded no common answers")
    rows_a = rows_a.loc[rows_a["sample_id"].isin(common)]
    rows_b = rows_b.loc[rows_b["sample_id"].isin(common)]
    layout = ProblemLayout.of(rows_a)
    spec = METRIC_SPECS[name]
    arrays_a = AnswerArrays.of(rows_a, layout, options)
    arrays_b = AnswerArrays.of(rows_b, layout, options)
    unit = np.ones((1, layout.n_problems))
    if spec.point is not None:
        est_a = spec.point(PointContext(rows_a, options))
        est_b = spec.point(PointContext(rows_b, options))
    else:
        est_a = float(spec.replicates(arrays_a, unit)[0])
        est_b = float(spec.replicates(arrays_b, unit)[0])
    difference = est_b - est_a
    low = high = p_value = math.nan
    if n_boot > 0:
        weights = bootstrap_weights(layout, n_boot, seed)
        deltas = spec.replicates(arrays_b, weights) - spec.replicates(arrays_a, weights)
        _, low, high = percentile_interval(difference, deltas, level)
        p_value = bootstrap_p_value(deltas)
    return PairedComparison(
        metric=name,
        benchmark=benchmark,
        verifier_a=verifier_a,
        verifier_b=verifier_b,
        estimate_a=est_a,
        estimate_b=est_b,
        difference=difference,
        low=low,
        high=high,
        p_value=p_value,
        n_answers=len(common),
        n_problems=layout.n_problems,
        n_boot=n_boot,
    )


def bootstrap_p_value(differences: FloatArray) -> float:
    """Two-sided bootstrap p-value of "the difference is 0" (see the module docstring)."""
    finite = differences[np.isfinite(differences)]
    if finite.size == 0:
        return math.nan
    at_most = int((finite <= 0).sum()) + 1
    at_least = int((finite >= 0).sum()) + 1
    return float(min(1.0, 2.0 * min(at_most, at_least) / (finite.size + 1)))
