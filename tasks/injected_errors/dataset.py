"""Samples of the injected_errors task: the validation JSONL of ``verifier-eval train build-data``.

Each row has ``id, problem, proof, target`` (100 untouched, 0 injected) and, for injected proofs,
``error_span`` ``[start, end)`` in ``proof``, ``error_type``, ``difficulty``.
"""

from pathlib import Path
from typing import Any

from inspect_ai.dataset import MemoryDataset, Sample
from verifier_eval.tasks.injected_errors.prompts import PROMPT

from verifier_eval.errors import DataError
from verifier_eval.records import read_jsonl

REQUIRED = ("id", "problem", "proof", "target")


def _span(row: dict[str, Any], where: str) -> list[int] | None:
    span = row.get("error_span")
    if span is None:
        return None
    proof = str(row["proof"])
    valid = (
        isinstance(span, list)
        and len(span) == 2
        and all(isinstance(x, int) for x in span)
        and 0 <= span[0] < span[1] <= len(proof)
    )
    if not valid:
        raise DataError(
            f"{where}: 'error_span' must be [start, end) inside the proof, got {span!r}"
        )
    return [int(span[0]), int(span[1])]


def record_to_sample(row: dict[str, Any], where: str) -> Sample:
    """One data row -> one inspect ``Sample`` (target: the confidence as text)."""
    for field in REQUIRED:
        if row.get(field) is None:
            raise DataError(f"{where}: field {field!r} is missing")
    target = float(row["target"])
    if target not in (0.0, 100.0):
        raise DataError(f"{where}: 'target' must be 0 or 100, got {row['target']!r}")
    span = _span(row, where)
    if target == 0.0 and span is None:
        raise DataError(f"{where}: an injected proof (target 0) needs 'error_span'")
    return Sample(
        id=str(row["id"]),
        input=PROMPT.format(problem=row["problem"], proof=row["proof"]),
        target=str(int(target)),
        metadata={
            "problem_id": str(row.get("problem_id", "")),
            "proof": str(row["proof"]),
            "target_confidence": target,
            "error_span": span,
            "error_type": row.get("error_type"),
            "difficulty": row.get("difficulty"),
        },
    )


def load_dataset(data_file: str) -> MemoryDataset:
    """Read the JSONL (plain or ``.gz``) into a dataset.

    Raises:
        DataError: When the file is missing or a row is malformed.
    """
    path = Path(data_file).expanduser()
    if not path.is_file():
        raise DataError(
            f"{path} not found; build it with `verifier-eval train build-data out_dir=...` and "
            "pass -T data_file=<out_dir>/validation.jsonl"
        )
    samples = [record_to_sample(row, f"{path.name} line {n}") for n, row in read_jsonl(path)]
    if not samples:
        raise DataError(f"{path} has no rows")
    return MemoryDataset(samples, name="injected_errors", location=str(path))
