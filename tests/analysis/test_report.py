"""analyse(): every table in one pass, identical to the analyses called one by one."""

import pandas as pd

from tests.analysis.frames import constant, fixture, perfect
from tests.analysis.test_bootstrap import random_frame
from tests.analysis.test_self_preference import audit
from verifier_eval.analysis import (
    analyse,
    best_of_n,
    calibration_summary,
    generator_ranking,
    item_metrics,
    leaderboard,
    ranking_fidelity,
    reliability_table,
    self_preference_contrasts,
    self_preference_matrix,
    with_human_ceiling,
)
from verifier_eval.analysis.items import cancellation


def test_analyse_matches_the_single_analyses() -> None:
    frame = pd.concat(
        [
            fixture("v/a"),
            perfect("v/b"),
            constant(3.5, "baseline/half"),
            audit(),
            audit("other"),
            random_frame(1, benchmark="random").assign(verifier="v/a"),
        ],
        ignore_index=True,
    )
    report = analyse(frame, n_boot=100, seed=5)
    full = with_human_ceiling(frame)
    options = {"n_boot": 100, "seed": 5}
    pd.testing.assert_frame_equal(report.leaderboard, leaderboard(frame, **options))
    pd.testing.assert_frame_equal(report.bias_matrix, self_preference_matrix(full, **options))
    pd.testing.assert_frame_equal(report.bias_contrasts, self_preference_contrasts(full, **options))
    pd.testing.assert_frame_equal(report.best_of_n, best_of_n(full))
    pd.testing.assert_frame_equal(report.calibration, calibration_summary(full))
    pd.testing.assert_frame_equal(report.reliability, reliability_table(full))
    pd.testing.assert_frame_equal(report.ranking, generator_ranking(full))
    pd.testing.assert_frame_equal(report.ranking_fidelity, ranking_fidelity(full, **options))
    pd.testing.assert_frame_equal(report.items, item_metrics(full))
    first = report.cancellation.loc[
        (report.cancellation["verifier"] == "v/a") & (report.cancellation["benchmark"] == "fixture")
    ]
    pd.testing.assert_frame_equal(
        first.drop(columns=["verifier", "benchmark", "task_version", "log"]).reset_index(drop=True),
        cancellation(fixture("v/a")),
    )


def test_analyse_of_an_empty_table() -> None:
    empty = fixture().iloc[:0]
    report = analyse(empty, n_boot=10)
    assert report.leaderboard.empty and report.bias_matrix.empty and report.best_of_n.empty


def test_workers_do_not_change_the_tables() -> None:
    frame = pd.concat([fixture("v/a"), perfect("v/b"), audit(), audit("other")], ignore_index=True)
    one = analyse(frame, n_boot=50, workers=1)
    two = analyse(frame, n_boot=50, workers=2)
    for name in one.__dataclass_fields__:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
