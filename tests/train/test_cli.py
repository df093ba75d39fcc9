"""``verifier-eval train ...`` through ``verifier_eval.train.cli.main``."""

import json
from pathlib import Path

import pytest

from verifier_eval.train.build_data import read_examples
from verifier_eval.train.cli import main


def test_build_data_on_the_bundled_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's acceptance command, offline, with the default exclusions."""
    out = tmp_path / "data"
    assert main(["build-data", f"out_dir={out}", "seed=3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["train"] > 100 and report["counts"]["validation"] > 20
    assert len(read_examples(out / "train.jsonl")) == report["counts"]["train"]


def test_unknown_option_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build-data", "out_dirr=x"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: unknown option 'out_dirr'; did you mean 'out_dir'?")
        and "Traceback" not in err
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["build-data", "seed=abc"], "option 'seed'", id="bad-int"),
        pytest.param(
            ["build-data", "exclude=usamo_2025,imo_2025,opc"], "no proofs left", id="nothing-left"
        ),
        pytest.param(["build-data", "novalue"], "expected key=value", id="no-equals"),
        pytest.param(["gspo", "backend=tinker"], "TINKER_API_KEY", id="no-tinker-key"),
        pytest.param(["frobnicate"], "unknown train command", id="unknown-command"),
    ],
)
def test_user_mistakes_give_clear_errors(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_help_lists_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gspo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "eps_low=0.0003" in out and "reward='seed'" in out


def test_gspo_toy_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "gspo",
        f"log_dir={tmp_path}",
        "steps=2",
        "max_tokens=4",
        "group_size=4",
        "prompts_per_step=4",
    ]
    assert main(argv) == 0
    assert "2 steps" in capsys.readouterr().out
    assert (tmp_path / "metrics.jsonl").is_file()


def test_score_checkpoint_prints_the_inspect_command(capsys: pytest.CaptureFixture[str]) -> None:
    path = "tinker://run-1/sampler_weights/step_000020"
    assert (
        main(["score-checkpoint", f"model_path={path}", "print_only=true", "log_dir=logs/ckpt"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"inspect eval verifier_eval/{b} --model tinker/Qwen/Qwen3-8B -M model_path={path} "
        "--log-dir logs/ckpt --tags checkpoint"
        for b in ("usamo_2025", "imo_2025")
    ]


def test_score_checkpoint_without_a_tinker_key_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring a Tinker checkpoint with no TINKER_API_KEY says so in one line."""
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    argv = [
        "score-checkpoint",
        "model_path=tinker://x/sampler_weights/1",
        "benchmarks=usamo_2025",
        "limit=1",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "TINKER_API_KEY" in err[0]
