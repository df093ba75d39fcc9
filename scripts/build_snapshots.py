"""Build the pinned data snapshots shipped inside the package from `../shared/data`.

Rows are copied verbatim (MathArena) or with the fields the harness uses (OPC); nothing is edited,
and no grade is created. The manifest records each file's sha256 so a corrupt or truncated snapshot
is detected at load time.

Usage: python scripts/build_snapshots.py [--shared ../shared/data]
"""

import argparse
import gzip
import hashlib
import json
import shutil
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "verifier_eval" / "data"
OPC_FIELDS = (
    "problem_id",
    "competition",
    "source",
    "year",
    "level",
    "difficulty",
    "category",
    "model_id",
    "problem",
    "proof",
    "human_label",
    "reference_solutions",
    "points",
)


def _write_gz(path: Path, lines: list[str]) -> None:
    # mtime=0 keeps the gzip bytes, and so the sha256, reproducible.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--shared", default=str(Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    shared = Path(parser.parse_args().shared)
    OUT.mkdir(parents=True, exist_ok=True)

    copies = {
        "matharena_usamo_2025.jsonl.gz": shared
        / "matharena_usamo_2025"
        / "matharena_usamo_2025_outputs.jsonl",
        "matharena_imo_2025.jsonl.gz": shared
        / "matharena_imo_2025"
        / "matharena_imo_2025_outputs.jsonl",
        "usamo_2025_problems.jsonl.gz": shared
        / "matharena_usamo_2025_problems"
        / "usamo_2025_problems.jsonl",
    }
    for name, src in copies.items():
        _write_gz(
            OUT / name, [line for line in src.read_text("utf-8").splitlines() if line.strip()]
        )

    opc_rows = [
        json.loads(line) for line in (shared / "opc_judge_test" / "opc_judge_test.jsonl").open()
    ]
    _write_gz(
        OUT / "opc_judge_test.jsonl.gz",
        [json.dumps({k: row[k] for k in OPC_FIELDS}, ensure_ascii=False) for row in opc_rows],
    )

    provenance = OUT / "provenance"
    provenance.mkdir(exist_ok=True)
    for folder in (
        "matharena_usamo_2025",
        "matharena_imo_2025",
        "matharena_usamo_2025_problems",
        "opc_judge_test",
    ):
        shutil.copy(shared / folder / "PROVENANCE.md", provenance / f"{folder}.md")

    manifest = {
        p.name: {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "bytes": p.stat().st_size}
        for p in sorted(OUT.glob("*.jsonl.gz"))
    }
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
