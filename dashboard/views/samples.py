"""Sample browser: one answer with its problem, proof, human grades and every verifier's output."""

import pandas as pd
import streamlit as st
from verifier_eval.dashboard import charts, data, frames, ui

VERIFIERS_PER_ROW = 3

st.title("Sample browser")
st.caption(
    "Pick an answer to read the problem, the proof, each human judge's points and comments, "
    "and each verifier's points and full output side by side. Sort the list to find the "
    "answers where the verifiers are furthest from the humans, or from each other."
)
log_dir = ui.log_dir()
answers = ui.load(data.answers, log_dir)
benchmark = ui.benchmark(answers)
baselines = st.toggle("Count the constant baselines as verifiers", value=False, key="sb_baselines")
table = frames.disagreement(answers, benchmark, baselines=baselines)
if table.empty:
    st.info("No verifier graded this benchmark's answers; turn the baselines on.")
    st.stop()
c1, c2, c3 = st.columns([1, 1, 2])
with c1:
    problem = ui.select(
        "Problem", [frames.ALL, *sorted(table["problem_id"].unique())], key="sb_problem"
    )
with c2:
    generator = ui.select(
        "Generator", [frames.ALL, *sorted(table["generator"].unique())], key="sb_generator"
    )
with c3:
    order = ui.select("Order", list(frames.SAMPLE_ORDERS), key="sb_order")
listed = frames.ordered_answers(table, order, problem=problem, generator=generator)
if listed.empty:
    st.info("No answer matches these filters.")
    st.stop()
labels = {str(r["sample_id"]): frames.answer_label(r) for _, r in listed.iterrows()}
sample_id = ui.select("Answer", list(labels), key="sb_sample", format_func=labels.__getitem__)
with st.expander(f"Answers in this order ({len(listed)})"):
    st.dataframe(
        listed,
        hide_index=True,
        column_config={
            "mean_abs_error": ui.number_column("mean |verifier - human|"),
            "verifier_spread": ui.number_column("verifier spread (max - min)"),
            "mean_verifier_points": ui.number_column("mean verifier points"),
        },
    )

verdicts = frames.sample_verdicts(answers, benchmark, sample_id)
if not baselines:
    verdicts = verdicts.loc[verdicts["verifier_kind"] != "baseline"]
texts = {}
for _, verdict in verdicts.iterrows():
    try:
        texts[str(verdict["verifier"])] = data.sample_texts(log_dir, str(verdict["log"]), sample_id)
    except (data.UnsafeLogPathError, OSError, ValueError, KeyError) as ex:
        st.error(f"Cannot read {verdict['verifier']}'s output from {verdict['log']}: {ex}")
first = next(iter(texts.values()), None)
row = listed.loc[listed["sample_id"] == sample_id].iloc[0]
max_points = float(verdicts["max_points"].max()) if not verdicts.empty else 7.0

st.header(
    f"Problem {row['problem_id']} · {row['generator']} · answer {int(row['answer_index']) + 1}"
)
judges = list(first.judge_points) if first else []
grades = pd.DataFrame(
    [
        *({"who": f"judge {i + 1}", "kind": "judge", "points": p} for i, p in enumerate(judges)),
        *(
            {
                "who": str(v["verifier"]),
                "kind": str(v["kind"]),
                "points": float(v["verifier_points"]),
            }
            for _, v in verdicts.iterrows()
        ),
    ]
)
if not grades.empty:
    ui.chart(charts.sample_points_chart(grades, max_points))
render = st.toggle(
    "Render Markdown and LaTeX",
    value=False,
    key="sb_render",
    help="Off: every text exactly as stored in the logs",
)
if first is None:
    st.warning("None of this answer's logs could be read.")
    st.stop()
with st.expander("Problem", expanded=True):
    ui.show_text(render, first.problem)
with st.expander("Proof (the answer graded)", expanded=True):
    ui.show_text(render, first.proof, height=500)

st.subheader("Human judges")
for column, (i, points) in zip(st.columns(max(1, len(judges))), enumerate(judges), strict=False):
    with column:
        st.metric(f"judge {i + 1}", f"{points:g} / {max_points:g}")
        comment = first.judge_comments[i] if i < len(first.judge_comments) else ""
        ui.show_text(render, comment or "(no comment)", height=300)

st.subheader("Verifiers")
records = list(verdicts.iterrows())
for start in range(0, len(records), VERIFIERS_PER_ROW):
    for column, (_, verdict) in zip(
        st.columns(VERIFIERS_PER_ROW), records[start : start + VERIFIERS_PER_ROW], strict=False
    ):
        with column:
            name = str(verdict["verifier"])
            st.markdown(f"**{name}** · {verdict['kind']}")
            points = float(verdict["verifier_points"])
            st.metric(
                "points",
                f"{points:.2f} / {max_points:g}",
                delta=f"{points - float(row['human_points']):+.2f} vs human",
                delta_color="off",
            )
            st.caption(f"verdict: {verdict['verdict_status']}")
            for output in texts[name].outputs if name in texts else ():
                if len(texts[name].outputs) > 1:
                    st.caption(f"epoch {output.epoch}")
                if output.reasoning:
                    with st.expander("reasoning"):
                        ui.show_text(render, output.reasoning, height=400)
                ui.show_text(render, output.text or "(empty answer)", height=400)
