"""Rewards against hand-computed values, and why the seed reward is not a proper scoring rule."""

import math

import numpy as np
import pytest

from verifier_eval.rewards import (
    FORMAT_PENALTY,
    RewardKind,
    brier_reward,
    brier_score,
    compute_reward,
    log_reward,
    seed_reward,
    seed_score,
)

LN100 = math.log(100.0)


@pytest.mark.parametrize(
    ("kind", "text", "target", "expected"),
    [
        pytest.param("seed", "Confidence: 80", 100, 0.8, id="seed-80-correct"),
        pytest.param("seed", "Confidence: 80", 0, 0.2, id="seed-80-wrong"),
        pytest.param("seed", "<confidence>100</confidence>", 100, 1.0, id="seed-tag"),
        pytest.param("seed", "reasoning...\nConfidence: 35%", 0, 0.65, id="seed-percent"),
        pytest.param("seed", "no number at all", 100, -0.2, id="seed-missing"),
        pytest.param("seed", "Confidence: 0.5", 100, -0.2, id="seed-ambiguous-decimal"),
        pytest.param("seed", "Confidence: 150", 100, -0.2, id="seed-out-of-range"),
        pytest.param("brier", "Confidence: 80", 100, 0.96, id="brier-80-correct"),
        pytest.param("brier", "Confidence: 80", 0, 0.36, id="brier-80-wrong"),
        pytest.param("brier", "Confidence: 50", 0, 0.75, id="brier-50"),
        pytest.param("brier", "", 0, -0.2, id="brier-empty"),
        pytest.param("log", "Confidence: 80", 100, 1 + math.log(0.8) / LN100, id="log-80-correct"),
        pytest.param("log", "Confidence: 80", 0, 1 + math.log(0.2) / LN100, id="log-80-wrong"),
        pytest.param("log", "Confidence: 100", 0, 0.0, id="log-clipped-confident-wrong"),
        pytest.param(
            "log", "Confidence: 100", 100, 1 + math.log(0.99) / LN100, id="log-clipped-right"
        ),
        pytest.param("log", "maybe", 100, -0.2, id="log-missing"),
    ],
)
def test_reward_table(kind: str, text: str, target: float, expected: float) -> None:
    """Each reward matches its hand-computed value; format failures get the -0.2 penalty."""
    assert compute_reward(text, target, kind).reward == pytest.approx(expected, abs=1e-9)


def test_hand_values_of_the_log_score() -> None:
    """The log-score table entries, written out: 0.951545 and 0.650515."""
    assert log_reward("Confidence: 80", 100) == pytest.approx(0.951545, abs=1e-6)
    assert log_reward("Confidence: 80", 0) == pytest.approx(0.650515, abs=1e-6)


def test_truncated_answer_is_a_format_failure() -> None:
    """A completion cut at the token limit is not trusted, as in the benchmark scorer."""
    result = compute_reward("Confidence: 8", 0, RewardKind.SEED, truncated=True)
    assert result == (FORMAT_PENALTY, False, None)


def test_wrappers_and_result_fields() -> None:
    assert seed_reward("Confidence: 90", 100) == pytest.approx(0.9)
    assert brier_reward("Confidence: 90", 100) == pytest.approx(0.99)
    result = compute_reward("Confidence: 90", 100)
    assert result.format_ok and result.confidence == 90.0


def test_format_penalty_is_below_every_valid_reward() -> None:
    """Failing the format is never a way to hedge: every rule's valid rewards are >= 0 > -0.2."""
    for kind in RewardKind:
        for p in range(0, 101, 5):
            for t in (0, 100):
                assert compute_reward(f"Confidence: {p}", t, kind).reward >= 0.0 > FORMAT_PENALTY


def test_target_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="target"):
        compute_reward("Confidence: 50", 101)


def _expected(score: object, p: float, q: float) -> float:
    """Expected reward of answering ``p`` (0-100) when the proof is correct with probability q."""
    assert callable(score)
    return float(q * score(p, 100.0) + (1 - q) * score(p, 0.0))


@pytest.mark.parametrize("q", [0.3, 0.6, 0.75])
def test_seed_reward_is_not_proper(q: float) -> None:
    """The seed reward's expected value is linear in p, so its optimum is 0 or 100, not q.

    E[r] = q (1 - (100 - p)/100) + (1 - q)(1 - p/100) = (1 - q) + (2q - 1) p / 100:
    a verifier that believes the proof is correct with probability q maximises its reward by
    answering 100 when q > 1/2 and 0 when q < 1/2, i.e. it is rewarded for overconfidence.
    """
    grid = np.arange(0, 101)
    values = np.array([_expected(seed_score, float(p), q) for p in grid])
    second_differences = np.diff(values, 2)
    assert np.allclose(second_differences, 0.0)  # linear in p
    assert grid[values.argmax()] == (100 if q > 0.5 else 0)
    assert values.max() > _expected(seed_score, 100 * q, q)  # honest answer is beaten


@pytest.mark.parametrize("q", [0.3, 0.6, 0.75])
def test_brier_reward_is_proper(q: float) -> None:
    """Brier: E[r] = 1 - q (1 - p)^2 - (1 - q) p^2 peaks at the belief, p = 100 q."""
    grid = np.arange(0, 101)
    values = np.array([_expected(brier_score, float(p), q) for p in grid])
    assert grid[values.argmax()] == round(100 * q)
