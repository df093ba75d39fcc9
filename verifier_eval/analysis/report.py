"""Every analysis in one pass: what the dashboard (and the speed benchmark) computes.

Calling the analyses one by one gives the same tables; :func:`analyse` only prepares each run's
arrays, point-estimate subsets and resampling weights once and hands them to all of them.
"""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from verifier_eval.analysis._common import (
    HUMAN_CEILING,
    RUN_KEYS,
    Columns,
    RunKey,
    iter_runs,
    keyed,
    require_columns,
    stack,
)
from verifier_eval.analysis.best_of_n import bon_frame, run_best_of_n
from verifier_eval.analysis.bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_SEED,
    MetricOptions,
    RunData,
    single_threaded,
)
from verifier_eval.analysis.calibration import (
    RELIABILITY_COLUMNS,
    SUMMARY_COLUMNS,
    reliability_columns,
    summary_row,
)
from verifier_eval.analysis.items import (
    CANCELLATION_COLUMNS,
    ITEM_COLUMNS,
    cancellation_columns,
    item_row,
)
from verifier_eval.analysis.leaderboard import leaderboard_row, rank_rows
from verifier_eval.analysis.load import with_human_ceiling
from verifier_eval.analysis.ranking import (
    FIDELITY_COLUMNS,
    RANKING_COLUMNS,
    fidelity_row,
    ranking_columns,
)
from verifier_eval.analysis.self_preference import (
    CONTRAST_COLUMNS,
    MATRIX_COLUMNS,
    contrast_row,
    matrix_columns,
    pooled_groups,
)

DEFAULT_WORKERS = 2
"""The project's machine has two cores."""


@dataclass(frozen=True)
class AnalysisReport:
    """All analysis tables of one answers table (see each function for the columns).

    Attributes:
        leaderboard: :func:`verifier_eval.analysis.leaderboard`.
        bias_matrix: :func:`verifier_eval.analysis.self_preference_matrix`.
        bias_contrasts: :func:`verifier_eval.analysis.self_preference_contrasts`.
        best_of_n: :func:`verifier_eval.analysis.best_of_n`.
        calibration: :func:`verifier_eval.analysis.calibration_summary`.
        reliability: :func:`verifier_eval.analysis.reliability_table`.
        ranking: :func:`verifier_eval.analysis.generator_ranking`.
        ranking_fidelity: :func:`verifier_eval.analysis.ranking_fidelity`.
        items: :func:`verifier_eval.analysis.item_metrics`.
        cancellation: :func:`verifier_eval.analysis.cancellation` of every run, with run keys.
    """

    leaderboard: pd.DataFrame
    bias_matrix: pd.DataFrame
    bias_contrasts: pd.DataFrame
    best_of_n: pd.DataFrame
    calibration: pd.DataFrame
    reliability: pd.DataFrame
    ranking: pd.DataFrame
    ranking_fidelity: pd.DataFrame
    items: pd.DataFrame
    cancellation: pd.DataFrame


