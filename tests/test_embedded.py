"""The embedded verifier: head inference, windowing, features, training determinism, provider."""

import asyncio
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from inspect_ai.model import ModelOutput, get_model
from verifier_eval.tasks.opc.dataset import load_opc_answers

from verifier_eval.embedded import features as feat
from verifier_eval.embedded import train
from verifier_eval.embedded.head import (
    HEAD_FORMAT,
    default_head,
    default_oof,
    head_from_dict,
    load_head,
    proof_sha256,
    sigmoid,
)
from verifier_eval.embedded.provider import (
    MODEL_NAME,
    OOF_NOTE,
    extract_tags,
    format_confidence,
    grade,
)
from verifier_eval.errors import ConfigError, DataError
from verifier_eval.records import DATA_DIR
from verifier_eval.verdict import VerdictStatus, parse_confidence

PROBLEM = "Prove that the sum of two even integers is even."
PROOF = (
    "Let $a = 2m$ and $b = 2n$ for integers $m, n$. Then $a + b = 2m + 2n = 2(m + n)$, and "
    "$m + n$ is an integer, so $a + b$ is even."
)


def _prompt(problem: str, proof: str) -> str:
    # The shape of the solver's template: tags on their own lines around the texts.
    return (
        "Grade this proof.\n\n<problem>\n"
        f"{problem}\n</problem>\n\n<proof>\n{proof}\n</proof>\n\n"
        "What is the probability, from 0 to 100, that it deserves full credit?"
    )


def _generate(prompt: str) -> ModelOutput:
    return asyncio.run(get_model(f"embedded/{MODEL_NAME}").generate(prompt))


# --- head -----------------------------------------------------------------------------------------


def _tiny_head_doc() -> dict[str, Any]:
    return {
        "format": HEAD_FORMAT,
        "feature_spec": {"version": 99, "names": ["a", "b"]},
        "scaler": {"mean": [1.0, 2.0], "scale": [2.0, 4.0]},
        "logistic": {"coef": [1.0, -1.0], "intercept": 0.5},
    }


def test_head_inference_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "head.json"
    path.write_text(json.dumps(_tiny_head_doc()), encoding="utf-8")
    head = load_head(path)
    # x = (3, 2): standardised (1, 0); logit = 1*1 + 0*(-1) + 0.5 = 1.5; 100/(1+e^-1.5).
    assert head.logit(np.array([3.0, 2.0])) == pytest.approx(1.5)
    assert head.confidence(np.array([3.0, 2.0])) == pytest.approx(81.75744761936436, abs=1e-9)
    # x = (1, 4): standardised (0, 0.5); logit = -0.5 + 0.5 = 0 -> exactly 50.
    assert head.confidence(np.array([1.0, 4.0])) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="expected 2 features"):
        head.confidence(np.zeros(3))


def test_sigmoid_extremes() -> None:
    assert sigmoid(1000.0) == 1.0
    assert sigmoid(-1000.0) == 0.0
    assert sigmoid(-2.0) == pytest.approx(1 / (1 + math.exp(2.0)))


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("logistic", "coef", [1.0], "2 feature names but 2 means, 2 scales and 1 coefficients"),
        ("scaler", "scale", [1.0, 0.0], "must be positive"),
        ("scaler", "mean", [1.0, "x"], "only numbers"),
        ("logistic", "intercept", None, "intercept"),
    ],
)
def test_malformed_head(section: str, key: str, value: Any, message: str) -> None:
    doc = _tiny_head_doc()
    doc[section][key] = value
    with pytest.raises(DataError, match=message):
        head_from_dict(doc)


def test_head_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'format'"):
        head_from_dict({**_tiny_head_doc(), "format": "pickle"})
    with pytest.raises(DataError, match="missing; reinstall"):
        load_head(tmp_path / "absent.json")


# --- windowing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_tokens", [1, 253, 254, 255, 508, 1000, 64 * 254])
def test_windows_cover_every_token(n_tokens: int) -> None:
    plan = feat.plan_windows(n_tokens)
    covered = [i for w in plan.windows for i in range(w.start, w.end)]
    assert covered == list(range(n_tokens))
    assert all(0 < w.end - w.start <= feat.WINDOW_TOKENS for w in plan.windows)
    assert plan.total_windows == len(plan.windows) == math.ceil(n_tokens / feat.WINDOW_TOKENS)


