"""Page pieces shared by every page: log directory, selectors, empty state, table formats.

No caching here (see :mod:`verifier_eval.dashboard.data`).

Streamlit forgets a widget's value when a page without that widget runs, so every selector keeps
its value under a plain session-state key and re-seeds its widget from it on each run; a choice
made on one page (the benchmark, the verifier) is therefore kept on the next.
"""

import shlex
from collections.abc import Callable, Sequence
from typing import Literal, NoReturn, TypeVar

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig
from verifier_eval.dashboard import charts, data, frames

from verifier_eval.errors import VerifierEvalError

T = TypeVar("T")

LOG_DIR_KEY = "log_dir"


def _widget_key(key: str) -> str:
    return f"_widget_{key}"


def _keep(key: str) -> None:
    st.session_state[key] = st.session_state[_widget_key(key)]


def _seed(key: str, options: Sequence[T], default: T | None) -> None:
    stored = st.session_state.get(key)
    if stored not in options:
        stored = default if default in options else options[0]
        st.session_state[key] = stored
    st.session_state[_widget_key(key)] = stored


def select(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    default: T | None = None,
    format_func: Callable[[T], str] = str,
    help: str | None = None,
) -> T:
    """A selectbox whose choice is kept across pages under ``key``.

    Args:
        label: Widget label.
        options: Choices (not empty).
        key: Session-state key of the kept choice; pages share a choice by sharing a key.
        default: Choice when nothing valid is kept (else the first option).
        format_func: How an option is shown.
        help: Tooltip of the widget.
    """
    _seed(key, options, default)
    st.selectbox(
        label,
        options,
        key=_widget_key(key),
        format_func=format_func,
        on_change=_keep,
        args=(key,),
        help=help,
    )
    chosen: T = st.session_state[key]
    return chosen


def multiselect(
    label: str, options: Sequence[str], *, key: str, default: Sequence[str], help: str | None = None
) -> list[str]:
    """A multiselect whose choice is kept across pages under ``key`` (unknown names dropped)."""
    stored = st.session_state.get(key)
    kept = [o for o in (stored if isinstance(stored, list) else default) if o in options]
    st.session_state[key] = kept
    st.session_state[_widget_key(key)] = kept
    st.multiselect(label, options, key=_widget_key(key), on_change=_keep, args=(key,), help=help)
    chosen: list[str] = st.session_state[key]
    return chosen


def log_dir() -> str:
    """The log directory: a sidebar text field, first filled from the launcher's setting."""
    if LOG_DIR_KEY not in st.session_state:
        st.session_state[LOG_DIR_KEY] = data.default_log_dir()
    st.session_state[_widget_key(LOG_DIR_KEY)] = st.session_state[LOG_DIR_KEY]
    st.sidebar.text_input(
        "Log directory",
        key=_widget_key(LOG_DIR_KEY),
        on_change=_keep,
        args=(LOG_DIR_KEY,),
        help="Folder (or fsspec URL) of verifier_eval eval logs. The newest run of each verifier "
        "on each benchmark is shown.",
    )
    if st.sidebar.button("Reload logs", help="Read the logs again (new logs are noticed anyway)"):
        data.clear()
    directory: str = st.session_state[LOG_DIR_KEY]
    return directory


def explain_missing_logs(directory: str, error: Exception) -> NoReturn:
    """Say why nothing can be shown and how to produce logs, then end the page run."""
    st.info(f"No eval logs to show from `{directory}`.")
    shell = shlex.quote(directory)
    st.markdown(
        f"""
The dashboard reads the eval logs written by `verifier-eval run` (or by `inspect eval
verifier_eval/<benchmark>`). To produce some, offline and without an API key:

```bash
verifier-eval run --log-dir {shell}
verifier-eval dashboard --log-dir {shell}
```

The first command grades MathArena's USAMO 2025 and IMO 2025 answers with the embedded verifier
and the constant baselines (a few minutes on 2 cores; add `--limit 20` for a quick look).
Any verifier works too, e.g. `verifier-eval run --model openai/o4-mini --log-dir {shell}`.
You can also type another folder in the sidebar.
"""
    )
    with st.expander("Details"):
        st.code(str(error), language=None)
    st.stop()


def load(loader: Callable[[str], T], directory: str) -> T:
    """Call a :mod:`.data` loader; on missing or unreadable logs, explain and end the page run."""
    try:
        return loader(directory)
    except VerifierEvalError as ex:
        explain_missing_logs(directory, ex)


def benchmark(frame: pd.DataFrame) -> str:
    """Benchmark selector shared by the pages (kept across pages)."""
    names = frames.benchmarks(frame)
    if not names:
        explain_missing_logs(
            st.session_state[LOG_DIR_KEY], VerifierEvalError("the logs hold no graded answers")
        )
    chosen: str = select("Benchmark", names, key="benchmark")
    return chosen


def verifier_names(frame: pd.DataFrame, kinds: Sequence[str] = ("model",)) -> list[str]:
    """Verifier names of the given kinds, models first, then baselines, then the ceiling."""
    order = {"model": 0, "baseline": 1, "human": 2}
    rows = frame.loc[frame["verifier_kind"].isin(list(kinds)), ["verifier", "verifier_kind"]]
    rows = rows.drop_duplicates("verifier")
    ranked = sorted(
        zip(rows["verifier_kind"], rows["verifier"], strict=True),
        key=lambda r: (order.get(r[0], 3), r[1]),
    )
    return [str(name) for _, name in ranked]


