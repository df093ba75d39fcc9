"""Loader of the bundled Open Proof Corpus snapshot (``opc_judge_test.jsonl.gz``).

The snapshot is OPC's judge-training *test* split: 434 proofs of 98 historical competition problems
(none from 2025) written by five LLMs, each with one binary human label. Provenance:
``verifier_eval/data/provenance/opc_judge_test.md``.
"""

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from verifier_eval.errors import DataError
from verifier_eval.families import model_family
from verifier_eval.records import DATA_DIR, GradedAnswer, JudgeGrade, read_jsonl, verify_snapshot

OPC_BENCHMARK = "opc"
OPC_SNAPSHOT = DATA_DIR / "opc_judge_test.jsonl.gz"
OPC_LABELS: tuple[str, ...] = ("correct", "incorrect")


def _text(row: dict[str, Any], field: str, where: str) -> str:
    value = row.get(field)
    if value is None:
        raise DataError(f"{where}: field {field!r} is missing")
    if not isinstance(value, str):
        raise DataError(f"{where}: field {field!r} is not text ({type(value).__name__})")
    return value


def _reference_solution(row: dict[str, Any], where: str) -> str | None:
    refs = row.get("reference_solutions")
    if refs is None:
        return None
    if not isinstance(refs, list):
        raise DataError(f"{where}: field 'reference_solutions' is not a list")
    if not refs:
        return None
    first = refs[0]
    if not isinstance(first, dict) or not isinstance(first.get("solution"), str):
        raise DataError(f"{where}: field 'reference_solutions[0].solution' is missing or not text")
    solution: str = first["solution"]
    return solution


def opc_record(
    row: dict[str, Any],
    *,
    where: str,
    answer_index: int,
    family_overrides: dict[str, str] | None = None,
) -> GradedAnswer:
    """Normalise one row of the OPC snapshot.

    Args:
        row: The raw row (flattened OPC schema, see the provenance file).
        where: Row location for error messages (``file line N``).
        answer_index: Index of this answer among the same generator's answers to the problem.
        family_overrides: Generator-family overrides.

    Returns:
        The record: one judge whose points are 1 for ``correct`` and 0 for ``incorrect``.

    Raises:
        DataError: Naming the row and the field when the row is malformed.
    """
    problem_id = _text(row, "problem_id", where)
    generator = _text(row, "model_id", where)
    label = _text(row, "human_label", where)
    if label not in OPC_LABELS:
        raise DataError(
            f"{where}: field 'human_label' is {label!r}; expected one of {', '.join(OPC_LABELS)}"
        )
    try:
        return GradedAnswer(
            benchmark=OPC_BENCHMARK,
            problem_id=problem_id,
            problem=_text(row, "problem", where),
            generator=generator,
            generator_family=model_family(generator, overrides=family_overrides),
            answer_index=answer_index,
            solution=_text(row, "proof", where),
            max_points=1,
            judges=(JudgeGrade(points=1.0 if label == "correct" else 0.0),),
            reference_solution=_reference_solution(row, where),
            label=label,
        )
    except ValidationError as ex:
        err = ex.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "row"
        raise DataError(f"{where}: field {field!r}: {err['msg']}") from ex


def load_opc_answers(
    *, family_overrides: dict[str, str] | None = None, path: Path | None = None
) -> list[GradedAnswer]:
    """Read the bundled OPC snapshot into graded answers, in file order.

    Args:
        family_overrides: Generator-family overrides (``{generator: family}``).
        path: Another file with the same schema (tests); the bundled snapshot by default. Only the
            bundled snapshot is checked against ``MANIFEST.json``.

    Returns:
        One record per row (434 for the bundled snapshot).

    Raises:
        DataError: When the snapshot is missing or corrupt, or a row is malformed (naming the
            file, the line and the field).
    """
    source = OPC_SNAPSHOT if path is None else path
    if path is None:
        verify_snapshot(source)
    elif not source.is_file():
        raise DataError(f"OPC file {source} does not exist")
    answers: list[GradedAnswer] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in read_jsonl(source):
        where = f"{source.name} line {number}"
        key = (_text(row, "problem_id", where), _text(row, "model_id", where))
        index = seen.get(key, 0)
        seen[key] = index + 1
        answers.append(
            opc_record(row, where=where, answer_index=index, family_overrides=family_overrides)
        )
    return answers
