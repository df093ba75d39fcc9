"""`verifier-eval run --workers N`: answers and connections dealt to worker processes, one
merged log per (benchmark, verifier) that matches a single-process run."""

import os
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from tests.backends.conftest import FAKE_MODEL
from verifier_eval.analysis.load import load_answers
from verifier_eval.benchmarks import make_task
from verifier_eval.cli import main
from verifier_eval.errors import ConfigError, VerifierEvalError
from verifier_eval.shards import (
    SHARD_OF,
    ShardedRun,
    WorkerSpec,
    deal,
    is_shard_log,
    merge_run,
    record_logs,
    resolve_workers,
    run_workers,
    split_connections,
)
from verifier_eval.testing.fake_openai import FakeOpenAIServer, Faults, ServerConfig


def _spec(log_dir: Path, benchmark: str, ids: list[str]) -> WorkerSpec:
    """A one-worker spec grading ``ids`` of ``benchmark`` with the fake model."""
    return WorkerSpec(
        shard=0,
        kind="benchmark",
        benchmarks=[benchmark],
        task_args={},
        models=[FAKE_MODEL],
        model_args={},
        sample_ids={benchmark: ids},
        max_connections=1,
        max_retries=0,
        epochs=None,
        log_dir=str(log_dir),
    )


def test_connections_are_split_without_exceeding_the_limit() -> None:
    assert split_connections(32, 2) == [16, 16]
    assert split_connections(32, 3) == [11, 11, 10]
    assert split_connections(5, 2) == [3, 2]
    with pytest.raises(ConfigError):
        split_connections(1, 2)


