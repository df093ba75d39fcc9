"""Epoch reducer for verdict scores: several gradings of one answer are averaged."""

from inspect_ai.scorer import Score, ScoreReducer, score_reducer


@score_reducer
def verdict_mean() -> ScoreReducer:
    """Average several gradings (epochs) of one answer.

    ``verifier_points`` is the mean over epochs, except under the ``exclude`` failure policy, where
    it is the mean over the epochs with a valid verdict (0 with ``format_ok`` 0 when none had one).
    ``format_ok`` becomes the share of valid epochs. Metadata comes from the first epoch, with
    ``confidence`` replaced by the mean valid confidence.
    """

    def reduce(scores: list[Score]) -> Score:
        first = scores[0]
        if len(scores) == 1:
            return first
        values = [s.value for s in scores if isinstance(s.value, dict)]
        ok = [float(v["format_ok"]) for v in values]
        points = [float(v["verifier_points"]) for v in values]
        exclude = (first.metadata or {}).get("failure_policy") == "exclude"
        valid_points = [p for p, k in zip(points, ok, strict=True) if k > 0]
        pool = valid_points if exclude else points
        confidences = [
            float(c) for s in scores if (c := (s.metadata or {}).get("confidence")) is not None
        ]
        metadata = dict(first.metadata or {})
        metadata["confidence"] = sum(confidences) / len(confidences) if confidences else None
        metadata["epochs"] = len(scores)
        return Score(
            value={
                "verifier_points": sum(pool) / len(pool) if pool else 0.0,
                "human_points": float(values[0]["human_points"]),
                "format_ok": sum(ok) / len(ok),
            },
            answer=first.answer,
            explanation="; ".join(s.explanation or "" for s in scores),
            metadata=metadata,
        )

    return reduce
