"""Chart builders: pure functions from analysis tables to Altair charts (no Streamlit here).

Each builder keeps only the columns it draws (Altair inlines the data into the page), names its
axes in the reader's terms, and puts the exact numbers in tooltips. Signed errors use one
diverging scale centred on 0, red for "too generous" and blue for "too harsh", throughout.
"""

import math
from typing import Final, Literal, TypeAlias

import altair as alt
import pandas as pd
from altair.typing import ChannelColor
from verifier_eval.dashboard.frames import KIND_LABELS, jitter

Chart: TypeAlias = alt.Chart | alt.LayerChart | alt.FacetChart
BonMeasure = Literal["gain_pct", "gap_closed"]

KIND_COLORS: dict[str, str] = {
    KIND_LABELS["model"]: "#4c78a8",
    KIND_LABELS["baseline"]: "#9d9d9d",
    KIND_LABELS["human"]: "#e45756",
}
"""Colour of each kind of row: verifiers stand out, baselines are grey, the ceiling is red."""

KIND_SHAPES: dict[str, str] = {
    KIND_LABELS["model"]: "circle",
    KIND_LABELS["baseline"]: "square",
    KIND_LABELS["human"]: "diamond",
}
"""Shapes repeat the colour code for readers who cannot tell the colours apart."""

SOURCE_COLORS: dict[str, str] = {"verifier": "#4c78a8", "human": "#f58518"}
SIGNED_SCHEME: Final = "redblue"
RELATION_MARKS: dict[str, str] = {"own": "★", "family": "◆", "other": ""}
"""Text marks of self-preference cells: own model and same family."""

ROW_PX = 30
"""Height of one row of a chart with a row per verifier or generator."""
AXIS_PX = 70
"""Room for an x axis with its title: Streamlit sizes a chart's whole box, axes included."""
ROTATED_AXIS_PX = 130
"""Room for an x axis of slanted generator names with its title."""

METRIC_TITLES: dict[str, str] = {
    "total_score_difference": "Total-score difference (points, lower is better)",
    "brier": "Brier score (lower is better)",
    "mae": "Mean absolute error (points)",
}
BON_TITLES: dict[str, str] = {
    "gain_pct": "Gain over a random pick (%)",
    "gap_closed": "Share of the random-to-oracle gap closed",
}
BON_AXES: dict[str, str] = {"gain_pct": "gain over random (%)", "gap_closed": "gap closed"}


def _kind_color() -> alt.Color:
    return alt.Color(
        "kind:N",
        title="row",
        scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())),
    )


def _kind_shape() -> alt.Shape:
    return alt.Shape(
        "kind:N",
        title="row",
        scale=alt.Scale(domain=list(KIND_SHAPES), range=list(KIND_SHAPES.values())),
    )


def _signed_scale(values: pd.Series) -> alt.Scale:
    """Diverging scale, symmetric around 0 so that white always means "no error"."""
    finite = values.astype(float).abs().dropna()
    bound = float(finite.max()) if not finite.empty and finite.max() > 0 else 1.0
    # redblue runs from red (low) to blue (high); reversed, "too generous" (positive) is red.
    return alt.Scale(scheme=SIGNED_SCHEME, domain=[-bound, bound], domainMid=0, reverse=True)


def _signed_cells(base: alt.Chart, signed_error: pd.Series) -> alt.Chart:
    """Heat-map cells coloured by ``signed_error`` (verifier - human) on the diverging scale."""
    cells: alt.Chart = base.mark_rect().encode(
        color=alt.Color(
            "signed_error:Q", title="verifier - human", scale=_signed_scale(signed_error)
        )
    )
    return cells


def _text_color(values: pd.Series) -> ChannelColor:
    """White text on the darkest cells of a signed heatmap, black elsewhere."""
    finite = values.astype(float).abs().dropna()
    bound = float(finite.max()) if not finite.empty else 0.0
    return alt.condition(
        f"abs(datum.signed_error) > {0.6 * bound}", alt.value("white"), alt.value("black")
    )


