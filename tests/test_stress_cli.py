"""`verifier-eval stress` runs the probes and prints the report for the stressed benchmark."""

from pathlib import Path

import pytest

from verifier_eval.cli import main


def test_stress_command_runs_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["stress", "--model", "baseline/full", "--no-baselines", "--limit-answers", "6",
            "--log-dir", str(tmp_path), "--display", "none"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "usamo_2025 (stress task version" in out
    # A constant verifier does not move: every shift is exactly zero; it rates everything 100.
    [row] = [line for line in out.splitlines() if line.startswith("baseline/full")]
    assert row.split()[1:7] == ["+0.0", "[+0.0,", "+0.0]", "+0.0", "[+0.0,", "+0.0]"]
    assert "100.0" in row
    assert main(["stress", "--report-only", "--log-dir", str(tmp_path)]) == 0
    assert "baseline/full" in capsys.readouterr().out