def test_window_cap_keeps_evenly_spaced_windows() -> None:
    n = 200 * feat.WINDOW_TOKENS + 7
    plan = feat.plan_windows(n)
    assert plan.total_windows == 201
    assert len(plan.windows) == feat.MAX_CHUNKS
    starts = [w.start // feat.WINDOW_TOKENS for w in plan.windows]
    assert starts[0] == 0 and starts[-1] == 200
    assert starts == sorted(set(starts))
    gaps = np.diff(starts)
    assert gaps.min() >= 3 and gaps.max() <= 4  # 200 / 63 = 3.17
    small = feat.plan_windows(10, window=3, max_chunks=2)
    assert small.windows == (feat.TokenWindow(0, 3), feat.TokenWindow(9, 10))


def test_empty_text_has_one_empty_window() -> None:
    assert feat.plan_windows(0) == feat.WindowPlan((feat.TokenWindow(0, 0),), 0)


def test_tokenizer_windows_cover_a_long_text_without_truncation() -> None:
    embedder = feat.load_embedder()
    text = " ".join(f"Step {i}: since $x_{{{i}}} \\geq {i}$, the claim holds." for i in range(3000))
    tokens = embedder.tokenize(text)
    assert len(tokens.ids) > feat.MAX_SEQ_TOKENS * feat.MAX_CHUNKS  # past the cap
    everything = feat.plan_windows(len(tokens.ids), max_chunks=10**9)
    rebuilt = [t for w in everything.windows for t in tokens.ids[w.start : w.end]]
    assert rebuilt == list(tokens.ids)
    assert text[tokens.offsets[-1].start : tokens.offsets[-1].end] == "."
    capped = feat.plan_windows(len(tokens.ids))
    assert len(capped.windows) == feat.MAX_CHUNKS
    assert capped.windows[-1].end == len(tokens.ids)


# --- features -------------------------------------------------------------------------------------


def test_features_are_deterministic_and_read_the_end_of_the_proof() -> None:
    long_proof = " ".join([PROOF] * 12)  # several windows
    first = feat.proof_features(PROBLEM, long_proof)
    feat._problem_embedding.cache_clear()
    second = feat.proof_features(PROBLEM, long_proof)
    assert first.vector.shape == (feat.N_FEATURES,)
    assert np.all(np.isfinite(first.vector))
    assert np.array_equal(first.vector, second.vector)
    assert first.n_chunks == first.n_windows >= 2
    assert first.vector[feat.FEATURE_NAMES.index("log1p_tokens")] == math.log1p(first.n_tokens)
    assert first.vector[feat.FEATURE_NAMES.index("latex_window_fraction")] == 1.0
    changed = feat.proof_features(PROBLEM, long_proof + " Hence the result is false.")
    assert not np.array_equal(first.vector[:768], changed.vector[:768])


# --- training determinism -------------------------------------------------------------------------


def _synthetic_table(seed: int = 1) -> train.FeatureTable:
    rng = np.random.default_rng(seed)
    n, d = 60, 4
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + 0.8 * rng.normal(size=n) > 0).astype(np.int64)
    return train.FeatureTable(
        x=x,
        y=y,
        groups=tuple(f"p{i % 12}" for i in range(n)),
        keys=tuple(f"{i:064x}" for i in range(n)),
        n_tokens=np.full(n, 100, dtype=np.int64),
        n_chunks=np.ones(n, dtype=np.int64),
        n_windows=np.ones(n, dtype=np.int64),
    )


@pytest.fixture
def small_c_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    # The full grid multiplies the fits by four; determinism does not depend on its size.
    monkeypatch.setattr(train, "C_GRID", (0.01, 0.1, 1.0))


@pytest.mark.usefixtures("small_c_grid")
def test_training_is_deterministic_and_grouped() -> None:
    table = _synthetic_table()
    first = train.nested_cv(table.x, table.y, table.groups)
    second = train.nested_cv(table.x, table.y, table.groups)
    assert np.array_equal(first.oof, second.oof)
    assert first.fold_c == second.fold_c
    c = train.select_c(table.x, table.y, table.groups).c
    a, b = train.fit_head(table.x, table.y, c), train.fit_head(table.x, table.y, c)
    assert np.array_equal(a.coef, b.coef) and a.intercept == b.intercept
    for train_rows, test_rows in train._folds(table.groups):
        assert not {table.groups[i] for i in train_rows} & {table.groups[i] for i in test_rows}
    # The numpy head reproduces sklearn's probabilities.
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaled = StandardScaler().fit_transform(table.x)
    reference = LogisticRegression(C=c, max_iter=train.MAX_ITER, random_state=0).fit(
        scaled, table.y
    )
    doc = {
        "format": HEAD_FORMAT,
        "feature_spec": {"version": 0, "names": ["f0", "f1", "f2", "f3"]},
        "scaler": {"mean": list(a.mean), "scale": list(a.scale)},
        "logistic": {"coef": list(a.coef), "intercept": a.intercept},
    }
    head = head_from_dict(doc)
    mine = [head.confidence(row) / 100 for row in table.x]
    assert mine == pytest.approx(list(reference.predict_proba(scaled)[:, 1]), abs=1e-9)


