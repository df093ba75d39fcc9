"""Fixtures of the dashboard tests: the committed fixture logs and a small hand-built table.

The hand-built table: 2 generators (``o3 (high)``, family openai; ``gemini-2.5-pro``, google) x
2 problems x 2 answers, graded by ``openai/o3`` (a model: own model of the first generator) and
``baseline/zero``; 7-point scale.

| generator | problem | answer | judges | human | openai/o3 points |
|-----------|---------|--------|--------|-------|------------------|
| o3 (high) | 1 | 0 | 7, 7 | 7   | 7   |
| o3 (high) | 1 | 1 | 0, 0 | 0   | 3.5 |
| o3 (high) | 2 | 0 | 3, 4 | 3.5 | 7   |
| o3 (high) | 2 | 1 | 0, 0 | 0   | 0   |
| gemini    | 1 | 0 | 0, 0 | 0   | 0   |
| gemini    | 1 | 1 | 1, 0 | 0.5 | 0   |
| gemini    | 2 | 0 | 7, 7 | 7   | 3.5 |
| gemini    | 2 | 1 | 7, 7 | 7   | 7   |

Totals (mean per problem, summed): o3 (high): verifier 5.25 + 3.5 = 8.75, human 3.5 + 1.75 =
5.25 (difference +3.5); gemini: verifier 0 + 5.25 = 5.25, human 0.25 + 7 = 7.25 (-2.0).
"""

from pathlib import Path

import pandas as pd
import pytest

from verifier_eval.analysis import TIDY_COLUMNS, verifier_kind, with_human_ceiling

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_LOGS = ROOT / "tests" / "fixtures" / "logs"
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"

O3, GEMINI = "o3 (high)", "gemini-2.5-pro"
ROWS: tuple[tuple[str, str, int, tuple[float, float], float], ...] = (
    (O3, "1", 0, (7, 7), 7.0),
    (O3, "1", 1, (0, 0), 3.5),
    (O3, "2", 0, (3, 4), 7.0),
    (O3, "2", 1, (0, 0), 0.0),
    (GEMINI, "1", 0, (0, 0), 0.0),
    (GEMINI, "1", 1, (1, 0), 0.0),
    (GEMINI, "2", 0, (7, 7), 3.5),
    (GEMINI, "2", 1, (7, 7), 7.0),
)
FAMILIES = {O3: "openai", GEMINI: "google"}


def tidy_table(verifier: str = "openai/o3", benchmark: str = "usamo_2025") -> pd.DataFrame:
    """The hand-built run of ``verifier`` (``baseline/...`` names answer 0 everywhere)."""
    constant = verifier.startswith("baseline/")
    rows = []
    for generator, problem, index, judges, points in ROWS:
        verifier_points = 0.0 if constant else points
        rows.append(
            {
                "log": str(FIXTURE_LOGS / f"{verifier.replace('/', '-')}-{benchmark}.eval"),
                "created": "2025-01-01T00:00:00+00:00",
                "task_version": "1.0",
                "benchmark": benchmark,
                "verifier": verifier,
                "verifier_kind": verifier_kind(verifier),
                "verifier_family": "openai" if verifier == "openai/o3" else "baseline",
                "sample_id": f"{problem}/{generator}/{index}",
                "problem_id": problem,
                "generator": generator,
                "generator_family": FAMILIES[generator],
                "answer_index": index,
                "confidence": verifier_points / 7 * 100,
                "verifier_points": verifier_points,
                "human_points": sum(judges) / 2,
                "max_points": 7.0,
                "judge_1_points": float(judges[0]),
                "judge_2_points": float(judges[1]),
                "format_ok": 1.0,
                "verdict_status": "ok",
                "failure_policy": "zero",
                "label": float("nan"),
                "input_tokens": 100.0,
                "output_tokens": 10.0,
                "cost": float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))


@pytest.fixture
def answers() -> pd.DataFrame:
    """``openai/o3`` and ``baseline/zero`` on the hand-built table, with the human ceiling."""
    return with_human_ceiling(
        pd.concat([tidy_table("openai/o3"), tidy_table("baseline/zero")], ignore_index=True)
    )


@pytest.fixture(scope="session")
def fixture_logs() -> Path:
    """The committed eval logs (regenerate with scripts/make_fixture_logs.py)."""
    if not any(FIXTURE_LOGS.glob("*.eval")):
        pytest.fail(f"no fixture logs in {FIXTURE_LOGS}; run scripts/make_fixture_logs.py")
    return FIXTURE_LOGS