def leaderboard_chart(board: pd.DataFrame, metric: str = "total_score_difference") -> Chart:
    """Estimate and interval of one metric per verifier of one benchmark, best at the top.

    Args:
        board: Leaderboard rows of one benchmark (``verifier, verifier_kind, rank`` and
            ``metric``, ``metric_low``, ``metric_high``).
        metric: Leaderboard metric to draw.

    Returns:
        A point per verifier with a rule for its bootstrap interval, coloured by kind.
    """
    data = pd.DataFrame(
        {
            "verifier": board["verifier"].astype(str),
            "kind": board["verifier_kind"].map(lambda k: KIND_LABELS.get(str(k), str(k))),
            "rank": board["rank"].astype(int),
            "estimate": board[metric].astype(float),
            "low": board[f"{metric}_low"].astype(float),
            "high": board[f"{metric}_high"].astype(float),
        }
    ).sort_values(["rank", "verifier"], kind="stable")
    order = data["verifier"].tolist()
    title = METRIC_TITLES.get(metric, metric)
    base = alt.Chart(data).encode(
        y=alt.Y("verifier:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[
            alt.Tooltip("rank:O"),
            alt.Tooltip("verifier:N"),
            alt.Tooltip("kind:N", title="row"),
            alt.Tooltip("estimate:Q", title=metric, format=".2f"),
            alt.Tooltip("low:Q", title="interval low", format=".2f"),
            alt.Tooltip("high:Q", title="interval high", format=".2f"),
        ],
    )
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=title), x2="high:Q", color=_kind_color()
    )
    points = base.mark_point(filled=True, size=90).encode(
        x="estimate:Q", color=_kind_color(), shape=_kind_shape()
    )
    return alt.layer(rules, points).properties(height=AXIS_PX + ROW_PX * len(order))


def generator_totals_chart(totals: pd.DataFrame, max_total: float | None = None) -> Chart:
    """Grouped bars per generator: the verifier's total beside the humans' (the seed's chart).

    Args:
        totals: :func:`verifier_eval.dashboard.frames.generator_totals`.
        max_total: Upper end of the y axis (e.g. 42 on a 6-problem, 7-point competition).
    """
    data = totals[["generator", "source", "total", "difference"]]
    human = data.loc[data["source"] == "human"].sort_values("total", ascending=False)
    scale = alt.Scale(domain=[0, max_total]) if max_total else alt.Undefined
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "generator:N",
                sort=human["generator"].tolist(),
                title="generator",
                axis=alt.Axis(labelAngle=-30, labelLimit=200),
            ),
            xOffset=alt.XOffset("source:N", sort=list(SOURCE_COLORS)),
            y=alt.Y("total:Q", title="total points", scale=scale),
            color=alt.Color(
                "source:N",
                title="graded by",
                scale=alt.Scale(domain=list(SOURCE_COLORS), range=list(SOURCE_COLORS.values())),
            ),
            tooltip=[
                alt.Tooltip("generator:N"),
                alt.Tooltip("source:N", title="graded by"),
                alt.Tooltip("total:Q", format=".2f"),
                alt.Tooltip("difference:Q", title="verifier - human", format="+.2f"),
            ],
        )
        .properties(height=320)
    )
    return chart


def problem_error_chart(errors: pd.DataFrame) -> Chart:
    """Heatmap of the mean signed error per generator and problem, values printed in the cells.

    Args:
        errors: :func:`verifier_eval.dashboard.frames.problem_errors`.
    """
    data = errors[["generator", "problem_id", "signed_error", "n_answers"]]
    base = alt.Chart(data).encode(
        x=alt.X("problem_id:O", title="problem"),
        y=alt.Y("generator:N", title=None, axis=alt.Axis(labelLimit=220)),
        tooltip=[
            alt.Tooltip("generator:N"),
            alt.Tooltip("problem_id:O", title="problem"),
            alt.Tooltip("signed_error:Q", title="verifier - human (points)", format="+.2f"),
            alt.Tooltip("n_answers:Q", title="answers"),
        ],
    )
    cells = _signed_cells(base, data["signed_error"])
    labels = base.mark_text(fontSize=12).encode(
        text=alt.Text("signed_error:Q", format="+.1f"), color=_text_color(data["signed_error"])
    )
    return alt.layer(cells, labels).properties(
        height=AXIS_PX + ROW_PX * data["generator"].nunique()
    )


