"""Grading throughput against the concurrency limit, and a cached re-run.

    .venv/bin/python benchmarks/throughput.py [--latency 0.5] [--connections 1 8 32 64]
                                              [--workers auto]

A fake OpenAI-compatible server (:mod:`verifier_eval.testing.fake_openai`, its own process, bound
to 127.0.0.1) answers every call after a fixed latency L with a valid ``Confidence: <n>``. Every
answer of the bundled benchmarks (usamo_2025: 264, imo_2025: 120) is graded by one ``verifier-eval
run --model openai-api/fake/verifier --no-baselines --max-connections C --workers W`` for each C,
as a user would run it (W defaults to ``auto``: one process per 16 connections, at most one per
core; see :mod:`verifier_eval.shards`). No grading can beat C/L answers per second, so the script
prints the achieved rate against that limit as a ratio. The rate is measured by the server, from
its first grading call to its last answer (process start-up, task loading, merging the workers'
logs and the leaderboard printed afterwards are fixed costs outside it; the end-to-end wall time
is printed too). C=1 grades only the first ``--limit-c1`` answers of each benchmark (40 answers
at 0.5 s would otherwise take about 3 minutes).

Each C is run ``--repeats`` times (3 by default), each time cold (a fresh model cache); the
median run is reported with the range, since a 2-core machine shared with the fake server varies
by a few percent from run to run. The median run is then repeated at once with the same cache:
the re-run must make no grading call. The pre-flight ping (one tiny request per run, not a
grading, never cached because it checks that the server is up) is counted separately. The
"in flight" column is the most grading calls the server had open at once in the cold runs: it
must never exceed C.

Last, the bare OpenAI client (no inspect) sends 192 calls at 16 connections from this process:
the ceiling one worker process works against.

Target: at least 0.9 of the limit at C=32, and no grading call on the re-run.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from verifier_eval.testing.fake_openai import CallStats

BIN = Path(sys.executable).parent
MODEL = "openai-api/fake/verifier"
ANSWERS = {"usamo_2025": 264, "imo_2025": 120}


@dataclass(frozen=True)
class RunResult:
    """One ``verifier-eval run`` (both benchmarks), as the server saw it."""

    answers: int
    grading_calls: int
    other_calls: int
    window_s: float
    wall_s: float
    workers: int
    max_in_flight: int
    """The most grading calls the server had open at once (never above C)."""


class ColdRun(NamedTuple):
    """One cold run of a C, with what its cached re-run needs."""

    ratio: float
    result: RunResult
    env: dict[str, str]
    log_dir: Path


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


def grade(
    server: Server,
    connections: int,
    workers: str,
    limit: int | None,
    log_dir: Path,
    env: dict[str, str],
) -> RunResult:
    """Run one ``verifier-eval run`` over both benchmarks and read what the server saw."""
    argv = [
        str(BIN / "verifier-eval"),
        "run",
        "--model",
        MODEL,
        "--no-baselines",
        "--max-connections",
        str(connections),
        "--workers",
        workers,
        "--log-dir",
        str(log_dir),
        "--display",
        "none",
    ]
    argv += ["--limit", str(limit)] if limit else []
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
    match = re.search(r"in (\d+) worker processes", result.stdout)
    return RunResult(
        answers=sum(min(limit or n, n) for n in ANSWERS.values()),
        grading_calls=stats.grading_calls,
        other_calls=stats.calls - stats.grading_calls,
        window_s=window,
        wall_s=wall,
        workers=int(match.group(1)) if match else 1,
        max_in_flight=stats.max_in_flight,
    )


def bare_client(server: Server, connections: int, calls: int) -> float:
    """The ratio reached by the bare OpenAI client alone in this process (no inspect).

    A ceiling for one worker: ``calls`` grading-sized requests, ``connections`` at a time.
    """
    import asyncio

    from openai import AsyncOpenAI

    async def run() -> float:
        client = AsyncOpenAI(base_url=server.base_url, api_key="benchmark", max_retries=0)
        prompt = "<proof>" + "step " * 1000 + "</proof>"
        todo = list(range(calls))

        async def worker() -> None:
            while todo:
                todo.pop()
                await client.chat.completions.create(
                    model="verifier", messages=[{"role": "user", "content": prompt}]
                )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return calls / (time.perf_counter() - started)

    return asyncio.run(run())


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description="grading throughput against C/L")
    parser.add_argument("--latency", type=float, default=0.5, help="server latency L (s)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--workers", default="auto", help="verifier-eval run --workers")
    parser.add_argument("--limit-c1", type=int, default=20, help="answers per benchmark at C=1")
    parser.add_argument(
        "--repeats", type=int, default=3, help="cold runs per C (the median is reported)"
    )
    args = parser.parse_args()

    server = Server(args.latency)
    print(
        f"fake server {server.base_url}, latency L={args.latency:g} s; grading through "
        f"`verifier-eval run --workers {args.workers}`; {args.repeats} cold run(s) per C, "
        f"median (and range) of the ratio; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    header = (
        f"{'C':>3} {'workers':>7} {'answers':>7} {'limit C/L':>9} {'achieved/s':>10} "
        f"{'ratio':>6} {'range':>11} {'in flight':>9} {'wall s':>7} | {'re-run wall s':>13} "
        f"{'re-run gradings':>15} {'pings':>5}"
    )
    print(header)
    print("-" * len(header))
    try:
        with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
            for connections in args.connections:
                limit = args.limit_c1 if connections == 1 else None
                bound = connections / args.latency
                runs = []
                for repeat in range(args.repeats):
                    root = Path(tmp) / f"c{connections}-{repeat}"
                    root.mkdir(parents=True)
                    env = {
                        **os.environ,
                        "FAKE_BASE_URL": server.base_url,
                        "FAKE_API_KEY": "benchmark",
                        # A fresh cache per run: every run is cold, the re-run reads its own.
                        "INSPECT_CACHE_DIR": str(root / "cache"),
                    }
                    first = grade(server, connections, args.workers, limit, root / "logs", env)
                    assert first.grading_calls == first.answers, first
                    assert first.max_in_flight <= connections, first
                    ratio = first.answers / first.window_s / bound
                    runs.append(ColdRun(ratio, first, env, root / "logs"))
                runs.sort(key=lambda run: run.ratio)
                ratio, first, env, log_dir = runs[len(runs) // 2]
                again = grade(server, connections, args.workers, limit, log_dir, env)
                spread = f"{runs[0].ratio:.2f}-{runs[-1].ratio:.2f}"
                in_flight = max(run.result.max_in_flight for run in runs)
                print(
                    f"{connections:>3} {first.workers:>7} {first.answers:>7} {bound:>9.1f} "
                    f"{ratio * bound:>10.1f} {ratio:>6.2f} {spread:>11} {in_flight:>9} "
                    f"{first.wall_s:>7.1f} | "
                    f"{again.wall_s:>13.1f} {again.grading_calls:>15} {again.other_calls:>5}",
                    flush=True,
                )
        # The ceiling one worker process works against: the bare client at 16 connections.
        rate = bare_client(server, 16, 192)
        print(
            f"bare OpenAI client, no inspect, 16 connections, 192 calls: {rate:.1f}/s = "
            f"{rate / (16 / args.latency):.2f} of its limit"
        )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
