"""Ranking fidelity: does the verifier order the generators as the human judges do?

Each generator's total (mean points per problem, summed over problems; as
:func:`verifier_eval.measures.generator_totals`) is computed from the verifier's points and from
the human points; Kendall's tau-b between the two gives the agreement of the induced rankings
(1: same order, 0: unrelated, -1: reversed; tied totals handled as in ``scipy.stats.kendalltau``).
Its interval resamples problems (see :mod:`verifier_eval.analysis.bootstrap`).
"""

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from verifier_eval.analysis._common import POINTS_DECIMALS, RUN_KEYS, Columns, keyed, stack
from verifier_eval.analysis.bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    RunData,
    generator_totals,
    run_metrics,
    runs,
    single_threaded,
)

RANKING_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "generator",
    "verifier_total",
    "human_total",
    "difference",
    "verifier_rank",
    "human_rank",
)
FIDELITY_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "n_generators",
    "kendall_tau",
    "kendall_tau_low",
    "kendall_tau_high",
)


def ranking_columns(run: RunData) -> Columns:
    """Generator totals and ranks of one run (see :func:`generator_ranking`)."""
    arrays = run.arrays
    # Unit weights: measures.generator_totals of the scored answers (tests pin it).
    totals = generator_totals(arrays, run.unit)
    present = totals.present[0]
    verifier_total, human_total = totals.verifier[0][present], totals.human[0][present]
    # Rank 1 = highest total; totals equal at 9 decimals tie and share the mean rank.
    verifier_rank = rankdata(-np.round(verifier_total, POINTS_DECIMALS))
    human_rank = rankdata(-np.round(human_total, POINTS_DECIMALS))
    generators = np.array(arrays.generators, dtype=object)[present]
    order = np.lexsort((generators.astype(str), human_rank))
    columns: Columns = {
        "generator": generators[order].tolist(),
        "verifier_total": verifier_total[order].tolist(),
        "human_total": human_total[order].tolist(),
        "difference": (verifier_total - human_total)[order].tolist(),
        "verifier_rank": verifier_rank[order].tolist(),
        "human_rank": human_rank[order].tolist(),
    }
    return keyed(columns, run.key)


def fidelity_row(
    run: RunData,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> dict[str, object]:
    """Kendall's tau of one run with its interval (see :func:`ranking_fidelity`)."""
    tau = run_metrics(run, ["kendall_tau"], n_boot, seed, level)["kendall_tau"]
    return {
        **(run.key._asdict() if run.key else {}),
        "n_generators": len(run.arrays.generators),
        "kendall_tau": tau.estimate,
        "kendall_tau_low": tau.low,
        "kendall_tau_high": tau.high,
    }


@single_threaded
def generator_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Generator totals and ranks by verifier and by humans, per run.

    Args:
        frame: Tidy answers (the failure policy is applied).

    Returns:
        :data:`RANKING_COLUMNS` (rank 1 = highest total; ties share the mean rank), best human
        rank first.
    """
    return stack([ranking_columns(run) for run in runs(frame)], RANKING_COLUMNS)


@single_threaded
def ranking_fidelity(
    frame: pd.DataFrame,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> pd.DataFrame:
    """Kendall's tau-b between verifier and human generator rankings, with interval, per run.

    Args:
        frame: Tidy answers.
        n_boot: Resamples of problems (0: no interval).
        seed: Seed of the resamples.
        level: Confidence level.

    Returns:
        :data:`FIDELITY_COLUMNS` (tau NaN with fewer than two generators or when either side
        ranks all generators equal).
    """
    rows = [fidelity_row(run, n_boot=n_boot, seed=seed, level=level) for run in runs(frame)]
    return pd.DataFrame(rows, columns=list(FIDELITY_COLUMNS))
