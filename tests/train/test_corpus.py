"""Proof corpus readers and the benchmark-disjointness check."""

import json
from pathlib import Path

import pytest

from verifier_eval.errors import ConfigError, DataError
from verifier_eval.train.corpus import (
    benchmark_problem_hashes,
    check_disjoint,
    problem_hash,
    read_matharena_full_marks,
    read_naturalproofs,
    read_opc_correct,
    read_source,
    read_usamo_reference,
)

NATURALPROOFS = {
    "dataset": {
        "theorems": [
            {
                "id": 7,
                "type": "theorem",
                "title": "Sum of Two Odd Numbers is Even",
                "contents": ["Let $a$ and $b$ be odd integers.", "Then $a + b$ is even."],
                "refs": [],
                "proofs": [
                    {
                        "contents": [
                            "Write $a = 2m + 1$ and $b = 2n + 1$.",
                            "Then $a + b = 2(m + n + 1)$.",
                        ],
                        "refs": [],
                    },
                    {"contents": ["Odd plus odd is even, since $1 + 1 = 2$."]},
                ],
            },
            {"id": 8, "title": "No proofs", "contents": ["Statement."], "proofs": []},
        ]
    }
}


def test_naturalproofs_reader(tmp_path: Path) -> None:
    """Each proof of each theorem becomes one CorpusProof with stable source and problem ids."""
    path = tmp_path / "naturalproofs_proofwiki.json"
    path.write_text(json.dumps(NATURALPROOFS))
    proofs = read_naturalproofs(path)
    assert [p.source_id for p in proofs] == ["naturalproofs/7/0", "naturalproofs/7/1"]
    assert {p.problem_id for p in proofs} == {"naturalproofs/7"}
    assert proofs[0].problem.startswith("Sum of Two Odd Numbers is Even\n\nLet $a$")
    assert proofs[0].proof == "Write $a = 2m + 1$ and $b = 2n + 1$.\nThen $a + b = 2(m + n + 1)$."
    assert read_source(f"naturalproofs:{path}") == proofs


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("not json", "not a JSON file", id="not-json"),
        pytest.param(json.dumps({"theorems": []}), "NaturalProofs format", id="wrong-top-level"),
        pytest.param(
            json.dumps(
                {"dataset": {"theorems": [{"id": 1, "contents": "a string", "proofs": []}]}}
            ),
            "list of strings",
            id="contents-not-lines",
        ),
    ],
)
def test_naturalproofs_reader_rejects_other_shapes(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "np.json"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_naturalproofs(path)


def test_naturalproofs_missing_file_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="naturalproofs_proofwiki.json"):
        read_naturalproofs(tmp_path / "absent.json")


def test_bundled_readers() -> None:
    """OPC correct proofs, MathArena double-full-marks answers and the USAMO references."""
    opc = read_opc_correct()
    assert len(opc) == 161 and all(p.problem_id.startswith("opc/") for p in opc)
    usamo = read_matharena_full_marks("usamo_2025")
    assert usamo and all(p.problem_id.startswith("usamo_2025/") for p in usamo)
    assert len(read_matharena_full_marks("imo_2025")) == 2
    references = read_usamo_reference()
    assert [p.problem_id for p in references] == [f"usamo_2025/{i}" for i in range(1, 7)]
    assert len({p.source_id for p in opc + usamo + references}) == len(opc + usamo + references)


def test_unknown_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown proof source"):
        read_source("proofwiki")


def test_problem_hash_ignores_case_and_whitespace() -> None:
    assert problem_hash("Let  $n$ be\n a positive integer.") == problem_hash(
        "let $n$ be a positive integer."
    )
    assert problem_hash("Let $n$ be odd.") != problem_hash("Let $n$ be even.")


def test_check_disjoint_refuses_benchmark_problems() -> None:
    """USAMO references are usamo_2025 problems: refused for that benchmark, fine for imo_2025."""
    problems = [(p.problem_id, p.problem) for p in read_usamo_reference()]
    with pytest.raises(DataError, match="usamo_2025 benchmark problems"):
        check_disjoint(problems, ["usamo_2025"])
    check_disjoint(problems, ["imo_2025"])
    # Whitespace and case changes do not hide a benchmark problem.
    disguised = [("x/1", "  " + problems[0][1].upper().replace(" ", "\n"))]
    with pytest.raises(DataError):
        check_disjoint(disguised, ["usamo_2025"])


def test_benchmark_problem_hashes() -> None:
    assert len(benchmark_problem_hashes("usamo_2025")) == 6
    assert len(benchmark_problem_hashes("imo_2025")) == 6
    with pytest.raises(ConfigError):
        benchmark_problem_hashes("putnam")
