"""RL rewards for training a verifier: a verifier's answer and a target confidence -> a float.

Training (``verifier_eval.train``) and the OpenAI RFT grader use these, and they read answers with
THE verdict parser (:func:`verifier_eval.verdict.parse_confidence`), so an answer that the
benchmark scorer cannot read is also a format failure in training. This module may import only
``verifier_eval.verdict``, the standard library and numpy.

Three rewards, all with the same format penalty (:data:`FORMAT_PENALTY`):

- ``seed``: ``1 - |p - t| / 100``, the reward of the seed paper. It is **not proper**: under a
  belief ``q`` that the proof is correct, the expected reward ``q p + (1 - q)(1 - p)`` (``p`` as a
  probability) is linear in ``p``, so it is maximised at ``p = 0`` or ``p = 100`` and rewards
  overconfidence (``tests/train/test_rewards.py`` shows it).
- ``brier``: ``1 - ((p - t) / 100) ** 2``, one minus the Brier score. Proper: the expected reward
  ``1 - q (1 - p)^2 - (1 - q) p^2`` is maximised at ``p = q``.
- ``log``: the log score ``ln(prob of the outcome)``, rescaled to ``1 + ln(x) / ln(1 / LOG_CLIP)``
  with ``x`` clipped to ``[LOG_CLIP, 1 - LOG_CLIP]``. The clip bounds the reward below by 0 (a
  confident wrong answer would otherwise score minus infinity, and worse than a format failure,
  which would teach the verifier to break the format when unsure); the rescaling is affine, so
  the rule stays proper for beliefs inside ``[LOG_CLIP, 1 - LOG_CLIP]``.

The format penalty is below every valid answer's reward (0 is each rule's minimum), so failing the
format is never a way to hedge.
"""

import math
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from verifier_eval.verdict import parse_confidence

FORMAT_PENALTY = -0.2
"""Reward of an answer without a valid confidence (the seed paper's value)."""

LOG_CLIP = 0.01
"""Probabilities are clipped to ``[LOG_CLIP, 1 - LOG_CLIP]`` by the log score."""


class RewardKind(StrEnum):
    """Which scoring rule turns a valid confidence into a reward."""

    SEED = "seed"
    BRIER = "brier"
    LOG = "log"


class RewardResult(NamedTuple):
    """One answer's reward, with what the parser read."""

    reward: float
    format_ok: bool
    confidence: float | None
    """Parsed confidence 0-100, ``None`` on a format failure."""


def seed_score(confidence: float, target: float) -> float:
    """``1 - |p - t| / 100`` for a confidence and a target, both 0-100 (not proper)."""
    return 1.0 - abs(confidence - target) / 100.0


def brier_score(confidence: float, target: float) -> float:
    """``1 - ((p - t) / 100) ** 2``: one minus the Brier score (proper)."""
    return 1.0 - ((confidence - target) / 100.0) ** 2


def log_score(confidence: float, target: float) -> float:
    """Rescaled, clipped log score in [0, 1] (proper inside the clip).

    For a target strictly between 0 and 100 (partial credit) this is the cross-entropy form
    ``t ln p + (1 - t) ln(1 - p)`` under the same rescaling.
    """
    p = min(max(confidence / 100.0, LOG_CLIP), 1.0 - LOG_CLIP)
    t = target / 100.0
    log_likelihood = t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
    return 1.0 + log_likelihood / math.log(1.0 / LOG_CLIP)


SCORING_RULES: dict[RewardKind, Callable[[float, float], float]] = {
    RewardKind.SEED: seed_score,
    RewardKind.BRIER: brier_score,
    RewardKind.LOG: log_score,
}


def compute_reward(
    text: str | None,
    target: float,
    kind: RewardKind | str = RewardKind.SEED,
    *,
    truncated: bool = False,
) -> RewardResult:
    """Reward one verifier answer.

    Args:
        text: The verifier's full completion.
        target: Target confidence 0-100 (100: the proof deserves full credit; 0: it is wrong).
        kind: Scoring rule, ``seed``, ``brier`` or ``log``.
        truncated: The completion hit its token limit (a format failure, as in the scorer).

    Returns:
        The reward, whether the format was valid, and the parsed confidence.

    Raises:
        ValueError: When ``target`` is outside [0, 100] or ``kind`` is unknown.
    """
    if not 0.0 <= target <= 100.0:
        raise ValueError(f"target confidence must be in [0, 100], got {target}")
    rule = SCORING_RULES[RewardKind(kind)]
    verdict = parse_confidence(text, truncated=truncated)
    if not verdict.ok or verdict.confidence is None:
        return RewardResult(FORMAT_PENALTY, False, None)
    return RewardResult(rule(verdict.confidence, target), True, verdict.confidence)


def seed_reward(text: str | None, target: float, *, truncated: bool = False) -> float:
    """The seed paper's reward: ``1 - |p - t| / 100`` if well formatted, else ``-0.2``."""
    return compute_reward(text, target, RewardKind.SEED, truncated=truncated).reward


def brier_reward(text: str | None, target: float, *, truncated: bool = False) -> float:
    """``1 - ((p - t) / 100) ** 2`` if well formatted, else ``-0.2``."""
    return compute_reward(text, target, RewardKind.BRIER, truncated=truncated).reward


def log_reward(text: str | None, target: float, *, truncated: bool = False) -> float:
    """Rescaled clipped log score if well formatted, else ``-0.2``."""
    return compute_reward(text, target, RewardKind.LOG, truncated=truncated).reward
