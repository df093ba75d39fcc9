"""The tidy answers table, built from real eval logs written by inspect in the test."""

import logging
import math
import time
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.scorer import match
from verifier_eval.tasks.matharena import verifier_task

from tests.fixtures import build_answers
from verifier_eval.analysis import (
    HUMAN_CEILING,
    TIDY_COLUMNS,
    leaderboard,
    load_answers,
    with_human_ceiling,
)
from verifier_eval.benchmarks import make_task
from verifier_eval.errors import VerifierEvalError
from verifier_eval.providers import text_output
from verifier_eval.records import GradedAnswer

# (generator, problem, answer, judges, replayed verifier answer)
ROWS = [
    ("A", "1", 0, (7, 7), "Confidence: 100"),
    ("A", "1", 1, (0, 0), "Confidence: 50"),
    ("A", "2", 0, (3, 4), "Confidence: 0"),
    ("A", "2", 1, (0, 0), "I cannot tell."),
    ("B", "1", 0, (0, 0), "Confidence: 50"),
    ("B", "2", 0, (7,), "Confidence: 100"),
]


def answers(benchmark: str = "fixture") -> list[GradedAnswer]:
    return build_answers(ROWS, benchmark)


def responses(shift: str = "") -> dict[str, str]:
    return {f"proof {g}-{p}-{i}": text + shift for g, p, i, _, text in ROWS}


def fixture_task(version: str = "1", failure_policy: str = "zero") -> Task:
    return verifier_task(
        answers(),
        name="fixture",
        version=version,
        prompt="seed",
        failure_policy=failure_policy,  # type: ignore[arg-type]
    )


