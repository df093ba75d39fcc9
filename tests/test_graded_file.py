"""A lab's own graded file: column mapping, clear errors, and metrics through the CLI."""

import json
from pathlib import Path

import pytest
from verifier_eval.tasks.graded_file.dataset import load_graded_file

from verifier_eval.cli import main
from verifier_eval.errors import DataError

ROWS = [
    # problem, proof, model, judge 1, judge 2
    ("p1", "proof a", "m1", 7, 7),
    ("p1", "proof b", "m1", 0, 1),
    ("p2", "proof c", "m1", 3, 3),
    ("p1", "proof d", "m2", 0, 0),
]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _rows() -> list[dict[str, object]]:
    return [
        {"pid": p, "statement": f"Problem {p}", "text": proof, "model": m,
         "score": j1, "score2": j2, "max": 7}
        for p, proof, m, j1, j2 in ROWS
    ]  # fmt: skip


MAPPING = (
    "problem_id=pid,problem=statement,proof=text,generator=model,human_points=score,"
    "judge_2_points=score2,max_points=max"
)


def test_column_mapping_and_human_points(tmp_path: Path) -> None:
    answers = load_graded_file(_write(tmp_path / "lab.jsonl", _rows()), columns=MAPPING)
    assert [a.human_points for a in answers] == [7, 0.5, 3, 0]
    assert [a.answer_index for a in answers] == [0, 1, 0, 0]
    assert answers[0].benchmark == "lab"


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "lab.jsonl", _rows())
    with pytest.raises(DataError, match=r"missing columns \['problem_id', 'problem', 'proof'"):
        load_graded_file(path)


def test_malformed_value_names_row_and_field(tmp_path: Path) -> None:
    rows = _rows()
    rows[2]["score"] = "lots"
    with pytest.raises(DataError, match="lab.jsonl line 3: field 'human_points' is not a number"):
        load_graded_file(_write(tmp_path / "lab.jsonl", rows), columns=MAPPING)


def test_csv_with_binary_labels(tmp_path: Path) -> None:
    path = tmp_path / "lab.csv"
    path.write_text("problem_id,problem,proof,generator,label\nq,Q,P1,g,correct\nq,Q,P2,g,0\n")
    answers = load_graded_file(path)
    assert [a.label for a in answers] == ["correct", "incorrect"]
    assert [a.max_points for a in answers] == [1, 1]


def test_run_dataset_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Always-0 on the file: m1 total = 3.75 + 3 = 6.75 (p1 mean of 7 and 0.5), m2 total 0.

    Total-score difference = mean(6.75, 0) = 3.375.
    """
    path = _write(tmp_path / "lab.jsonl", _rows())
    code = main(
        [
            "run",
            "--dataset",
            str(path),
            "--columns",
            MAPPING,
            "--model",
            "baseline/zero",
            "--no-baselines",
            "--log-dir",
            str(tmp_path / "logs"),
            "--display",
            "none",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "baseline/zero" in out
    assert "3.38" in out or "3.375" in out


def test_run_dataset_missing_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--dataset", str(tmp_path / "nope.jsonl"), "--display", "none"])
    assert code == 2
    assert (
        capsys.readouterr().err.strip()
        == f"error: dataset file {tmp_path / 'nope.jsonl'} does not exist"
    )
