"""Pure reshaping of the analysis layer's tables for display: no Streamlit, no I/O.

Numbers are computed by :mod:`verifier_eval.analysis` and :mod:`verifier_eval.measures`; this
module only selects, relabels and aggregates them into the shapes the pages and charts take.
"""

import math
import re

import numpy as np
import pandas as pd

from verifier_eval import measures
from verifier_eval.analysis.bootstrap import DEFAULT_LEVEL

KIND_LABELS: dict[str, str] = {
    "model": "verifier",
    "baseline": "baseline",
    "human": "human ceiling",
}
"""How each ``verifier_kind`` is named on screen."""

ALL = "(all)"
"""Selector value meaning "no filter"."""

LEADERBOARD_VIEW_COLUMNS: tuple[str, ...] = (
    "rank",
    "benchmark",
    "verifier",
    "kind",
    "total_score_difference",
    "total_score_difference_ci",
    "mae",
    "bias",
    "pearson",
    "spearman",
    "auroc",
    "brier",
    "format_failures_pct",
    "n_answers",
    "input_tokens",
    "output_tokens",
    "cost",
    "task_version",
)


def kind_label(kind: str) -> str:
    """Screen name of a ``verifier_kind`` (unknown kinds are shown as they are)."""
    return KIND_LABELS.get(kind, kind)


def benchmarks(frame: pd.DataFrame) -> list[str]:
    """Sorted benchmark names of a table with a ``benchmark`` column."""
    return sorted(str(b) for b in frame["benchmark"].unique())


def interval_text(low: float, high: float, digits: int = 2) -> str:
    """``[low, high]``, or an empty string when the interval is undefined."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def leaderboard_view(board: pd.DataFrame, benchmark: str = ALL) -> pd.DataFrame:
    """The leaderboard's on-screen columns for one benchmark (or all).

    Args:
        board: :func:`verifier_eval.analysis.leaderboard.leaderboard`.
        benchmark: A benchmark name, or :data:`ALL`.

    Returns:
        :data:`LEADERBOARD_VIEW_COLUMNS`, in the board's order (benchmark, then rank). The
        interval column is text; the estimate beside it stays numeric so that sorting works.
    """
    rows = board if benchmark == ALL else board.loc[board["benchmark"] == benchmark]
    view = rows.assign(
        kind=rows["verifier_kind"].map(kind_label),
        total_score_difference_ci=[
            interval_text(float(lo), float(hi))
            for lo, hi in zip(
                rows["total_score_difference_low"],
                rows["total_score_difference_high"],
                strict=True,
            )
        ],
        format_failures_pct=100.0 * rows["format_failure_rate"].astype(float),
    )
    return view[list(LEADERBOARD_VIEW_COLUMNS)].reset_index(drop=True)


def level_percent(level: float = DEFAULT_LEVEL) -> str:
    """A confidence level as on screen, e.g. ``95%``."""
    return f"{100 * level:g}%"


def run_rows(answers: pd.DataFrame, benchmark: str, verifier: str) -> pd.DataFrame:
    """One verifier's answers on one benchmark (the newest run, as loaded)."""
    keep = (answers["benchmark"] == benchmark) & (answers["verifier"] == verifier)
    return answers.loc[keep]


def generator_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """Verifier and human totals per generator (the seed's per-model bars), long format.

    Args:
        rows: One run's answers (:func:`run_rows`); its failure policy is applied.

    Returns:
        Columns ``generator, source ("verifier" or "human"), total, difference`` where
        ``difference`` is the generator's verifier minus human total (on both rows).
    """
    totals = measures.generator_totals(measures.scored_answers(rows))
    records = []
    for t in totals:
        for source, total in (("verifier", t.verifier_total), ("human", t.human_total)):
            records.append(
                {
                    "generator": t.generator,
                    "source": source,
                    "total": total,
                    "difference": t.difference,
                }
            )
    return pd.DataFrame(records, columns=["generator", "source", "total", "difference"])