@single_threaded
def analyse(
    frame: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    options: MetricOptions | None = None,
    overrides: Mapping[str, str] | None = None,
    human_ceiling: bool = True,
    pooled: bool = True,
    workers: int = DEFAULT_WORKERS,
) -> AnalysisReport:
    """Compute every analysis of the tidy answers table.

    Args:
        frame: Tidy answers (``load_answers``).
        n_boot: Problem resamples of every interval (0: no intervals).
        seed: Seed of the resamples.
        level: Confidence level.
        options: Calibration choices (full-credit threshold, ECE bins).
        overrides: Model-key overrides of the self-preference audit.
        human_ceiling: Add the human-human ceiling when ``frame`` lacks it.
        pooled: Add self-preference contrasts pooled over benchmarks.
        workers: Threads that analyse runs concurrently (1: one after the other); the tables
            are the same either way.

    Returns:
        The tables, identical to calling the analyses one by one with the same arguments.
    """
    require_columns(frame, (*RUN_KEYS, "verifier_kind"), "analyse")
    if human_ceiling and not (frame["verifier"] == HUMAN_CEILING).any():
        frame = with_human_ceiling(frame)
    options = options or MetricOptions()
    boot = _Boot(n_boot, seed, level, overrides)

    def one(group: tuple[RunKey, pd.DataFrame]) -> _RunTables:
        return _analyse_run(RunData(group[0], group[1], options), boot, options)

    def pooled_one(group: tuple[RunKey, pd.DataFrame]) -> dict[str, object]:
        return contrast_row(
            RunData(group[0], group[1], options),
            n_boot=n_boot,
            seed=seed,
            level=level,
            overrides=overrides,
        )

    groups = list(iter_runs(frame))
    pooled_groups_ = list(pooled_groups(frame)) if pooled and not frame.empty else []
    if workers > 1:
        # Threads, not processes: the heavy parts are numpy calls that release the GIL, and the
        # run data need no pickling. Each run is independent, so the result does not depend on
        # the number of workers.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            tables = list(pool.map(one, groups))
            pooled_rows = list(pool.map(pooled_one, pooled_groups_))
    else:
        tables = [one(group) for group in groups]
        pooled_rows = [pooled_one(group) for group in pooled_groups_]
    return AnalysisReport(
        leaderboard=rank_rows([t.leaderboard for t in tables]),
        bias_matrix=stack([t.matrix for t in tables], MATRIX_COLUMNS),
        bias_contrasts=pd.DataFrame(
            [t.contrast for t in tables] + pooled_rows, columns=list(CONTRAST_COLUMNS)
        ),
        best_of_n=bon_frame([(t.key, t.best_of_n) for t in tables]),
        calibration=pd.DataFrame([t.calibration for t in tables], columns=list(SUMMARY_COLUMNS)),
        reliability=stack([t.reliability for t in tables], RELIABILITY_COLUMNS),
        ranking=stack([t.ranking for t in tables], RANKING_COLUMNS),
        ranking_fidelity=pd.DataFrame([t.fidelity for t in tables], columns=list(FIDELITY_COLUMNS)),
        items=pd.DataFrame([t.items for t in tables], columns=list(ITEM_COLUMNS)),
        cancellation=stack([t.cancellation for t in tables], (*RUN_KEYS, *CANCELLATION_COLUMNS)),
    )


class _Boot(NamedTuple):
    n_boot: int
    seed: int
    level: float
    overrides: Mapping[str, str] | None


@dataclass(frozen=True)
class _RunTables:
    """Every analysis of one run."""

    key: RunKey | None
    leaderboard: dict[str, object]
    matrix: Columns
    contrast: dict[str, object]
    best_of_n: dict[str, list[object]]
    calibration: dict[str, object]
    reliability: Columns
    ranking: Columns
    fidelity: dict[str, object]
    items: dict[str, object]
    cancellation: Columns


def _analyse_run(run: RunData, boot: _Boot, options: MetricOptions) -> _RunTables:
    key = run.key._asdict() if run.key else {}
    n_boot, seed, level, overrides = boot
    data = run.context.calibration
    scored = run.context.scored
    per_generator = cancellation_columns(scored)
    return _RunTables(
        key=run.key,
        leaderboard=leaderboard_row(run, n_boot=n_boot, seed=seed, level=level),
        matrix=matrix_columns(run, n_boot=n_boot, seed=seed, level=level, overrides=overrides),
        contrast=contrast_row(run, n_boot=n_boot, seed=seed, level=level, overrides=overrides),
        best_of_n=run_best_of_n(run.arrays),
        calibration={**key, **summary_row(data, n_bins=options.n_bins)},
        reliability=keyed(
            reliability_columns(data["label"], data["probability"], n_bins=options.n_bins),
            run.key,
        ),
        ranking=ranking_columns(run),
        fidelity=fidelity_row(run, n_boot=n_boot, seed=seed, level=level),
        items={**key, **item_row(scored, cancel=per_generator)},
        cancellation=keyed(per_generator, run.key),
    )
