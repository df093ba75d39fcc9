"""OPC loader: counts from the data's PROVENANCE, record shape, malformed rows."""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from verifier_eval.tasks.opc.dataset import load_opc_answers

from verifier_eval.errors import DataError

ROW: dict[str, Any] = {
    "problem_id": "IMO_2001_1",
    "competition": "imo",
    "model_id": "openai/o3",
    "problem": "Prove that 1 = 1.",
    "proof": "Trivially, 1 = 1.",
    "human_label": "correct",
    "reference_solutions": [{"author": "Human", "solution": "Reflexivity."}],
    "points": 1,
}


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_bundled_snapshot_counts_match_provenance() -> None:
    answers = load_opc_answers()
    assert len(answers) == 434
    assert Counter(a.label for a in answers) == {"correct": 161, "incorrect": 273}
    assert len({a.problem_id for a in answers}) == 98
    assert {a.benchmark for a in answers} == {"opc"}
    assert {a.max_points for a in answers} == {1}
    assert all(len(a.judges) == 1 for a in answers)
    assert all(a.human_points == (1.0 if a.label == "correct" else 0.0) for a in answers)
    per_generator = Counter((a.generator, a.label) for a in answers)
    assert per_generator["gemini/gemini-pro-2.5", "correct"] == 42
    assert per_generator["xai/grok-3-mini-high", "incorrect"] == 40


def test_record_fields() -> None:
    first = load_opc_answers()[0]
    assert first.problem_id == "IMOSL_2015_29"
    assert first.generator == "gemini/gemini-pro-2.5"
    assert first.generator_family == "google"
    assert first.answer_index == 0
    assert first.reference_solution is not None and first.reference_solution.startswith("Solution")
    assert first.solution.startswith("Let \\(P = 10^{100}\\)")


def test_family_overrides() -> None:
    answers = load_opc_answers(family_overrides={"openai/o3": "mine"})
    assert {a.generator_family for a in answers if a.generator == "openai/o3"} == {"mine"}


def test_running_answer_index_and_missing_reference(tmp_path: Path) -> None:
    other = {**ROW, "model_id": "qwen/qwen3_235b_a22b", "reference_solutions": []}
    path = _write(tmp_path / "opc.jsonl", [ROW, other, {**ROW, "human_label": "incorrect"}])
    answers = load_opc_answers(path=path)
    assert [a.answer_index for a in answers] == [0, 0, 1]
    assert [a.human_points for a in answers] == [1.0, 1.0, 0.0]
    assert answers[0].reference_solution == "Reflexivity."
    assert answers[1].reference_solution is None
    assert answers[1].generator_family == "qwen"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"proof": None}, "proof"),
        ({"problem_id": 17}, "problem_id"),
        ({"human_label": "partially correct"}, "human_label"),
        ({"reference_solutions": "see book"}, "reference_solutions"),
        ({"reference_solutions": [{"author": "x"}]}, "reference_solutions[0].solution"),
    ],
)
def test_malformed_row_names_file_line_and_field(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    path = _write(tmp_path / "bad.jsonl", [ROW, {**ROW, **change}])
    with pytest.raises(DataError, match=re.escape(f"bad.jsonl line 2: field '{field}'")):
        load_opc_answers(path=path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_opc_answers(path=tmp_path / "nope.jsonl")
