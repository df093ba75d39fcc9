"""The Tinker backend: clear errors offline; a real run is opt-in (``tinker`` marker + key)."""

import asyncio
import os
import time
from pathlib import Path

import pytest

from verifier_eval.errors import ConfigError, VerifierEvalError
from verifier_eval.train.tinker_backend import TinkerBackend
from verifier_eval.train.train import GSPOConfig, train


def test_missing_api_key_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="TINKER_API_KEY is not set"):
        asyncio.run(TinkerBackend.create("Qwen/Qwen3-8B", 8, 0, timeout_s=5))


def test_unreachable_service_fails_within_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK retries for minutes when the service is unreachable; our bound turns that into an
    error after timeout_s (port 9 on localhost refuses connections)."""
    monkeypatch.setenv("TINKER_API_KEY", "tml-not-a-real-key")
    monkeypatch.setenv("TINKER_BASE_URL", "http://127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(VerifierEvalError, match="did not finish within 2 s"):
        asyncio.run(TinkerBackend.create("Qwen/Qwen3-8B", 8, 0, timeout_s=2))
    assert time.monotonic() - started < 30


@pytest.mark.tinker
@pytest.mark.skipif(
    not os.environ.get("TINKER_API_KEY"), reason="needs TINKER_API_KEY and the Tinker service"
)
def test_two_gspo_steps_on_tinker(tmp_path: Path) -> None:  # pragma: no cover - opt-in
    config = GSPOConfig(
        backend="tinker",
        base_model=os.environ.get("TINKER_TEST_MODEL", "Qwen/Qwen3-4B-Instruct-2507"),
        lora_rank=8,
        steps=2,
        prompts_per_step=2,
        group_size=4,
        max_tokens=64,
        save_every=2,
        eval_every=0,
        learning_rate=1e-5,
        log_dir=str(tmp_path),
    )
    result = train(config)
    assert len(result.metrics) == 2
    assert result.checkpoints and result.checkpoints[0].startswith("tinker://")
