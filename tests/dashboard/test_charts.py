"""Chart builders, checked through their Vega-Lite specs (``.to_dict()``)."""

from typing import Any

import pandas as pd
import pytest
from verifier_eval.dashboard import charts, frames

from tests.dashboard.conftest import GEMINI, O3
from verifier_eval.analysis import best_of_n, leaderboard, reliability_table
from verifier_eval.analysis.self_preference import self_preference_matrix


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every inline data row of a spec (Altair moves them to ``datasets``)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec.get("layer", [spec]))


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return str(mark["type"] if isinstance(mark, dict) else mark)


def test_leaderboard_chart_orders_by_rank_and_marks_kinds(answers: pd.DataFrame) -> None:
    board = leaderboard(answers, n_boot=50)
    spec = charts.leaderboard_chart(board).to_dict()
    rules, points = _layers(spec)
    assert (_mark(rules), _mark(points)) == ("rule", "point")
    assert rules["encoding"]["x"]["field"] == "low"
    assert rules["encoding"]["x2"]["field"] == "high"
    assert points["encoding"]["x"]["field"] == "estimate"
    # Best first: the y order is the board's rank order.
    assert points["encoding"]["y"]["sort"] == board.sort_values("rank")["verifier"].tolist()
    color = points["encoding"]["color"]
    assert color["scale"]["domain"] == ["verifier", "baseline", "human ceiling"]
    kinds = {row["verifier"]: row["kind"] for row in _values(spec)}
    assert kinds == {
        "openai/o3": "verifier",
        "baseline/zero": "baseline",
        "human/judge-1-vs-judge-2": "human ceiling",
    }
    o3 = next(r for r in _values(spec) if r["verifier"] == "openai/o3")
    expected = board.set_index("verifier").loc["openai/o3"]
    assert o3["estimate"] == pytest.approx(expected["total_score_difference"])
    assert o3["low"] <= o3["estimate"] <= o3["high"]
    assert spec["height"] == charts.AXIS_PX + 3 * charts.ROW_PX


def test_generator_totals_chart_groups_verifier_and_human_bars(answers: pd.DataFrame) -> None:
    rows = frames.run_rows(answers, "usamo_2025", "openai/o3")
    spec = charts.generator_totals_chart(frames.generator_totals(rows), max_total=14).to_dict()
    assert _mark(spec) == "bar"
    enc = spec["encoding"]
    assert enc["xOffset"]["field"] == "source"
    assert enc["y"]["field"] == "total"
    assert enc["y"]["scale"]["domain"] == [0, 14]
    # Generators sorted by human total, highest first (gemini 7.25, o3 5.25).
    assert enc["x"]["sort"] == [GEMINI, O3]
    totals = {(r["generator"], r["source"]): r["total"] for r in _values(spec)}
    assert totals == pytest.approx(
        {
            (O3, "verifier"): 8.75,
            (O3, "human"): 5.25,
            (GEMINI, "verifier"): 5.25,
            (GEMINI, "human"): 7.25,
        }
    )


def test_problem_error_chart_is_a_heatmap_centred_on_zero(answers: pd.DataFrame) -> None:
    rows = frames.run_rows(answers, "usamo_2025", "openai/o3")
    spec = charts.problem_error_chart(frames.problem_errors(rows)).to_dict()
    cells, labels = _layers(spec)
    assert (_mark(cells), _mark(labels)) == ("rect", "text")
    scale = cells["encoding"]["color"]["scale"]
    # Largest |error| is o3 (high) on problem 1 (mean 5.25 - 3.5 = 1.75) and problem 2.
    assert scale["domain"] == [-1.75, 1.75]
    assert scale["domainMid"] == 0
    assert scale["reverse"] is True  # red = too generous
    assert labels["encoding"]["text"]["format"] == "+.1f"
    assert spec["height"] == charts.AXIS_PX + 2 * charts.ROW_PX  # room for each generator
    errors = {(r["generator"], r["problem_id"]): r["signed_error"] for r in _values(spec)}
    assert errors == pytest.approx(
        {(O3, "1"): 1.75, (O3, "2"): 1.75, (GEMINI, "1"): -0.25, (GEMINI, "2"): -1.75}
    )


def test_self_preference_chart_marks_own_and_family_cells(answers: pd.DataFrame) -> None:
    matrix = self_preference_matrix(answers, n_boot=50)
    spec = charts.self_preference_chart(matrix).to_dict()
    cells, own, family, labels = _layers(spec)
    assert _mark(cells) == "rect" and cells["encoding"]["color"]["field"] == "signed_error"
    assert own["mark"]["strokeWidth"] > family["mark"]["strokeWidth"]
    assert own["transform"] == [{"filter": "datum.relation === 'own'"}]
    assert family["mark"]["strokeDash"] == [5, 3]
    assert family["transform"] == [{"filter": "datum.relation === 'family'"}]
    by_cell = {(r["verifier"], r["generator"]): r for r in _values(spec)}
    assert by_cell[("openai/o3", O3)]["relation"] == "own"
    assert by_cell[("openai/o3", O3)]["label"] == "+1.75 ★"
    assert by_cell[("openai/o3", GEMINI)]["label"].strip() == "-1.00"
    tooltips = {t["field"] for t in cells["encoding"]["tooltip"]}
    assert {"signed_error_low", "signed_error_high", "n_answers"} <= tooltips
    # Models first, then baselines, then the human ceiling.
    assert cells["encoding"]["y"]["sort"] == [
        "openai/o3",
        "baseline/zero",
        "human/judge-1-vs-judge-2",
    ]


