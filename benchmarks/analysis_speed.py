"""Time every analysis with 10,000 bootstrap resamples on a leaderboard-sized answers table.

    .venv/bin/python benchmarks/analysis_speed.py [--n-boot 10000] [--repeats 3]

The table has 10 verifiers (3 constant baselines and 7 models) on the bundled benchmarks' real
shapes and real human grades: USAMO 2025 (11 generators x 6 problems x 4 answers), IMO 2025 (5 x 6
x 4) and the OPC split (434 binary-labelled proofs), plus the human ceiling. The VERIFIER
confidences are SYNTHETIC (human grade plus noise, 2% format failures), made up for timing only:
the numbers this script computes mean nothing and must never be reported as results.

Target: all analyses in under 2 seconds on the project's 2-core machine.
"""

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from verifier_eval.tasks.imo_2025.imo_2025 import SPEC as IMO_SPEC
from verifier_eval.tasks.matharena import load_matharena
from verifier_eval.tasks.opc.dataset import load_opc_answers
from verifier_eval.tasks.usamo_2025.usamo_2025 import SPEC as USAMO_SPEC

from verifier_eval.analysis import (
    TIDY_COLUMNS,
    analyse,
    best_of_n,
    calibration_summary,
    generator_ranking,
    item_metrics,
    leaderboard,
    paired_comparison,
    ranking_fidelity,
    reliability_table,
    self_preference_contrasts,
    self_preference_matrix,
    verifier_kind,
    with_human_ceiling,
)
from verifier_eval.families import model_family
from verifier_eval.records import GradedAnswer

TARGET_SECONDS = 2.0

VERIFIERS: dict[str, float | None] = {
    # name -> noise of the synthetic confidence (None: constant baseline)
    "baseline/zero": None,
    "baseline/full": None,
    "baseline/mean": None,
    "embedded/minilm-opc": 35.0,
    "openai/o3": 15.0,
    "openai/o4-mini": 20.0,
    "google/gemini-2.5-pro": 18.0,
    "xai/grok-4": 25.0,
    "deepseek/deepseek-r1": 22.0,
    "anthropic/claude-3-7-sonnet-20250219": 30.0,
}
CONSTANTS = {"baseline/zero": 0.0, "baseline/full": 100.0, "baseline/mean": 20.0}


def _answers() -> list[GradedAnswer]:
    answers = list(load_matharena(USAMO_SPEC).answers)
    answers += load_matharena(IMO_SPEC).answers
    answers += load_opc_answers()
    return answers


def synthetic_frame(seed: int = 0) -> pd.DataFrame:
    """Tidy answers: real human grades, SYNTHETIC verifier confidences (timing only)."""
    rng = np.random.default_rng(seed)
    answers = _answers()
    rows = []
    for verifier, noise in VERIFIERS.items():
        for a in answers:
            human = a.human_points
            if noise is None:
                confidence: float = CONSTANTS[verifier]
            else:
                raw = 100.0 * human / a.max_points + rng.normal(0.0, noise)
                confidence = float(np.clip(np.round(raw), 0, 100))
            ok = noise is None or rng.random() > 0.02
            judges = [j.points for j in a.judges] + [float("nan")] * 2
            rows.append(
                {
                    "log": f"synthetic/{verifier}/{a.benchmark}.eval",
                    "created": "2025-01-01T00:00:00+00:00",
                    "task_version": "1.0",
                    "benchmark": a.benchmark,
                    "verifier": verifier,
                    "verifier_kind": verifier_kind(verifier),
                    "verifier_family": model_family(verifier),
                    "sample_id": a.sample_id,
                    "problem_id": a.problem_id,
                    "generator": a.generator,
                    "generator_family": a.generator_family,
                    "answer_index": a.answer_index,
                    "confidence": confidence if ok else float("nan"),
                    "verifier_points": confidence / 100.0 * a.max_points if ok else 0.0,
                    "human_points": human,
                    "max_points": a.max_points,
                    "judge_1_points": judges[0],
                    "judge_2_points": judges[1] if len(a.judges) > 1 else float("nan"),
                    "format_ok": 1.0 if ok else 0.0,
                    "verdict_status": "ok" if ok else "missing",
                    "failure_policy": "zero",
                    "label": {"correct": 1.0, "incorrect": 0.0}.get(a.label or "", float("nan")),
                    "input_tokens": 1000.0,
                    "output_tokens": 50.0,
                    "cost": float("nan"),
                }
            )
    return with_human_ceiling(pd.DataFrame(rows, columns=list(TIDY_COLUMNS)))


def standalone_analyses(frame: pd.DataFrame, n_boot: int) -> dict[str, float]:
    """Run every analysis through its own function; wall-clock seconds per analysis."""
    steps: dict[str, Callable[[], object]] = {
        "leaderboard": lambda: leaderboard(frame, n_boot=n_boot),
        "self_preference_matrix": lambda: self_preference_matrix(frame, n_boot=n_boot),
        "self_preference_contrasts": lambda: self_preference_contrasts(frame, n_boot=n_boot),
        "best_of_n": lambda: best_of_n(frame),
        "calibration": lambda: (calibration_summary(frame), reliability_table(frame)),
        "ranking": lambda: (ranking_fidelity(frame, n_boot=n_boot), generator_ranking(frame)),
        "items": lambda: item_metrics(frame),
        "paired_comparison": lambda: paired_comparison(
            frame, "openai/o4-mini", "openai/o3", benchmark="usamo_2025", n_boot=n_boot
        ),
    }
    seconds = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - start
    return seconds


def timed(step: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-boot", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frame = synthetic_frame()
    runs = frame.groupby(["verifier", "benchmark"]).ngroups
    print(
        f"answers table: {len(frame)} rows, {frame['verifier'].nunique()} verifiers "
        f"(incl. the human ceiling), {runs} runs; {args.n_boot} resamples; SYNTHETIC verifier "
        "scores (timing only)"
    )
    walls = []
    for repeat in range(args.repeats):
        wall, cpu = timed(lambda: analyse(frame, n_boot=args.n_boot))
        walls.append(wall)
        print(f"analyse(), pass {repeat + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    wall, cpu = timed(lambda: standalone_analyses(frame, args.n_boot))
    print(
        f"the analyses called one by one (+ a paired comparison): {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU"
    )
    median = statistics.median(walls)
    # CPU time is printed too: on a shared machine wall time also counts the other processes.
    print(
        f"all analyses (analyse, {args.n_boot} resamples): median {median:.2f} s wall over "
        f"{args.repeats} passes = {median / TARGET_SECONDS:.2f} x the {TARGET_SECONDS:.0f} s target"
    )


if __name__ == "__main__":
    main()
