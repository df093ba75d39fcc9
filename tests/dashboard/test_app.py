"""Streamlit ``AppTest`` smoke tests: every page on the fixture logs, and the empty state.

``AppTest`` runs one page per run; with ``st.navigation`` the test starts from ``app.py`` and
switches pages (the Streamlit docs' recipe).
"""

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from verifier_eval.dashboard import PAGES
from verifier_eval.dashboard import launch as launcher
from verifier_eval.dashboard.ui import LOG_DIR_KEY

APP = launcher.APP
TIMEOUT = 120  # the first run imports inspect and reads the logs


def _run(log_dir: Path, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[LOG_DIR_KEY] = str(log_dir)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def _elements(node: Any, kind: str) -> list[Any]:
    found = [node] if getattr(node, "type", None) == kind else []
    for child in getattr(node, "children", {}).values():
        found += _elements(child, kind)
    return found


def _charts(at: AppTest) -> list[Any]:
    return _elements(at.main, "vega_lite_chart")


@pytest.mark.parametrize(("page", "title"), PAGES, ids=[t for _, t in PAGES])
def test_every_page_renders_on_the_fixture_logs(fixture_logs: Path, page: str, title: str) -> None:
    at = _run(fixture_logs, page)
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == [title]
    assert len(at.dataframe) + len(_charts(at)) >= 1


def test_leaderboard_lists_every_run_and_offers_the_csv(fixture_logs: Path) -> None:
    at = _run(fixture_logs)
    assert at.title[0].value == "Leaderboard"
    [table] = at.dataframe
    shown = table.value
    assert len(shown) == 14  # 7 rows (5 verifiers + ceiling) x 2 benchmarks
    assert set(shown["kind"]) == {"verifier", "baseline", "human ceiling"}
    assert len(_charts(at)) == 2  # one per benchmark
    assert len(_elements(at.main, "download_button")) == 1

    at.selectbox(key="_widget_leaderboard_benchmark").select("imo_2025").run()
    assert set(at.dataframe[0].value["benchmark"]) == {"imo_2025"}
    assert len(_charts(at)) == 1


def test_choices_are_kept_across_pages(fixture_logs: Path) -> None:
    at = _run(fixture_logs, "views/generators.py")
    at.selectbox(key="_widget_benchmark").select("imo_2025").run()
    at.selectbox(key="_widget_verifier").select("replay/synthetic-hash").run()
    at.switch_page("views/calibration.py").run()
    assert at.selectbox(key="_widget_benchmark").value == "imo_2025"
    at.switch_page("views/generators.py").run()
    assert at.selectbox(key="_widget_verifier").value == "replay/synthetic-hash"
    assert not at.exception


def test_sample_browser_shows_judges_and_every_verifier(fixture_logs: Path) -> None:
    at = _run(fixture_logs, "views/samples.py")
    at.selectbox(key="_widget_sb_order").select("verifiers far from the humans first").run()
    at.toggle(key="sb_baselines").set_value(True).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert {"judge 1", "judge 2"} <= set(metrics)
    texts = " ".join(t.value for t in at.text)
    assert "SYNTHETIC VERIFIER OUTPUT" in texts  # the replay verifiers' full answers
    assert "Confidence:" in texts
    verifiers = " ".join(m.value for m in at.markdown)
    for name in ("embedded/minilm-opc", "replay/synthetic-gpt-like", "baseline/zero"):
        assert name in verifiers
    at.toggle(key="sb_render").set_value(True).run()  # Markdown and LaTeX instead of raw text
    assert not at.exception


def test_best_of_n_and_self_preference_options(fixture_logs: Path) -> None:
    at = _run(fixture_logs, "views/best_of_n.py")
    at.radio(key="bon_panels").set_value("one panel per generator").run()
    assert not at.exception and len(_charts(at)) == 2
    at.multiselect(key="_widget_bon_verifiers").set_value([]).run()
    assert not at.exception and not _charts(at)
    assert "Pick at least one verifier." in [i.value for i in at.info]

    at.switch_page("views/self_preference.py").run()
    at.toggle(key="sp_baselines").set_value(False).run()
    assert not at.exception and len(_charts(at)) == 1


def test_calibration_warns_when_no_answer_has_full_credit(fixture_logs: Path) -> None:
    at = _run(fixture_logs, "views/calibration.py")
    at.selectbox(key="_widget_benchmark").select("imo_2025").run()
    at.number_input(key="calibration_threshold").set_value(7.0).run()
    assert any("No answer has at least 7" in w.value for w in at.warning)
    at.number_input(key="calibration_threshold").set_value(3.5).run()
    assert not at.warning and not at.exception


@pytest.mark.parametrize("which", ["missing", "empty"])
@pytest.mark.parametrize(("page", "title"), PAGES, ids=[t for _, t in PAGES])
def test_without_logs_every_page_explains_how_to_make_them(
    tmp_path: Path, which: str, page: str, title: str
) -> None:
    log_dir = tmp_path / "nope" if which == "missing" else tmp_path
    at = _run(log_dir, page)
    assert not at.exception
    assert [t.value for t in at.title] == [title]
    assert f"No eval logs to show from `{log_dir}`" in at.info[0].value
    advice = " ".join(m.value for m in at.markdown)
    assert f"verifier-eval run --log-dir {log_dir}" in advice
    assert not at.dataframe and not _charts(at)


def test_the_sidebar_switches_the_log_directory(fixture_logs: Path, tmp_path: Path) -> None:
    at = _run(fixture_logs)
    assert at.dataframe
    at.sidebar.text_input(key=f"_widget_{LOG_DIR_KEY}").set_value(str(tmp_path)).run()
    assert not at.dataframe
    assert "No eval logs to show" in at.info[0].value