def problem_errors(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean signed error (verifier - human points) per generator and problem of one run.

    Returns:
        Columns ``generator, problem_id, signed_error, n_answers``.
    """
    scored = measures.scored_answers(rows)
    columns = ["generator", "problem_id", "signed_error", "n_answers"]
    if scored.empty:
        return pd.DataFrame(columns=columns)
    error = (scored["verifier_points"] - scored["human_points"]).rename("error")
    grouped = pd.concat([scored[["generator", "problem_id"]], error], axis=1).groupby(
        ["generator", "problem_id"], sort=True
    )["error"]
    out = grouped.agg(signed_error="mean", n_answers="size").reset_index()
    return out[columns]


def disagreement(answers: pd.DataFrame, benchmark: str, *, baselines: bool = False) -> pd.DataFrame:
    """Per answer of a benchmark: how far the verifiers are from the humans and from each other.

    Args:
        answers: Tidy answers.
        benchmark: Benchmark name.
        baselines: Count the constant baselines as verifiers (they never disagree among
            themselves in an informative way, so they are left out by default).

    Returns:
        One row per answer: ``sample_id, problem_id, generator, answer_index, human_points,
        judge_1_points, judge_2_points, n_verifiers, mean_verifier_points, mean_abs_error``
        (mean over verifiers of ``|verifier - human|``) and ``verifier_spread`` (max - min of
        the verifiers' points; 0 with one verifier), sorted by problem, generator and answer.
    """
    kinds = ["model", "baseline"] if baselines else ["model"]
    rows = answers.loc[
        (answers["benchmark"] == benchmark) & answers["verifier_kind"].isin(kinds)
    ].assign(abs_error=lambda f: (f["verifier_points"] - f["human_points"]).abs())
    keys = ["sample_id", "problem_id", "generator", "answer_index"]
    firsts = ["human_points", "judge_1_points", "judge_2_points"]
    columns = [
        *keys,
        *firsts,
        "n_verifiers",
        "mean_verifier_points",
        "mean_abs_error",
        "verifier_spread",
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    grouped = rows.groupby(keys, sort=True)
    out = grouped.agg(
        **{c: (c, "first") for c in firsts},
        n_verifiers=("verifier", "nunique"),
        mean_verifier_points=("verifier_points", "mean"),
        mean_abs_error=("abs_error", "mean"),
        points_max=("verifier_points", "max"),
        points_min=("verifier_points", "min"),
    ).reset_index()
    out["verifier_spread"] = out["points_max"] - out["points_min"]
    return out[columns]


SAMPLE_ORDERS: dict[str, str] = {
    "problem, generator, answer": "",
    "verifiers far from the humans first": "mean_abs_error",
    "verifiers disagreeing with each other first": "verifier_spread",
}
"""Orders of the sample browser's answer list: label -> column sorted descending."""


def ordered_answers(
    table: pd.DataFrame, order: str, *, problem: str = ALL, generator: str = ALL
) -> pd.DataFrame:
    """Filter :func:`disagreement` rows by problem and generator and sort them.

    Args:
        table: :func:`disagreement`.
        order: A key of :data:`SAMPLE_ORDERS`.
        problem: Problem id, or :data:`ALL`.
        generator: Generator, or :data:`ALL`.
    """
    rows = table
    if problem != ALL:
        rows = rows.loc[rows["problem_id"] == problem]
    if generator != ALL:
        rows = rows.loc[rows["generator"] == generator]
    column = SAMPLE_ORDERS[order]
    if column:
        rows = rows.sort_values(
            [column, "problem_id", "generator", "answer_index"],
            ascending=[False, True, True, True],
            kind="stable",
        )
    return rows.reset_index(drop=True)


def answer_label(row: pd.Series) -> str:
    """How an answer is named in the sample browser's picker."""
    return (
        f"P{row['problem_id']} · {row['generator']} · answer {int(row['answer_index']) + 1} "
        f"(human {float(row['human_points']):.1f}, |Δ| {float(row['mean_abs_error']):.1f}, "
        f"spread {float(row['verifier_spread']):.1f})"
    )


def sample_verdicts(answers: pd.DataFrame, benchmark: str, sample_id: str) -> pd.DataFrame:
    """Every verifier's verdict on one answer (the human ceiling left out), best run first.

    Returns:
        Columns ``verifier, verifier_kind, kind, confidence, verifier_points, human_points,
        max_points, verdict_status, log``, models before baselines, then by name.
    """
    rows = answers.loc[
        (answers["benchmark"] == benchmark)
        & (answers["sample_id"] == sample_id)
        & (answers["verifier_kind"] != "human")
    ]
    order = {"model": 0, "baseline": 1}
    rows = rows.assign(
        kind=rows["verifier_kind"].map(kind_label),
        _order=rows["verifier_kind"].map(order).fillna(2),
    ).sort_values(["_order", "verifier"], kind="stable")
    columns = [
        "verifier",
        "verifier_kind",
        "kind",
        "confidence",
        "verifier_points",
        "human_points",
        "max_points",
        "verdict_status",
        "log",
    ]
    return rows[columns].reset_index(drop=True)


def jitter(keys: pd.Series, amount: float, salt: str) -> np.ndarray:
    """Deterministic uniform jitter in ``[-amount, amount]``, one value per key.

    Drawn from a hash of each key, so a chart looks the same on every rerun and in tests.
    """
    hashed = pd.util.hash_pandas_object(keys.astype(str) + "|" + salt, index=False).to_numpy()
    unit = (hashed % np.uint64(1_000_003)).astype(float) / 1_000_003.0
    return np.asarray((2.0 * unit - 1.0) * amount, dtype=float)


def contrasts_view(contrasts: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """Self-preference contrasts of model verifiers on ``benchmark`` and pooled, for display.

    Args:
        contrasts: :func:`verifier_eval.analysis.self_preference.self_preference_contrasts`.
        benchmark: Benchmark name; the pooled rows (``all``) are kept too.

    Returns:
        Columns ``verifier, benchmark, n_own, n_family, n_other, own_minus_other,
        own_minus_other_ci, own_minus_other_p`` and the same three for ``family_minus_other``.
    """
    rows = contrasts.loc[
        contrasts["benchmark"].isin([benchmark, "all"]) & (contrasts["verifier_kind"] == "model")
    ]
    view = rows[["verifier", "benchmark", "n_own", "n_family", "n_other"]].copy()
    for name in ("own_minus_other", "family_minus_other"):
        view[name] = rows[name].astype(float)
        view[f"{name}_ci"] = [
            interval_text(float(lo), float(hi))
            for lo, hi in zip(rows[f"{name}_low"], rows[f"{name}_high"], strict=True)
        ]
        view[f"{name}_p"] = rows[f"{name}_p"].astype(float)
    return view.reset_index(drop=True)


def cancellation_view(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`verifier_eval.analysis.items.cancellation` with the share in percent."""
    return table.assign(cancelled_share=100.0 * table["cancelled_share"].astype(float))


_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
_DISPLAY_MATH = re.compile(r"\\\[(.+?)\\\]", re.DOTALL)


def markdown_math(text: str) -> str:
    r"""Rewrite LaTeX's ``\(...\)`` and ``\[...\]`` as ``$...$`` and ``$$...$$`` for Markdown.

    Streamlit's Markdown renders only dollar-delimited math and reads ``\(`` as an escaped
    parenthesis, so proofs written with LaTeX delimiters would lose both math and brackets.
    """
    text = _DISPLAY_MATH.sub(lambda m: f"$$\n{m.group(1).strip()}\n$$", text)
    return _INLINE_MATH.sub(lambda m: f"${m.group(1).strip()}$", text)
