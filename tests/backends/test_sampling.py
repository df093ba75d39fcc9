"""The engine-independent half of the chat providers: parameters, fitting, outputs."""

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from inspect_ai.model import ChatMessageTool, ChatMessageUser, GenerateConfig

from verifier_eval.errors import ConfigError
from verifier_eval.providers.sampling import (
    CONFIDENCE_CHOICES,
    ChatTurn,
    ChoiceConstraint,
    Completion,
    RenderedPrompt,
    SamplingDefaults,
    SamplingParams,
    chat_turns,
    fit_prompt,
    model_output,
    sample_chat,
    sampling_params,
    stop_at,
)
from verifier_eval.verdict import parse_confidence

DEFAULTS = SamplingDefaults(max_tokens=64, temperature=0.0)


class WordTemplate:
    """A chat template whose tokens are whitespace-separated words (one id per distinct word)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}

    @property
    def stop(self) -> tuple[str, ...]:
        return ("<end>",)

    def render(self, turns: Sequence[ChatTurn], prefill: str = "") -> RenderedPrompt:
        text = " ".join(f"<{t.role}> {t.content} <end>" for t in turns) + " <assistant> " + prefill
        return RenderedPrompt(text, tuple(self.encode(text)))

    def encode(self, text: str) -> list[int]:
        return [self.vocab.setdefault(w, len(self.vocab)) for w in text.split()]

    def decode(self, tokens: Sequence[int]) -> str:
        words = {i: w for w, i in self.vocab.items()}
        return " ".join(words[t] for t in tokens)


def _prompt(proof_words: int) -> list[ChatTurn]:
    proof = " ".join(f"step{i}" for i in range(proof_words))
    return [ChatTurn("user", f"Grade. <problem> P </problem> <proof> {proof} </proof> Answer.")]


def test_generate_config_maps_to_sampling_params() -> None:
    config = GenerateConfig(max_tokens=7, temperature=0.5, top_p=0.9, seed=3, stop_seqs=["\n\n"])
    params = sampling_params(config, DEFAULTS, stop=("<|im_end|>",))
    assert params == SamplingParams(7, 0.5, 0.9, 3, ("<|im_end|>", "\n\n"))


def test_unset_config_takes_the_provider_defaults() -> None:
    assert sampling_params(GenerateConfig(), DEFAULTS) == SamplingParams(64, 0.0, 1.0, None, ())


@pytest.mark.parametrize(
    "config", [GenerateConfig(max_tokens=0), GenerateConfig(temperature=-1.0)], ids=["0", "neg"]
)
def test_invalid_sampling_settings_are_config_errors(config: GenerateConfig) -> None:
    with pytest.raises(ConfigError):
        sampling_params(config, DEFAULTS)


def test_tool_messages_are_refused() -> None:
    with pytest.raises(ConfigError, match="no tool messages"):
        chat_turns([ChatMessageUser(content="hi"), ChatMessageTool(content="x", tool_call_id="1")])


def test_a_prompt_that_fits_is_untouched() -> None:
    template = WordTemplate()
    fitted = fit_prompt(template, _prompt(10), context_window=100, max_tokens=10)
    assert fitted.prompt == template.render(_prompt(10))
    assert fitted.omitted_tokens == 0


def test_a_long_proof_loses_its_middle_with_a_visible_marker() -> None:
    template = WordTemplate()
    fitted = fit_prompt(template, _prompt(500), context_window=200, max_tokens=20)
    assert fitted.prompt is not None
    assert len(fitted.prompt.tokens) <= 180
    text = fitted.prompt.text
    assert "step0 " in text and "step499 " in text, "the proof's beginning and end are kept"
    assert "step250 " not in text
    assert f"[... {fitted.omitted_tokens} tokens of the proof omitted here" in text
    assert fitted.omitted_tokens > 300
    assert text.count("<proof>") == 1 and "</proof> Answer." in text


def test_a_prompt_that_cannot_fit_is_refused_with_the_reason() -> None:
    template = WordTemplate()
    no_proof = [ChatTurn("user", " ".join(["word"] * 300))]
    fitted = fit_prompt(template, no_proof, context_window=100, max_tokens=10)
    assert fitted.prompt is None
    assert "no <proof> to shorten" in fitted.reason


def test_stop_strings_cut_the_text() -> None:
    assert stop_at("Confidence: 80<|im_end|>junk", ["<|im_end|>"]) == ("Confidence: 80", True)
    assert stop_at("Confidence: 80", ["<|im_end|>"]) == ("Confidence: 80", False)


def test_output_carries_usage_prefill_and_truncation() -> None:
    completion = Completion(
        " 85", (1, 2), prompt_tokens=40, completion_tokens=2, stop_reason="stop"
    )
    output = model_output("m", completion, prefill="Confidence:")
    assert output.completion == "Confidence: 85"
    assert parse_confidence(output.completion).confidence == 85
    assert output.usage is not None
    assert (output.usage.input_tokens, output.usage.output_tokens) == (40, 2)
    cut = Completion("Conf", (1,), 40, 1, "length")
    assert model_output("m", cut).stop_reason == "max_tokens"


class EchoSampler:
    """Answers a fixed text and remembers what it was asked."""

    description = "echo"

    def __init__(self) -> None:
        self.prompts: list[RenderedPrompt] = []

    async def sample(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        self.prompts.append(prompt)
        return Completion(" 42", (7,), len(prompt.tokens), 1, "stop")


def test_sample_chat_records_the_cut_and_the_engine() -> None:
    sampler = EchoSampler()
    proof = " ".join(f"w{i}" for i in range(400))
    output, call = asyncio.run(
        sample_chat(
            model="x/y",
            template=WordTemplate(),
            sampler=sampler,
            messages=[ChatMessageUser(content=f"<problem> P </problem> <proof> {proof} </proof>")],
            config=GenerateConfig(max_tokens=5),
            defaults=DEFAULTS,
            context_window=100,
            prefill="Confidence:",
        )
    )
    request: dict[str, Any] = dict(call.request)
    assert output.completion == "Confidence: 42"
    assert request["engine"] == "echo"
    assert request["omitted_proof_tokens"] > 300
    assert request["prompt_tokens"] == len(sampler.prompts[0].tokens) <= 95


def test_sample_chat_answers_empty_when_nothing_fits() -> None:
    output, call = asyncio.run(
        sample_chat(
            model="x/y",
            template=WordTemplate(),
            sampler=EchoSampler(),
            messages=[ChatMessageUser(content=" ".join(["w"] * 300))],
            config=GenerateConfig(),
            defaults=DEFAULTS,
            context_window=100,
        )
    )
    assert output.completion == "" and output.stop_reason == "model_length"
    assert not parse_confidence(output.completion).ok
    assert "context window" in str(call.response)


def test_choice_constraint_allows_only_prefixes_of_the_choices() -> None:
    vocab = [" ", "1", "0", "5", "00", " 1", "x", "<end>"]
    constraint = ChoiceConstraint(CONFIDENCE_CHOICES, vocab.__getitem__, len(vocab), end_ids=[7])
    text = {i: t for i, t in enumerate(vocab)}
    assert sorted(text[t] for t in constraint.allowed([])) == [" ", " 1"]
    assert sorted(text[t] for t in constraint.allowed([5])) == ["0", "00", "1", "5", "<end>"]
    assert sorted(text[t] for t in constraint.allowed([5, 4])) == ["<end>"]  # " 100"
    assert sorted(text[t] for t in constraint.allowed([0, 2])) == ["<end>"]  # " 0"
    assert constraint.text([5, 4]) == " 100"
