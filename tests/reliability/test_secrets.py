"""Issue 7.6: API keys never appear in error messages, console output or eval logs.

Keys are planted in the environment (the provider's ``FOO_API_KEY`` and ``OPENAI_API_KEY``) and
as a model argument (``-M api_key=...``); the model points at a dead port, so the run fails. The
preflight failure and a run that gets as far as writing a log (``--no-preflight``) are both
searched for every key, in stdout, stderr and the decompressed content of every log file.
"""

import contextlib
import io
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

from verifier_eval import cli

SECRETS = {
    "FOO_API_KEY": "sk-test-SECRET-foo-8c1f2b",
    "OPENAI_API_KEY": "sk-test-SECRET-openai-51d9e0",
}
ARG_SECRET = "sk-test-SECRET-arg-77ab3c"
DEAD = {"FOO_BASE_URL": "http://127.0.0.1:9/v1"}  # nothing listens on the discard port
RUN = ["run", "--model", "openai-api/foo/m", "--benchmark", "imo_2025", "--no-baselines"]


class Finished(NamedTuple):
    code: int
    stdout: str
    stderr: str
    log_dir: Path


def _log_text(log_dir: Path) -> str:
    """Everything the log directory holds, with ``.eval`` archives decompressed."""
    parts = []
    for path in sorted(p for p in log_dir.rglob("*") if p.is_file()):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                parts += [
                    archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                ]
        else:
            parts.append(path.read_text("utf-8", "replace"))
    return "\n".join(parts)


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (*SECRETS.values(), ARG_SECRET):
            assert secret not in text
        assert "SECRET" not in text


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    """``verifier-eval run --no-preflight`` against the dead port: the eval runs and logs its error.

    In-process (a subprocess costs ~10 s of start-up); with ``--display none`` everything the
    command prints goes through ``sys.stdout`` / ``sys.stderr``, which are redirected here.
    """
    log_dir = tmp_path_factory.mktemp("secret-logs")
    args = [*RUN, "--limit", "1", "--no-preflight", "--max-retries", "0", "--display", "none"]
    args += ["-M", f"api_key={ARG_SECRET}", "--log-dir", str(log_dir)]
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env:
        for name, value in {**SECRETS, **DEAD}.items():
            env.setenv(name, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(args)
    return Finished(code, out.getvalue(), err.getvalue(), log_dir)


def test_preflight_error_does_not_show_keys(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**SECRETS, **DEAD}.items():
        monkeypatch.setenv(name, value)
    code = cli.main([*RUN, "--limit", "1", "--log-dir", str(tmp_path / "logs")])
    out, err = capfd.readouterr()
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: model openai-api/foo/m is unreachable or refused the request (Connection "
        "error.); check its base URL, API key and that the server is running"
    ]
    _assert_no_secret(out, err)
    assert not (tmp_path / "logs").exists()


def test_failed_run_does_not_show_or_log_keys(failed_run: Finished) -> None:
    assert failed_run.code != 0
    logs = list(failed_run.log_dir.glob("*.eval"))
    assert len(logs) == 1
    text = _log_text(failed_run.log_dir)
    # The log does hold the failure, so the search ran over a log with error details in it.
    assert "Connection error" in text
    _assert_no_secret(failed_run.stdout, failed_run.stderr, text)


def test_failed_run_names_its_cause(failed_run: Finished) -> None:
    assert failed_run.code == 1
    [line] = [x for x in failed_run.stderr.splitlines() if x.startswith("error:")]
    assert line.startswith("error: run failed: imo_2025 / openai-api/foo/m: APIConnectionError")
    assert "Future at" not in line