def self_preference_chart(matrix: pd.DataFrame) -> Chart:
    """Verifier x generator heatmap of the mean signed error, own-model and family cells marked.

    Args:
        matrix: :func:`verifier_eval.analysis.self_preference.self_preference_matrix` rows of
            one benchmark.

    Returns:
        Cells coloured by signed error; own-model cells carry a star and a thick outline,
        same-family cells a diamond and a dashed outline; the interval is in the tooltip.
    """
    kind_order = {"model": 0, "baseline": 1, "human": 2}
    ranked = matrix.drop_duplicates("verifier").assign(
        _order=lambda f: f["verifier_kind"].map(kind_order).fillna(3)
    )
    order = ranked.sort_values(["_order", "verifier"])["verifier"].astype(str).tolist()
    data = matrix[
        [
            "verifier",
            "generator",
            "relation",
            "n_answers",
            "signed_error",
            "signed_error_low",
            "signed_error_high",
        ]
    ].assign(
        label=lambda f: [
            ("" if math.isnan(float(e)) else f"{float(e):+.2f}") + " " + RELATION_MARKS[str(r)]
            for e, r in zip(f["signed_error"], f["relation"], strict=True)
        ]
    )
    base = alt.Chart(data).encode(
        x=alt.X("generator:N", title="generator", axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        y=alt.Y("verifier:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
        tooltip=[
            alt.Tooltip("verifier:N"),
            alt.Tooltip("generator:N"),
            alt.Tooltip("relation:N", title="generator is"),
            alt.Tooltip("signed_error:Q", title="verifier - human", format="+.2f"),
            alt.Tooltip("signed_error_low:Q", title="interval low", format="+.2f"),
            alt.Tooltip("signed_error_high:Q", title="interval high", format="+.2f"),
            alt.Tooltip("n_answers:Q", title="answers"),
        ],
    )
    cells = _signed_cells(base, data["signed_error"])
    # Outlines are separate unfilled layers: Vega-Lite drops a strokeDash *encoding* on rects.
    own = base.mark_rect(filled=False, stroke="black", strokeWidth=3.5).transform_filter(
        "datum.relation === 'own'"
    )
    family = base.mark_rect(
        filled=False, stroke="black", strokeWidth=1.5, strokeDash=[5, 3]
    ).transform_filter("datum.relation === 'family'")
    labels = base.mark_text(fontSize=12).encode(
        text="label:N", color=_text_color(data["signed_error"])
    )
    return alt.layer(cells, own, family, labels).properties(
        height=ROTATED_AXIS_PX + ROW_PX * data["verifier"].nunique()
    )


def best_of_n_chart(bon: pd.DataFrame, measure: BonMeasure = "gain_pct", columns: int = 3) -> Chart:
    """Best-of-N gain (or gap closed) against N, one line per verifier, one panel per generator.

    Args:
        bon: :func:`verifier_eval.analysis.best_of_n.best_of_n` rows of one benchmark.
        measure: ``gain_pct`` or ``gap_closed``.
        columns: Panels per row when there are several generators.
    """
    data = bon[["verifier", "generator", "n", measure, "random", "best_of_n", "oracle"]]
    # Both measures share the N axis, although gap closed is undefined at N = 1.
    n_axis = alt.Scale(domain=[1, max(2, int(data["n"].max()) if not data.empty else 2)])
    data = data.dropna(subset=[measure])
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "n:Q",
                title="N (answers drawn)",
                scale=n_axis,
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            y=alt.Y(f"{measure}:Q", title=BON_AXES[measure]),
            color=alt.Color("verifier:N", title="verifier"),
            tooltip=[
                alt.Tooltip("verifier:N"),
                alt.Tooltip("generator:N"),
                alt.Tooltip("n:Q", title="N"),
                alt.Tooltip(f"{measure}:Q", title=BON_TITLES[measure], format=".2f"),
                alt.Tooltip("random:Q", title="random pick total", format=".2f"),
                alt.Tooltip("best_of_n:Q", title="verifier's pick total", format=".2f"),
                alt.Tooltip("oracle:Q", title="oracle total", format=".2f"),
            ],
        )
    )
    if data["generator"].nunique() > 1:
        panels: alt.FacetChart = chart.properties(width=220, height=180).facet(
            facet=alt.Facet("generator:N", title=None), columns=columns
        )
        return panels
    single: alt.Chart = chart.properties(height=300)
    return single


