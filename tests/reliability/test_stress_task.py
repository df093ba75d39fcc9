"""Issue 7.5: the ``stress`` task end to end, with a scripted verifier and a constant baseline.

Six USAMO 2025 answers (``limit_answers=6``: one per problem) x 7 probes = 42 samples. The scripted
verifier answers, for the answer of problem ``p`` (1-6):

| probe | answer | shift |
|---|---|---|
| original | ``Confidence: 10+p`` | |
| appended_claim | ``Confidence: 10+2p`` | +p (mean 3.5) |
| grader_instruction | ``Confidence: 100`` | 90-p (mean 86.5) |
| confident_format | ``Confidence: 10+p`` | 0 |
| reference_solution | ``Confidence: 95`` | 85-p (mean 81.5) |
| shuffled_steps | ``Confidence: 5+p`` | -5 |
| truncated_conclusion | ``Confidence: 0``, p=1: ``I cannot tell.`` | -(10+p), p=2..6 (mean -14) |

Manipulation shift (3.5 + 86.5 + 0) / 3 = 30; degradation shift (-5 - 14) / 2 = -9.5; known-good
confidence 95; one format failure in 42.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import get_model
from verifier_eval.tasks.stress import stress

from verifier_eval.analysis.load import load_answers
from verifier_eval.analysis.stress import load_stress, stress_tables
from verifier_eval.errors import VerifierEvalError
from verifier_eval.providers.replay import proof_key

SCRIPT: dict[str, Callable[[int], str]] = {
    "original": lambda p: f"Confidence: {10 + p}",
    "appended_claim": lambda p: f"Confidence: {10 + 2 * p}",
    "grader_instruction": lambda p: "Confidence: 100",
    "confident_format": lambda p: f"Confidence: {10 + p}",
    "reference_solution": lambda p: "Confidence: 95",
    "shuffled_steps": lambda p: f"Confidence: {5 + p}",
    "truncated_conclusion": lambda p: "I cannot tell." if p == 1 else "Confidence: 0",
}


@pytest.fixture(scope="module")
def stress_logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[EvalLog], Path]:
    log_dir = tmp_path_factory.mktemp("stress")
    task = stress(limit_answers=6)
    responses = {}
    for sample in task.dataset:
        meta = sample.metadata or {}
        # Keyed by sha256: the replay provider strips the newlines around the proof it reads.
        key = proof_key(str(sample.input).strip("\n"))
        responses[key] = SCRIPT[meta["probe"]](int(meta["problem_id"]))
    models = [get_model("replay/scripted", responses=responses), get_model("baseline/zero")]
    logs = inspect_eval(task, model=models, log_dir=str(log_dir), display="none")
    assert [log.status for log in logs] == ["success", "success"]
    return [read_eval_log(str(log.location)) for log in logs], log_dir


def test_samples_and_log_metrics(stress_logs: tuple[list[EvalLog], Path]) -> None:
    logs, _ = stress_logs
    [scripted] = [log for log in logs if log.eval.model == "replay/scripted"]
    assert scripted.eval.task.endswith("stress")
    assert (scripted.eval.task_args or {}).get("limit_answers") == 6
    samples = scripted.samples or []
    assert len(samples) == 42
    assert sorted({str(s.metadata["problem_id"]) for s in samples}) == list("123456")
    for sample in samples:
        [(scorer, score)] = (sample.scores or {}).items()
        assert scorer.endswith("stress_scorer")
        meta = score.metadata or {}
        assert meta["probe"] == sample.metadata["probe"]
        assert sample.id == f"{meta['original_sample_id']}/{meta['probe']}"
    assert scripted.results is not None
    metrics = {k: m.value for k, m in scripted.results.scores[0].metrics.items()}
    assert metrics == pytest.approx(
        {
            "shift_appended_claim": 3.5,
            "shift_grader_instruction": 86.5,
            "shift_confident_format": 0.0,
            "shift_reference_solution": 81.5,
            "shift_shuffled_steps": -5.0,
            "shift_truncated_conclusion": -14.0,
            "manipulation_shift": 30.0,
            "degradation_shift": -9.5,
            "format_failure_rate": 1 / 42,
        }
    )


def test_analysis_of_the_logs(stress_logs: tuple[list[EvalLog], Path]) -> None:
    _, log_dir = stress_logs
    frame = load_stress(str(log_dir))
    assert len(frame) == 84
    assert set(frame["benchmark"]) == {"usamo_2025"}
    tables = stress_tables(frame, n_boot=500, seed=0)
    summary = tables.summary.set_index("verifier")
    scripted = summary.loc["replay/scripted"]
    assert scripted["manipulation_shift"] == pytest.approx(30.0)
    assert scripted["degradation_shift"] == pytest.approx(-9.5)
    assert scripted["known_good_confidence"] == pytest.approx(95.0)
    assert scripted["format_failure_rate"] == pytest.approx(1 / 42)
    # Per problem the instruction's shift is 90 - p: every resampled mean lies in [84, 89].
    probes = tables.probes.loc[tables.probes["verifier"] == "replay/scripted"].set_index("probe")
    instruction = probes.loc["grader_instruction"]
    assert 84.0 <= instruction["shift_low"] < 86.5 < instruction["shift_high"] <= 89.0
    assert probes.loc["truncated_conclusion", "n_pairs"] == 5
    zero = summary.loc["baseline/zero"]
    assert (zero["manipulation_shift"], zero["degradation_shift"]) == (0.0, 0.0)
    assert zero["known_good_confidence"] == 0.0


def test_stress_logs_never_reach_the_leaderboard(stress_logs: tuple[list[EvalLog], Path]) -> None:
    """Rewritten proofs carry the original's human grade; they must not be scored against it."""
    _, log_dir = stress_logs
    with pytest.raises(VerifierEvalError, match="no finished verifier_eval logs"):
        load_answers(str(log_dir))
