"""Hand-built tidy answers tables for the analysis tests.

The main fixture: one verifier, 2 generators x 2 problems x 2 answers, 7-point scale.

| gen | problem | answer | judges | human | verifier points (confidence) | error |
|-----|---------|--------|--------|-------|------------------------------|-------|
| A   | 1       | 0      | 7, 7   | 7     | 7   (100)                     | 0     |
| A   | 1       | 1      | 0, 0   | 0     | 3.5 (50)                     | +3.5  |
| A   | 2       | 0      | 3, 4   | 3.5   | 0   (0)                      | -3.5  |
| A   | 2       | 1      | 0, 0   | 0     | 0   (0)                      | 0     |
| B   | 1       | 0      | 0, 0   | 0     | 3.5 (50)                     | +3.5  |
| B   | 1       | 1      | 0, 0   | 0     | 0   (0)                      | 0     |
| B   | 2       | 0      | 7, 7   | 7     | 7   (100)                    | 0     |
| B   | 2       | 1      | 7, 7   | 7     | 3.5 (50)                     | -3.5  |

Totals (mean over a problem's answers, summed over problems):
A: verifier (7 + 3.5) / 2 + 0 = 5.25, human 3.5 + 1.75 = 5.25;
B: verifier 1.75 + 5.25 = 7.0, human 0 + 7 = 7.0. Every per-problem error cancels.
"""

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import pandas as pd

from verifier_eval.analysis import TIDY_COLUMNS, verifier_kind
from verifier_eval.families import model_family


class Answer(NamedTuple):
    generator: str
    problem: str
    index: int
    judges: tuple[float, ...]
    verifier_points: float | None
    """None: a format failure (0 points, format_ok 0)."""


FIXTURE: tuple[Answer, ...] = (
    Answer("A", "1", 0, (7, 7), 7.0),
    Answer("A", "1", 1, (0, 0), 3.5),
    Answer("A", "2", 0, (3, 4), 0.0),
    Answer("A", "2", 1, (0, 0), 0.0),
    Answer("B", "1", 0, (0, 0), 3.5),
    Answer("B", "1", 1, (0, 0), 0.0),
    Answer("B", "2", 0, (7, 7), 7.0),
    Answer("B", "2", 1, (7, 7), 3.5),
)

FAMILIES = {"A": "openai", "B": "google"}


def tidy(
    answers: Iterable[Answer],
    *,
    verifier: str = "test/verifier",
    benchmark: str = "fixture",
    max_points: float = 7.0,
    failure_policy: str = "zero",
    labels: Sequence[float] | None = None,
    families: dict[str, str] | None = None,
    log: str | None = None,
    created: str = "2025-01-01T00:00:00+00:00",
) -> pd.DataFrame:
    """A tidy answers table of one run."""
    rows = []
    answers = list(answers)
    for i, a in enumerate(answers):
        ok = a.verifier_points is not None
        points = a.verifier_points if a.verifier_points is not None else 0.0
        judges = list(a.judges) + [math.nan, math.nan]
        rows.append(
            {
                "log": log if log is not None else f"logs/{verifier}/{benchmark}.eval",
                "created": created,
                "task_version": "1",
                "benchmark": benchmark,
                "verifier": verifier,
                "verifier_kind": verifier_kind(verifier),
                "verifier_family": model_family(verifier),
                "sample_id": f"{a.problem}/{a.generator}/{a.index}",
                "problem_id": a.problem,
                "generator": a.generator,
                "generator_family": (families or FAMILIES).get(a.generator, "other"),
                "answer_index": a.index,
                "confidence": points / max_points * 100 if ok else math.nan,
                "verifier_points": points,
                "human_points": sum(a.judges) / len(a.judges),
                "max_points": max_points,
                "judge_1_points": judges[0],
                "judge_2_points": judges[1],
                "format_ok": 1.0 if ok else 0.0,
                "verdict_status": "ok" if ok else "missing",
                "failure_policy": failure_policy,
                "label": labels[i] if labels is not None else math.nan,
                "input_tokens": 100.0,
                "output_tokens": 10.0,
                "cost": math.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))


def fixture(verifier: str = "test/verifier", **kwargs: Any) -> pd.DataFrame:
    """The main fixture (module docstring)."""
    return tidy(FIXTURE, verifier=verifier, **kwargs)


def perfect(verifier: str = "test/perfect") -> pd.DataFrame:
    """A verifier that gives exactly the human points."""
    return tidy(
        (a._replace(verifier_points=sum(a.judges) / len(a.judges)) for a in FIXTURE),
        verifier=verifier,
    )


def constant(points: float = 3.5, verifier: str = "baseline/half") -> pd.DataFrame:
    """A verifier that gives every answer the same points."""
    return tidy((a._replace(verifier_points=points) for a in FIXTURE), verifier=verifier)
