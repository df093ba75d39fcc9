"""Self-preference audit: model identity, the signed-error matrix and the contrasts."""

import math

import pandas as pd
import pytest

from tests.analysis.frames import Answer, fixture, tidy
from verifier_eval.analysis.self_preference import (
    POOLED,
    model_key,
    relation,
    self_preference_contrasts,
    self_preference_matrix,
)
from verifier_eval.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("openai/o3", "o3", id="provider-prefix"),
        pytest.param("o3 (high)", "o3", id="parenthesised-effort"),
        pytest.param("o3-mini (high)", "o3-mini", id="mini-is-another-model"),
        pytest.param("openai/o4-mini--high", "o4-mini", id="effort-suffix"),
        pytest.param("openai/ft:o4-mini-2025-04-16:my-org::abc123", "o4-mini", id="fine-tune"),
        pytest.param("Claude-3.7-Sonnet (Think)", "claude-3-7-sonnet", id="dots-and-notes"),
        pytest.param("anthropic/claude-3-7-sonnet-20250219", "claude-3-7-sonnet", id="date"),
        pytest.param("google/gemini-2.5-pro-preview-05-06", "gemini-2-5-pro", id="preview"),
        pytest.param("gemini-2.5-pro", "gemini-2-5-pro", id="display-name"),
        pytest.param("Grok 4 (Specific Prompt) 🚨*", "grok-4", id="emoji"),
        pytest.param("DeepSeek-R1-0528", "deepseek-r1-0528", id="version-kept"),
        pytest.param("openrouter/deepseek/deepseek-r1", "deepseek-r1", id="two-prefixes"),
        pytest.param("qwen/qwen3_235b_a22b", "qwen3-235b-a22b", id="underscores"),
        pytest.param("GPT-5 (high)", "gpt-5", id="gpt-5"),
    ],
)
def test_model_key(name: str, key: str) -> None:
    assert model_key(name) == key


def test_model_key_overrides() -> None:
    overrides = {"vllm/my-checkpoint-7": "o3"}
    assert model_key("vllm/my-checkpoint-7", overrides) == "o3"
    assert relation(
        "vllm/my-checkpoint-7", "other", "o3 (high)", "openai", overrides=overrides
    ) == ("own")


def test_relation() -> None:
    assert relation("openai/o3", "openai", "o3 (high)", "openai") == "own"
    assert relation("openai/o3", "openai", "o4-mini (high)", "openai") == "family"
    assert relation("openai/o3", "openai", "gemini-2.5-pro", "google") == "other"
    # Unknown families are not a family.
    assert relation("local/a", "other", "b", "other") == "other"


# One answer per generator and problem; errors (verifier - human) in the comments.
AUDIT = [
    Answer("o3 (high)", "1", 0, (3, 3), 5.0),  # +2
    Answer("o3 (high)", "2", 0, (3, 3), 4.0),  # +1
    Answer("o4-mini (high)", "1", 0, (2, 2), 3.0),  # +1
    Answer("o4-mini (high)", "2", 0, (2, 2), 2.0),  # 0
    Answer("gemini-2.5-pro", "1", 0, (1, 1), 1.0),  # 0
    Answer("gemini-2.5-pro", "2", 0, (1, 1), 0.0),  # -1
]
AUDIT_FAMILIES = {"o3 (high)": "openai", "o4-mini (high)": "openai", "gemini-2.5-pro": "google"}


def audit(benchmark: str = "fixture", verifier: str = "openai/o3") -> pd.DataFrame:
    return tidy(AUDIT, verifier=verifier, benchmark=benchmark, families=AUDIT_FAMILIES)


def test_matrix_by_hand() -> None:
    """Mean signed errors: own o3 (2 + 1) / 2, family o4-mini (1 + 0) / 2, other (0 - 1) / 2."""
    matrix = self_preference_matrix(audit(), n_boot=200).set_index("generator")
    assert matrix.loc["o3 (high)", "signed_error"] == 1.5
    assert matrix.loc["o4-mini (high)", "signed_error"] == 0.5
    assert matrix.loc["gemini-2.5-pro", "signed_error"] == -0.5
    assert list(matrix["relation"]) == ["other", "own", "family"]  # gemini, o3, o4-mini
    assert list(matrix["n_answers"]) == [2, 2, 2]
    assert (matrix["signed_error_low"] <= matrix["signed_error"]).all()
    assert (matrix["signed_error"] <= matrix["signed_error_high"]).all()


def test_contrasts_by_hand() -> None:
    """Own - other is 1.5 - (-0.5) = 2 and family - other is 1: on every resample too, since
    problem 1 alone gives 2 - 0 and 1 - 0, problem 2 alone 1 - (-1) and 0 - (-1)."""
    row = self_preference_contrasts(audit(), n_boot=999, seed=3).iloc[0]
    assert (row["n_own"], row["n_family"], row["n_other"]) == (2, 2, 2)
    assert (row["own_error"], row["family_error"], row["other_error"]) == (1.5, 0.5, -0.5)
    assert row["own_minus_other"] == 2.0
    assert row["own_minus_other_low"] == pytest.approx(2.0)
    assert row["own_minus_other_high"] == pytest.approx(2.0)
    assert row["own_minus_other_p"] == pytest.approx(2 / 1000)
    assert row["family_minus_other"] == 1.0
    assert row["family_minus_other_p"] == pytest.approx(2 / 1000)


def test_contrasts_pooled_over_benchmarks() -> None:
    frame = pd.concat([audit("usamo"), audit("imo")], ignore_index=True)
    table = self_preference_contrasts(frame, n_boot=200)
    assert list(table["benchmark"]) == ["imo", "usamo", POOLED]
    pooled = table.iloc[2]
    assert pooled["n_own"] == 4 and pooled["own_minus_other"] == 2.0
    assert pooled["own_minus_other_low"] == pytest.approx(2.0)
    assert self_preference_contrasts(frame, n_boot=0, pooled=False)["benchmark"].tolist() == [
        "imo",
        "usamo",
    ]


def test_pooling_refuses_two_runs_of_one_benchmark() -> None:
    frame = pd.concat([audit(), audit().assign(log="older.eval")], ignore_index=True)
    with pytest.raises(ConfigError, match="several runs"):
        self_preference_contrasts(frame, n_boot=10)


def test_verifier_without_own_or_family_answers_has_nan_contrasts() -> None:
    row = self_preference_contrasts(fixture("baseline/zero"), n_boot=50).iloc[0]
    assert row["n_own"] == 0 and row["n_family"] == 0
    assert math.isnan(row["own_minus_other"]) and math.isnan(row["own_minus_other_low"])
    assert math.isnan(row["own_minus_other_p"])


def test_matrix_covers_every_generator_of_every_run() -> None:
    frame = pd.concat([audit(), fixture("google/gemini-2.5-pro")], ignore_index=True)
    matrix = self_preference_matrix(frame, n_boot=20)
    assert len(matrix) == 3 + 2
    assert set(matrix["generator"]) == {"o3 (high)", "o4-mini (high)", "gemini-2.5-pro", "A", "B"}
