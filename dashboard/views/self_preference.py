"""Self-preference audit: signed error of each verifier on each generator's answers."""

import streamlit as st
from verifier_eval.dashboard import charts, data, frames, ui

st.title("Self-preference")
st.caption(
    "Mean signed error (verifier - human points per answer; red = too generous) of each "
    "verifier on each generator's answers. ★ with a thick outline: the verifier's own model; "
    "◆ with a dashed outline: same model family. Hover a cell for its bootstrap interval."
)
log_dir = ui.log_dir()
answers = ui.load(data.answers, log_dir)
matrix, contrasts = ui.load(data.self_preference, log_dir)
benchmark = ui.benchmark(answers)
kinds = ["model", "baseline", "human"]
if not st.toggle("Show baselines and the human ceiling", value=True, key="sp_baselines"):
    kinds = ["model"]
cells = matrix.loc[(matrix["benchmark"] == benchmark) & matrix["verifier_kind"].isin(kinds)]
ui.chart(charts.self_preference_chart(cells))

st.subheader("Own model and same family against other generators")
st.caption(
    "Mean signed error on the verifier's own model's answers (and its family's) minus that on "
    "other generators' answers; 'all' pools the benchmarks. Baselines have no model or family."
)
level = frames.level_percent()
view = frames.contrasts_view(contrasts, benchmark)
if view.empty:
    st.info("No model verifiers in these logs: the contrasts need a verifier with a model family.")
else:
    st.dataframe(
        view,
        hide_index=True,
        column_config={
            "benchmark": st.column_config.TextColumn("benchmark", help="'all': pooled"),
            "n_own": st.column_config.NumberColumn("own answers"),
            "n_family": st.column_config.NumberColumn("family answers"),
            "n_other": st.column_config.NumberColumn("other answers"),
            "own_minus_other": ui.number_column("own − other"),
            "own_minus_other_ci": st.column_config.TextColumn(f"{level} interval"),
            "own_minus_other_p": ui.number_column("p", 3),
            "family_minus_other": ui.number_column("family − other"),
            "family_minus_other_ci": st.column_config.TextColumn(f"{level} interval "),
            "family_minus_other_p": ui.number_column("p ", 3),
        },
    )