@pytest.mark.slow
@pytest.mark.usefixtures("small_c_grid")
def test_training_on_real_features_reproduces_the_same_head() -> None:
    # The shortest proofs of each label (cheap to embed; both labels in every fold).
    by_length = sorted(load_opc_answers(), key=lambda a: len(a.solution))
    answers = [a for a in by_length if a.label == "correct"][:16]
    answers += [a for a in by_length if a.label == "incorrect"][:16]
    table = train.compute_features(answers, progress=False)
    assert set(table.y) == {0, 1}
    first = train.head_document(train.train(table), table)
    second = train.head_document(train.train(table), table)
    assert json.dumps(first) == json.dumps(second)


# --- the shipped head -----------------------------------------------------------------------------


def test_shipped_head_matches_this_code_model_and_data() -> None:
    head = default_head()
    assert head.feature_version == feat.FEATURE_VERSION
    assert head.feature_names == feat.FEATURE_NAMES
    assert head.embedding_sha256 == feat.embedding_model_sha256()
    manifest = json.loads((DATA_DIR / "MANIFEST.json").read_text("utf-8"))
    data = head.metadata["training_data"]
    assert data["sha256"] == manifest["opc_judge_test.jsonl.gz"]["sha256"]
    assert (data["rows"], data["correct"], data["incorrect"]) == (434, 161, 273)
    oof = default_oof()
    assert set(oof) == {proof_sha256(a.solution) for a in load_opc_answers()}
    assert proof_sha256("  x\n") == hashlib.sha256(b"x").hexdigest()


# --- provider -------------------------------------------------------------------------------------


def test_extract_tags() -> None:
    got = extract_tags("<problem> P </problem> <proof>a </proof> b</proof> tail")
    assert got.prompt is not None
    assert got.prompt.problem == "P" and got.prompt.proof == "a </proof> b"
    assert extract_tags("<proof>x</proof>").missing == "<problem>...</problem>"
    assert extract_tags("no tags").missing == "<problem>...</problem> and <proof>...</proof>"


@pytest.mark.parametrize(
    ("confidence", "expected"), [(0.5, 0.5), (1.0, 1.0), (0.04, 0.0), (37.26, 37.3), (100.0, 100.0)]
)
def test_format_confidence_always_parses(confidence: float, expected: float) -> None:
    verdict = parse_confidence(format_confidence(confidence))
    assert verdict.ok and verdict.confidence == pytest.approx(expected)


def test_provider_end_to_end() -> None:
    output = _generate(_prompt(PROBLEM, PROOF))
    verdict = parse_confidence(output.completion)
    assert verdict.ok and verdict.confidence is not None
    assert 0 <= verdict.confidence <= 100
    assert output.usage is not None and output.usage.input_tokens > 10
    assert output.usage.output_tokens == 0
    assert OOF_NOTE not in output.completion
    assert verdict.confidence == pytest.approx(grade(PROBLEM, PROOF).confidence, abs=0.05)


def test_provider_missing_tags_is_a_format_failure() -> None:
    output = _generate("Is this proof right? Let a = 2m and b = 2n; then a + b = 2(m + n).")
    assert "lacks" in output.completion
    assert parse_confidence(output.completion).status is VerdictStatus.MISSING
    assert output.usage is not None and output.usage.input_tokens == 0


def test_provider_returns_out_of_fold_prediction_for_training_proofs() -> None:
    answer = load_opc_answers()[3]
    output = _generate(_prompt(answer.problem, answer.solution))
    verdict = parse_confidence(output.completion)
    assert OOF_NOTE in output.completion
    assert verdict.confidence == pytest.approx(
        round(default_oof()[proof_sha256(answer.solution)], 1)
    )
    assert output.usage is not None and output.usage.input_tokens > 100


def test_provider_rejects_unknown_names_and_arguments() -> None:
    with pytest.raises(ConfigError, match="embedded/minilm-opc"):
        get_model("embedded/bigger-model")
    with pytest.raises(ConfigError, match="takes no model arguments"):
        get_model("embedded/minilm-opc", temperature_bias=1)
