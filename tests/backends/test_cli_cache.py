"""`verifier-eval run` reuses gradings, --no-cache grades again, --resume checks its input."""

from pathlib import Path

import pytest

from tests.backends.conftest import FAKE_MODEL
from verifier_eval.cli import main
from verifier_eval.testing.fake_openai import FakeOpenAIServer


def _run(tmp_path: Path, *extra: str) -> int:
    argv = ["run", "--model", FAKE_MODEL, "--no-baselines", "--benchmark", "imo_2025",
            "--limit", "4", "--log-dir", str(tmp_path / "logs"), "--display", "none",
            "--no-preflight", *extra]  # fmt: skip
    return main(argv)


def test_rerun_makes_no_call_and_no_cache_does(
    fake_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path) == 0
    assert fake_server.stats().grading_calls == 4
    assert _run(tmp_path) == 0
    assert fake_server.stats().grading_calls == 4, "the re-run called the model"
    assert _run(tmp_path, "--no-cache") == 0
    assert fake_server.stats().grading_calls == 8
    assert FAKE_MODEL in capsys.readouterr().out


def test_resume_of_a_missing_log_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--resume", str(tmp_path / "nope.eval")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: cannot resume {tmp_path / 'nope.eval'}: no such log file or folder"]
