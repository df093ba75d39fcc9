"""Log metrics on the bundled data equal a hand computation from the raw snapshot rows.

For a constant verifier the totals are known without any model: always-0 gives verifier total 0, so
its total-score difference is the mean human total; always-100 gives 6 x 7 = 42 per generator.
The human totals are recomputed here from the raw JSON rows with plain Python.
"""

import gzip
import json
from collections import defaultdict
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model

from verifier_eval.benchmarks import make_task
from verifier_eval.records import DATA_DIR

SNAPSHOTS = {
    "usamo_2025": "matharena_usamo_2025.jsonl.gz",
    "imo_2025": "matharena_imo_2025.jsonl.gz",
}


def human_totals(benchmark: str) -> dict[str, float]:
    """Per generator: judges averaged, then answers per problem averaged, then problems summed."""
    with gzip.open(DATA_DIR / SNAPSHOTS[benchmark], "rt") as f:
        rows = [json.loads(line) for line in f]
    complete = {
        g
        for g in {r["model_name"] for r in rows}
        if all(r["points_judge_2"] is not None for r in rows if r["model_name"] == g)
    }
    points: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["model_name"] in complete:
            points[r["model_name"]][r["problem_idx"]].append(
                (r["points_judge_1"] + r["points_judge_2"]) / 2
            )
    return {
        g: sum(sum(v) / len(v) for v in by_problem.values()) for g, by_problem in points.items()
    }


@pytest.mark.parametrize("benchmark", ["usamo_2025", "imo_2025"])
def test_constant_baselines_match_hand_computation(benchmark: str, tmp_path: Path) -> None:
    totals = human_totals(benchmark)
    models = [get_model("baseline/zero"), get_model("baseline/full")]
    logs = inspect_eval(make_task(benchmark), model=models, log_dir=str(tmp_path), display="none")
    by_model = {log.eval.model: log for log in logs}
    assert set(by_model) == {"baseline/zero", "baseline/full"}
    zero = by_model["baseline/zero"].results.scores[0].metrics  # type: ignore[union-attr]
    full = by_model["baseline/full"].results.scores[0].metrics  # type: ignore[union-attr]
    expected_zero = sum(totals.values()) / len(totals)
    expected_full = sum(42 - t for t in totals.values()) / len(totals)
    assert zero["total_score_difference"].value == pytest.approx(expected_zero)
    assert full["total_score_difference"].value == pytest.approx(expected_full)
    for generator, total in totals.items():
        assert zero[generator].value == pytest.approx(total)
    assert zero["format_failure_rate"].value == 0.0
