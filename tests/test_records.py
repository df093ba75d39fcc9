"""Graded-answer records: counts from the data's PROVENANCE, malformed rows, reasoning stripping."""

import gzip
import json
from pathlib import Path

import pytest
from verifier_eval.tasks.imo_2025.imo_2025 import SPEC as IMO
from verifier_eval.tasks.matharena import load_matharena
from verifier_eval.tasks.usamo_2025.usamo_2025 import SPEC as USAMO

from verifier_eval.errors import DataError
from verifier_eval.families import model_family
from verifier_eval.records import collect_matharena, read_jsonl, strip_reasoning, verify_snapshot

ROW = {
    "problem_idx": "1",
    "problem": "Prove it.",
    "model_name": "o3 (high)",
    "model_config": "openai/o3",
    "idx_answer": 0,
    "answer": "secret reasoning</think>The proof.",
    "points_judge_1": 7,
    "grading_details_judge_1": [{"title": "Main", "desc": "Correct."}],
    "points_judge_2": 6.0,
    "grading_details_judge_2": [],
    "max_points_judge_1": 7,
    "rubric": ["Rubric title: Main, Max points: 7"],
}


def test_usamo_counts_match_provenance() -> None:
    loaded = load_matharena(USAMO)
    assert len(loaded.answers) == 264
    assert len({a.generator for a in loaded.answers}) == 11
    assert loaded.excluded_generators == {}


def test_imo_leaves_out_generators_without_two_grades() -> None:
    loaded = load_matharena(IMO)
    assert len(loaded.answers) == 5 * 6 * 4
    assert loaded.excluded_generators == {"GPT-5 (high)": 24, "Grok 4 (Specific Prompt) 🚨*": 24}
    partial = load_matharena(IMO, include_partially_graded=True)
    # Grok 4 (Specific Prompt) has 12 answers with a second grade (PROVENANCE: 12 missing).
    assert len(partial.answers) == 120 + 12
    assert partial.excluded_generators == {"GPT-5 (high)": 24}


def test_record_fields() -> None:
    loaded = collect_matharena([("row 1", ROW)], benchmark="usamo_2025")
    [answer] = loaded.answers
    assert answer.human_points == 6.5
    assert answer.solution == "The proof."
    assert answer.generator_family == "openai"
    assert answer.judges[0].comments == "Main: Correct."
    assert answer.sample_id == "1/o3 (high)/0"
    kept = collect_matharena([("row 1", ROW)], benchmark="b", keep_reasoning=True).answers[0]
    assert kept.solution.startswith("secret reasoning")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("answer", None, "row 7: field 'answer' is missing", id="missing-answer"),
        pytest.param("answer", 3, "row 7: field 'answer' is not text", id="answer-not-text"),
        pytest.param("points_judge_1", "seven", "row 7: field 'points_judge_1'", id="bad-points"),
        pytest.param("idx_answer", -1, "row 7: field 'answer_index'", id="negative-index"),
        pytest.param("model_name", None, "row 7: field 'model_name' is missing", id="no-generator"),
    ],
)
def test_malformed_row_names_row_and_field(field: str, value: object, message: str) -> None:
    row = dict(ROW, **{field: value})
    with pytest.raises(DataError, match=message):
        collect_matharena([("row 7", row)], benchmark="b")


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl.gz"
    data = gzip.compress(("\n".join(json.dumps(ROW) for _ in range(50)) + "\n").encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated or corrupt"):
        list(read_jsonl(path))


def test_modified_snapshot_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import verifier_eval.records as records

    (tmp_path / "MANIFEST.json").write_text(json.dumps({"a.jsonl.gz": {"sha256": "0" * 64}}))
    (tmp_path / "a.jsonl.gz").write_bytes(b"changed")
    monkeypatch.setattr(records, "DATA_DIR", tmp_path)
    with pytest.raises(DataError, match="corrupt or was modified"):
        verify_snapshot(tmp_path / "a.jsonl.gz")


def test_strip_reasoning() -> None:
    assert strip_reasoning("a</think>b</think> c") == "c"
    assert strip_reasoning("no marker") == "no marker"


@pytest.mark.parametrize(
    ("names", "family"),
    [
        (("o3 (high)", "openai/o3"), "openai"),
        (("o4-mini (high)",), "openai"),
        (("GPT-5 (high)",), "openai"),
        (("openai/ft:o4-mini-2025-04-16:lab::abc",), "openai"),
        (("gemini-2.5-pro",), "google"),
        (("Grok 4",), "xai"),
        (("DeepSeek-R1-0528",), "deepseek"),
        (("Claude-3.7-Sonnet (Think)",), "anthropic"),
        (("QwQ-32B",), "qwen"),
        (("embedded/minilm-opc",), "other"),
    ],
)
def test_model_family(names: tuple[str, ...], family: str) -> None:
    assert model_family(*names) == family


def test_model_family_override_wins() -> None:
    assert model_family("my-checkpoint", overrides={"my-checkpoint": "openai"}) == "openai"
    assert model_family("o3", overrides={"o3": "mine"}) == "mine"


def test_sample_metadata_holds_the_grading_context_only_when_the_prompt_shows_it() -> None:
    from verifier_eval.benchmarks import make_task

    seed = list(make_task("usamo_2025").dataset)[0]
    rubric = list(make_task("usamo_2025", prompt="rubric").dataset)[0]
    assert seed.id == rubric.id
    assert "reference_solution" not in (seed.metadata or {})
    assert "rubric" not in (seed.metadata or {})
    assert (rubric.metadata or {})["reference_solution"]
    assert (rubric.metadata or {})["rubric"]
    # Everything else (what the scorer and the analyses read) is the same.
    rest = {
        k: v
        for k, v in (rubric.metadata or {}).items()
        if k not in ("reference_solution", "rubric")
    }
    assert rest == seed.metadata
