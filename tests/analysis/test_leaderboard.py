"""The leaderboard table and the CLI text formatters."""

import io
import json
import math

import pandas as pd
import pytest

from tests.analysis.frames import Answer, constant, fixture, perfect, tidy
from tests.analysis.test_self_preference import audit
from verifier_eval import measures
from verifier_eval.analysis import (
    HUMAN_CEILING,
    bias_table,
    bon_table,
    format_table,
    leaderboard,
    with_human_ceiling,
)
from verifier_eval.analysis.leaderboard import LEADERBOARD_COLUMNS, TEXT_WIDTH
from verifier_eval.errors import ConfigError


def board_frame() -> pd.DataFrame:
    return pd.concat(
        [fixture("test/verifier"), perfect("test/perfect"), constant(3.5, "baseline/half")],
        ignore_index=True,
    )


def test_ranks_values_and_kinds() -> None:
    """Total-score differences: fixture 0 and perfect 0 (rank 1, tied); the ceiling: judge 1
    gives A 3.5 + 1.5 = 5 against judge 2's 3.5 + 2 = 5.5, B agrees: (0.5 + 0) / 2 = 0.25; the
    constant 3.5: A |7 - 5.25| = 1.75, B |7 - 7| = 0: 0.875."""
    board = leaderboard(board_frame(), n_boot=200)
    assert list(board.columns) == list(LEADERBOARD_COLUMNS)
    by = board.set_index("verifier")
    assert by.loc["test/verifier", "total_score_difference"] == 0.0
    assert by.loc["test/perfect", "total_score_difference"] == 0.0
    assert by.loc[HUMAN_CEILING, "total_score_difference"] == pytest.approx(0.25)
    assert by.loc["baseline/half", "total_score_difference"] == pytest.approx(0.875)
    assert list(board["rank"]) == [1, 1, 3, 4]
    assert list(board["verifier"][2:]) == [HUMAN_CEILING, "baseline/half"]
    assert by.loc["baseline/half", "verifier_kind"] == "baseline"
    assert by.loc[HUMAN_CEILING, "verifier_kind"] == "human"
    assert by.loc["test/verifier", "mae"] == pytest.approx(1.75)
    assert by.loc["test/verifier", "auroc"] == pytest.approx(14 / 15)
    assert by.loc["test/verifier", "n_answers"] == 8
    assert by.loc["test/verifier", "n_generators"] == 2
    assert by.loc["test/verifier", "input_tokens"] == 800.0
    assert math.isnan(by.loc["test/verifier", "cost"])
    assert math.isnan(by.loc["baseline/half", "pearson"])
    for _, row in board.iterrows():
        for metric in ("mae", "bias", "total_score_difference"):
            assert row[f"{metric}_low"] <= row[metric] <= row[f"{metric}_high"]


def test_point_estimates_are_the_log_metrics() -> None:
    frame = fixture()
    row = leaderboard(frame, n_boot=0, human_ceiling=False).iloc[0]
    assert row["pearson"] == measures.pearson(frame)
    assert row["spearman"] == measures.spearman(frame)
    assert row["bias"] == measures.signed_bias(frame)
    assert math.isnan(row["mae_low"])


def test_binary_benchmark_fills_accuracy_auroc_brier() -> None:
    """Four proofs with labels 1, 0, 1, 0 and confidences 80, 30, 40, 60 (points on a 0-1 scale).

    Accuracy at 50: right on 80 and 30 -> 0.5. AUROC: positives .8, .4 against negatives .3, .6:
    .8 wins both, .4 wins one -> 3 / 4. Brier: (.04 + .09 + .36 + .36) / 4.
    """
    answers = [
        Answer("A", "1", 0, (1,), 0.8),
        Answer("A", "2", 0, (0,), 0.3),
        Answer("B", "1", 0, (1,), 0.4),
        Answer("B", "2", 0, (0,), 0.6),
    ]
    frame = tidy(answers, benchmark="opc", max_points=1.0, labels=[1.0, 0.0, 1.0, 0.0])
    row = leaderboard(frame, n_boot=100).iloc[0]
    assert bool(row["binary"])
    assert row["accuracy"] == pytest.approx(0.5)
    assert row["auroc"] == pytest.approx(0.75)
    assert row["brier"] == pytest.approx(0.85 / 4)
    for metric in ("total_score_difference", "mae", "bias", "pearson", "spearman"):
        assert math.isnan(row[metric]) and math.isnan(row[f"{metric}_low"])
    assert row["rank"] == 1


