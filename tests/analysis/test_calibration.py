"""Calibration and discrimination against the full-credit label."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tests.analysis.frames import Answer, fixture, tidy
from verifier_eval.analysis import bootstrap as bs
from verifier_eval.analysis.calibration import (
    accuracy,
    auroc,
    bin_index,
    brier_score,
    calibration_data,
    calibration_summary,
    expected_calibration_error,
    reliability_curve,
    reliability_table,
)

# Fixture rows in order: probability = verifier points / 7, label = both judges gave 7.
PROBABILITIES = [1.0, 0.5, 0.0, 0.0, 0.5, 0.0, 1.0, 0.5]
LABELS = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]


def test_labels_and_probabilities_of_the_fixture() -> None:
    data = calibration_data(fixture())
    assert list(data["probability"]) == PROBABILITIES
    assert list(data["label"]) == LABELS


def test_auroc_by_hand() -> None:
    """Positives 1, 1, .5; negatives .5, 0, 0, .5, 0: 15 pairs, the two 1s win 5 each, the .5
    ties two and wins three: (10 + 1 + 3) / 15."""
    assert auroc(LABELS, PROBABILITIES) == pytest.approx(14 / 15)


def test_auroc_equals_sklearn_and_is_nan_with_one_class() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200).astype(float)
    p = rng.integers(0, 11, 200) / 10
    assert auroc(y, p) == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert math.isnan(auroc([1.0, 1.0], [0.2, 0.3]))
    assert math.isnan(auroc([], []))


def test_brier_accuracy_and_ece_by_hand() -> None:
    """Brier: three rows at .5 off by .5 -> 3 * .25 / 8. Accuracy (p >= .5 means correct): wrong on
    the two .5s labelled 0 -> 6/8. ECE: bin 0 (p 0, three 0s) and bin 9 (p 1, two 1s) are exact;
    bin 5 has p .5 and rate 1/3: |1.5 - 1| / 8."""
    assert brier_score(LABELS, PROBABILITIES) == pytest.approx(0.09375)
    assert accuracy(LABELS, PROBABILITIES) == pytest.approx(0.75)
    assert expected_calibration_error(LABELS, PROBABILITIES) == pytest.approx(0.0625)
    assert math.isnan(brier_score([], [])) and math.isnan(expected_calibration_error([], []))


def test_reliability_curve_by_hand() -> None:
    curve = reliability_curve(LABELS, PROBABILITIES)
    assert list(curve["bin"]) == [0, 5, 9]
    assert list(curve["n"]) == [3, 3, 2]
    assert list(curve["mean_probability"]) == pytest.approx([0.0, 0.5, 1.0])
    assert list(curve["observed_rate"]) == pytest.approx([0.0, 1 / 3, 1.0])
    assert list(curve["bin_low"]) == pytest.approx([0.0, 0.5, 0.9])


def test_bins_are_closed_on_the_left_and_one_is_in_the_last_bin() -> None:
    # 0.3 * 7 / 7 is 0.30000000000000004 after division and must not slip into bin 2.
    p = calibration_data(tidy([Answer("A", "1", 0, (7, 7), 0.3 * 7)]))["probability"]
    assert list(bin_index([0.0, 0.1, 0.3, 0.7, 0.99, 1.0])) == [0, 1, 3, 7, 9, 9]
    assert list(bin_index(p)) == [3]


def test_threshold_moves_the_label() -> None:
    data = calibration_data(fixture(), threshold=3.5)
    # Human 3.5 on A/2/0 now counts as correct.
    assert list(data["label"]) == [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0]


def test_binary_label_wins_over_points() -> None:
    frame = tidy(
        [Answer("A", "1", 0, (1,), 0.8), Answer("A", "1", 1, (0,), 0.3)],
        max_points=1.0,
        labels=[0.0, 1.0],  # deliberately opposite to the points
    )
    data = calibration_data(frame)
    assert list(data["label"]) == [0.0, 1.0]
    assert list(data["probability"]) == pytest.approx([0.8, 0.3])


def test_failures_count_as_zero_or_are_dropped() -> None:
    answers = [Answer("A", "1", 0, (7, 7), None), Answer("A", "1", 1, (0, 0), 7.0)]
    zero = calibration_data(tidy(answers))
    assert list(zero["probability"]) == [0.0, 1.0]
    excluded = calibration_data(tidy(answers, failure_policy="exclude"))
    assert list(excluded["probability"]) == [1.0]


def test_summary_and_vectorised_replicates_agree() -> None:
    frame = fixture()
    summary = calibration_summary(frame).iloc[0]
    assert summary["n"] == 8 and summary["positives"] == 3
    assert summary["auroc"] == pytest.approx(14 / 15)
    assert summary["brier"] == pytest.approx(0.09375)
    assert summary["ece"] == pytest.approx(0.0625)
    assert summary["accuracy"] == pytest.approx(0.75)
    found = bs.bootstrap_metrics(frame, ["auroc", "brier", "ece", "accuracy"], n_boot=0)
    for name in ("auroc", "brier", "ece", "accuracy"):
        assert found[name].estimate == pytest.approx(summary[name])
    table = reliability_table(frame)
    assert list(table["n"]) == [3, 3, 2] and set(table["verifier"]) == {"test/verifier"}
