"""Scorer of the injected_errors task: confidence (THE verdict parser) and error-span overlap."""

import re
from typing import NamedTuple, cast

from inspect_ai.scorer import (
    Metric,
    SampleScore,
    Score,
    Scorer,
    Target,
    metric,
    scorer,
)
from inspect_ai.solver import TaskState

from verifier_eval.verdict import parse_confidence

_ERROR = re.compile(r"<error>(.*?)</error>", re.DOTALL | re.IGNORECASE)
_NONE = {"", "none", "n/a", "no error"}


class CharSpan(NamedTuple):
    """Half-open character span ``[start, end)``."""

    start: int
    end: int


class Overlap(NamedTuple):
    """Character-overlap precision, recall and F1 of a predicted span against the injected one."""

    precision: float
    recall: float
    f1: float


def extract_error_quote(completion: str) -> str | None:
    """The quoted first error (the first ``<error>`` tag), or ``None`` for none/missing."""
    match = _ERROR.search(completion)
    if match is None:
        return None
    quote = match.group(1).strip().strip('"').strip()
    return None if quote.lower() in _NONE else quote


def locate(quote: str, proof: str) -> CharSpan | None:
    """Where a quote occurs in the proof: exactly, else ignoring whitespace differences.

    The first occurrence counts (the verifier is asked for the first error).
    """
    exact = proof.find(quote)
    if exact >= 0:
        return CharSpan(exact, exact + len(quote))
    # Map a whitespace-collapsed proof back to original offsets.
    collapsed: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(proof):
        if ch.isspace():
            if collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(" ")
        else:
            collapsed.append(ch)
        offsets.append(i)
    needle = " ".join(quote.split())
    position = "".join(collapsed).find(needle)
    if position < 0 or not needle:
        return None
    return CharSpan(offsets[position], offsets[position + len(needle) - 1] + 1)


def span_overlap(predicted: CharSpan | None, gold: CharSpan) -> Overlap:
    """Precision, recall and F1 by character overlap (no prediction: all zero)."""
    if predicted is None:
        return Overlap(0.0, 0.0, 0.0)
    shared = max(0, min(predicted.end, gold.end) - max(predicted.start, gold.start))
    if shared == 0:
        return Overlap(0.0, 0.0, 0.0)
    precision = shared / (predicted.end - predicted.start)
    recall = shared / (gold.end - gold.start)
    return Overlap(precision, recall, 2 * precision * recall / (precision + recall))


def _values(scores: list[SampleScore]) -> list[dict[str, float]]:
    return [cast(dict[str, float], s.score.value) for s in scores]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


@metric
def format_rate() -> Metric:
    """Share of answers with a valid confidence."""

    def compute(scores: list[SampleScore]) -> float:
        return _mean([v["format_ok"] for v in _values(scores)])

    return compute


@metric
def brier() -> Metric:
    """Mean Brier score of the confidence (a format failure counts as confidence 0)."""

    def compute(scores: list[SampleScore]) -> float:
        return _mean([v["brier"] for v in _values(scores)])

    return compute


@metric
def verdict_accuracy() -> Metric:
    """Share of proofs judged right at threshold 50 (confidence >= 50 means correct)."""

    def compute(scores: list[SampleScore]) -> float:
        return _mean([v["verdict_correct"] for v in _values(scores)])

    return compute


def _over_injected(key: str) -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _mean([v[key] for v in _values(scores) if v["injected"]])

    return compute


@metric
def span_precision() -> Metric:
    """Mean character precision of the quoted error, over injected proofs."""
    return _over_injected("span_precision")


@metric
def span_recall() -> Metric:
    """Mean character recall of the injected span, over injected proofs."""
    return _over_injected("span_recall")


@metric
def span_f1() -> Metric:
    """Mean character-overlap F1, over injected proofs (no or unlocatable quote: 0)."""
    return _over_injected("span_f1")


@scorer(
    metrics=[
        format_rate(),
        brier(),
        verdict_accuracy(),
        span_precision(),
        span_recall(),
        span_f1(),
    ]
)
def error_localisation() -> Scorer:
    """Score the confidence and the overlap of the quoted first error with the injected span."""

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion
        truncated = state.output.stop_reason in ("max_tokens", "model_length")
        verdict = parse_confidence(completion, truncated=truncated)
        target_confidence = float(state.metadata["target_confidence"])
        confidence = verdict.confidence if verdict.ok else None
        effective = confidence if confidence is not None else 0.0
        gold = state.metadata.get("error_span")
        quote = extract_error_quote(completion)
        predicted = locate(quote, str(state.metadata["proof"])) if quote else None
        overlap = span_overlap(predicted, CharSpan(*gold)) if gold else None
        return Score(
            value={
                "format_ok": 1.0 if verdict.ok else 0.0,
                "brier": ((effective - target_confidence) / 100.0) ** 2,
                "verdict_correct": 1.0
                if (effective >= 50) == (target_confidence == 100.0)
                else 0.0,
                "injected": 1.0 if gold else 0.0,
                # Correct proofs have no span; the span metrics average over injected proofs only.
                "span_precision": overlap.precision if overlap else 0.0,
                "span_recall": overlap.recall if overlap else 0.0,
                "span_f1": overlap.f1 if overlap else 0.0,
            },
            answer=verdict.matched or None,
            explanation=f"verdict {verdict.status.value}; quoted error: {quote!r}",
            metadata={
                "confidence": confidence,
                "verdict_status": verdict.status.value,
                "error_quote": quote,
                "predicted_span": list(predicted) if predicted else None,
                "error_span": gold,
                "error_type": state.metadata.get("error_type"),
            },
        )

    return score
