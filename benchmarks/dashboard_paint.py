"""First paint of the dashboard's leaderboard page with logs of 10 verifiers, in headless Chromium.

    .venv/bin/python benchmarks/dashboard_paint.py [--repeats 3] [--logs DIR]

Logs: a real offline run (``inspect_ai.eval`` of the bundled tasks) of 10 verifiers on the whole of
USAMO 2025 (264 answers) and IMO 2025 (120): the 3 constant baselines and 7 ``replay/`` verifiers
whose answers are SYNTHETIC (the human grade plus uniform noise of 10 to 70 confidence points,
drawn from a hash of the proof), written into a temporary folder (or ``--logs DIR``, reused when it
already holds logs). The verifiers' numbers mean nothing; only the time is measured.

Each repeat starts a fresh server with ``verifier-eval dashboard`` (which reads the logs and
computes the leaderboard in the background as soon as it starts) and measures, in Chromium, the
time from navigation to the leaderboard table being visible (``performance.now()`` at the first
animation frame where ``[data-testid=stDataFrame]`` is laid out):

- **first paint**: the page opened once the server has its leaderboard ready (start, then open the
  browser: the usual case);
- **immediate**: the page opened the moment the server answers its health check, so the visitor
  waits for whatever reading of logs is left;
- **revisit**: a second tab on the same server (cached tables).

Target: first paint under 3 seconds. The machine's load average is printed beside the figures:
the project's machine has 2 cores, often shared.
"""

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# One copy of the server and browser plumbing, shared with the browser tests.
sys.path.insert(0, str(ROOT))

from tests.dashboard.live import Server, chromium, chromium_path, dashboard_server  # noqa: E402

TARGET_SECONDS = 3.0
BENCHMARKS = ("usamo_2025", "imo_2025")
NOISES = (10, 20, 30, 40, 50, 60, 70)
"""Noise (confidence points) of each synthetic replay verifier: 7 of them, plus 3 baselines."""
READY = "dashboard: leaderboard of"
TABLE_PAINTED = """() => {
  const table = document.querySelector('[data-testid="stDataFrame"]');
  if (table && table.offsetParent !== null && table.getBoundingClientRect().height > 0) {
    window.__tablePaint = performance.now();
    return true;
  }
  return false;
}"""


def _synthetic(proof: str, share: float, noise: int) -> str:
    digest = hashlib.sha256(f"{noise}:{proof}".encode()).hexdigest()
    unit = int(digest[:12], 16) / 16**12
    confidence = min(100.0, max(0.0, 100.0 * share + noise * (2.0 * unit - 1.0)))
    return (
        "SYNTHETIC VERIFIER OUTPUT for timing benchmarks/dashboard_paint.py: the human grade plus "
        f"noise; not a model's judgement.\nConfidence: {round(confidence)}"
    )


def make_logs(log_dir: Path) -> None:
    """Run the 10 verifiers on both benchmarks into ``log_dir``."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    from verifier_eval.benchmarks import make_task, mean_confidence

    work = Path(tempfile.mkdtemp(prefix="paint-responses-"))
    for benchmark in BENCHMARKS:
        task = make_task(benchmark)
        models: list[Any] = [
            get_model("baseline/zero"),
            get_model("baseline/full"),
            get_model("baseline/mean", confidence=mean_confidence(task)),
        ]
        for noise in NOISES:
            table = {}
            for sample in task.dataset:
                meta = sample.metadata or {}
                proof = str(sample.input)
                share = float(meta["human_points"]) / float(meta["max_points"])
                for text in {proof, proof.strip("\n"), proof.strip()}:
                    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    table[key] = _synthetic(proof, share, noise)
            path = work / f"{benchmark}-{noise}.json"
            path.write_text(json.dumps(table), encoding="utf-8")
            models.append(get_model(f"replay/synthetic-noise-{noise}", responses=str(path)))
        inspect_eval(task, model=models, log_dir=str(log_dir), display="none")


def _paint_seconds(context: Any, url: str) -> float:
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function(TABLE_PAINTED, polling="raf", timeout=180_000)
        return float(page.evaluate("window.__tablePaint")) / 1000.0
    finally:
        page.close()


def _measure(log_dir: Path, executable: str, *, wait_ready: bool) -> tuple[float, float, float]:
    """One fresh server: (seconds until ready, first paint, revisit)."""
    started = time.monotonic()
    with dashboard_server(log_dir) as server, chromium(executable) as context:
        ready = _wait_ready(server) - started if wait_ready else float("nan")
        first = _paint_seconds(context, server.url)
        again = _paint_seconds(context, server.url)
    return ready, first, again


def _wait_ready(server: Server) -> float:
    if not server.wait_for_output(READY, timeout=300):
        raise RuntimeError(f"the server never reported its leaderboard ready; see {server.output}")
    return time.monotonic()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--logs", type=Path, help="log folder to (re)use instead of a temporary one"
    )
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        print("error: needs Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    os.environ.setdefault("INSPECT_DISPLAY", "none")
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="paint-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    if not any(log_dir.glob("*.eval")):
        started = time.monotonic()
        make_logs(log_dir)
        print(f"wrote logs of 10 verifiers to {log_dir} in {time.monotonic() - started:.0f} s")

    ready, first, immediate, revisit = [], [], [], []
    for _ in range(args.repeats):
        r, f, a = _measure(log_dir, executable, wait_ready=True)
        ready.append(r)
        first.append(f)
        revisit.append(a)
        _, i, a = _measure(log_dir, executable, wait_ready=False)
        immediate.append(i)
        revisit.append(a)

    def line(name: str, values: list[float]) -> str:
        median = statistics.median(values)
        runs = ", ".join(f"{v:.2f}" for v in values)
        return f"{name:<34} {median:6.2f} s  ({median / TARGET_SECONDS:.2f} x target)  [{runs}]"

    print(f"leaderboard page, 10 verifiers x {', '.join(BENCHMARKS)}; target {TARGET_SECONDS} s")
    print(line("first paint (server ready)", first))
    print(line("immediate (at health check)", immediate))
    print(line("revisit (new tab, cached)", revisit))
    print(f"{'server start -> leaderboard ready':<34} {statistics.median(ready):6.2f} s")
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
