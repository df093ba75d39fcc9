"""Regenerate the dashboard's fixture eval logs (``tests/fixtures/logs/``) by a real offline run.

    .venv/bin/python scripts/make_fixture_logs.py [--out tests/fixtures/logs] [--no-embedded]

Each benchmark is graded on a small, balanced slice (a few generators x a few problems x all 4
answers, chosen with ``-T generators=... -T problems=...`` rather than ``--limit`` so that every
generator has every problem, as Best-of-N and the per-generator totals need) through
``verifier-eval run``:

- the constant baselines ``baseline/zero|full|mean`` and the embedded verifier
  ``embedded/minilm-opc`` (real verifiers, offline);
- two ``replay/`` verifiers whose answers are SYNTHETIC, written by this script and looked up by
  the proof's sha256:

  - ``replay/synthetic-hash``: a confidence drawn from the proof's sha256 alone (uninformative),
    with about 1 answer in 12 lacking a confidence line (a counted format failure);
  - ``replay/synthetic-gpt-like``: the human grade plus noise drawn from the proof's sha256, so
    its charts show a verifier that is roughly right. Its name contains ``gpt`` on purpose: the
    family rules put it in the ``openai`` family, so the self-preference heatmap has same-family
    cells (``o3 (high)``, ``o4-mini (high)``) to mark.

  Every synthetic answer says so in its text. They are verifier outputs made up for testing the
  dashboard; they are not any model's judgement and not human grades, and numbers computed from
  them mean nothing.

The human grades in the logs are the bundled MathArena grades, unchanged. The output folder's
``*.eval`` files are replaced; the run takes a few minutes on 2 cores (the embedded verifier is
the slow part; ``--no-embedded`` skips it).
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "logs"

SLICES: dict[str, dict[str, str]] = {
    # Generators with some credit on these problems (so Best-of-N and calibration are not flat)
    # and short proofs (so the committed logs stay small).
    "usamo_2025": {
        "generators": "o3 (high),o4-mini (high),DeepSeek-R1,QwQ-32B",
        "problems": "1,4,5",
    },
    "imo_2025": {
        "generators": "o3 (high),o4-mini (high),Grok 4",
        "problems": "3,4,5",
    },
}

SYNTHETIC_NOTE = (
    "SYNTHETIC VERIFIER OUTPUT written by scripts/make_fixture_logs.py for testing the dashboard. "
    "It is not a model's judgement and not a human grade."
)
FAILURE_EVERY = 12
"""About one synthetic-hash answer in this many has no confidence line."""


def _unit(digest: str, salt: str) -> float:
    """A number in [0, 1) drawn deterministically from a proof digest."""
    return int(hashlib.sha256(f"{salt}:{digest}".encode()).hexdigest()[:12], 16) / 16**12


def _hash_answer(digest: str, human_share: float) -> str:
    del human_share  # uninformative on purpose
    lines = [
        SYNTHETIC_NOTE,
        f"Method: a confidence drawn from the sha256 of the proof ({digest[:12]}...) alone; the",
        "proof was not read.",
    ]
    if int(digest[:8], 16) % FAILURE_EVERY == 0:
        lines.append("(No confidence line: this synthetic answer is a format failure on purpose.)")
    else:
        lines.append(f"Confidence: {round(100 * _unit(digest, 'hash'))}")
    return "\n".join(lines)


def _gpt_like_answer(digest: str, human_share: float) -> str:
    noise = 60.0 * (_unit(digest, "noise") - 0.5)
    confidence = min(100.0, max(0.0, 100.0 * human_share + noise))
    return "\n".join(
        [
            SYNTHETIC_NOTE,
            "Method: the mean human grade of this answer as a share of full marks, plus uniform",
            f"noise of +-30 drawn from the sha256 of the proof ({digest[:12]}...).",
            "Step 1: (synthetic) restated the claim.",
            "Step 2: (synthetic) checked each inequality of the argument.",
            f"Confidence: {round(confidence)}",
        ]
    )


SYNTHETIC: dict[str, Callable[[str, float], str]] = {
    "synthetic-hash": _hash_answer,
    "synthetic-gpt-like": _gpt_like_answer,
}


def _proof_keys(proof: str) -> set[str]:
    # Key the proof as given and stripped, however the replay provider trims the <proof> tags.
    forms = (proof, proof.strip("\n"), proof.strip())
    return {hashlib.sha256(p.encode("utf-8")).hexdigest() for p in forms}


def write_responses(benchmark: str, folder: Path) -> dict[str, Path]:
    """One replay response file per synthetic verifier for the benchmark's slice."""
    from verifier_eval.benchmarks import make_task

    task = make_task(benchmark, **SLICES[benchmark])
    files: dict[str, Path] = {}
    for label, answer in SYNTHETIC.items():
        table: dict[str, str] = {}
        for sample in task.dataset:
            meta = sample.metadata or {}
            proof = str(sample.input)
            share = float(meta["human_points"]) / float(meta["max_points"])
            digest = hashlib.sha256(proof.encode("utf-8")).hexdigest()
            for key in _proof_keys(proof):
                table[key] = answer(digest, share)
        path = folder / f"{benchmark}-{label}.json"
        path.write_text(json.dumps(table), encoding="utf-8")
        files[label] = path
    return files


def _run(args: list[str]) -> None:
    from verifier_eval.cli import main as cli_main

    code = cli_main(["run", "--display", "none", *args])
    if code != 0:
        raise SystemExit(f"verifier-eval run {' '.join(args)} exited {code}")


def make_fixture_logs(out: Path, *, embedded: bool = True) -> list[Path]:
    """Run the baselines, the embedded verifier and the synthetic replay verifiers into ``out``.

    Args:
        out: Log folder; its ``*.eval`` files are replaced.
        embedded: Also run ``embedded/minilm-opc`` (the slowest verifier: ~1 s per answer).

    Returns:
        The written log files.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.eval"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="fixture-logs-"))
    try:
        for benchmark, slice_args in SLICES.items():
            task_args = [x for k, v in slice_args.items() for x in ("-T", f"{k}={v}")]
            common = ["--benchmark", benchmark, "--log-dir", str(work), *task_args]
            # The CLI adds the three baselines to the named model (baseline/zero names one of them).
            _run([*common, "--model", "embedded/minilm-opc" if embedded else "baseline/zero"])
            for label, path in write_responses(benchmark, work).items():
                _run(
                    [*common, "--no-baselines", "--model", f"replay/{label}"]
                    + ["-M", f"responses={path}"]
                )
        written = []
        for log in sorted(work.glob("*.eval")):
            target = out / log.name
            shutil.copyfile(log, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--no-embedded", action="store_true", help="skip embedded/minilm-opc (faster)"
    )
    args = parser.parse_args(argv)
    written = make_fixture_logs(args.out, embedded=not args.no_embedded)
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} logs ({size / 1e6:.2f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
