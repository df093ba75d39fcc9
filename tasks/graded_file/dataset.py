"""Read a lab's own human-graded proofs (JSONL or CSV) into graded-answer records.

Columns (names in the file can differ: pass a mapping ``ours=theirs``):

| column | required | meaning |
|---|---|---|
| ``problem_id`` | yes | problem identifier (answers of one problem are grouped) |
| ``problem`` | yes | problem statement |
| ``proof`` | yes | the graded proof |
| ``generator`` | yes | model (or person) that wrote the proof |
| ``human_points`` | one of the two | the (first) judge's points, 0..``max_points`` |
| ``label`` | one of the two | binary human label: ``correct``/``incorrect``, 1/0, yes/no |
| ``max_points`` | with ``human_points`` | full marks (``1`` with ``label``) |
| ``judge_2_points`` | no | a second judge's points (human points = mean of the judges) |
| ``answer_index`` | no | index among the generator's answers to a problem (file order by default) |
| ``reference_solution``, ``rubric`` | no | shown by ``prompt=rubric`` |
"""

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from verifier_eval.errors import DataError
from verifier_eval.families import model_family
from verifier_eval.records import GradedAnswer, JudgeGrade, read_jsonl

COLUMNS: tuple[str, ...] = (
    "problem_id", "problem", "proof", "generator", "human_points", "label", "max_points",
    "judge_2_points", "answer_index", "reference_solution", "rubric",
)  # fmt: skip
REQUIRED: tuple[str, ...] = ("problem_id", "problem", "proof", "generator")
TRUE_LABELS = frozenset({"correct", "1", "1.0", "true", "yes", "pass"})
FALSE_LABELS = frozenset({"incorrect", "0", "0.0", "false", "no", "fail"})


def parse_mapping(mapping: str | dict[str, str] | None) -> dict[str, str]:
    """``"proof=solution,generator=model"`` -> ``{"proof": "solution", "generator": "model"}``."""
    if mapping is None:
        return {}
    if isinstance(mapping, dict):
        pairs = mapping
    else:
        pairs = {}
        for item in mapping.split(","):
            ours, sep, theirs = item.partition("=")
            if not sep:
                raise DataError(f"column mapping {item!r} is not of the form ours=theirs")
            pairs[ours.strip()] = theirs.strip()
    unknown = sorted(set(pairs) - set(COLUMNS))
    if unknown:
        raise DataError(f"column mapping names unknown columns {unknown}; known: {list(COLUMNS)}")
    return pairs


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if not path.is_file():
        raise DataError(f"dataset file {path} does not exist")
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            for number, row in enumerate(csv.DictReader(f), start=2):
                yield f"{path.name} line {number}", dict(row)
    elif path.name.endswith((".jsonl", ".jsonl.gz", ".json")):
        for number, row in read_jsonl(path):
            yield f"{path.name} line {number}", row
    else:
        raise DataError(f"dataset file {path} must be .jsonl, .jsonl.gz or .csv")


def _number(value: Any, field: str, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: field {field!r} is not a number ({value!r})") from None
    if math.isnan(number):
        raise DataError(f"{where}: field {field!r} is not a number ({value!r})")
    return number


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _judges(row: dict[str, Any], where: str) -> tuple[tuple[JudgeGrade, ...], float, str | None]:
    if not _empty(row.get("label")):
        text = str(row["label"]).strip().lower()
        if text not in TRUE_LABELS | FALSE_LABELS:
            raise DataError(f"{where}: field 'label' is {row['label']!r}; use correct/incorrect")
        label = "correct" if text in TRUE_LABELS else "incorrect"
        return (JudgeGrade(points=1.0 if label == "correct" else 0.0),), 1.0, label
    if _empty(row.get("human_points")):
        raise DataError(f"{where}: needs a 'human_points' or a 'label' column value")
    if _empty(row.get("max_points")):
        raise DataError(f"{where}: field 'max_points' is missing (required with human_points)")
    judges = [JudgeGrade(points=_number(row["human_points"], "human_points", where))]
    if not _empty(row.get("judge_2_points")):
        judges.append(JudgeGrade(points=_number(row["judge_2_points"], "judge_2_points", where)))
    max_points = _number(row["max_points"], "max_points", where)
    for judge in judges:
        if not 0 <= judge.points <= max_points:
            raise DataError(f"{where}: points {judge.points} outside 0..{max_points:g}")
    return tuple(judges), max_points, None


def load_graded_file(
    path: str | Path,
    *,
    columns: str | dict[str, str] | None = None,
    benchmark: str | None = None,
    family_overrides: dict[str, str] | None = None,
) -> list[GradedAnswer]:
    """Read a JSONL or CSV file of human-graded proofs.

    Args:
        path: The file.
        columns: Mapping from our column names to the file's (``ours=theirs,...``).
        benchmark: Name for the benchmark column of logs (the file stem by default).
        family_overrides: Generator-family overrides.

    Returns:
        One record per row.

    Raises:
        DataError: Naming the missing columns, or the row and field of a malformed value.
    """
    path = Path(path)
    rename = {theirs: ours for ours, theirs in parse_mapping(columns).items()}
    name = benchmark or path.name.split(".")[0]
    answers: list[GradedAnswer] = []
    counters: dict[tuple[str, str], int] = {}
    for where, raw in _rows(path):
        row = {rename.get(k, k): v for k, v in raw.items()}
        if not answers:
            missing = [c for c in REQUIRED if c not in row]
            if "human_points" not in row and "label" not in row:
                missing.append("human_points or label")
            if missing:
                raise DataError(
                    f"{path.name}: missing columns {missing}; found {sorted(raw)} "
                    "(map names with columns=ours=theirs,...)"
                )
        for field in REQUIRED:
            if _empty(row.get(field)):
                raise DataError(f"{where}: field {field!r} is empty")
        judges, max_points, label = _judges(row, where)
        key = (str(row["problem_id"]), str(row["generator"]))
        index = counters.get(key, 0)
        counters[key] = index + 1
        if not _empty(row.get("answer_index")):
            index = int(_number(row["answer_index"], "answer_index", where))
        try:
            answers.append(
                GradedAnswer(
                    benchmark=name,
                    problem_id=key[0],
                    problem=str(row["problem"]),
                    generator=key[1],
                    generator_family=model_family(key[1], overrides=family_overrides),
                    answer_index=index,
                    solution=str(row["proof"]),
                    max_points=max_points,
                    judges=judges,
                    reference_solution=None
                    if _empty(row.get("reference_solution"))
                    else str(row["reference_solution"]),
                    rubric=None if _empty(row.get("rubric")) else str(row["rubric"]),
                    label=label,
                )
            )
        except ValidationError as ex:
            err = ex.errors()[0]
            raise DataError(f"{where}: field {err['loc'][0]!r}: {err['msg']}") from ex
    if not answers:
        raise DataError(f"{path.name}: no rows")
    ids = [a.sample_id for a in answers]
    if len(set(ids)) != len(ids):
        raise DataError(f"{path.name}: duplicate (problem_id, generator, answer_index) rows")
    return answers


def dump_example(path: Path) -> None:
    """Write a two-row example file (used by the docs and tests)."""
    rows = [
        {"problem_id": "p1", "problem": "Show 1+1=2.", "proof": "By definition.",
         "generator": "my-model", "human_points": 7, "max_points": 7},
        {"problem_id": "p1", "problem": "Show 1+1=2.", "proof": "Obvious.",
         "generator": "my-model", "human_points": 0, "max_points": 7},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
