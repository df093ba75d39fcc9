"""Grading throughput against the concurrency limit, and a cached re-run.

    .venv/bin/python benchmarks/throughput.py [--latency 0.5] [--connections 1 8 32 64]

A fake OpenAI-compatible server (:mod:`verifier_eval.testing.fake_openai`, its own process, bound
to 127.0.0.1) answers every call after a fixed latency L with a valid ``Confidence: <n>``. Every
answer of the bundled benchmarks (usamo_2025: 264, imo_2025: 120) is graded with ``verifier-eval
run --model openai-api/fake/verifier --no-baselines --max-connections C`` for each C, one process
per benchmark as a user would run it. No grading can beat C/L answers per second, so the script
prints the achieved rate against that limit as a ratio. The rate is measured by the server, from
its first grading call to its last answer of each run (process start-up, task loading and the
leaderboard printed afterwards are fixed costs outside it; the end-to-end wall time is printed
too). C=1 grades only the first ``--limit-c1`` answers of each benchmark (40 answers at 0.5 s
would otherwise take about 3 minutes).

Then each run is repeated at once with the same model cache: the re-run must make no grading
call. The pre-flight ping (one tiny request per run, not a grading, never cached because it
checks that the server is up) is counted separately.

When ``verifier-eval run`` has no model cache yet (no ``--no-cache`` option), the runs go through
the same ``inspect_ai.eval`` call the CLI makes, with the cache that ``verifier_eval.runs`` sets;
the header says which path was taken.

Target: at least 0.9 of the limit at C=32, and no grading call on the re-run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from verifier_eval.testing.fake_openai import CallStats

BIN = Path(sys.executable).parent
MODEL = "openai-api/fake/verifier"
ANSWERS = {"usamo_2025": 264, "imo_2025": 120}

API_DRIVER = """
import sys
from inspect_ai import eval as inspect_eval
from verifier_eval.benchmarks import make_task
from verifier_eval.runs import eval_options
benchmark, model, connections, limit, log_dir = sys.argv[1:6]
[log] = inspect_eval(
    make_task(benchmark), model=model, max_connections=int(connections),
    limit=int(limit) if limit != "none" else None, log_dir=log_dir, display="none",
    max_retries=5, **eval_options(),
)
sys.exit(0 if log.status == "success" else 1)
"""


@dataclass(frozen=True)
class RunResult:
    """One ``verifier-eval run`` of one benchmark, as the server saw it."""

    answers: int
    grading_calls: int
    other_calls: int
    window_s: float
    wall_s: float


class Server:
    """The fake server in its own process (so it does not compete with the grader for the GIL)."""

    def __init__(self, latency: float) -> None:
        """Start it; it stops when this process closes its stdin, or after an hour."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "verifier_eval.testing.fake_openai",
                "--latency",
                str(latency),
                "--max-seconds",
                "3600",
                "--stop-on-stdin-eof",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready, self.base_url = self.process.stdout.readline().split()
        assert ready == "READY", ready
        self.root = self.base_url.removesuffix("/v1")

    def stats(self) -> CallStats:
        """The server's counters."""
        with urllib.request.urlopen(f"{self.root}/stats", timeout=10) as response:
            return CallStats(**json.load(response))

    def reset(self) -> None:
        """Zero the counters."""
        request = urllib.request.Request(f"{self.root}/stats/reset", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        """Close its stdin and wait."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def cli_has_cache() -> bool:
    """Whether ``verifier-eval run`` caches gradings (it then has ``--no-cache``)."""
    result = subprocess.run(
        [str(BIN / "verifier-eval"), "run", "--help"], capture_output=True, text=True, timeout=120
    )
    return "--no-cache" in result.stdout


def grade(
    server: Server,
    benchmark: str,
    connections: int,
    limit: int | None,
    log_dir: Path,
    env: dict[str, str],
    via_cli: bool,
) -> RunResult:
    """Run one grading process and read what the server saw."""
    if via_cli:
        argv = [
            str(BIN / "verifier-eval"),
            "run",
            "--model",
            MODEL,
            "--benchmark",
            benchmark,
            "--no-baselines",
            "--max-connections",
            str(connections),
            "--log-dir",
            str(log_dir),
            "--display",
            "none",
        ]
        argv += ["--limit", str(limit)] if limit else []
    else:
        argv = [sys.executable, "-c", API_DRIVER, benchmark, MODEL, str(connections)]
        argv += [str(limit) if limit else "none", str(log_dir)]
    server.reset()
    started = time.perf_counter()
    # Outside the repository, as a user runs the console script (a working tree on sys.path
    # changes the names inspect registers the tasks under).
    result = subprocess.run(
        argv, env=env, cwd=log_dir.parent, capture_output=True, text=True, timeout=1800
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"grading failed ({argv[:3]}...):\n{result.stderr[-3000:]}")
    stats = server.stats()
    window = 0.0
    if stats.first_grading is not None and stats.last_grading_answer is not None:
        window = stats.last_grading_answer - stats.first_grading
    return RunResult(
        answers=limit or ANSWERS[benchmark],
        grading_calls=stats.grading_calls,
        other_calls=stats.calls - stats.grading_calls,
        window_s=window,
        wall_s=wall,
    )


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description="grading throughput against C/L")
    parser.add_argument("--latency", type=float, default=0.5, help="server latency L (s)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--limit-c1", type=int, default=20, help="answers per benchmark at C=1")
    args = parser.parse_args()

    via_cli = cli_has_cache()
    server = Server(args.latency)
    print(
        f"fake server {server.base_url}, latency L={args.latency:g} s; grading through "
        + ("`verifier-eval run`" if via_cli else "inspect_ai.eval with verifier_eval.runs' cache")
        + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    header = (
        f"{'C':>3} {'answers':>7} {'limit C/L':>9} {'achieved/s':>10} {'ratio':>6} "
        f"{'wall s':>7} | {'re-run wall s':>13} {'re-run gradings':>15} {'pings':>5}"
    )
    print(header)
    print("-" * len(header))
    try:
        with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
            for connections in args.connections:
                root = Path(tmp) / f"c{connections}"
                env = {
                    **os.environ,
                    "FAKE_BASE_URL": server.base_url,
                    "FAKE_API_KEY": "benchmark",
                    # A cache per C: a cold first run, and the re-run reads only its own run.
                    "INSPECT_CACHE_DIR": str(root / "cache"),
                }
                limit = args.limit_c1 if connections == 1 else None
                root.mkdir(parents=True)
                first = [
                    grade(server, b, connections, limit, root / "logs", env, via_cli)
                    for b in ANSWERS
                ]
                again = [
                    grade(server, b, connections, limit, root / "logs", env, via_cli)
                    for b in ANSWERS
                ]
                answers = sum(r.answers for r in first)
                assert sum(r.grading_calls for r in first) == answers, first
                rate = answers / sum(r.window_s for r in first)
                bound = connections / args.latency
                print(
                    f"{connections:>3} {answers:>7} {bound:>9.1f} {rate:>10.1f} "
                    f"{rate / bound:>6.2f} {sum(r.wall_s for r in first):>7.1f} | "
                    f"{sum(r.wall_s for r in again):>13.1f} "
                    f"{sum(r.grading_calls for r in again):>15} "
                    f"{sum(r.other_calls for r in again):>5}",
                    flush=True,
                )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
