"""Issue 7.2: a run against a faulty OpenAI-compatible server completes, grading each answer once.

The fake server (``verifier_eval.testing.fake_openai``) answers a seeded share of the calls with
429, 500, a dropped connection, a hang past the client timeout or a 200 whose body is not JSON.
Retries happen at three levels: the OpenAI SDK's own (2, invisible in the log), inspect's model
retries (``ModelEvent.retries``) and, for errors no provider retries (the invalid JSON body
raises ``JSONDecodeError``), inspect's sample retries (``retry_on_error``, kept in
``EvalSample.error_retries``). Kill-and-resume is tested in tests/backends/test_cache_resume.py.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.event import ModelEvent
from inspect_ai.log import EvalLog

from verifier_eval import cli
from verifier_eval.benchmarks import make_task
from verifier_eval.runs import eval_options
from verifier_eval.testing.fake_openai import (
    FakeOpenAIServer,
    Faults,
    ServerConfig,
    answer_text,
)
from verifier_eval.verdict import parse_confidence

MODEL = "openai-api/faulty/verifier"
ANSWERS = 12
FAULTS = Faults(
    rate_429=0.1,
    rate_500=0.1,
    rate_drop=0.1,
    rate_timeout=0.05,
    rate_invalid_json=0.1,
    hang_s=3.0,
    retry_after_s=0.2,
    seed=3,
)


@pytest.fixture
def faulty_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "cache"))
    with FakeOpenAIServer(ServerConfig(faults=FAULTS, max_seconds=300)) as server:
        monkeypatch.setenv("FAULTY_BASE_URL", server.base_url)
        monkeypatch.setenv("FAULTY_API_KEY", "test-key")
        yield server


def _check_graded_once(log: EvalLog) -> None:
    assert log.status == "success", log.error
    samples = log.samples or []
    assert len(samples) == ANSWERS
    assert len({s.id for s in samples}) == ANSWERS
    for sample in samples:
        [score] = (sample.scores or {}).values()
        # The server's answer is a function of the prompt, so each grading is checkable.
        expected = parse_confidence(answer_text([{"content": sample.messages[0].text}], None))
        assert score.metadata is not None
        assert score.metadata["verdict_status"] == "ok"
        assert score.metadata["confidence"] == expected.confidence


def test_run_survives_faults_and_grades_each_answer_once(
    faulty_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    [log] = inspect_eval(
        make_task("imo_2025"),
        model=MODEL,
        limit=ANSWERS,
        log_dir=str(tmp_path / "logs"),
        display="none",
        max_retries=10,
        timeout=2,
        max_connections=4,
        retry_on_error=3,
        **eval_options(no_cache=True),
    )
    _check_graded_once(log)
    stats = faulty_server.stats()
    failed = stats.grading_calls - stats.outcomes.get("ok", 0)
    assert stats.outcomes.get("ok", 0) == ANSWERS
    assert failed > 0
    samples = log.samples or []
    model_retries = sum(
        e.retries or 0 for s in samples for e in s.events if isinstance(e, ModelEvent)
    )
    sample_retries = sum(len(s.error_retries or []) for s in samples)
    # Every invalid JSON body cost exactly one sample retry; nothing retries it lower down.
    assert sample_retries == stats.outcomes.get("invalid_json", 0) > 0
    # The retries the log shows are real failures (the SDK's own retries are not in the log).
    assert 0 < model_retries + sample_retries <= failed


def test_cli_run_survives_an_invalid_json_body(
    faulty_server: FakeOpenAIServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert os.environ["FAULTY_BASE_URL"] == faulty_server.base_url
    code = cli.main(
        [
            "run", "--model", MODEL, "--benchmark", "imo_2025", "--limit", str(ANSWERS),
            "--no-baselines", "--no-preflight", "--max-connections", "4", "--max-retries", "10",
            "--log-dir", str(tmp_path / "logs"), "--display", "none",
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    [log_file] = (tmp_path / "logs").glob("*.eval")
    from inspect_ai.log import read_eval_log

    _check_graded_once(read_eval_log(str(log_file)))
