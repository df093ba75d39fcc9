"""Every log metric pinned to hand-computed values on the fixture in tests/fixtures.py."""

import math
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model
from verifier_eval.tasks.matharena import verifier_task

from tests.fixtures import fixture_answers, fixture_responses
from verifier_eval.providers import text_output


def _metrics(tmp_path: Path, failure_policy: str) -> dict[str, float]:
    task = verifier_task(
        fixture_answers(),
        name="fixture",
        version="test",
        prompt="seed",
        failure_policy=failure_policy,  # type: ignore[arg-type]
    )
    model = get_model("replay/fixture", responses=fixture_responses())
    [log] = inspect_eval(task, model=model, log_dir=str(tmp_path), display="none")
    assert log.status == "success"
    assert log.results is not None
    return {
        name: metric.value for score in log.results.scores for name, metric in score.metrics.items()
    }


def test_metrics_with_failures_scored_zero(tmp_path: Path) -> None:
    m = _metrics(tmp_path, "zero")
    # A: problem 1 verifier mean (7 + 3.5)/2 = 5.25, human 3.5; problem 2 verifier 0, human 0.5.
    #    totals 5.25 vs 4.0 -> |1.25|.  B: problem 1 0 vs 0; problem 2 (3.5 + 7)/2 = 5.25 vs 3.5.
    #    totals 5.25 vs 3.5 -> 1.75.  Mean over generators: 1.5.
    assert m["total_score_difference"] == pytest.approx(1.5)
    assert m["A"] == pytest.approx(1.25)
    assert m["B"] == pytest.approx(1.75)
    # errors: 0, 3.5, -1, 0, 0, 0, 0, 3.5 -> |.| sum 8, sum 6, over 8 answers.
    assert m["mae"] == pytest.approx(1.0)
    assert m["signed_bias"] == pytest.approx(0.75)
    # Pearson: centred cross-product 46.375, sum sq verifier 67.375, human 46.375.
    assert m["pearson"] == pytest.approx(46.375 / math.sqrt(67.375 * 46.375))
    # Spearman on average ranks: cross-product 27.5, sums of squares 36 and 36.5.
    assert m["spearman"] == pytest.approx(27.5 / math.sqrt(36 * 36.5))
    assert m["format_failure_rate"] == pytest.approx(1 / 8)


def test_metrics_with_failures_excluded(tmp_path: Path) -> None:
    m = _metrics(tmp_path, "exclude")
    # The failed answer (A, problem 2, answer 1; human 0) leaves: A problem 2 is 0 vs 1.
    # A totals 5.25 vs 4.5 -> 0.75; B unchanged 1.75; mean 1.25.
    assert m["total_score_difference"] == pytest.approx(1.25)
    assert m["A"] == pytest.approx(0.75)
    assert m["mae"] == pytest.approx(8 / 7)
    assert m["signed_bias"] == pytest.approx(6 / 7)
    # The failure still counts in the format-failure rate.
    assert m["format_failure_rate"] == pytest.approx(1 / 8)


def test_epochs_are_averaged(tmp_path: Path) -> None:
    """Two gradings of the same answer (75 then 25) average to 50 -> 3.5 points."""
    task = verifier_task(
        fixture_answers()[:1], name="fixture", version="t", prompt="seed", failure_policy="zero"
    )
    outputs = [text_output("mockllm/model", f"Confidence: {c}") for c in (75, 25)]
    model = get_model("mockllm/model", custom_outputs=outputs)
    [log] = inspect_eval(task, model=model, epochs=2, log_dir=str(tmp_path), display="none")
    assert [r.split("/")[-1] for r in log.eval.config.epochs_reducer or []] == ["verdict_mean"]
    assert log.reductions is not None
    [reduced] = log.reductions[0].samples
    assert reduced.value["verifier_points"] == pytest.approx(3.5)  # type: ignore[index]
    assert reduced.value["format_ok"] == pytest.approx(1.0)  # type: ignore[index]
