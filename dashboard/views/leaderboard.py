"""Leaderboard: one row per verifier and benchmark, baselines and the human ceiling marked."""

import streamlit as st
from verifier_eval.dashboard import charts, data, frames, ui

st.title("Leaderboard")
st.caption(
    "The newest run of each verifier on each benchmark, ranked by the total-score difference "
    "(lower is better; Brier score on binary-label benchmarks). Grey rows are constant "
    "baselines, the red row is the human ceiling (one judge graded against the other). "
    "Click a column header to sort."
)
log_dir = ui.log_dir()
board = ui.load(data.leaderboard_table, log_dir)
benchmark = ui.select(
    "Benchmark", [frames.ALL, *frames.benchmarks(board)], key="leaderboard_benchmark"
)
view = frames.leaderboard_view(board, benchmark)
level = frames.level_percent()
ui.leaderboard_table(view, level, key="leaderboard_table")
shown = board if benchmark == frames.ALL else board.loc[board["benchmark"] == benchmark]
st.download_button(
    "Download CSV",
    shown.to_csv(index=False),
    file_name=f"leaderboard-{'all' if benchmark == frames.ALL else benchmark}.csv",
    mime="text/csv",
    icon=":material/download:",
    help="Every leaderboard column, with interval bounds and unrounded numbers",
)
for name in frames.benchmarks(shown):
    rows = shown.loc[shown["benchmark"] == name]
    metric = "brier" if bool(rows["binary"].all()) else "total_score_difference"
    st.subheader(f"{name}: {charts.METRIC_TITLES[metric].split(' (')[0].lower()}, {level} interval")
    ui.chart(charts.leaderboard_chart(rows, metric))
