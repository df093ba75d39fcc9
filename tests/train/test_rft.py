"""OpenAI RFT files, grader and request (offline); the submission is opt-in (``api``)."""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from verifier_eval.rewards import FORMAT_PENALTY, RewardKind, compute_reward
from verifier_eval.train.build_data import BuildDataConfig, build_data
from verifier_eval.train.cli import main
from verifier_eval.train.rft import RFTConfig, grader_source, prepare_rft, submit_rft

ANSWERS = [
    "Confidence: 80",
    "<think>Confidence: 5</think> The proof is fine.\nConfidence: 95",
    "I am not sure.",
    "Confidence: 0.7",
    '{"confidence": 30}',
    "\\boxed{100}",
    "",
]


def _grade_fn(kind: RewardKind) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(grader_source(kind), "rft_grader.py", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["grade"]


@pytest.mark.parametrize("kind", list(RewardKind))
def test_grader_implements_the_training_reward(kind: RewardKind) -> None:
    """The self-contained grader gives the training reward, mapped affinely to [0, 1]."""
    grade = _grade_fn(kind)
    for answer in ANSWERS:
        for target in (0.0, 100.0):
            expected = (compute_reward(answer, target, kind).reward - FORMAT_PENALTY) / (
                1 - FORMAT_PENALTY
            )
            got = grade({"output_text": answer}, {"target": target})
            assert got == pytest.approx(expected), (answer, target)
            assert 0.0 <= got <= 1.0


def _data(tmp_path: Path) -> tuple[str, str]:
    result = build_data(BuildDataConfig(out_dir=str(tmp_path / "data"), limit=6))
    return result.train_path, result.validation_path


def test_prepare_writes_rft_files_and_request(tmp_path: Path) -> None:
    train, validation = _data(tmp_path)
    files = prepare_rft(
        RFTConfig(train_file=train, validation_file=validation, out_dir=str(tmp_path / "rft"))
    )
    row = json.loads(Path(files.train_path).read_text().splitlines()[0])
    assert row["messages"][-1]["role"] == "user" and "<proof>" in row["messages"][-1]["content"]
    assert row["target"] in (0.0, 100.0)
    request = json.loads(Path(files.request_path).read_text())
    assert request["model"] == "o4-mini-2025-04-16"
    assert request["method"]["type"] == "reinforcement"
    grader = request["method"]["reinforcement"]["grader"]
    assert grader["type"] == "python" and "def grade(sample: dict, item: dict)" in grader["source"]
    assert Path(files.grader_path).read_text() == grader["source"]


def test_dry_run_prints_the_exact_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, validation = _data(tmp_path)
    argv = [
        "rft",
        f"train_file={train}",
        f"validation_file={validation}",
        f"out_dir={tmp_path / 'rft'}",
        "dry_run=true",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "client.fine_tuning.jobs.create(**" in out and '"type": "reinforcement"' in out


def test_submit_without_key_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    train, validation = _data(tmp_path)
    assert (
        main(
            [
                "rft",
                f"train_file={train}",
                f"validation_file={validation}",
                f"out_dir={tmp_path / 'rft'}",
            ]
        )
        == 2
    )
    assert "OPENAI_API_KEY is not set" in capsys.readouterr().err


@pytest.mark.api
@pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="needs OPENAI_API_KEY (paid API)")
def test_submit_creates_a_job(tmp_path: Path) -> None:  # pragma: no cover - opt-in
    train, validation = _data(tmp_path)
    config = RFTConfig(
        train_file=train,
        validation_file=validation,
        out_dir=str(tmp_path / "rft"),
        suffix="ci-smoke",
    )
    job_id = submit_rft(prepare_rft(config), config)
    assert job_id.startswith("ftjob-")
