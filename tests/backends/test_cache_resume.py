"""Caching (a re-run makes no model call) and resuming a killed run (only what is missing is
graded, and the final log is complete)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import CachePolicy

from tests.backends.conftest import FAKE_MODEL
from verifier_eval.benchmarks import make_task
from verifier_eval.errors import ConfigError
from verifier_eval.runs import cache_policy, eval_options, resume, run_usage, unfinished_logs
from verifier_eval.testing.fake_openai import FakeOpenAIServer, ServerConfig


def _grade(log_dir: Path, limit: int, *, no_cache: bool = False, epochs: int = 1) -> EvalLog:
    [log] = inspect_eval(
        make_task("imo_2025"),
        model=FAKE_MODEL,
        limit=limit,
        epochs=epochs,
        log_dir=str(log_dir),
        display="none",
        **eval_options(no_cache=no_cache),
    )
    assert log.status == "success", log.error
    assert log.location is not None
    return read_eval_log(log.location)


def _confidences(log: EvalLog) -> dict[str | int, list[object]]:
    return {
        s.id: [
            score.metadata["confidence"] for score in (s.scores or {}).values() if score.metadata
        ]
        for s in log.samples or []
    }


def test_a_rerun_with_the_cache_makes_no_model_call(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    first = _grade(tmp_path, 5)
    assert fake_server.stats().grading_calls == 5
    second = _grade(tmp_path, 5)
    assert fake_server.stats().grading_calls == 5, "the re-run called the model"
    assert _confidences(second) == _confidences(first)
    usage = run_usage(second)
    assert (usage.calls, usage.cached_calls, usage.spent_input_tokens, usage.spent) == (0, 5, 0, 0)
    assert usage.input_tokens == run_usage(first).input_tokens > 0


def test_epochs_are_cached_separately(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    _grade(tmp_path, 3, epochs=2)
    assert fake_server.stats().grading_calls == 6
    _grade(tmp_path, 3, epochs=2)
    assert fake_server.stats().grading_calls == 6


def test_no_cache_grades_again(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    _grade(tmp_path, 3, no_cache=True)
    _grade(tmp_path, 3, no_cache=True)
    assert fake_server.stats().grading_calls == 6


CHILD = """
import sys
from inspect_ai import eval as inspect_eval
from verifier_eval.benchmarks import make_task
from verifier_eval.runs import eval_options
inspect_eval(make_task("imo_2025"), model=sys.argv[1], limit=int(sys.argv[2]), log_dir=sys.argv[3],
             max_connections=2, display="none", **eval_options())
"""


RESUME = """
import sys
from verifier_eval.runs import resume
[log] = resume(sys.argv[1], display="none")
print(log.location)
"""


def test_resume_after_a_kill_grades_only_what_is_missing(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """SIGKILL mid-run (no chance to write anything more), then resume from the crashed log."""
    n, kill_after, connections = 24, 14, 2
    fake_server.configure(ServerConfig(latency_s=0.15))
    # Both runs happen outside the repository, as with the verifier-eval console script: with the
    # working tree on sys.path (`python -c` in the repository root, or this pytest process),
    # inspect registers the tasks under unqualified names, which a resume elsewhere cannot find.
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, FAKE_MODEL, str(n), str(tmp_path)],
        env=dict(os.environ),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 120
    while fake_server.stats().grading_calls < kill_after and time.monotonic() < deadline:
        assert child.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    graded_before = fake_server.stats().grading_calls
    [crashed_file] = tmp_path.glob("*.eval")
    crashed = read_eval_log(str(crashed_file))
    assert crashed.status == "started"
    assert unfinished_logs(str(tmp_path)) == [crashed_file.as_uri()]
    flushed = len(crashed.samples or [])
    assert graded_before < n

    fake_server.reset_stats()
    resumed = subprocess.run(
        [sys.executable, "-c", RESUME, str(crashed_file)],
        env=dict(os.environ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    graded_now = fake_server.stats().grading_calls

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = read_eval_log(resumed.stdout.split()[-1])
    assert final.status == "success"
    assert unfinished_logs(str(tmp_path)) == [], "the resumed run supersedes the interrupted one"
    ids = [s.id for s in final.samples or []]
    expected = [s.id for s in make_task("imo_2025").dataset][:n]
    assert sorted(ids, key=str) == sorted(expected, key=str), "no sample lost or duplicated"
    assert all(s.scores for s in final.samples or [])
    # Only the missing samples are graded: never the flushed ones, and nothing graded before
    # the kill twice except calls that were in flight when it came.
    assert n - graded_before <= graded_now <= n - flushed
    assert graded_before + graded_now <= n + connections


def test_resume_refuses_missing_and_finished_logs(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="no such log file"):
        resume(str(tmp_path / "nope.eval"))
    with pytest.raises(ConfigError, match="no unfinished runs"):
        resume(str(tmp_path))
    done = _grade(tmp_path, 1)
    assert done.location is not None
    with pytest.raises(ConfigError, match="nothing to resume"):
        resume(done.location)


def test_the_cache_policy_survives_the_log_round_trip() -> None:
    """Logs drop ``None`` fields, and a cache key includes the expiry: a ``None`` expiry came
    back from a log as inspect's default (one week), so a resumed run missed every entry."""
    policy = cache_policy()
    assert isinstance(policy, CachePolicy)
    stored = policy.model_dump_json(exclude_none=True)
    assert CachePolicy.model_validate_json(stored) == policy
