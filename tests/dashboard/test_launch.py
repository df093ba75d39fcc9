"""``verifier-eval dashboard``: the command line it runs, without starting a server."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
from verifier_eval.dashboard import LOG_DIR_ENV, PAGES, launch

from verifier_eval import cli
from verifier_eval.errors import ConfigError


class FakeServer:
    """Stands in for the Streamlit process: records how it was started."""

    started: list[tuple[list[str], dict[str, str]]] = []

    def __init__(self, command: list[str], env: dict[str, str], **_: Any) -> None:
        FakeServer.started.append((command, env))

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> type[FakeServer]:
    FakeServer.started = []
    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    return FakeServer


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_streamlit_runs_the_app_headless_on_localhost(fake_server: type[FakeServer]) -> None:
    assert launch.launch("logs") == 0
    [(command, env)] = fake_server.started
    assert command[1:5] == ["-m", "verifier_eval.dashboard.serve", "run", str(launch.APP)]
    assert _option(command, "--server.address") == "127.0.0.1"
    assert _option(command, "--server.port") == "8501"
    assert _option(command, "--server.headless") == "true"
    assert _option(command, "--browser.gatherUsageStats") == "false"
    assert env[LOG_DIR_ENV] == str(Path("logs").resolve())


def test_host_port_and_remote_log_dirs_pass_through(fake_server: type[FakeServer]) -> None:
    launch.launch("s3://bucket/logs", host="0.0.0.0", port=9999)
    [(command, env)] = fake_server.started
    assert _option(command, "--server.address") == "0.0.0.0"
    assert _option(command, "--server.port") == "9999"
    assert env[LOG_DIR_ENV] == "s3://bucket/logs"


def test_the_cli_subcommand_calls_the_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def fake_launch(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    monkeypatch.setattr(launch, "launch", fake_launch)
    assert cli.main(["dashboard", "--log-dir", "x", "--port", "8600"]) == 0
    assert calls == [{"log_dir": "x", "host": "127.0.0.1", "port": 8600}]


def test_missing_streamlit_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"verifier_eval\[dashboard\]"):
        launch.launch("logs")


def test_the_app_script_exists_next_to_its_pages() -> None:

    for path, _ in PAGES:
        assert (launch.APP.parent / path).is_file()
    # A pages/ folder beside app.py would make Streamlit bypass st.navigation.
    assert not (launch.APP.parent / "pages").exists()
