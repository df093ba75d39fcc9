"""The trained logistic head, read from transparent JSON and applied with plain numpy.

``head.json`` holds a standard scaler and a logistic regression (trained by
``python -m verifier_eval.embedded.train``; see ``TRAINING.md``). Inference needs no scikit-learn:
``confidence = 100 * sigmoid(((x - mean) / scale) @ coef + intercept)``.

``opc_oof.json`` maps the sha256 of every OPC training proof to its *out-of-fold* confidence, so
that grading a proof the head was trained on reports the prediction of a head that never saw it.
"""

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from verifier_eval.errors import DataError

HEAD_FORMAT = "verifier_eval.embedded.head/1"
HEAD_PATH = Path(__file__).resolve().parent / "head.json"
OOF_PATH = Path(__file__).resolve().parent / "opc_oof.json"

FloatArray = npt.NDArray[np.float64]


def proof_sha256(proof: str) -> str:
    """Key of a proof in ``opc_oof.json``: sha256 of its UTF-8 text, surrounding whitespace removed.

    Stripping makes the key independent of how a prompt template pads the ``<proof>`` tag; OPC
    proofs have no surrounding whitespace, so their key is the sha256 of the text as stored.
    """
    return hashlib.sha256(proof.strip().encode("utf-8")).hexdigest()


def sigmoid(z: float) -> float:
    """Logistic function, without overflow for large ``|z|``."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Head:
    """A standard scaler followed by a logistic regression."""

    feature_names: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    feature_version: int | None = None
    embedding_sha256: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    """The rest of the JSON document (training provenance, CV metrics)."""

    def logit(self, x: FloatArray) -> float:
        """Log-odds that the proof deserves full credit."""
        if x.shape != self.mean.shape:
            raise ValueError(f"expected {self.mean.shape[0]} features, got shape {x.shape}")
        return float(((x - self.mean) / self.scale) @ self.coef + self.intercept)

    def confidence(self, x: FloatArray) -> float:
        """Confidence 0-100 that the proof deserves full credit."""
        return 100.0 * sigmoid(self.logit(x))


def _floats(value: Any, name: str, source: str) -> FloatArray:
    if not isinstance(value, list) or not value:
        raise DataError(f"{source}: {name!r} must be a non-empty list of numbers")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise DataError(f"{source}: {name!r} must contain only numbers")
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise DataError(f"{source}: {name!r} contains NaN or infinity")
    return array


def _section(doc: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise DataError(f"{source}: section {name!r} is missing")
    return value


def head_from_dict(doc: dict[str, Any], *, source: str = "head") -> Head:
    """Build a head from its JSON document, checking shapes and values.

    The document needs ``format`` (:data:`HEAD_FORMAT`), ``feature_spec.names``,
    ``scaler.mean``, ``scaler.scale``, ``logistic.coef`` and ``logistic.intercept``; everything
    else is kept as metadata.

    Args:
        doc: The parsed JSON document.
        source: Name used in error messages.

    Raises:
        DataError: Naming the field that is missing or invalid.
    """
    if doc.get("format") != HEAD_FORMAT:
        raise DataError(f"{source}: 'format' is {doc.get('format')!r}, expected {HEAD_FORMAT!r}")
    spec = _section(doc, "feature_spec", source)
    scaler = _section(doc, "scaler", source)
    logistic = _section(doc, "logistic", source)
    names = spec.get("names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DataError(f"{source}: 'feature_spec.names' must be a list of feature names")
    mean = _floats(scaler.get("mean"), "scaler.mean", source)
    scale = _floats(scaler.get("scale"), "scaler.scale", source)
    coef = _floats(logistic.get("coef"), "logistic.coef", source)
    intercept = logistic.get("intercept")
    if (
        not isinstance(intercept, int | float)
        or isinstance(intercept, bool)
        or not math.isfinite(intercept)
    ):
        raise DataError(f"{source}: 'logistic.intercept' must be a finite number")
    if not len(names) == len(mean) == len(scale) == len(coef):
        raise DataError(
            f"{source}: {len(names)} feature names but {len(mean)} means, {len(scale)} scales "
            f"and {len(coef)} coefficients"
        )
    if np.any(scale <= 0):
        raise DataError(f"{source}: 'scaler.scale' must be positive")
    version = spec.get("version")
    model = doc.get("embedding_model")
    sha = model.get("safetensors_sha256") if isinstance(model, dict) else None
    return Head(
        feature_names=tuple(names),
        mean=mean,
        scale=scale,
        coef=coef,
        intercept=float(intercept),
        feature_version=version if isinstance(version, int) else None,
        embedding_sha256=sha if isinstance(sha, str) else None,
        metadata={k: v for k, v in doc.items() if k not in {"feature_spec", "scaler", "logistic"}},
    )


def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise DataError(
            f"{what} {path} is missing; reinstall verifier_eval or retrain it with "
            "python -m verifier_eval.embedded.train"
        )
    try:
        return json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as ex:
        raise DataError(f"{what} {path} is not valid JSON ({ex})") from ex


def load_head(path: Path = HEAD_PATH) -> Head:
    """Read and check a head JSON file.

    Raises:
        DataError: When the file is missing, not JSON, or malformed.
    """
    doc = _read_json(path, "embedded verifier head")
    if not isinstance(doc, dict):
        raise DataError(f"{path.name}: expected a JSON object")
    return head_from_dict(doc, source=path.name)


def load_oof(path: Path = OOF_PATH) -> dict[str, float]:
    """Read the out-of-fold confidences of the training proofs (``{proof sha256: 0-100}``).

    Raises:
        DataError: When the file is missing or malformed.
    """
    doc = _read_json(path, "out-of-fold predictions")
    if not isinstance(doc, dict):
        raise DataError(f"{path.name}: expected a JSON object")
    oof: dict[str, float] = {}
    for key, value in doc.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            raise DataError(f"{path.name}: entry {key[:12]}... is not a confidence in [0, 100]")
        oof[key] = float(value)
    return oof


@cache
def default_head() -> Head:
    """The shipped head (read once per process)."""
    return load_head(HEAD_PATH)


@cache
def default_oof() -> dict[str, float]:
    """The shipped out-of-fold predictions (read once per process)."""
    return load_oof(OOF_PATH)