def test_self_preference_chart_marks_family_cells(answers: pd.DataFrame) -> None:
    family = answers.assign(verifier=answers["verifier"].replace({"openai/o3": "openai/gpt-4o"}))
    spec = charts.self_preference_chart(self_preference_matrix(family, n_boot=0)).to_dict()
    cell = next(
        r for r in _values(spec) if r["verifier"] == "openai/gpt-4o" and r["generator"] == O3
    )
    assert cell["relation"] == "family"
    assert cell["label"].endswith("◆")


@pytest.mark.parametrize("measure", ["gain_pct", "gap_closed"])
def test_best_of_n_chart_overlays_verifiers(answers: pd.DataFrame, measure: str) -> None:
    bon = best_of_n(answers)
    average = bon.loc[bon["generator"] == "(all)"]
    spec = charts.best_of_n_chart(average, measure).to_dict()  # type: ignore[arg-type]
    assert _mark(spec) == "line"
    assert spec["encoding"]["y"]["field"] == measure
    assert spec["encoding"]["color"]["field"] == "verifier"
    assert spec["encoding"]["x"]["scale"]["domain"] == [1, 2]
    rows = _values(spec)
    assert {r["verifier"] for r in rows} == set(average["verifier"])
    if measure == "gap_closed":  # undefined at N = 1: left out, not drawn as 0
        assert all(r["n"] == 2 for r in rows)
    o3 = next(r for r in rows if r["verifier"] == "openai/o3" and r["n"] == 2)
    expected = average.loc[(average["verifier"] == "openai/o3") & (average["n"] == 2)]
    assert o3[measure] == pytest.approx(float(expected[measure].iloc[0]))


def test_best_of_n_chart_has_a_panel_per_generator(answers: pd.DataFrame) -> None:
    bon = best_of_n(answers)
    spec = charts.best_of_n_chart(bon.loc[bon["generator"] != "(all)"], "gain_pct").to_dict()
    assert spec["facet"]["field"] == "generator"
    assert spec["spec"]["encoding"]["y"]["field"] == "gain_pct"


def test_reliability_chart_has_diagonal_and_sized_points(answers: pd.DataFrame) -> None:
    curves = reliability_table(answers)
    spec = charts.reliability_chart(curves).to_dict()
    diagonal, lines, sizes = _layers(spec)
    assert _mark(diagonal) == "line" and diagonal["mark"]["strokeDash"] == [4, 4]
    assert lines["encoding"]["x"]["field"] == "mean_probability"
    assert lines["encoding"]["y"]["field"] == "observed_rate"
    assert lines["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert sizes["encoding"]["size"]["field"] == "n"
    rows = [r for r in _values(spec) if "observed_rate" in r]
    assert sum(r["n"] for r in rows) == len(answers)


def test_agreement_chart_jitters_within_bounds_and_keeps_exact_tooltips(
    answers: pd.DataFrame,
) -> None:
    rows = answers.loc[answers["verifier"] == "openai/o3"]
    spec = charts.agreement_chart(rows, max_points=7, amount=0.2).to_dict()
    diagonal, points = _layers(spec)
    assert _mark(diagonal) == "rule" and _mark(points) == "circle"
    values = _values(spec)
    assert len(values) == len(rows)
    for r in values:
        assert abs(r["human_jittered"] - r["human_points"]) <= 0.2
        assert abs(r["verifier_jittered"] - r["verifier_points"]) <= 0.2
    assert any(r["human_jittered"] != r["human_points"] for r in values)
    tooltip = {t["field"] for t in points["encoding"]["tooltip"]}
    assert {"human_points", "verifier_points", "sample_id"} <= tooltip
    # Deterministic: the same picture on every rerun.
    assert charts.agreement_chart(rows, max_points=7).to_dict() == spec


def test_agreement_chart_facets_several_verifiers(answers: pd.DataFrame) -> None:
    spec = charts.agreement_chart(answers, max_points=7).to_dict()
    assert spec["facet"]["field"] == "verifier"
    assert len(spec["spec"]["layer"]) == 2


def test_sample_points_chart_shows_values_beside_bars() -> None:
    points = pd.DataFrame(
        {
            "who": ["judge 1", "judge 2", "openai/o3"],
            "kind": ["judge", "judge", "verifier"],
            "points": [0.0, 1.0, 3.5],
        }
    )
    spec = charts.sample_points_chart(points, max_points=7).to_dict()
    bars, values = _layers(spec)
    assert (_mark(bars), _mark(values)) == ("bar", "text")
    assert bars["encoding"]["y"]["sort"] == ["judge 1", "judge 2", "openai/o3"]
    assert bars["encoding"]["x"]["scale"]["domain"] == [0, 7]
    assert [r["points"] for r in _values(spec)] == [0.0, 1.0, 3.5]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["judge", "verifier"]
