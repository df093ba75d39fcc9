"""Calibration: does the confidence behave like the probability of full human credit?"""

import streamlit as st
from verifier_eval.dashboard import charts, data, ui

st.title("Calibration")
st.caption(
    "Reliability curves: answers binned by the verifier's confidence, against the share that "
    "got full credit from the humans (the dashed diagonal is perfect calibration). Below, each "
    "answer's verifier points against its human points, jittered so that equal grades stay "
    "visible."
)
log_dir = ui.log_dir()
answers = ui.load(data.answers, log_dir)
benchmark = ui.benchmark(answers)
on_benchmark = answers.loc[answers["benchmark"] == benchmark]
max_points = float(on_benchmark["max_points"].max())
everyone = ui.verifier_names(on_benchmark, ("model", "baseline", "human"))
models = ui.verifier_names(on_benchmark)
left, right = st.columns([3, 1])
with left:
    verifiers = ui.multiselect(
        "Verifiers", everyone, key="calibration_verifiers", default=models or everyone[:3]
    )
with right:
    threshold = st.number_input(
        "Full credit: human points at least",
        min_value=0.0,
        max_value=max_points,
        value=max_points,
        step=0.5,
        key="calibration_threshold",
        help="On MathArena the human points are the mean of two judges: 7 means both gave 7/7.",
    )
rows, curves, summary = ui.load(lambda d: data.calibration(d, float(threshold)), log_dir)
picked = curves.loc[(curves["benchmark"] == benchmark) & curves["verifier"].isin(verifiers)]
if picked.empty:
    st.info("Pick at least one verifier.")
    st.stop()
st.subheader("Reliability curves")
summary = summary.loc[(summary["benchmark"] == benchmark) & summary["verifier"].isin(verifiers)]
if not summary.empty and int(summary["positives"].max()) == 0:
    st.warning(
        f"No answer has at least {threshold:g} human points here, so every curve sits at 0 and "
        "AUROC is undefined; lower the full-credit threshold to compare verifiers."
    )
ui.chart(charts.reliability_chart(picked))
st.dataframe(
    summary.drop(columns=["log", "benchmark"]),
    hide_index=True,
    column_config={
        "n": st.column_config.NumberColumn("answers"),
        "positives": st.column_config.NumberColumn("with full credit"),
        "auroc": ui.number_column("AUROC"),
        "brier": ui.number_column("Brier", 3),
        "ece": ui.number_column("ECE", 3, help="Expected calibration error, 10 equal bins"),
        "accuracy": ui.number_column("accuracy", help="Confidence >= 50 agrees with the label"),
    },
)
st.subheader("Verifier points against human points")
points = on_benchmark.loc[on_benchmark["verifier"].isin(verifiers)]
ui.chart(charts.agreement_chart(points, max_points))
