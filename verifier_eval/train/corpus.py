"""Correct-proof corpora for error injection, each proof with a source id and a problem id.

Readers:

- :func:`read_naturalproofs`: the NaturalProofs ProofWiki JSON (the seed's source, user-supplied:
  ``naturalproofs_proofwiki.json`` from https://github.com/wellecks/naturalproofs). Expected shape::

      {"dataset": {"theorems": [
          {"id": 123, "title": "Sum of Odd Numbers",
           "contents": ["line", ...],                 # the statement, one string per line
           "proofs": [{"contents": ["line", ...]}, ...]}, ...]}}

  Extra keys (``refs``, ``categories``, ``retrieval_examples``...) are ignored.
- :func:`read_opc_correct`: Open Proof Corpus proofs labelled ``correct`` (bundled snapshot).
- :func:`read_matharena_full_marks`: MathArena USAMO/IMO 2025 answers given full marks by both
  judges (bundled snapshots).
- :func:`read_usamo_reference`: the USAMO 2025 reference solutions (bundled snapshot).

Problems are matched across sources by :func:`problem_hash` (normalised text), which is what the
disjointness check (:func:`check_disjoint`) compares against a benchmark's problems. Note that
every bundled source is also a benchmark here: the MathArena answers and USAMO references are
the ``usamo_2025``/``imo_2025`` problems (excluded by default), and the OPC proofs come from the
``opc`` benchmark's split. Only a user-supplied corpus such as NaturalProofs is disjoint from all.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier_eval.errors import ConfigError, DataError
from verifier_eval.records import DATA_DIR, read_jsonl, strip_reasoning, verify_snapshot

OPC_FILE = "opc_judge_test.jsonl.gz"
USAMO_PROBLEMS_FILE = "usamo_2025_problems.jsonl.gz"
MATHARENA_FILES = {
    "usamo_2025": "matharena_usamo_2025.jsonl.gz",
    "imo_2025": "matharena_imo_2025.jsonl.gz",
}

BUNDLED_SOURCES = ("opc", "matharena_usamo_2025", "matharena_imo_2025", "usamo_2025_reference")
"""Names accepted by :func:`read_source` (plus ``naturalproofs:<path>``)."""

BENCHMARKS = ("usamo_2025", "imo_2025", "opc")
"""Benchmarks whose problems :func:`benchmark_problem_hashes` knows."""


@dataclass(frozen=True)
class CorpusProof:
    """One correct proof of one problem."""

    source: str
    """Corpus name, e.g. ``opc`` or ``naturalproofs``."""
    source_id: str
    """Stable id of the proof within its source."""
    problem_id: str
    """Stable id of the problem, prefixed by the source (``opc/IMOSL_2015_29``)."""
    problem: str
    proof: str

    @property
    def problem_hash(self) -> str:
        """Hash of the normalised problem text (matches the same problem across sources)."""
        return problem_hash(self.problem)


def normalise_problem(text: str) -> str:
    """NFKC, lower case, whitespace collapsed: the form problems are compared in."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def problem_hash(text: str) -> str:
    """First 16 hex digits of the sha256 of the normalised problem text."""
    return hashlib.sha256(normalise_problem(text).encode("utf-8")).hexdigest()[:16]


def _bundled(name: str) -> Path:
    path = DATA_DIR / name
    verify_snapshot(path)
    return path


def read_opc_correct() -> list[CorpusProof]:
    """OPC proofs whose human label is ``correct``."""
    proofs: list[CorpusProof] = []
    for line, row in read_jsonl(_bundled(OPC_FILE)):
        if row.get("human_label") != "correct":
            continue
        pid = str(row["problem_id"])
        proofs.append(
            CorpusProof(
                source="opc",
                source_id=f"opc/{pid}/{row.get('model_id', 'unknown')}/{line}",
                problem_id=f"opc/{pid}",
                problem=str(row["problem"]),
                proof=strip_reasoning(str(row["proof"])),
            )
        )
    return proofs


def read_matharena_full_marks(benchmark: str) -> list[CorpusProof]:
    """MathArena answers that both judges gave full marks (``usamo_2025`` or ``imo_2025``)."""
    if benchmark not in MATHARENA_FILES:
        raise ConfigError(
            f"unknown MathArena benchmark {benchmark!r}; use one of {sorted(MATHARENA_FILES)}"
        )
    proofs: list[CorpusProof] = []
    for _, row in read_jsonl(_bundled(MATHARENA_FILES[benchmark])):
        grades = [
            row.get("points_judge_1"),
            row.get("points_judge_2"),
            row.get("max_points_judge_1", 7),
            row.get("max_points_judge_2", 7),
        ]
        numbers = [float(x) for x in grades if isinstance(x, int | float)]
        # Ungraded (None) answers and anything short of full marks from either judge are left out.
        if len(numbers) != 4 or numbers[0] < numbers[2] or numbers[1] < numbers[3]:
            continue
        pid = str(row["problem_idx"])
        proofs.append(
            CorpusProof(
                source=f"matharena_{benchmark}",
                source_id=f"{benchmark}/{pid}/{row['model_name']}/{row.get('idx_answer', 0)}",
                problem_id=f"{benchmark}/{pid}",
                problem=str(row["problem"]),
                proof=strip_reasoning(str(row["answer"])),
            )
        )
    return proofs