def percent_column(label: str, help: str | None = None) -> ColumnConfig:
    """Column format of a percentage (0-100)."""
    return st.column_config.NumberColumn(label, format="%.1f%%", help=help)


def number_column(label: str, digits: int = 2, help: str | None = None) -> ColumnConfig:
    """Column format of a number with fixed decimals."""
    return st.column_config.NumberColumn(label, format=f"%.{digits}f", help=help)


LEADERBOARD_HEADERS: dict[str, tuple[str, str | None]] = {
    "rank": ("#", None),
    "benchmark": ("benchmark", None),
    "verifier": ("verifier", None),
    "kind": (
        "row",
        "verifier, constant baseline, or the human ceiling (judge 1 graded against judge 2)",
    ),
    "total_score_difference": (
        "total diff",
        "Seed headline: per generator |verifier total - human total| over the problems, averaged "
        "over generators. Lower is better.",
    ),
    "total_score_difference_ci": ("{level} interval", "Percentile bootstrap over problems"),
    "mae": ("MAE", "Mean absolute error per answer (points)"),
    "bias": ("bias", "Mean of verifier - human points per answer; positive = too generous"),
    "pearson": ("Pearson r", None),
    "spearman": ("Spearman ρ", None),
    "auroc": ("AUROC", "Full human credit against the rest, ranked by confidence"),
    "brier": ("Brier", "Squared error of confidence/100 against full human credit"),
    "format_failures_pct": (
        "format failures",
        "Answers without a parseable confidence (scored 0 points by default)",
    ),
    "n_answers": ("answers", None),
    "input_tokens": ("input tokens", None),
    "output_tokens": ("output tokens", None),
    "cost": ("cost (USD)", "Where the provider reports prices"),
    "task_version": ("task version", "Runs of different task versions are not comparable"),
}
"""Header and tooltip of each :func:`frames.leaderboard_view` column."""

LEADERBOARD_FORMATS: dict[str, str] = {
    "rank": "{:d}",
    "total_score_difference": "{:.2f}",
    "mae": "{:.2f}",
    "bias": "{:+.2f}",
    "pearson": "{:.2f}",
    "spearman": "{:.2f}",
    "auroc": "{:.2f}",
    "brier": "{:.3f}",
    "format_failures_pct": "{:.1f}%",
    "n_answers": "{:d}",
    "input_tokens": "{:,.0f}",
    "output_tokens": "{:,.0f}",
    "cost": "${:,.2f}",
}
"""Display formats of the numeric leaderboard columns (sorting uses the numbers)."""

ROW_SHADES = {
    frames.KIND_LABELS["baseline"]: "background-color: rgba(128, 128, 128, 0.16)",
    frames.KIND_LABELS["human"]: "background-color: rgba(228, 87, 86, 0.16)",
}
ROW_PX = 35
"""Row height of ``st.dataframe`` (header included), to size tables to their rows."""


def table_height(rows: int, most: int = 30) -> int:
    """Pixel height that shows ``rows`` rows (up to ``most``) without an inner scroll bar."""
    return ROW_PX * (min(rows, most) + 1) + 3


def leaderboard_table(view: pd.DataFrame, level: str, key: str) -> None:
    """Show :func:`frames.leaderboard_view` sortable, baselines grey and the ceiling red."""

    def shade(row: pd.Series) -> list[str]:
        return [ROW_SHADES.get(str(row["kind"]), "")] * len(row)

    formats = {c: f for c, f in LEADERBOARD_FORMATS.items() if c in view.columns}
    styled = view.style.apply(shade, axis=1).format(formats, na_rep="–")
    config = {
        column: st.column_config.Column(label.format(level=level), help=help)
        for column, (label, help) in LEADERBOARD_HEADERS.items()
        if column in view.columns
    }
    st.dataframe(
        styled,
        column_config=config,
        hide_index=True,
        height=table_height(len(view)),
        key=key,
    )


def show_text(render: bool, text: str, height: int | None = None) -> None:
    """Show a proof, comment or verifier output: as Markdown with LaTeX, or exactly as stored.

    Args:
        render: Render Markdown and LaTeX; otherwise the raw text.
        text: The text.
        height: Pixel height of a scrolling box for long texts (``None``: no box).
    """
    box = st.container(height=height) if height else st.container()
    if render:
        # Hard line breaks: judges' comments and answers put one remark per line.
        box.markdown(frames.markdown_math(text).replace("\n", "  \n"))
    else:
        box.text(text)


def chart(figure: charts.Chart) -> None:
    """Show an Altair chart across the page at the height it asks for.

    Streamlit's theme drops the ``height`` of a layered chart, so it is passed on explicitly
    (faceted charts size their panels themselves).
    """
    asked = getattr(figure, "height", None)  # facet charts have no height of their own
    height: int | Literal["content"] = asked if isinstance(asked, int) else "content"
    st.altair_chart(figure, width="stretch", height=height)