def test_ceiling_is_added_once_per_benchmark() -> None:
    frame = pd.concat([fixture("v/a"), fixture("v/b")], ignore_index=True)
    board = leaderboard(frame, n_boot=0)
    assert (board["verifier"] == HUMAN_CEILING).sum() == 1
    ceiling = with_human_ceiling(frame)
    assert (ceiling["verifier"] == HUMAN_CEILING).sum() == 8
    assert len(with_human_ceiling(ceiling)) == len(ceiling)  # idempotent
    rows = ceiling.loc[ceiling["verifier"] == HUMAN_CEILING].set_index("sample_id").sort_index()
    # Sample ids sort as problem/generator/answer: 1/A/0, 1/A/1, 1/B/0, 1/B/1, 2/A/0, ...
    assert list(rows["verifier_points"]) == [7, 0, 0, 0, 3, 0, 7, 7]
    assert list(rows["human_points"]) == [7, 0, 0, 0, 4, 0, 7, 7]
    assert set(rows["log"]) == {""}


def test_ceiling_needs_both_judges() -> None:
    frame = tidy([Answer("A", "1", 0, (7,), 7.0), Answer("A", "1", 1, (3, 4), 7.0)])
    ceiling = with_human_ceiling(frame)
    assert (ceiling["verifier"] == HUMAN_CEILING).sum() == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_formats(fmt: str) -> None:
    board = leaderboard(board_frame(), n_boot=100)
    text = format_table(board, fmt)  # type: ignore[arg-type]
    assert text.endswith("\n")
    if fmt == "csv":
        back = pd.read_csv(io.StringIO(text))
        assert list(back.columns) == list(LEADERBOARD_COLUMNS)
        assert back["mae"].tolist() == pytest.approx(board["mae"].tolist())
    elif fmt == "json":
        records = json.loads(text)
        assert len(records) == 4 and records[0]["verifier"] == "test/perfect"
        assert records[-1]["pearson"] is None  # NaN
    elif fmt == "markdown":
        lines = text.splitlines()
        assert lines[0].startswith("| rank | benchmark | verifier |")
        assert "0.00 [0.00, 3.50]" in text  # the fixture's total-score difference and interval
    else:
        assert "total diff [CI]" in text and "test/verifier" in text
        assert max(len(line) for line in text.splitlines()) <= TEXT_WIDTH


def test_unknown_format() -> None:
    with pytest.raises(ConfigError, match="unknown format"):
        format_table(leaderboard(fixture(), n_boot=0), "html")  # type: ignore[arg-type]


def test_bias_table_text() -> None:
    frame = pd.concat([audit(), fixture("baseline/zero", benchmark="other")], ignore_index=True)
    text = bias_table(frame, n_boot=50)
    assert "G2=o3 (high)" in text
    assert "+1.50*" in text and "+0.50~" in text and "-0.50" in text
    assert "2.00 [2.00, 2.00]" in text  # own - other
    # The baseline has nothing to contrast and is left out of the contrasts.
    contrasts = text.split("Contrasts")[1]
    assert "baseline/zero" not in contrasts and "openai/o3" in contrasts


def test_bon_table_text() -> None:
    text = bon_table(fixture())
    assert "fixture / test/verifier" in text
    assert "(all)" in text and "7.88" in text  # overall best-of-2: 7.875
    single = bon_table(tidy([Answer("A", "1", 0, (7, 7), 7.0)], benchmark="opc"))
    assert "Left out" in single and "opc" in single
    per_generator = bon_table(fixture(), per_generator=True)
    assert "A " in per_generator and "8.75" in per_generator