def reliability_chart(curves: pd.DataFrame) -> Chart:
    """Reliability diagram: observed full-credit rate against the mean confidence, per verifier.

    Args:
        curves: :func:`verifier_eval.analysis.calibration.reliability_table` rows of one
            benchmark (``verifier, bin_low, bin_high, n, mean_probability, observed_rate``).
    """
    data = curves[["verifier", "bin_low", "bin_high", "n", "mean_probability", "observed_rate"]]
    unit = alt.Scale(domain=[0, 1])
    diagonal = (
        alt.Chart(pd.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x=alt.X("p:Q", scale=unit), y=alt.Y("p:Q", scale=unit))
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_probability:Q", title="mean verifier confidence / 100", scale=unit),
            y=alt.Y("observed_rate:Q", title="share with full human credit", scale=unit),
            color=alt.Color("verifier:N", title="verifier"),
            tooltip=[
                alt.Tooltip("verifier:N"),
                alt.Tooltip("bin_low:Q", title="bin from", format=".1f"),
                alt.Tooltip("bin_high:Q", title="bin to", format=".1f"),
                alt.Tooltip("n:Q", title="answers"),
                alt.Tooltip("mean_probability:Q", title="mean confidence", format=".2f"),
                alt.Tooltip("observed_rate:Q", title="observed rate", format=".2f"),
            ],
        )
    )
    sizes = lines.mark_circle().encode(size=alt.Size("n:Q", title="answers in bin"))
    return alt.layer(diagonal, lines, sizes).properties(height=380)


def agreement_chart(
    rows: pd.DataFrame, max_points: float, amount: float = 0.2, columns: int = 3
) -> Chart:
    """Verifier points against human points per answer, jittered so equal grades do not overlap.

    Args:
        rows: Tidy answers of one benchmark (``sample_id, verifier, verifier_points,
            human_points``).
        max_points: Points scale of the benchmark (both axes run from 0 to it).
        amount: Jitter in points, applied to both axes (the tooltips show the exact values).
        columns: Panels per row when there are several verifiers.
    """
    data = rows[["sample_id", "verifier", "verifier_points", "human_points"]].assign(
        human_jittered=lambda f: (
            f["human_points"] + jitter(f["sample_id"] + f["verifier"], amount, "x")
        ),
        verifier_jittered=lambda f: (
            f["verifier_points"] + jitter(f["sample_id"] + f["verifier"], amount, "y")
        ),
    )
    scale = alt.Scale(domain=[-amount, max_points + amount], nice=False)
    points = (
        alt.Chart()
        .mark_circle(opacity=0.55, size=36)
        .encode(
            x=alt.X("human_jittered:Q", title="human points (mean of judges)", scale=scale),
            y=alt.Y("verifier_jittered:Q", title="verifier points", scale=scale),
            color=alt.Color("verifier:N", legend=None),
            tooltip=[
                alt.Tooltip("sample_id:N", title="answer"),
                alt.Tooltip("verifier:N"),
                alt.Tooltip("human_points:Q", title="human points", format=".2f"),
                alt.Tooltip("verifier_points:Q", title="verifier points", format=".2f"),
            ],
        )
    )
    # The diagonal (verifier = human) is drawn from the data's own extent so that it also works
    # inside facets, where every layer must share the faceted data.
    diagonal = (
        alt.Chart()
        .transform_aggregate(count="count()")
        .transform_calculate(low="0", high=str(max_points))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(
            x=alt.X("low:Q", title="human points (mean of judges)", scale=scale),
            y=alt.Y("low:Q", title="verifier points", scale=scale),
            x2="high:Q",
            y2="high:Q",
        )
    )
    layered = alt.layer(diagonal, points, data=data)
    if data["verifier"].nunique() > 1:
        return layered.properties(width=220, height=220).facet(
            facet=alt.Facet("verifier:N", title=None), columns=columns
        )
    return layered.properties(height=360)


def sample_points_chart(points: pd.DataFrame, max_points: float) -> Chart:
    """Each judge's and each verifier's points for one answer, as horizontal bars.

    Args:
        points: Columns ``who, kind, points`` (``kind`` a :data:`KIND_LABELS` value or
            ``judge``), in display order.
        max_points: Points scale of the benchmark.
    """
    colors = {"judge": "#f58518", **KIND_COLORS}
    data = points[["who", "kind", "points"]]
    # The legend lists only the kinds of grader present.
    colors = {kind: color for kind, color in colors.items() if kind in set(data["kind"])}
    base = alt.Chart(data).encode(
        x=alt.X("points:Q", title="points", scale=alt.Scale(domain=[0, max_points])),
        y=alt.Y("who:N", sort=data["who"].tolist(), title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[alt.Tooltip("who:N", title="grader"), alt.Tooltip("points:Q", format=".2f")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "kind:N",
            title="graded by",
            scale=alt.Scale(domain=list(colors), range=list(colors.values())),
        )
    )
    # The value beside each bar, so that a 0 (no bar at all) is still read as a grade.
    values = base.mark_text(align="left", dx=4).encode(text=alt.Text("points:Q", format=".2f"))
    return alt.layer(bars, values).properties(height=AXIS_PX + ROW_PX * len(data))
