"""The OPC task reports binary metrics; values from the label counts in its PROVENANCE (161/273)."""

from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model

from verifier_eval.benchmarks import make_task


def test_opc_binary_metrics_for_constant_verifiers(tmp_path: Path) -> None:
    models = [get_model("baseline/full"), get_model("baseline/zero")]
    logs = inspect_eval(make_task("opc"), model=models, log_dir=str(tmp_path), display="none")
    metrics = {
        log.eval.model: log.results.scores[0].metrics  # type: ignore[union-attr]
        for log in logs
    }
    full, zero = metrics["baseline/full"], metrics["baseline/zero"]
    # Always 100: right on the 161 correct proofs; Brier (1 - 1)^2 or (1 - 0)^2 -> 273/434.
    assert full["binary_accuracy"].value == pytest.approx(161 / 434)
    assert full["brier"].value == pytest.approx(273 / 434)
    assert zero["binary_accuracy"].value == pytest.approx(273 / 434)
    assert zero["brier"].value == pytest.approx(161 / 434)
    # A constant ranks every proof equal: AUROC one half.
    assert full["auroc"].value == pytest.approx(0.5)
    assert "total_score_difference" not in full
