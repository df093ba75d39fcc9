"""Per-generator breakdown of one verifier: totals against the humans' and errors per problem."""

import streamlit as st
from verifier_eval.dashboard import charts, data, frames, ui

from verifier_eval.analysis.items import cancellation

st.title("Per-generator breakdown")
st.caption(
    "For one verifier: each generator's total (mean points per problem, summed over problems) "
    "as graded by the verifier and by the humans, and where the verifier is too generous (red) "
    "or too harsh (blue)."
)
log_dir = ui.log_dir()
answers = ui.load(data.answers, log_dir)
left, right = st.columns(2)
with left:
    benchmark = ui.benchmark(answers)
names = ui.verifier_names(
    answers.loc[answers["benchmark"] == benchmark], ("model", "baseline", "human")
)
with right:
    verifier = ui.select("Verifier", names, key="verifier")
rows = frames.run_rows(answers, benchmark, verifier)
max_total = float(rows["max_points"].max()) * rows["problem_id"].nunique()

st.subheader("Verifier total vs human total per generator")
ui.chart(charts.generator_totals_chart(frames.generator_totals(rows), max_total))
st.subheader("Signed error per problem (verifier - human, mean per answer)")
ui.chart(charts.problem_error_chart(frames.problem_errors(rows)))
st.subheader("Error hidden by cancellation")
st.caption(
    "The headline sums errors over problems before taking the absolute value: Σ|e| - |Σe| is "
    "the error that too-generous and too-harsh problems cancel."
)
st.dataframe(
    frames.cancellation_view(cancellation(rows)),
    hide_index=True,
    column_config={
        "n_problems": st.column_config.NumberColumn("problems"),
        "sum_abs_error": ui.number_column("Σ|e| (points)"),
        "abs_sum_error": ui.number_column("|Σe| (the generator's total diff)"),
        "cancelled": ui.number_column("cancelled"),
        "cancelled_share": ui.percent_column("cancelled share"),
    },
)