def read_usamo_reference() -> list[CorpusProof]:
    """The USAMO 2025 reference solutions (MathArena's ``sample_solution``)."""
    return [
        CorpusProof(
            source="usamo_2025_reference",
            source_id=f"usamo_2025/{row['problem_idx']}/reference",
            problem_id=f"usamo_2025/{row['problem_idx']}",
            problem=str(row["problem"]),
            proof=str(row["sample_solution"]),
        )
        for _, row in read_jsonl(_bundled(USAMO_PROBLEMS_FILE))
    ]


def _lines(value: Any, where: str) -> str:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise DataError(f"{where}: 'contents' must be a list of strings (lines)")
    return "\n".join(value).strip()


def read_naturalproofs(path: Path) -> list[CorpusProof]:
    """Theorem/proof pairs from a NaturalProofs ProofWiki JSON file (shape in the module doc).

    Raises:
        DataError: When the file is missing, not JSON, or not in the expected shape.
    """
    if not path.is_file():
        raise DataError(
            f"NaturalProofs file {path} not found; download naturalproofs_proofwiki.json "
            "(https://github.com/wellecks/naturalproofs) and pass its path"
        )
    try:
        data = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as ex:
        raise DataError(f"{path.name}: not a JSON file ({ex})") from ex
    theorems = data.get("dataset", {}).get("theorems") if isinstance(data, dict) else None
    if not isinstance(theorems, list):
        raise DataError(
            f"{path.name}: expected {{'dataset': {{'theorems': [...]}}}} (NaturalProofs format)"
        )
    proofs: list[CorpusProof] = []
    for i, theorem in enumerate(theorems):
        where = f"{path.name} theorem #{i}"
        if not isinstance(theorem, dict) or "id" not in theorem:
            raise DataError(f"{where}: expected an object with 'id', 'title', 'contents', 'proofs'")
        statement = _lines(theorem.get("contents"), where)
        title = str(theorem.get("title", "")).strip()
        problem = f"{title}\n\n{statement}".strip() if title else statement
        for j, proof in enumerate(theorem.get("proofs") or []):
            if not isinstance(proof, dict):
                raise DataError(f"{where} proof #{j}: expected an object with 'contents'")
            text = _lines(proof.get("contents"), f"{where} proof #{j}")
            if not text or not statement:
                continue
            proofs.append(
                CorpusProof(
                    source="naturalproofs",
                    source_id=f"naturalproofs/{theorem['id']}/{j}",
                    problem_id=f"naturalproofs/{theorem['id']}",
                    problem=problem,
                    proof=text,
                )
            )
    return proofs


def read_source(spec: str) -> list[CorpusProof]:
    """Read one corpus by name: a bundled source or ``naturalproofs:<path>``.

    Raises:
        ConfigError: For an unknown source name.
    """
    if spec.startswith("naturalproofs:"):
        return read_naturalproofs(Path(spec.split(":", 1)[1]).expanduser())
    if spec == "opc":
        return read_opc_correct()
    if spec == "usamo_2025_reference":
        return read_usamo_reference()
    if spec.startswith("matharena_") and spec.removeprefix("matharena_") in MATHARENA_FILES:
        return read_matharena_full_marks(spec.removeprefix("matharena_"))
    raise ConfigError(
        f"unknown proof source {spec!r}; use one of {', '.join(BUNDLED_SOURCES)} "
        "or naturalproofs:<path to naturalproofs_proofwiki.json>"
    )


def benchmark_problem_hashes(benchmark: str) -> dict[str, str]:
    """Problem hash -> problem id for every problem of a benchmark.

    Raises:
        ConfigError: For a benchmark this module does not know.
    """
    if benchmark in MATHARENA_FILES:
        rows = read_jsonl(_bundled(MATHARENA_FILES[benchmark]))
        return {problem_hash(str(r["problem"])): f"{benchmark}/{r['problem_idx']}" for _, r in rows}
    if benchmark == "opc":
        rows = read_jsonl(_bundled(OPC_FILE))
        return {problem_hash(str(r["problem"])): f"opc/{r['problem_id']}" for _, r in rows}
    raise ConfigError(f"unknown benchmark {benchmark!r}; use one of {', '.join(BENCHMARKS)}")


def check_disjoint(problems: Iterable[tuple[str, str]], benchmarks: Sequence[str]) -> None:
    """Refuse training problems that appear in a benchmark.

    Args:
        problems: ``(problem_id, problem_text)`` pairs of the training data.
        benchmarks: Benchmarks the data must be disjoint from.

    Raises:
        DataError: Naming the overlapping problems and the benchmark.
    """
    for benchmark in benchmarks:
        hashes = benchmark_problem_hashes(benchmark)
        overlap = sorted({pid for pid, text in problems if problem_hash(text) in hashes})
        if overlap:
            shown = ", ".join(overlap[:5]) + (" ..." if len(overlap) > 5 else "")
            raise DataError(
                f"{len(overlap)} training problem(s) are {benchmark} benchmark problems ({shown}); "
                f"exclude them (exclude={benchmark}) or drop their source"
            )