def run(task: Task, model: object, log_dir: Path, **kwargs: object) -> None:
    [log] = inspect_eval(task, model=model, log_dir=str(log_dir), display="none", **kwargs)  # type: ignore[arg-type]
    assert log.status == "success"


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Logs: two runs of one replay verifier (the second newer, one response changed), the
    baseline on 4 real USAMO answers, a two-epoch run and a log of a task that is not ours."""
    root = tmp_path_factory.mktemp("logs")
    run(fixture_task(), get_model("replay/fixture", responses=responses()), root)
    time.sleep(1.1)  # run start times have one-second resolution
    newer = responses()
    newer["proof A-1-1"] = "Confidence: 0"
    run(fixture_task(), get_model("replay/fixture", responses=newer), root)
    run(
        make_task("usamo_2025", problems="1", generators="o3 (high)"),
        get_model("baseline/zero"),
        root,
    )
    two_epochs = verifier_task(
        answers("epochs")[:1], name="epochs", version="1", prompt="seed", failure_policy="zero"
    )
    outputs = [text_output("mockllm/model", t, output_tokens=3) for t in ("Confidence: 80", "?")]
    run(two_epochs, get_model("mockllm/model", custom_outputs=outputs), root, epochs=2)
    foreign = Task(dataset=[Sample(input="Say y", target="y")], scorer=match())
    run(foreign, get_model("mockllm/model", custom_outputs=[text_output("m", "y")]), root)
    return root


@pytest.fixture(scope="module")
def table(log_dir: Path) -> pd.DataFrame:
    return load_answers(str(log_dir))


def test_columns_and_types(table: pd.DataFrame) -> None:
    assert list(table.columns) == list(TIDY_COLUMNS)
    assert table["answer_index"].dtype.kind == "i"
    for column in ("confidence", "verifier_points", "human_points", "label", "cost"):
        assert table[column].dtype.kind == "f", column
    assert set(table["benchmark"]) == {"fixture", "usamo_2025", "epochs"}


def test_fixture_rows(table: pd.DataFrame) -> None:
    rows = table.loc[table["benchmark"] == "fixture"].set_index("sample_id")
    assert len(rows) == 6
    assert set(rows["verifier"]) == {"replay/fixture"}
    assert set(rows["verifier_kind"]) == {"model"}
    assert set(rows["task_version"]) == {"1"}
    # The newest run wins: A/1/1 was answered 0 there.
    assert rows.loc["1/A/1", "confidence"] == 0.0
    assert rows.loc["1/A/0", "verifier_points"] == 7.0
    assert rows.loc["1/A/0", "human_points"] == 7.0
    failure = rows.loc["2/A/1"]
    assert math.isnan(failure["confidence"]) and failure["verifier_points"] == 0.0
    assert failure["format_ok"] == 0.0 and failure["verdict_status"] != "ok"
    assert rows.loc["2/A/0", "judge_1_points"] == 3.0
    assert rows.loc["2/A/0", "judge_2_points"] == 4.0
    assert rows.loc["2/A/0", "human_points"] == 3.5
    assert math.isnan(rows.loc["2/B/0", "judge_2_points"])  # one judge only
    assert set(rows["generator_family"]) == {"openai", "google"}
    assert set(rows["failure_policy"]) == {"zero"}
    assert rows["label"].isna().all()
    assert (rows["output_tokens"] >= 0).all() and rows["cost"].isna().all()


def test_all_runs_are_kept_on_request(log_dir: Path) -> None:
    every = load_answers(str(log_dir), newest_only=False)
    fixture = every.loc[every["benchmark"] == "fixture"]
    assert fixture["log"].nunique() == 2 and len(fixture) == 12
    older = fixture.loc[fixture["created"] == fixture["created"].min()].set_index("sample_id")
    assert older.loc["1/A/1", "confidence"] == 50.0


def test_real_benchmark_rows(table: pd.DataFrame) -> None:
    rows = table.loc[table["benchmark"] == "usamo_2025"]
    assert len(rows) == 4
    assert set(rows["verifier"]) == {"baseline/zero"}
    assert set(rows["verifier_kind"]) == {"baseline"}
    assert set(rows["generator"]) == {"o3 (high)"} and set(rows["problem_id"]) == {"1"}
    assert (rows["verifier_points"] == 0.0).all() and (rows["format_ok"] == 1.0).all()
    assert (rows["human_points"] == (rows["judge_1_points"] + rows["judge_2_points"]) / 2).all()
    assert set(rows["task_version"]) == {"1.0"}


def test_epochs_are_reduced_as_in_the_log(table: pd.DataFrame) -> None:
    """Epoch 1 says 80 (5.6 points), epoch 2 cannot be parsed (0 under ``zero``): the reducer
    averages the points to 2.8, keeps the valid confidence 80 and half the epochs valid."""
    [row] = table.loc[table["benchmark"] == "epochs"].itertuples()
    assert row.verifier_points == pytest.approx(2.8)
    assert row.confidence == pytest.approx(80.0)
    assert row.format_ok == pytest.approx(0.5)
    assert row.output_tokens == 6.0  # summed over the two epochs


def test_foreign_logs_are_ignored_with_a_count(
    log_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="verifier_eval.analysis.load"):
        load_answers(str(log_dir))
    assert "ignored 1 log(s)" in caplog.text


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(VerifierEvalError, match="verifier-eval run"):
        load_answers(str(tmp_path / "nowhere"))
    with pytest.raises(VerifierEvalError, match="no eval logs"):
        load_answers(str(tmp_path))


def test_directory_of_foreign_logs_only(tmp_path: Path) -> None:
    foreign = Task(dataset=[Sample(input="Say y", target="y")], scorer=match())
    run(foreign, get_model("mockllm/model", custom_outputs=[text_output("m", "y")]), tmp_path)
    with pytest.raises(VerifierEvalError, match="no finished verifier_eval logs"):
        load_answers(str(tmp_path))


def test_fsspec_url(log_dir: Path, table: pd.DataFrame) -> None:
    via_url = load_answers(log_dir.as_uri())
    assert len(via_url) == len(table)


def test_ceiling_and_leaderboard_from_logs(table: pd.DataFrame) -> None:
    with_ceiling = with_human_ceiling(table)
    ceiling = with_ceiling.loc[with_ceiling["verifier"] == HUMAN_CEILING]
    # Both judges: 5 fixture answers (B/2/0 has one), 4 USAMO answers, the epochs answer.
    assert ceiling.groupby("benchmark").size().to_dict() == {
        "epochs": 1,
        "fixture": 5,
        "usamo_2025": 4,
    }
    board = leaderboard(with_ceiling, n_boot=50)
    assert set(board["verifier"]) == {
        "replay/fixture",
        "baseline/zero",
        "mockllm/model",
        HUMAN_CEILING,
    }
    fixture = board.loc[(board["benchmark"] == "fixture") & (board["verifier"] == "replay/fixture")]
    assert fixture["format_failure_rate"].iloc[0] == pytest.approx(1 / 6)
