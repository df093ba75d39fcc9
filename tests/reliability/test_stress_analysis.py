"""Issue 7.5: the stress analysis on hand-built stress rows, every number computed by hand.

One run, 3 problems x 2 answers; confidences (``-`` = format failure):

| probe | p1 a0 | p1 a1 | p2 a0 | p2 a1 | p3 a0 | p3 a1 | paired shifts | mean |
|---|---|---|---|---|---|---|---|---|
| original | 10 | 20 | 30 | 40 | 50 | - | | |
| appended_claim | 20 | 20 | 30 | 60 | 70 | 90 | +10, 0, 0, +20, +20 | +10 |
| grader_instruction | 10 | 20 | 30 | 40 | 50 | 60 | 0, 0, 0, 0, 0 | 0 |
| confident_format | 5 | 20 | - | 40 | 50 | 50 | -5, 0, 0, 0 | -1.25 |
| reference_solution | 90 | 90 | 100 | 100 | 80 | 80 | +80, +70, +70, +60, +30 | +62 |
| shuffled_steps | 0 | 10 | 0 | 0 | 20 | 0 | -10, -10, -30, -40, -30 | -24 |

Manipulation shift (10 + 0 - 1.25) / 3 = 2.916..., degradation shift -24, known-good confidence
(90 + 90 + 100 + 100 + 80 + 80) / 6 = 90 (all valid gradings), format failures 2 of 36.
"""

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from verifier_eval.analysis.bootstrap import resample_counts
from verifier_eval.analysis.stress import (
    PROBE_COLUMNS,
    STRESS_COLUMNS,
    SUMMARY_COLUMNS,
    format_stress,
    paired_shifts,
    probe_summary,
    stress_tables,
    with_robustness,
)
from verifier_eval.errors import DataError

NAN = math.nan
KINDS = {
    "original": "original",
    "appended_claim": "manipulation",
    "grader_instruction": "manipulation",
    "confident_format": "manipulation",
    "reference_solution": "known_good",
    "shuffled_steps": "degradation",
}
CONFIDENCES: dict[str, tuple[float, ...]] = {
    "original": (10, 20, 30, 40, 50, NAN),
    "appended_claim": (20, 20, 30, 60, 70, 90),
    "grader_instruction": (10, 20, 30, 40, 50, 60),
    "confident_format": (5, 20, NAN, 40, 50, 50),
    "reference_solution": (90, 90, 100, 100, 80, 80),
    "shuffled_steps": (0, 10, 0, 0, 20, 0),
}
ANSWERS = [("p1", 0), ("p1", 1), ("p2", 0), ("p2", 1), ("p3", 0), ("p3", 1)]


def stress_rows(
    confidences: Mapping[str, Sequence[float]] = CONFIDENCES,
    *,
    verifier: str = "test/verifier",
    log: str = "logs/a.eval",
    created: str = "2025-01-01T00:00:00+00:00",
) -> pd.DataFrame:
    rows = []
    for probe, values in confidences.items():
        for (problem, index), confidence in zip(ANSWERS, values, strict=True):
            original = f"{problem}/g/{index}"
            rows.append(
                {
                    "log": log,
                    "created": created,
                    "task_version": "1.0",
                    "benchmark": "toy",
                    "verifier": verifier,
                    "verifier_kind": "model",
                    "sample_id": f"{original}/{probe}",
                    "original_sample_id": original,
                    "probe": probe,
                    "probe_kind": KINDS[probe],
                    "problem_id": problem,
                    "generator": "g",
                    "answer_index": index,
                    "confidence": float(confidence),
                    "format_ok": 0.0 if math.isnan(confidence) else 1.0,
                    "verdict_status": "missing" if math.isnan(confidence) else "ok",
                    "human_points": 0.0,
                    "max_points": 7.0,
                }
            )
    return pd.DataFrame(rows, columns=list(STRESS_COLUMNS))


