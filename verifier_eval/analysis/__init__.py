"""Analysis layer over eval logs: tidy answers, leaderboard with intervals, audits.

:func:`load_answers` builds the tidy answers table (ARCHITECTURE.md) from a log directory; every
other function is a pure function of that table. :func:`analyse` computes all tables at once.
The functions ``leaderboard`` and ``best_of_n`` share their names with their modules; import
helpers from the modules with ``from verifier_eval.analysis.best_of_n import ...``.
"""

from verifier_eval.analysis._common import (
    HUMAN_CEILING,
    RUN_KEYS,
    TIDY_COLUMNS,
    RunKey,
    verifier_kind,
)
from verifier_eval.analysis.best_of_n import (
    best_of_n,
    expected_best_of_n,
    expected_oracle,
    pick_probabilities,
)
from verifier_eval.analysis.bootstrap import (
    METRICS,
    Interval,
    MetricOptions,
    PairedComparison,
    bootstrap_metrics,
    bootstrap_table,
    paired_comparison,
    resample_counts,
)
from verifier_eval.analysis.calibration import (
    auroc,
    brier_score,
    calibration_summary,
    expected_calibration_error,
    reliability_curve,
    reliability_table,
)
from verifier_eval.analysis.items import cancellation, item_metrics, rmse, within_points_rate
from verifier_eval.analysis.leaderboard import (
    bias_table,
    bon_table,
    format_table,
    leaderboard,
    render_bias,
    render_bon,
)
from verifier_eval.analysis.load import load_answers, newest_runs, with_human_ceiling
from verifier_eval.analysis.ranking import generator_ranking, ranking_fidelity
from verifier_eval.analysis.report import AnalysisReport, analyse
from verifier_eval.analysis.self_preference import (
    model_key,
    self_preference_contrasts,
    self_preference_matrix,
)

__all__ = [
    "AnalysisReport",
    "HUMAN_CEILING",
    "METRICS",
    "RUN_KEYS",
    "TIDY_COLUMNS",
    "Interval",
    "MetricOptions",
    "PairedComparison",
    "RunKey",
    "analyse",
    "auroc",
    "best_of_n",
    "bias_table",
    "bon_table",
    "bootstrap_metrics",
    "bootstrap_table",
    "brier_score",
    "calibration_summary",
    "cancellation",
    "expected_best_of_n",
    "expected_calibration_error",
    "expected_oracle",
    "format_table",
    "generator_ranking",
    "item_metrics",
    "leaderboard",
    "load_answers",
    "model_key",
    "newest_runs",
    "paired_comparison",
    "pick_probabilities",
    "ranking_fidelity",
    "reliability_curve",
    "render_bias",
    "render_bon",
    "reliability_table",
    "resample_counts",
    "rmse",
    "self_preference_contrasts",
    "self_preference_matrix",
    "verifier_kind",
    "with_human_ceiling",
    "within_points_rate",
]
