"""Dataset builder: deterministic, balanced, split by problem, de-duplicated, benchmark-disjoint."""

import json
from collections import Counter
from pathlib import Path

import pytest

from verifier_eval.errors import ConfigError, DataError
from verifier_eval.train.build_data import (
    BuildDataConfig,
    BuildResult,
    build_data,
    build_examples,
    read_examples,
)
from verifier_eval.train.corpus import benchmark_problem_hashes


def _build(tmp_path: Path, name: str, **kw: object) -> BuildResult:
    return build_data(BuildDataConfig.model_validate({"out_dir": str(tmp_path / name), **kw}))


def test_same_config_gives_identical_files(tmp_path: Path) -> None:
    """Byte-identical train/validation files and manifest hashes from the same seed."""
    a = _build(tmp_path, "a", limit=40)
    b = _build(tmp_path, "b", limit=40)
    for name in ("train.jsonl", "validation.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    manifests = [json.loads(Path(r.manifest_path).read_text()) for r in (a, b)]
    assert manifests[0]["sha256"] == manifests[1]["sha256"] and a.counts == b.counts
    c = _build(tmp_path, "c", limit=40, seed=1)
    assert (tmp_path / "c" / "train.jsonl").read_bytes() != (
        tmp_path / "a" / "train.jsonl"
    ).read_bytes()
    assert c.counts["train"] + c.counts["validation"] == 80


def test_disjoint_from_benchmark_problems_by_default(tmp_path: Path) -> None:
    """The default excludes usamo_2025 and imo_2025: none of their problems is in the output,
    although the bundled MathArena answers and USAMO references are sources by default."""
    result = _build(tmp_path, "d")
    rows = read_examples(Path(result.train_path)) + read_examples(Path(result.validation_path))
    banned = set(benchmark_problem_hashes("usamo_2025")) | set(benchmark_problem_hashes("imo_2025"))
    assert rows and not {r.problem_hash for r in rows} & banned
    assert result.counts["dropped:benchmark_problem"] > 0
    assert any("opc benchmark" in w for w in result.warnings)


def test_refuses_when_everything_is_a_benchmark_problem() -> None:
    with pytest.raises(DataError, match="no proofs left"):
        build_examples(BuildDataConfig(sources=["usamo_2025_reference"]))


def test_without_exclusion_the_check_is_off_but_data_says_where_it_came_from() -> None:
    examples, _, _ = build_examples(BuildDataConfig(sources=["usamo_2025_reference"], exclude=[]))
    assert {e.problem_id for e in examples} <= {f"usamo_2025/{i}" for i in range(1, 7)}


def test_balanced_paired_and_split_by_problem(tmp_path: Path) -> None:
    result = _build(tmp_path, "e", limit=60)
    train = read_examples(Path(result.train_path))
    validation = read_examples(Path(result.validation_path))
    for split in (train, validation):
        targets = Counter(e.target for e in split)
        assert targets[100.0] == targets[0.0] > 0
        pairs = Counter(e.pair_id for e in split)
        assert set(pairs.values()) == {2}
    assert not {e.problem_hash for e in train} & {e.problem_hash for e in validation}
    assert {e.split for e in train} == {"train"} and {e.split for e in validation} == {"validation"}


def test_injected_rows_carry_a_valid_span_and_untouched_rows_none(tmp_path: Path) -> None:
    examples, _, _ = build_examples(BuildDataConfig(limit=40))
    originals = {e.pair_id: e.proof for e in examples if e.target == 100.0}
    for e in examples:
        if e.target == 100.0:
            assert e.error_span is None and e.error_type is None
            continue
        assert e.error_span is not None and e.original_span is not None and e.error_type
        start, end = e.error_span
        o_start, o_end = e.original_span
        original = originals[e.pair_id]
        assert 0 <= start < end <= len(e.proof)
        assert e.proof[:start] == original[:o_start] and e.proof[end:] == original[o_end:]
        assert e.proof != original


def test_duplicates_are_removed() -> None:
    """A source listed twice adds nothing."""
    once, _, _ = build_examples(BuildDataConfig(sources=["opc"], limit=30))
    twice, _, dropped = build_examples(BuildDataConfig(sources=["opc", "opc"], limit=30))
    assert [e.id for e in once] == [e.id for e in twice]
    assert dropped["duplicate"] == 161


def test_difficulty_filter_needs_a_rater() -> None:
    with pytest.raises(ConfigError, match="rater"):
        build_examples(BuildDataConfig(difficulty_levels=[2]))


def test_unknown_injector_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown injector"):
        BuildDataConfig(injectors=["sign_flip"])


def test_manifest_records_config_and_hashes(tmp_path: Path) -> None:
    result = _build(tmp_path, "m", limit=10)
    manifest = json.loads(Path(result.manifest_path).read_text())
    assert manifest["config"]["limit"] == 10 and set(manifest["sha256"]) == {
        "train.jsonl",
        "validation.jsonl",
    }


def test_read_examples_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x"}\n')
    with pytest.raises(DataError, match="bad.jsonl line 1"):
        read_examples(path)
