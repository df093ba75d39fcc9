"""The sampling interface between chat-model providers and the engines that run a model.

A provider built on this module (``tinker/...``, ``gguf/...``) does four things for every call:

1. turns inspect's chat messages into plain :class:`ChatTurn` s;
2. renders them with the base model's chat template (a :class:`ChatTemplate`) into prompt tokens,
   cutting the middle of an over-long proof to fit the context window (see :func:`fit_prompt`);
3. hands the tokens to a :class:`Sampler` with :class:`SamplingParams` taken from inspect's
   ``GenerateConfig``;
4. returns the :class:`Completion` as a ``ModelOutput`` with explicit token usage.

The template and the sampler are separate so that either can be swapped: the Tinker provider's
real sampler is the Tinker sampling client, and its tests use a local sampler running a small real
model on the CPU behind the very same template and fitting code.

Over-long prompts: the proof is what makes a verifier prompt long, so when the rendered prompt
plus the completion budget does not fit the context window, the middle of the proof (the text
between ``<proof>`` and the last ``</proof>`` of the last user message) is replaced by
:data:`OMISSION_MARKER`, keeping its beginning and end. The model is told in the marker; the
provider records how many tokens were left out in the call's log entry. When even an empty proof
would not fit (or the prompt has no proof tags), the provider answers an empty completion with
stop reason ``model_length``, which the scorer counts as a format failure.
"""

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, NamedTuple, Protocol

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelCall,
    ModelOutput,
    ModelUsage,
)

from verifier_eval.errors import ConfigError

StopReason = Literal["stop", "length"]

OMISSION_MARKER = (
    "\n\n[... {omitted} tokens of the proof omitted here to fit the model's context window ...]\n\n"
)
PROOF_OPEN = "<proof>"
PROOF_CLOSE = "</proof>"
# End-of-turn markers of common chat templates. A sampler stops at the ones the tokenizer knows.
END_OF_TURN_MARKERS: tuple[str, ...] = (
    "<|im_end|>",  # ChatML: Qwen, SmolLM
    "<|eot_id|>",  # Llama 3
    "<|end|>",  # Phi
    "<end_of_turn>",  # Gemma
    "<|endoftext|>",
)


CONFIDENCE_PREFILL = "Confidence:"
CONFIDENCE_CHOICES: tuple[str, ...] = tuple(f" {n}" for n in range(101))
"""The ``confidence`` answer format: the answer is primed with :data:`CONFIDENCE_PREFILL` and
constrained to an integer 0-100, so even a tiny model gives a grade the scorer can read (which
integer is still the model's own choice)."""
ANSWER_FORMATS = ("free", "confidence")


class AnswerFormat(NamedTuple):
    """How the answer is asked for: a prefill and, optionally, the strings it must be."""

    prefill: str
    choices: tuple[str, ...]


def answer_format(name: str, prefill: str = "") -> AnswerFormat:
    """The prefill and choices of ``-M answer_format`` (``free``: the given ``prefill`` only).

    Raises:
        ConfigError: For an unknown format.
    """
    if name == "confidence":
        return AnswerFormat(CONFIDENCE_PREFILL, CONFIDENCE_CHOICES)
    if name == "free":
        return AnswerFormat(prefill, ())
    raise ConfigError(f"-M answer_format must be one of {list(ANSWER_FORMATS)}, got {name!r}")


class ChatTurn(NamedTuple):
    """One chat message as chat templates see it."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class SamplingParams:
    """How to sample one completion."""

    max_tokens: int
    temperature: float
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    """Strings that end the completion (not included in it), besides the engine's own end of
    sequence."""
    choices: tuple[str, ...] = ()
    """When given, the completion must be one of these strings (constrained decoding; local
    engines only). See :data:`CONFIDENCE_CHOICES`."""


@dataclass(frozen=True)
class SamplingDefaults:
    """A provider's defaults for what ``GenerateConfig`` leaves unset."""

    max_tokens: int
    temperature: float


@dataclass(frozen=True)
class RenderedPrompt:
    """A chat rendered by a chat template: its text and its tokens."""

    text: str
    tokens: tuple[int, ...]


