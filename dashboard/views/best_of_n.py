"""Best-of-N: human score gained by keeping the answer the verifier rates highest."""

import streamlit as st
from verifier_eval.dashboard import charts, data, ui

from verifier_eval.analysis.best_of_n import ALL_GENERATORS

st.title("Best-of-N")
st.caption(
    "Draw N of a generator's answers to a problem and keep the one the verifier rates highest: "
    "the expected human total (exact over all N-subsets, ties at random) compared with a random "
    "pick and with an oracle that knows the human grades."
)
log_dir = ui.log_dir()
answers = ui.load(data.answers, log_dir)
bon = ui.load(data.best_of_n_table, log_dir)
benchmark = ui.benchmark(answers)
rows = bon.loc[bon["benchmark"] == benchmark]
models = ui.verifier_names(answers.loc[answers["benchmark"] == benchmark])
everyone = ui.verifier_names(
    answers.loc[answers["benchmark"] == benchmark], ("model", "baseline", "human")
)
verifiers = ui.multiselect(
    "Verifiers", everyone, key="bon_verifiers", default=models[:5] or everyone[:3]
)
panels = st.radio(
    "Generators",
    ["average over generators", "one panel per generator"],
    horizontal=True,
    key="bon_panels",
)
rows = rows.loc[rows["verifier"].isin(verifiers)]
if panels.startswith("average"):
    rows = rows.loc[rows["generator"] == ALL_GENERATORS]
else:
    rows = rows.loc[rows["generator"] != ALL_GENERATORS]
if rows.empty:
    st.info("Pick at least one verifier.")
    st.stop()
for measure in ("gain_pct", "gap_closed"):
    st.subheader(charts.BON_TITLES[measure])
    ui.chart(charts.best_of_n_chart(rows, measure))
with st.expander("Table"):
    st.dataframe(rows.drop(columns=["log"]), hide_index=True)
