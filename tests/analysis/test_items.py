"""Item-level extras: RMSE, within-one-point rate and the cancellation diagnostic."""

import math

import pytest

from tests.analysis.frames import Answer, fixture, perfect, tidy
from tests.analysis.test_bootstrap import random_frame
from verifier_eval import measures
from verifier_eval.analysis.items import cancellation, item_metrics, rmse, within_points_rate


def test_fixture_by_hand() -> None:
    """Errors 0, +3.5, -3.5, 0, +3.5, 0, 0, -3.5: RMSE sqrt(4 * 12.25 / 8), half within 1 point.

    Per-problem mean errors: A +1.75 then -1.75, B +1.75 then -1.75. So each generator has
    sum |e| = 3.5 and |sum e| = 0: the total-score difference of 0 hides all of it.
    """
    frame = fixture()
    assert rmse(frame) == pytest.approx(math.sqrt(6.125))
    assert within_points_rate(frame) == 0.5
    table = cancellation(frame)
    assert list(table["generator"]) == ["A", "B"]
    assert list(table["n_problems"]) == [2, 2]
    assert list(table["sum_abs_error"]) == pytest.approx([3.5, 3.5])
    assert list(table["abs_sum_error"]) == pytest.approx([0.0, 0.0])
    assert list(table["cancelled_share"]) == pytest.approx([1.0, 1.0])
    summary = item_metrics(frame).iloc[0]
    assert summary["cancelled_share"] == pytest.approx(1.0)
    assert summary["n_answers"] == 8


def test_within_one_point_is_inclusive_at_points_precision() -> None:
    # 3.5 - 2.5 is exactly 1; 0.7 * 7 - 3.9 is 1.0000000000000004 and still counts.
    frame = tidy([Answer("A", "1", 0, (3, 2), 3.5), Answer("A", "1", 1, (4, 3.8), 0.7 * 7)])
    assert within_points_rate(frame) == 1.0


def test_perfect_verifier_has_no_error() -> None:
    frame = perfect()
    assert rmse(frame) == 0.0 and within_points_rate(frame) == 1.0
    assert cancellation(frame)["cancelled_share"].isna().all()


@pytest.mark.parametrize("policy", ["zero", "exclude"])
def test_abs_sum_error_is_the_total_score_difference_per_generator(policy: str) -> None:
    frame = random_frame(4, policy=policy)
    table = cancellation(frame).set_index("generator")
    want = measures.total_score_difference_by_generator(measures.scored_answers(frame))
    for generator, value in want.items():
        assert table.loc[generator, "abs_sum_error"] == pytest.approx(value, abs=1e-12)
    assert (table["sum_abs_error"] >= table["abs_sum_error"] - 1e-12).all()