def test_paired_shifts() -> None:
    pairs = paired_shifts(stress_rows())
    claim = pairs.loc[pairs["probe"] == "appended_claim"]
    assert list(claim["shift"]) == pytest.approx([10, 0, 0, 20, 20, NAN], nan_ok=True)
    assert list(claim["paired"]) == [True, True, True, True, True, False]
    assert "original" not in set(pairs["probe"])


def test_probe_summary_is_the_hand_computation() -> None:
    assert probe_summary(stress_rows()) == pytest.approx(
        {
            "shift_appended_claim": 10.0,
            "shift_grader_instruction": 0.0,
            "shift_confident_format": -1.25,
            "shift_reference_solution": 62.0,
            "shift_shuffled_steps": -24.0,
            "manipulation_shift": 8.75 / 3,
            "degradation_shift": -24.0,
        }
    )


def test_stress_tables_point_estimates() -> None:
    tables = stress_tables(stress_rows(), n_boot=200, seed=3)
    assert list(tables.probes.columns) == list(PROBE_COLUMNS)
    assert list(tables.summary.columns) == list(SUMMARY_COLUMNS)
    probes = tables.probes.set_index("probe")
    assert list(probes.index) == [
        "original",
        "appended_claim",
        "confident_format",
        "grader_instruction",
        "reference_solution",
        "shuffled_steps",
    ]
    assert probes.loc["original", "n_pairs"] == 5
    assert probes.loc["original", "confidence"] == pytest.approx(30.0)
    claim = probes.loc["appended_claim"]
    assert (claim["n_samples"], claim["n_pairs"]) == (6, 5)
    assert claim["original_confidence"] == pytest.approx(30.0)  # 10, 20, 30, 40, 50
    assert claim["confidence"] == pytest.approx(40.0)  # 20, 20, 30, 60, 70
    assert claim["shift"] == pytest.approx(10.0)
    assert (claim["share_up"], claim["share_down"]) == pytest.approx((0.6, 0.0))
    form = probes.loc["confident_format"]
    assert (form["n_pairs"], form["shift"], form["share_down"]) == pytest.approx((4, -1.25, 0.25))
    [summary] = tables.summary.to_dict("records")
    assert summary["manipulation_shift"] == pytest.approx(8.75 / 3)
    assert summary["degradation_shift"] == pytest.approx(-24.0)
    assert summary["known_good_confidence"] == pytest.approx(90.0)
    assert summary["format_failure_rate"] == pytest.approx(2 / 36)
    assert (summary["n_answers"], summary["n_problems"]) == (6, 3)


def _loop_interval(pairs: pd.DataFrame, probes: list[str], weights: np.ndarray) -> list[float]:
    """The manipulation-shift interval, one resample at a time (the reference implementation)."""
    replicates = []
    for w in weights:
        weight = dict(zip(["p1", "p2", "p3"], w, strict=True))
        means = []
        for probe in probes:
            rows = pairs.loc[(pairs["probe"] == probe) & pairs["paired"]]
            total = sum(
                weight[p] * s for p, s in zip(rows["problem_id"], rows["shift"], strict=True)
            )
            count = sum(weight[p] for p in rows["problem_id"])
            means.append(total / count)
        replicates.append(sum(means) / len(means))
    return list(np.quantile(replicates, [0.025, 0.975]))


def test_intervals_match_a_loop_over_resamples() -> None:
    rows = stress_rows()
    tables = stress_tables(rows, n_boot=200, seed=3)
    weights = resample_counts(3, 200, 3)
    pairs = paired_shifts(rows)
    [summary] = tables.summary.to_dict("records")
    manipulation = ["appended_claim", "grader_instruction", "confident_format"]
    expected = _loop_interval(pairs, manipulation, weights)
    assert [summary["manipulation_shift_low"], summary["manipulation_shift_high"]] == (
        pytest.approx(expected)
    )
    claim = tables.probes.set_index("probe").loc["appended_claim"]
    assert [claim["shift_low"], claim["shift_high"]] == pytest.approx(
        _loop_interval(pairs, ["appended_claim"], weights)
    )
    # Problems differ (p1 +5, p2 +10, p3 +20 per pair), so resampling them moves the mean.
    assert claim["shift_low"] < 10.0 < claim["shift_high"]