@dataclass(frozen=True)
class Completion:
    """What a sampler returns."""

    text: str
    tokens: tuple[int, ...]
    """Generated tokens (an engine that matches stop strings on text re-tokenizes the text)."""
    prompt_tokens: int
    completion_tokens: int
    stop_reason: StopReason


class ChatTemplate(Protocol):
    """A base model's chat template and tokenizer."""

    @property
    def stop(self) -> tuple[str, ...]:
        """End-of-turn strings the sampler must stop at."""
        ...

    def render(self, turns: Sequence[ChatTurn], prefill: str = "") -> RenderedPrompt:
        """Render the chat, ready for the assistant's answer (which starts with ``prefill``)."""
        ...

    def encode(self, text: str) -> list[int]:
        """Tokens of plain text (no special tokens added)."""
        ...

    def decode(self, tokens: Sequence[int]) -> str:
        """Text of tokens, special tokens dropped."""
        ...


class Sampler(Protocol):
    """An engine that samples a completion of prompt tokens."""

    @property
    def description(self) -> str:
        """What runs the model, for the call's log entry (e.g. ``llama.cpp /path/m.gguf``)."""
        ...

    async def sample(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        """Sample one completion of ``prompt``."""
        ...


def sampling_params(
    config: GenerateConfig, defaults: SamplingDefaults, stop: Sequence[str] = ()
) -> SamplingParams:
    """Sampling parameters from inspect's generate config, with the provider's defaults.

    Args:
        config: The call's generate config (``max_tokens``, ``temperature``, ``top_p``, ``seed``,
            ``stop_seqs``).
        defaults: What applies when the config leaves a value unset.
        stop: The chat template's end-of-turn strings, added to ``stop_seqs``.

    Raises:
        ConfigError: For a non-positive ``max_tokens`` or a negative temperature.
    """
    max_tokens = config.max_tokens if config.max_tokens is not None else defaults.max_tokens
    temperature = config.temperature if config.temperature is not None else defaults.temperature
    if max_tokens <= 0:
        raise ConfigError(f"max_tokens must be positive, got {max_tokens}")
    if temperature < 0:
        raise ConfigError(f"temperature must not be negative, got {temperature}")
    stops = tuple(dict.fromkeys([*stop, *(config.stop_seqs or [])]))
    return SamplingParams(
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=config.top_p if config.top_p is not None else 1.0,
        seed=config.seed,
        stop=stops,
    )


def chat_turns(messages: Sequence[ChatMessage]) -> list[ChatTurn]:
    """Plain chat turns of inspect messages (text only).

    Raises:
        ConfigError: For a tool message; verifiers are plain chat models.
    """
    turns: list[ChatTurn] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            turns.append(ChatTurn("system", message.text))
        elif isinstance(message, ChatMessageUser):
            turns.append(ChatTurn("user", message.text))
        elif isinstance(message, ChatMessageAssistant):
            turns.append(ChatTurn("assistant", message.text))
        else:
            raise ConfigError(f"chat-template providers take no {message.role} messages")
    return turns


class FittedPrompt(NamedTuple):
    """A rendered prompt that fits the context window, or why none does."""

    prompt: RenderedPrompt | None
    omitted_tokens: int
    """Proof tokens replaced by the omission marker (0 when nothing was cut)."""
    reason: str
    """Why no prompt fits (empty when one does)."""


def _proof_span(text: str) -> tuple[int, int] | None:
    start = text.find(PROOF_OPEN)
    end = text.rfind(PROOF_CLOSE)
    if start < 0 or end < start + len(PROOF_OPEN):
        return None
    return start + len(PROOF_OPEN), end


def _cut_middle(template: ChatTemplate, proof_tokens: list[int], keep: int) -> tuple[str, int]:
    """The proof with all but ``keep`` tokens (half from each end) replaced by the marker."""
    keep = max(0, min(keep, len(proof_tokens)))
    omitted = len(proof_tokens) - keep
    head = template.decode(proof_tokens[: math.ceil(keep / 2)])
    tail = template.decode(proof_tokens[len(proof_tokens) - keep // 2 :]) if keep // 2 else ""
    return head + OMISSION_MARKER.format(omitted=omitted) + tail, omitted


def fit_prompt(
    template: ChatTemplate,
    turns: Sequence[ChatTurn],
    *,
    context_window: int | None,
    max_tokens: int,
    prefill: str = "",
) -> FittedPrompt:
    """Render the chat so that prompt + ``max_tokens`` fits ``context_window``.

    An over-long prompt has the middle of the proof in its last user message cut (see the module
    docstring); the cut is found in one pass from the token counts, then checked by rendering
    again (tokenization at the cut points can differ by a few tokens, so a second pass trims a
    little more when needed).

    Args:
        template: The chat template.
        turns: The chat.
        context_window: The model's context window in tokens; ``None`` means unbounded.
        max_tokens: Tokens reserved for the completion.
        prefill: Start of the assistant's answer.

    Returns:
        The fitted prompt, or ``prompt=None`` with the reason.
    """
    rendered = template.render(turns, prefill)
    if context_window is None:
        return FittedPrompt(rendered, 0, "")
    budget = context_window - max_tokens
    if len(rendered.tokens) <= budget:
        return FittedPrompt(rendered, 0, "")
    too_long = (
        f"the prompt has {len(rendered.tokens)} tokens, but the context window of "
        f"{context_window} tokens leaves {budget} after reserving {max_tokens} for the answer"
    )
    last_user = max((i for i, t in enumerate(turns) if t.role == "user"), default=None)
    span = _proof_span(turns[last_user].content) if last_user is not None else None
    if last_user is None or span is None:
        return FittedPrompt(None, 0, too_long + " (and it has no <proof> to shorten)")
    content = turns[last_user].content
    raw = content[span[0] : span[1]]
    # The whitespace around the proof is kept as it was (a tokenizer may not round-trip it).
    lead, trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()) :]
    proof_tokens = template.encode(raw.strip())
    excess = len(rendered.tokens) - budget
    marker_tokens = len(template.encode(OMISSION_MARKER.format(omitted=len(proof_tokens))))
    keep = len(proof_tokens) - excess - marker_tokens
    for _ in range(4):
        if keep < 0:
            break
        proof, omitted = _cut_middle(template, proof_tokens, keep)
        shortened = [*turns]
        proof = lead + proof + trail
        shortened[last_user] = ChatTurn("user", content[: span[0]] + proof + content[span[1] :])
        candidate = template.render(shortened, prefill)
        over = len(candidate.tokens) - budget
        if over <= 0:
            return FittedPrompt(candidate, omitted, "")
        keep -= over + 8
    return FittedPrompt(None, 0, too_long + " even with the proof left out")


def model_output(
    model: str, completion: Completion, *, prefill: str = "", time: float | None = None
) -> ModelOutput:
    """A ``ModelOutput`` of a completion, with explicit usage.

    The prefill is part of the answer the scorer reads (a primed ``Confidence:`` is completed by
    the model's number), so it is prepended to the text.
    """
    output = ModelOutput.from_content(model=model, content=prefill + completion.text)
    output.choices[0].stop_reason = "max_tokens" if completion.stop_reason == "length" else "stop"
    output.usage = ModelUsage(
        input_tokens=completion.prompt_tokens,
        output_tokens=completion.completion_tokens,
        total_tokens=completion.prompt_tokens + completion.completion_tokens,
    )
    output.time = time
    return output


def context_error_output(model: str) -> ModelOutput:
    """The answer to a prompt that cannot fit: empty, stop reason ``model_length``.

    The scorer counts it as a format failure; the reason is in the call's log entry.
    """
    output = ModelOutput.from_content(model=model, content="", stop_reason="model_length")
    output.usage = ModelUsage(input_tokens=0, output_tokens=0, total_tokens=0)
    return output


def stop_at(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """``text`` cut before the first stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class ChoiceConstraint:
    """Constrained decoding to a set of strings, for any tokenizer.

    A token may be generated when the text so far plus the token's text is a prefix of one of
    the choices; an end token may be generated once the text is a whole choice. Only tokens
    whose text uses the choices' characters are considered, so each step checks a few hundred
    tokens, not the vocabulary.
    """

    def __init__(
        self,
        choices: Sequence[str],
        token_text: Callable[[int], str],
        vocab_size: int,
        end_ids: Sequence[int],
    ) -> None:
        """Index the vocabulary.

        Args:
            choices: The allowed completions.
            token_text: The text of one token id.
            vocab_size: Token ids run from 0 to ``vocab_size - 1``.
            end_ids: Tokens that end the completion.
        """
        alphabet = set("".join(choices))
        self.choices = frozenset(choices)
        self.prefixes = frozenset(c[:k] for c in choices for k in range(1, len(c) + 1))
        self.end_ids = tuple(end_ids)
        self.token_texts: dict[int, str] = {}
        for token in range(vocab_size):
            text = token_text(token)
            if text and set(text) <= alphabet and token not in self.end_ids:
                self.token_texts[token] = text

    def text(self, generated: Sequence[int]) -> str:
        """The text of tokens generated under this constraint."""
        return "".join(self.token_texts.get(t, "") for t in generated)

    def allowed(self, generated: Sequence[int]) -> list[int]:
        """Tokens that may follow ``generated`` (never empty: an end token at worst)."""
        so_far = self.text(generated)
        allowed = [t for t, text in self.token_texts.items() if so_far + text in self.prefixes]
        if so_far in self.choices or not allowed:
            allowed.extend(self.end_ids)
        return allowed


@dataclass
class ProcessCache:
    """One instance per key per process (a loaded model is expensive and not thread-safe).

    Loading happens under the lock, so concurrent first calls load once.
    """

    _items: dict[Any, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        """The cached value for ``key``, loading it on first use."""
        with self._lock:
            if key not in self._items:
                self._items[key] = load()
            return self._items[key]

    def clear(self) -> None:
        """Forget every instance (tests)."""
        with self._lock:
            self._items.clear()


async def sample_chat(
    *,
    model: str,
    template: ChatTemplate,
    sampler: Sampler,
    messages: Sequence[ChatMessage],
    config: GenerateConfig,
    defaults: SamplingDefaults,
    context_window: int | None,
    prefill: str = "",
    choices: Sequence[str] = (),
) -> tuple[ModelOutput, ModelCall]:
    """One provider call: render, fit, sample, and describe the call for the log.

    Args:
        model: The model name written into the output.
        template: The base model's chat template.
        sampler: The engine.
        messages: The chat.
        config: The call's generate config.
        defaults: The provider's sampling defaults.
        context_window: The model's context window (``None``: unbounded).
        prefill: Start of the assistant's answer (e.g. ``Confidence:`` to prime a small model).
        choices: Constrain the answer (after the prefill) to these strings.

    Returns:
        The output (explicit usage) and the call record (engine, token counts, parameters).
    """
    params = replace(sampling_params(config, defaults, template.stop), choices=tuple(choices))
    fitted = fit_prompt(
        template,
        chat_turns(messages),
        context_window=context_window,
        max_tokens=params.max_tokens,
        prefill=prefill,
    )
    settings = asdict(params)
    if params.choices:
        settings["choices"] = f"{len(params.choices)} strings: {params.choices[0]!r}, ..."
    request: dict[str, Any] = {
        "engine": sampler.description,
        "params": settings,
        "prefill": prefill,
        "context_window": context_window,
    }
    if fitted.prompt is None:
        return context_error_output(model), ModelCall.create(request, {"error": fitted.reason})
    request.update(
        prompt_tokens=len(fitted.prompt.tokens), omitted_proof_tokens=fitted.omitted_tokens
    )
    started = time.perf_counter()
    completion = await sampler.sample(fitted.prompt, params)
    elapsed = time.perf_counter() - started
    response = {
        "text": completion.text,
        "completion_tokens": completion.completion_tokens,
        "stop_reason": completion.stop_reason,
    }
    output = model_output(model, completion, prefill=prefill, time=elapsed)
    return output, ModelCall.create(request, response, time=elapsed)
