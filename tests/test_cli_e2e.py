"""End to end through the installed entry points, run from outside the repository."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log

BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=600, env={**os.environ, **env}
    )


def test_inspect_eval_resolves_the_task_from_any_directory(
    tmp_path: Path, tiktoken_seeded: Path
) -> None:
    """`inspect eval verifier_eval/imo_2025 --model mockllm/model --limit 3` outside the repo."""
    result = _run(
        [
            str(BIN / "inspect"),
            "eval",
            "verifier_eval/imo_2025",
            "--model",
            "mockllm/model",
            "--limit",
            "3",
            "--log-dir",
            str(tmp_path / "logs"),
            "--display",
            "plain",
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [log_file] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log_file))
    assert log.status == "success"
    assert log.samples is not None and len(log.samples) == 3
    # mockllm answers a fixed sentence with no confidence: every answer is a counted failure.
    assert log.results is not None
    metrics = log.results.scores[0].metrics
    assert metrics["format_failure_rate"].value == 1.0


def test_unknown_benchmark_is_one_line(tmp_path: Path) -> None:
    result = _run([str(BIN / "verifier-eval"), "run", "--benchmark", "nope"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown benchmark ['nope']; available: "
        "['graded_file', 'imo_2025', 'opc', 'usamo_2025']"
    ]


def test_missing_api_key_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if "OPENAI" not in k}
    result = subprocess.run(
        [
            str(BIN / "verifier-eval"),
            "run",
            "--model",
            "openai/o3",
            "--benchmark",
            "imo_2025",
            "--no-baselines",
            "--limit",
            "1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 2
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error")]
    assert "OPENAI_API_KEY" in line
    assert "Traceback" not in result.stderr


def test_unreachable_model_is_one_line(tmp_path: Path) -> None:
    """A dead OpenAI-compatible server (nothing listens on port 9) fails fast with one line."""
    result = _run(
        [
            str(BIN / "verifier-eval"),
            "run",
            "--model",
            "openai-api/dead/m",
            "--benchmark",
            "imo_2025",
            "--no-baselines",
            "--limit",
            "1",
        ],
        cwd=tmp_path,
        DEAD_BASE_URL="http://127.0.0.1:9/v1",
        DEAD_API_KEY="x",
    )
    assert result.returncode == 2
    errors = [x for x in result.stderr.splitlines() if x.startswith("error")]
    assert errors == [
        "error: model openai-api/dead/m is unreachable or refused the request (Connection "
        "error.); check its base URL, API key and that the server is running"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("benchmark", ["usamo_2025", "imo_2025"])
def test_malformed_task_argument_is_one_line(tmp_path: Path, benchmark: str) -> None:
    result = _run(
        [str(BIN / "verifier-eval"), "run", "--benchmark", benchmark, "-T", "generators=nobody"],
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: unknown generator ['nobody']")