def test_constant_verifier_has_degenerate_intervals() -> None:
    constant = {probe: (50.0,) * 6 for probe in CONFIDENCES}
    [summary] = stress_tables(stress_rows(constant), n_boot=100).summary.to_dict("records")
    assert (summary["manipulation_shift"], summary["degradation_shift"]) == (0.0, 0.0)
    assert (summary["manipulation_shift_low"], summary["manipulation_shift_high"]) == (0.0, 0.0)
    assert summary["known_good_confidence"] == 50.0


def test_no_intervals_without_resamples() -> None:
    [summary] = stress_tables(stress_rows(), n_boot=0).summary.to_dict("records")
    assert summary["manipulation_shift"] == pytest.approx(8.75 / 3)
    assert math.isnan(summary["manipulation_shift_low"])


def test_runs_are_analysed_apart_and_mixing_them_is_an_error() -> None:
    both = pd.concat(
        [stress_rows(), stress_rows({p: (0.0,) * 6 for p in CONFIDENCES}, verifier="b/zero")]
    )
    summary = stress_tables(both, n_boot=0).summary.set_index("verifier")
    assert summary.loc["b/zero", "manipulation_shift"] == 0.0
    assert summary.loc["test/verifier", "manipulation_shift"] == pytest.approx(8.75 / 3)
    with pytest.raises(DataError, match="analyse one run at a time"):
        paired_shifts(both)


def test_format_stress_shows_the_numbers() -> None:
    text = format_stress(stress_tables(stress_rows(), n_boot=0))
    lines = text.splitlines()
    [head] = [line for line in lines if line.startswith("toy ")]
    assert head == "toy (stress task version 1.0; 3 problems)"
    [row] = [line.split() for line in lines if line.startswith("test/verifier")]
    assert row == ["test/verifier", "+2.9", "-24.0", "90.0", "6", "6"]
    [claim] = [line.split() for line in lines if line.strip().startswith("appended_claim")]
    assert claim == ["appended_claim", "manipulation", "5/6", "30.0", "40.0", "+10.0", "60", "0"]
    assert format_stress(stress_tables(stress_rows().iloc[0:0], n_boot=0)) == "no stress runs\n"


def test_with_robustness_adds_the_newest_stress_run() -> None:
    older = stress_rows({p: (0.0,) * 6 for p in CONFIDENCES}, log="logs/old.eval")
    newer = stress_rows(log="logs/new.eval", created="2025-02-01T00:00:00+00:00")
    # Two stress runs of one verifier: newest_runs is the loader's job, with_robustness picks too.
    summary = pd.concat(
        [stress_tables(older, n_boot=0).summary, stress_tables(newer, n_boot=0).summary]
    )
    board = pd.DataFrame(
        {"verifier": ["test/verifier", "other/model"], "benchmark": ["toy", "toy"], "rank": [1, 2]}
    )
    merged = with_robustness(board, summary).set_index("verifier")
    assert merged.loc["test/verifier", "manipulation_shift"] == pytest.approx(8.75 / 3)
    assert merged.loc["test/verifier", "degradation_shift"] == pytest.approx(-24.0)
    assert math.isnan(merged.loc["other/model", "manipulation_shift"])
    assert list(merged["rank"]) == [1, 2]


def test_with_robustness_without_stress_runs() -> None:
    board = pd.DataFrame({"verifier": ["a/b"], "benchmark": ["toy"]})
    merged = with_robustness(board, None)
    assert merged["manipulation_shift"].dtype == float
    assert math.isnan(merged.loc[0, "manipulation_shift"])


def test_format_stress_keeps_task_versions_apart() -> None:
    old = stress_rows(log="logs/old.eval").assign(task_version="0.9")
    text = format_stress(stress_tables(pd.concat([old, stress_rows()]), n_boot=0))
    assert "note: toy has stress runs of several task versions" in text
    titles = [line for line in text.splitlines() if line.startswith("toy ")]
    assert titles == [
        "toy (stress task version 0.9; 3 problems)",
        "toy (stress task version 1.0; 3 problems)",
    ]
