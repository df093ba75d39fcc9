"""Best-of-N: how much human score does picking the verifier's favourite answer gain?

For one generator and problem with ``m`` answers (human points ``h``, verifier points ``s``), a
Best-of-N selector draws ``N`` of the ``m`` answers and keeps the one the verifier rates highest.
Its value here is the **exact** expected human score over all ``C(m, N)`` subsets, ties between
equally rated answers broken uniformly at random (so a tie contributes the mean of the tied
answers' human points). Answer ``i`` is picked with probability

    P_i = sum_t C(E_i, t) C(L_i, N - 1 - t) / (t + 1) / C(m, N)

where ``L_i`` answers are rated below ``i`` and ``E_i`` others tie with it (``t`` of those are
drawn alongside it). The baselines are a random pick (expected value: the mean of ``h``, for every
``N``) and the oracle (the best human score of the subset, expected over subsets). Totals sum over
the generator's problems; ``gain_pct`` is ``100 * (best_of_n - random) / random`` and
``gap_closed`` is ``(best_of_n - random) / (oracle - random)`` (NaN when the oracle gains
nothing, e.g. at ``N = 1``). A generator takes part for ``N`` up to its smallest number of answers
on a problem. The ``(all)`` rows average the totals over the generators that take part at that
``N`` (``n_generators``), and take the gains from those averages.

Selection uses ``verifier_points`` of every answer whatever the failure policy: a selector needs a
score for each answer, and an answer without a valid verdict scores 0.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import comb

from verifier_eval.analysis._common import (
    POINTS_DECIMALS,
    RUN_KEYS,
    FloatArray,
    IntArray,
    RunKey,
)
from verifier_eval.analysis.bootstrap import AnswerArrays, runs, single_threaded

ALL_GENERATORS = "(all)"
"""``generator`` of the rows averaged over generators."""

BON_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "generator",
    "n",
    "n_problems",
    "n_generators",
    "random",
    "best_of_n",
    "oracle",
    "gain_pct",
    "gap_closed",
)


def pick_probabilities(scores: Sequence[float], n: int) -> FloatArray:
    """Probability that each answer is the Best-of-``n`` pick (uniform subsets, random ties).

    Args:
        scores: Verifier scores of the ``m`` answers (compared at 9 decimals).
        n: Subset size, ``1 <= n <= m``.

    Returns:
        ``m`` probabilities summing to 1.
    """
    s = np.round(np.asarray(scores, dtype=float), POINTS_DECIMALS)
    m = len(s)
    if not 1 <= n <= m:
        raise ValueError(f"subset size {n} must be between 1 and the number of answers {m}")
    below = (s[None, :] < s[:, None]).sum(axis=1).astype(np.int64)
    ties = (s[None, :] == s[:, None]).sum(axis=1).astype(np.int64) - 1
    return _pick_weights(below, ties, np.full(m, m, dtype=np.int64), n)


def expected_best_of_n(scores: Sequence[float], human: Sequence[float], n: int) -> float:
    """Expected human points of the Best-of-``n`` pick by ``scores``."""
    return float(pick_probabilities(scores, n) @ np.asarray(human, dtype=float))


def expected_oracle(human: Sequence[float], n: int) -> float:
    """Expected best human points among ``n`` answers drawn without replacement."""
    return expected_best_of_n(human, human, n)


def _gains(
    random: FloatArray, best: FloatArray, oracle: FloatArray
) -> tuple[FloatArray, FloatArray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(random > 0, 100.0 * (best - random) / random, np.nan)
        gap = oracle - random
        closed = np.where(np.round(gap, POINTS_DECIMALS) > 0, (best - random) / gap, np.nan)
    return gain, closed


def _pick_weights(below: IntArray, ties: IntArray, size: IntArray, n: int) -> FloatArray:
    """:func:`pick_probabilities` for many answers at once (each with its cell's counts)."""
    total = np.zeros(len(below))
    for t in range(n):
        total += comb(ties, t) * comb(below, n - 1 - t) / (t + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(size >= n, total / comb(size, n), 0.0)


def _rank_counts(cell: IntArray, values: FloatArray) -> tuple[IntArray, IntArray]:
    """Per answer: answers of its cell rated below it, and others rated equal."""
    rounded = np.round(values, POINTS_DECIMALS)
    order = np.lexsort((rounded, cell))
    c, v = cell[order], rounded[order]
    position = np.arange(len(c))
    # After sorting by (cell, value) each cell, and each run of equal values in it, is a block.
    new_cell = np.r_[True, c[1:] != c[:-1]]
    new_value = new_cell | np.r_[True, v[1:] != v[:-1]]
    cell_start = np.maximum.accumulate(np.where(new_cell, position, 0))
    value_start = np.maximum.accumulate(np.where(new_value, position, 0))
    block = np.cumsum(new_value) - 1
    below, ties = np.empty_like(position), np.empty_like(position)
    below[order] = value_start - cell_start
    ties[order] = np.bincount(block)[block] - 1
    return below.astype(np.int64), ties.astype(np.int64)


def run_best_of_n(a: AnswerArrays) -> dict[str, list[object]]:
    """Best-of-N columns of one run (prepared arrays): per generator, then ``(all)``, by ``N``."""
    n_gen, n_prob = len(a.generators), a.n_problems
    cell = a.generator * n_prob + a.problem
    n_cells = n_gen * n_prob
    size_of_cell = np.bincount(cell, minlength=n_cells)
    size = size_of_cell[cell]
    human = a.human_points
    below_s, ties_s = _rank_counts(cell, a.verifier_points)
    below_h, ties_h = _rank_counts(cell, human)
    answered = (size_of_cell > 0).reshape(n_gen, n_prob)
    # A generator takes part up to its smallest number of answers on a problem it answered.
    max_n = np.where(answered, size_of_cell.reshape(n_gen, n_prob), np.iinfo(np.int64).max).min(
        axis=1
    )
    n_problems = answered.sum(axis=1)
    random_cell = np.bincount(cell, weights=human, minlength=n_cells) / np.maximum(size_of_cell, 1)
    random = random_cell.reshape(n_gen, n_prob).sum(axis=1)
    by_n: list[tuple[int, FloatArray, FloatArray]] = []
    for n in range(1, int(max_n.max()) + 1):
        best_cell = np.bincount(
            cell, weights=_pick_weights(below_s, ties_s, size, n) * human, minlength=n_cells
        )
        oracle_cell = np.bincount(
            cell, weights=_pick_weights(below_h, ties_h, size, n) * human, minlength=n_cells
        )
        by_n.append(
            (
                n,
                best_cell.reshape(n_gen, n_prob).sum(axis=1),
                oracle_cell.reshape(n_gen, n_prob).sum(axis=1),
            )
        )
    out: dict[str, list[object]] = {c: [] for c in BON_COLUMNS if c not in RUN_KEYS}

    def add(
        generator: str, n: int, problems: int, generators: int, r: float, b: float, o: float
    ) -> None:
        gain, closed = _gains(np.array([r]), np.array([b]), np.array([o]))
        values = (generator, n, problems, generators, r, b, o, float(gain[0]), float(closed[0]))
        for column, value in zip(out, values, strict=True):
            out[column].append(value)

    for g, name in enumerate(a.generators):
        for n, best, oracle in by_n:
            if max_n[g] >= n:
                add(
                    name,
                    n,
                    int(n_problems[g]),
                    1,
                    float(random[g]),
                    float(best[g]),
                    float(oracle[g]),
                )
    for n, best, oracle in by_n:
        part = max_n >= n
        add(
            ALL_GENERATORS,
            n,
            int(n_problems[part].max()),
            int(part.sum()),
            float(random[part].mean()),
            float(best[part].mean()),
            float(oracle[part].mean()),
        )
    return out


@single_threaded
def best_of_n(frame: pd.DataFrame) -> pd.DataFrame:
    """Best-of-N totals, gains and gap closed for every run, generator and ``N``.

    Args:
        frame: Tidy answers.

    Returns:
        :data:`BON_COLUMNS`, one row per run, generator (plus ``(all)``) and ``N``.
    """
    return bon_frame([(run.key, run_best_of_n(run.arrays)) for run in runs(frame)])


def bon_frame(parts: Sequence[tuple[RunKey | None, dict[str, list[object]]]]) -> pd.DataFrame:
    """One table from the columns of several runs."""
    columns: dict[str, list[object]] = {c: [] for c in BON_COLUMNS}
    for key, part in parts:
        rows = len(part["n"])
        for name, value in (key._asdict() if key else {}).items():
            columns[name].extend([value] * rows)
        for name, values in part.items():
            columns[name].extend(values)
    return pd.DataFrame(columns, columns=list(BON_COLUMNS))
