"""The GSPO loop end to end on CPU with the tiny local policy, on the toy verifier task."""

import json
from pathlib import Path

import pytest
import torch

from verifier_eval.errors import ConfigError
from verifier_eval.train.cli import parse_overrides
from verifier_eval.train.train import GSPOConfig, train

# Measured over seeds 0-9 with this config: mean reward of the first 5 steps -0.15 to -0.05
# (mostly format failures), of the last 10 steps 0.69 to 0.99 (the right confidence for most toy
# prompts); final validation reward 0.75 to 1.0. About 10 s on 2 CPU cores. The test uses seed 0.
TOY = {
    "steps": 40,
    "prompts_per_step": 8,
    "group_size": 8,
    "max_tokens": 4,
    "learning_rate": 3e-2,
    "save_every": 20,
    "eval_every": 10,
    "toy_size": 64,
    "validation_size": 32,
}


def _config(tmp_path: Path, **kw: object) -> GSPOConfig:
    return GSPOConfig.model_validate({**TOY, "log_dir": str(tmp_path / "run"), **kw})


def test_mean_reward_rises_by_a_fixed_margin(tmp_path: Path) -> None:
    """Default GSPO (paper clip ranges, overlapped sampling): the last 10 steps' mean reward is at
    least 0.6 above the first 5 steps', the format is learnt, and validation reward rises."""
    result = train(_config(tmp_path))
    rewards = [m.reward_mean for m in result.metrics]
    assert sum(rewards[-10:]) / 10 >= sum(rewards[:5]) / 5 + 0.6
    assert result.metrics[-1].format_rate >= 0.9
    validation = [m.validation_reward for m in result.metrics if m.validation_reward is not None]
    assert validation[-1] >= 0.7 > validation[0]
    # Overlap means off-policy data: the ratio moves and the tiny clip range bites.
    assert any((m.clip_fraction_low or 0) + (m.clip_fraction_high or 0) > 0 for m in result.metrics)


def test_training_is_deterministic_and_logs(tmp_path: Path) -> None:
    """Same seed, same metrics; metrics.jsonl, checkpoints.jsonl and config.json are written."""
    short = {"steps": 6, "save_every": 3, "eval_every": 3}
    a = train(_config(tmp_path / "a", **short))
    b = train(_config(tmp_path / "b", **short))
    strip = [m.model_dump(exclude={"seconds"}) for m in a.metrics]
    assert strip == [m.model_dump(exclude={"seconds"}) for m in b.metrics]
    run = Path(a.log_dir)
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 6
    assert {"reward_mean", "format_rate", "clip_fraction_low", "clip_fraction_high", "ratio_mean",
            "ratio_min", "ratio_max", "validation_reward"} <= set(lines[0])  # fmt: skip
    checkpoints = [
        json.loads(line) for line in (run / "checkpoints.jsonl").read_text().splitlines()
    ]
    assert [c["step"] for c in checkpoints] == [3, 6]
    state = torch.load(checkpoints[-1]["path"])
    assert "state_dict" in state and "Confidence:" in state["vocab"]
    assert GSPOConfig.model_validate_json((run / "config.json").read_text()).steps == 6


def test_on_policy_mode_has_ratio_one(tmp_path: Path) -> None:
    """overlap=False samples after every update: the sequence ratio is exactly 1 (no lag)."""
    result = train(_config(tmp_path, steps=4, overlap=False, eval_every=0))
    for m in result.metrics:
        if m.ratio_min is not None:
            assert m.ratio_min == pytest.approx(1.0, abs=1e-4) and m.ratio_max == pytest.approx(
                1.0, abs=1e-4
            )


def test_trains_on_built_data(tmp_path: Path) -> None:
    """The loop reads build-data's JSONL (the local model learns nothing real from it)."""
    from verifier_eval.train.build_data import BuildDataConfig, build_data

    data = build_data(BuildDataConfig(out_dir=str(tmp_path / "data"), limit=8))
    result = train(
        _config(
            tmp_path, steps=2, train_file=data.train_path, validation_file=data.validation_path,
            prompts_per_step=2, group_size=2, eval_every=1, validation_size=2,
        )
    )  # fmt: skip
    assert len(result.metrics) == 2 and result.metrics[0].validation_reward is not None


def test_cli_style_config_and_incompatible_options() -> None:
    config = parse_overrides(
        GSPOConfig, ["steps=3", "reward=brier", "overlap=false", "benchmarks=usamo_2025,imo_2025"]
    )
    assert (config.steps, config.reward.value, config.overlap, config.benchmarks) == (
        3,
        "brier",
        False,
        ["usamo_2025", "imo_2025"],
    )
    with pytest.raises(ConfigError, match="benchmark_every"):
        parse_overrides(GSPOConfig, ["benchmark_every=1"])
    with pytest.raises(ConfigError, match="group_size"):
        parse_overrides(GSPOConfig, ["group_size=1"])
