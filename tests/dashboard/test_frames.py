"""Reshaping of analysis tables for display (pure pandas)."""

import math

import pandas as pd
import pytest
from verifier_eval.dashboard import frames

from tests.dashboard.conftest import GEMINI, O3
from verifier_eval import measures
from verifier_eval.analysis import leaderboard, self_preference_contrasts
from verifier_eval.analysis.items import cancellation


def test_leaderboard_view_marks_kinds_and_keeps_numbers_sortable(answers: pd.DataFrame) -> None:
    board = leaderboard(answers, n_boot=50)
    view = frames.leaderboard_view(board, "usamo_2025")
    assert list(view.columns) == list(frames.LEADERBOARD_VIEW_COLUMNS)
    assert dict(zip(view["verifier"], view["kind"], strict=True)) == {
        "openai/o3": "verifier",
        "baseline/zero": "baseline",
        "human/judge-1-vs-judge-2": "human ceiling",
    }
    assert view["total_score_difference"].dtype == float
    o3 = view.set_index("verifier").loc["openai/o3"]
    row = board.set_index("verifier").loc["openai/o3"]
    low, high = row["total_score_difference_low"], row["total_score_difference_high"]
    assert o3["total_score_difference_ci"] == f"[{low:.2f}, {high:.2f}]"
    assert o3["format_failures_pct"] == 0.0
    assert frames.leaderboard_view(board, "imo_2025").empty
    assert len(frames.leaderboard_view(board, frames.ALL)) == len(board)


def test_interval_text_is_empty_when_undefined() -> None:
    assert frames.interval_text(math.nan, 1.0) == ""
    assert frames.interval_text(0.123, 4.5) == "[0.12, 4.50]"


def test_generator_totals_match_the_metric_code(answers: pd.DataFrame) -> None:
    rows = frames.run_rows(answers, "usamo_2025", "openai/o3")
    totals = frames.generator_totals(rows)
    expected = {t.generator: t for t in measures.generator_totals(rows)}
    for _, r in totals.iterrows():
        t = expected[r["generator"]]
        assert r["total"] == pytest.approx(
            t.verifier_total if r["source"] == "verifier" else t.human_total
        )
        assert r["difference"] == pytest.approx(t.difference)
    assert len(totals) == 4


def test_problem_errors_are_mean_signed_errors(answers: pd.DataFrame) -> None:
    rows = frames.run_rows(answers, "usamo_2025", "openai/o3")
    errors = frames.problem_errors(rows).set_index(["generator", "problem_id"])
    assert errors.loc[(O3, "1"), "signed_error"] == pytest.approx(1.75)
    assert errors.loc[(GEMINI, "2"), "signed_error"] == pytest.approx(-1.75)
    assert set(errors["n_answers"]) == {2}
    assert frames.problem_errors(rows.iloc[0:0]).empty


def test_disagreement_ranks_answers_by_distance_from_humans_and_each_other(
    answers: pd.DataFrame,
) -> None:
    models_only = frames.disagreement(answers, "usamo_2025")
    assert len(models_only) == 8
    assert set(models_only["n_verifiers"]) == {1}
    assert set(models_only["verifier_spread"]) == {0.0}  # one verifier cannot disagree
    row = models_only.set_index("sample_id").loc[f"2/{O3}/0"]
    assert row["mean_abs_error"] == pytest.approx(3.5)
    assert (row["judge_1_points"], row["judge_2_points"]) == (3.0, 4.0)

    both = frames.disagreement(answers, "usamo_2025", baselines=True).set_index("sample_id")
    # openai/o3 says 7 and baseline/zero says 0 on "1/o3 (high)/0", whose human grade is 7.
    assert both.loc[f"1/{O3}/0", "verifier_spread"] == 7.0
    assert both.loc[f"1/{O3}/0", "mean_abs_error"] == pytest.approx(3.5)
    assert frames.disagreement(answers, "nope").empty


def test_ordered_answers_filter_and_sort(answers: pd.DataFrame) -> None:
    table = frames.disagreement(answers, "usamo_2025", baselines=True)
    far = frames.ordered_answers(table, "verifiers far from the humans first")
    assert far["mean_abs_error"].is_monotonic_decreasing
    apart = frames.ordered_answers(table, "verifiers disagreeing with each other first")
    assert apart["verifier_spread"].is_monotonic_decreasing
    plain = frames.ordered_answers(
        table, "problem, generator, answer", problem="2", generator=GEMINI
    )
    assert plain["sample_id"].tolist() == [f"2/{GEMINI}/0", f"2/{GEMINI}/1"]
    label = frames.answer_label(plain.iloc[0])
    assert label.startswith(f"P2 · {GEMINI} · answer 1 (human 7.0")


def test_sample_verdicts_list_models_before_baselines_without_the_ceiling(
    answers: pd.DataFrame,
) -> None:
    verdicts = frames.sample_verdicts(answers, "usamo_2025", f"1/{O3}/1")
    assert verdicts["verifier"].tolist() == ["openai/o3", "baseline/zero"]
    assert verdicts["verifier_points"].tolist() == [3.5, 0.0]
    assert verdicts["log"].str.endswith(".eval").all()


def test_contrasts_view_keeps_model_rows_and_formats_intervals(answers: pd.DataFrame) -> None:
    contrasts = self_preference_contrasts(answers, n_boot=50)
    view = frames.contrasts_view(contrasts, "usamo_2025")
    assert view["verifier"].tolist() == ["openai/o3"]
    assert view.loc[0, "n_own"] == 4
    assert view.loc[0, "own_minus_other"] == pytest.approx(1.75 - (-1.0))
    assert view.loc[0, "own_minus_other_ci"].startswith("[")


def test_cancellation_view_in_percent(answers: pd.DataFrame) -> None:
    table = cancellation(frames.run_rows(answers, "usamo_2025", "openai/o3"))
    view = frames.cancellation_view(table)
    assert view["cancelled_share"].tolist() == pytest.approx(
        (100 * table["cancelled_share"]).tolist()
    )


def test_markdown_math_rewrites_latex_delimiters() -> None:
    text = r"Let \(f(n) \le cn\) hold. Then \[ a^2 + b^2 \] and (plain) stays."
    assert frames.markdown_math(text) == (
        "Let $f(n) \\le cn$ hold. Then $$\na^2 + b^2\n$$ and (plain) stays."
    )


def test_jitter_is_deterministic_and_bounded() -> None:
    keys = pd.Series([f"k{i}" for i in range(200)])
    first = frames.jitter(keys, 0.3, "x")
    assert (abs(first) <= 0.3).all()
    assert (first == frames.jitter(keys, 0.3, "x")).all()
    assert not (first == frames.jitter(keys, 0.3, "y")).all()
    assert first.std() > 0.1  # spread out, not collapsed