def test_answers_are_dealt_round_robin() -> None:
    assert deal(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert deal(["a"], 3) == [["a"], [], []]


@pytest.mark.parametrize(
    ("requested", "connections", "remote", "no_cache", "cpus", "expected"),
    [
        ("auto", 32, 1, False, 2, 2),
        ("auto", 64, 1, False, 8, 4),
        ("auto", 64, 1, False, 2, 2),
        ("auto", 8, 1, False, 8, 1),
        ("auto", None, 1, False, 8, 1),
        ("auto", 32, 0, False, 8, 1),
        ("auto", 32, 1, True, 8, 1),
        ("3", 32, 1, False, 2, 3),
        ("2", 32, 0, False, 2, 1),
        ("1", 32, 1, True, 2, 1),
    ],
)
def test_worker_count(
    monkeypatch: pytest.MonkeyPatch,
    requested: str,
    connections: int | None,
    remote: int,
    no_cache: bool,
    cpus: int,
    expected: int,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    workers = resolve_workers(
        requested, max_connections=connections, remote_models=remote, no_cache=no_cache
    )
    assert workers == expected


@pytest.mark.parametrize(
    ("requested", "connections", "no_cache", "message"),
    [
        ("two", 32, False, "--workers takes a number or 'auto'"),
        ("0", 32, False, "at least 1"),
        ("2", 32, True, "needs the model cache"),
        ("2", None, False, "needs --max-connections"),
        ("4", 2, False, "fewer than --workers 4"),
    ],
)
def test_bad_worker_requests_are_one_line_errors(
    requested: str, connections: int | None, no_cache: bool, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_workers(requested, max_connections=connections, remote_models=1, no_cache=no_cache)


@pytest.mark.parametrize(
    ("location", "shard"),
    [
        ("logs/2026_imo-2025_x.eval", False),
        ("logs/2026_imo-2025_x.shards/0/2026_imo-2025_y.eval", True),
        ("logs/.shards-abc/1/2026_imo-2025_y.eval", True),
        ("s3://bucket/logs/run.shards/3/a.eval", True),
        ("logs/my.shards.d/a.eval", False),
    ],
)
def test_shard_logs_are_recognised(location: str, shard: bool) -> None:
    assert is_shard_log(location) is shard


def _run(log_dir: Path, *extra: str) -> int:
    argv = ["run", "--model", FAKE_MODEL, "--no-baselines", "--benchmark", "imo_2025",
            "--benchmark", "usamo_2025", "--limit", "5", "--max-connections", "4",
            "--log-dir", str(log_dir), "--display", "none", "--no-preflight", *extra]  # fmt: skip
    return main(argv)


def _metrics(log_dir: Path) -> dict[str, dict[str, float]]:
    """Each benchmark's metric values, by benchmark."""
    result = {}
    for info in record_logs(str(log_dir)):
        log = read_eval_log(info.name, header_only=True)
        assert log.results is not None
        values = {
            f"{score.name}/{name}": metric.value
            for score in log.results.scores
            for name, metric in score.metrics.items()
        }
        result[str((log.eval.metadata or {})["benchmark"])] = values
    return result


def test_two_workers_write_one_merged_log_per_benchmark_equal_to_one_process(
    fake_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sharded, single = tmp_path / "sharded", tmp_path / "single"
    assert _run(sharded, "--workers", "2") == 0
    out = capsys.readouterr().out
    assert "grading 10 answers with openai-api/fake/verifier-1 in 2 worker processes" in out
    assert "shard 0: 6 answers × 1 verifiers graded" in out  # 3 of each benchmark's 5
    assert "shard 1: 4 answers × 1 verifiers graded" in out
    assert fake_server.stats().grading_calls == 10
    assert fake_server.stats().max_in_flight <= 4  # --max-connections 4, split 2 + 2

    merged = {
        str((log.eval.metadata or {})["benchmark"]): log
        for log in (read_eval_log(i.name) for i in record_logs(str(sharded)))
    }
    assert sorted(merged) == ["imo_2025", "usamo_2025"]
    assert len({log.eval.run_id for log in merged.values()}) == 1
    for benchmark, log in merged.items():
        first_five = [str(s.id) for s in list(make_task(benchmark).dataset)[:5]]
        assert log.status == "success"
        assert [str(s.id) for s in log.samples or []] == first_five
        assert log.eval.dataset.sample_ids == first_five
        assert SHARD_OF not in (log.eval.metadata or {})
        assert (log.eval.metadata or {})["max_connections"] == 4  # the run's, not a share
        assert log.eval.shards is not None
        ledger = log.eval.shards.ledger
        assert [(e.shard, e.samples, e.status) for e in ledger] == [
            ("0", 3, "success"),
            ("1", 2, "success"),
        ]
        usage = log.stats.model_usage[FAKE_MODEL]
        shard_usage = [e.model_usage[FAKE_MODEL].input_tokens for e in ledger]
        assert usage.input_tokens == sum(shard_usage) > 0
        # The shards moved beside the merged log, in inspect's shard layout.
        location = str(log.location).removeprefix("file://")
        shards_dir = Path(location.removesuffix(".eval") + ".shards")
        assert sorted(p.parent.name for p in shards_dir.glob("*/*.eval")) == ["0", "1"]
    assert not list(sharded.glob(".shards-*")), "the staging folder was left behind"
    assert len(list_eval_logs(str(sharded))) == 6  # 2 merged + 4 shards on disk
    assert len(load_answers(str(sharded))) == 10  # the analyses read the merged logs only

    # The same run in one process (every grading from the cache) has the same metrics.
    assert _run(single, "--workers", "1") == 0
    assert fake_server.stats().grading_calls == 10
    assert _metrics(sharded) == _metrics(single)

    # A sharded re-run is answered from the cache too.
    assert _run(sharded, "--workers", "2") == 0
    assert fake_server.stats().grading_calls == 10


def test_a_failing_shard_makes_an_error_log_with_what_was_graded(
    fake_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_server.configure(ServerConfig(latency_s=0.02, faults=Faults(rate_500=1.0)))
    code = main(["run", "--model", FAKE_MODEL, "--no-baselines", "--benchmark", "imo_2025",
                 "--limit", "3", "--max-connections", "2", "--workers", "2", "--max-retries", "0",
                 "--log-dir", str(tmp_path), "--display", "none", "--no-preflight"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert f"error: run failed: imo_2025 / {FAKE_MODEL}: InternalServerError after all" in err
    [info] = record_logs(str(tmp_path))
    log = read_eval_log(info.name)
    assert log.status == "error"
    assert log.eval.shards is not None
    assert [e.status for e in log.eval.shards.ledger] == ["error", "error"]
    assert log.eval.config.sample_id == [str(s.id) for s in list(make_task("imo_2025").dataset)[:3]]

    # Resumed with the server healthy: exactly the three answers are graded, into one log.
    fake_server.configure(ServerConfig(latency_s=0.02))
    calls = fake_server.stats().grading_calls
    assert main(["run", "--resume", info.name, "--display", "none"]) == 0
    assert fake_server.stats().grading_calls == calls + 3
    finished = [
        read_eval_log(i.name)
        for i in record_logs(str(tmp_path))
        if read_eval_log(i.name, header_only=True).status == "success"
    ]
    assert [len(f.samples or []) for f in finished] == [3]


def test_a_worker_that_cannot_start_names_its_error(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "0", "no_such_benchmark", ["1"])
    with pytest.raises(VerifierEvalError, match="grading worker 0 failed to start: .*no_such"):
        run_workers([spec])


def test_stress_runs_in_workers_one_merged_log_per_stressed_benchmark(
    fake_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["stress", "--model", FAKE_MODEL, "--no-baselines", "--benchmark", "usamo_2025",
            "--benchmark", "imo_2025", "--limit-answers", "2", "--probes", "truncated_conclusion",
            "--max-connections", "2", "--workers", "2", "--log-dir", str(tmp_path),
            "--display", "none", "--no-preflight"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "in 2 worker processes" in out
    assert "usamo_2025 (stress task version" in out and "imo_2025 (stress task version" in out
    logs = [read_eval_log(i.name) for i in record_logs(str(tmp_path))]
    stressed = sorted(str((log.eval.metadata or {})["stressed_benchmark"]) for log in logs)
    assert stressed == ["imo_2025", "usamo_2025"]
    # Each stressed answer is graded unchanged and cut: 2 answers x 2 versions per benchmark.
    assert [len(log.samples or []) for log in logs] == [4, 4]
    assert fake_server.stats().grading_calls == 8


def test_a_worker_that_dies_while_grading_says_how_to_finish(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the worker's log folder should be")
    first = str(list(make_task("imo_2025").dataset)[0].id)
    spec = _spec(blocker / "0", "imo_2025", [first])
    with pytest.raises(VerifierEvalError, match="grading worker 0 failed: .*run the same command"):
        run_workers([spec])


def test_workers_without_logs_and_a_private_log_folder_are_clear_errors(
    fake_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path / "0", "imo_2025", ["1/a/0"])
    run = ShardedRun(str(tmp_path), [spec], {"imo_2025": ["1/a/0"]}, "run")
    with pytest.raises(VerifierEvalError, match=f"no log of imo_2025 / {FAKE_MODEL}"):
        merge_run(run, str(tmp_path))

    argv = ["run", "--model", FAKE_MODEL, "--no-baselines", "--benchmark", "imo_2025",
            "--max-connections", "2", "--workers", "2", "--log-dir", "memory://logs",
            "--no-preflight"]  # fmt: skip
    assert main(argv) == 2
    assert "memory:// is private to each process" in capsys.readouterr().err
