"""End to end: the real server (``verifier-eval dashboard``) and every page in headless Chromium.

Screenshots of every page go to ``test-artifacts/dashboard/`` (gitignored). The browser console
must stay free of errors. One kind of message is expected, and tolerated only on pages opened by
their own URL (``/generators``, ...): Streamlit's frontend looks for the server's base path by
requesting ``<page URL>/_stcore/health`` and ``/_stcore/host-config`` before trying the parent
path, and Chromium logs the 404 of that first probe as a console error. Navigating through the
menu, as the first test does, must produce no console error at all.
"""

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from verifier_eval.dashboard import PAGES

from tests.dashboard.conftest import ARTIFACTS
from tests.dashboard.live import Server, chromium, chromium_path, dashboard_server

EXECUTABLE = chromium_path()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        EXECUTABLE is None,
        reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs "
        "it where apt works",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="the playwright package is not installed (pip install -e '.[dev]')",
    ),
]

RENDERED = "[data-testid='stDataFrame']:visible, [data-testid='stVegaLiteChart']:visible"
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && document.querySelectorAll('[data-stale="true"]').length === 0
  && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
       .every(chart => chart.querySelector('canvas, svg'))"""
TIMEOUT_MS = 120_000  # the first page of a fresh server waits for inspect's imports


def _slug(path: str) -> str:
    return Path(path).stem


def _base_path_probe(message: Any, server: Server) -> bool:
    """The expected 404 of Streamlit's base-path probe below a page URL (see module docstring)."""
    url = str(message.location.get("url", ""))
    probe = re.fullmatch(re.escape(server.url) + r"/[a-z_]+/_stcore/(health|host-config)", url)
    return probe is not None and "404" in message.text


@pytest.fixture(scope="module")
def server(fixture_logs: Path) -> Iterator[Server]:
    with dashboard_server(fixture_logs) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert EXECUTABLE is not None
    with chromium(EXECUTABLE) as context:
        yield context


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


def _record(errors: list[str], message: Any) -> None:
    if message.type == "error":
        errors.append(f"console: {message.text} ({message.location.get('url')})")


def _check_page(page: Any, title: str) -> None:
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=TIMEOUT_MS)
    page.locator(RENDERED).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    assert page.locator("[data-testid='stException']").count() == 0


CONTENT_HEIGHT = """() => Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer']
    .map(id => document.querySelector(`[data-testid=${id}]`)?.scrollHeight ?? 0))"""


def _screenshot(page: Any, name: str) -> None:
    """The whole page: the viewport is stretched to the height of Streamlit's scrolling main."""
    height = 1000
    for _ in range(3):  # charts re-layout at the new size, which can change the height again
        wanted = min(max(1000, int(page.evaluate(CONTENT_HEIGHT)) + 40), 8000)
        if wanted <= height:
            break
        height = wanted
        page.set_viewport_size({"width": 1400, "height": height})
        page.wait_for_timeout(700)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_every_page_renders_through_the_menu_without_console_errors(
    server: Server, browser: Any
) -> None:
    page = browser.new_page()
    errors = _watch(page)
    page.on("console", lambda m: _record(errors, m))
    page.goto(server.url)
    for path, title in PAGES:
        if path != PAGES[0][0]:
            page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
        _check_page(page, title)
        _screenshot(page, _slug(path))
    page.close()
    assert errors == []


@pytest.mark.parametrize(("path", "title"), PAGES[1:], ids=[t for _, t in PAGES[1:]])
def test_every_page_renders_from_its_own_url(
    server: Server, browser: Any, path: str, title: str
) -> None:
    page = browser.new_page()
    errors = _watch(page)
    page.on("console", lambda m: None if _base_path_probe(m, server) else _record(errors, m))
    page.goto(f"{server.url}/{_slug(path)}")
    _check_page(page, title)
    page.close()
    assert errors == []
