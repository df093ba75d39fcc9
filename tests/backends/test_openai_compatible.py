"""The OpenAI-compatible recipe (``openai-api/<service>/<model>`` with ``<SERVICE>_BASE_URL`` and
``<SERVICE>_API_KEY``) against the fake server, and the fake server's own behaviour."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from inspect_ai import eval as inspect_eval

from tests.backends.conftest import FAKE_MODEL
from verifier_eval.benchmarks import make_task
from verifier_eval.cli import main
from verifier_eval.runs import eval_options
from verifier_eval.testing.fake_openai import (
    FakeOpenAIServer,
    Faults,
    Outcome,
    ServerConfig,
    answer_text,
)
from verifier_eval.verdict import parse_confidence

CHAT = {"model": "m", "messages": [{"role": "user", "content": "<proof>x</proof>"}]}


def test_openai_api_recipe_grades_through_the_server(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    [log] = inspect_eval(
        make_task("imo_2025"),
        model=FAKE_MODEL,
        limit=4,
        log_dir=str(tmp_path),
        display="none",
        **eval_options(no_cache=True),
    )
    assert log.status == "success", log.error
    assert log.samples is not None and len(log.samples) == 4
    for sample in log.samples:
        expected = parse_confidence(answer_text([{"content": sample.messages[0].text}], None))
        [score] = sample.scores.values() if sample.scores else []
        assert score.metadata is not None
        assert score.metadata["confidence"] == expected.confidence
    assert fake_server.stats().grading_calls == 4
    usage = log.stats.model_usage[FAKE_MODEL]
    assert usage.input_tokens > 1000 and usage.output_tokens > 0


def test_cli_run_against_the_server(
    fake_server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`verifier-eval run --model openai-api/fake/...`: one pre-flight ping, then the gradings."""
    code = main(
        [
            "run",
            "--model",
            FAKE_MODEL,
            "--benchmark",
            "imo_2025",
            "--limit",
            "3",
            "--no-baselines",
            "--log-dir",
            str(tmp_path),
            "--display",
            "none",
        ]
    )
    assert code == 0, capsys.readouterr().err
    stats = fake_server.stats()
    assert (stats.calls, stats.grading_calls) == (4, 3)
    assert FAKE_MODEL in capsys.readouterr().out


def test_fault_shares_are_reproducible() -> None:
    faults = Faults(rate_429=0.1, rate_500=0.1, rate_timeout=0.05, rate_drop=0.05, seed=1)
    outcomes = [faults.outcome(i) for i in range(4000)]
    counts: Counter[str] = Counter(outcomes)
    for outcome, share in (("429", 0.1), ("500", 0.1), ("timeout", 0.05), ("drop", 0.05)):
        assert abs(counts[outcome] / 4000 - share) < 0.02, (outcome, counts)
    assert counts["invalid_json"] == 0
    assert outcomes == [faults.outcome(i) for i in range(4000)]


@pytest.mark.parametrize("outcome", ["429", "500", "invalid_json", "drop", "timeout"])
def test_each_fault_kind_over_http(outcome: Outcome) -> None:
    faults = Faults(**{f"rate_{outcome}": 1.0, "hang_s": 2.0, "retry_after_s": 3.0})  # type: ignore[arg-type]
    with FakeOpenAIServer(ServerConfig(faults=faults, max_seconds=60)) as server:
        url = f"{server.base_url}/chat/completions"
        if outcome == "drop":
            with pytest.raises(httpx.RemoteProtocolError):
                httpx.post(url, json=CHAT, timeout=5)
        elif outcome == "timeout":
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(url, json=CHAT, timeout=0.3)
        else:
            response = httpx.post(url, json=CHAT, timeout=5)
            if outcome == "invalid_json":
                assert response.status_code == 200
                with pytest.raises(json.JSONDecodeError):
                    response.json()
            else:
                assert response.status_code == int(outcome)
                if outcome == "429":
                    assert response.headers["retry-after"] == "3"
        assert server.stats().calls == 1


def test_models_endpoint_streaming_and_stats() -> None:
    with FakeOpenAIServer(ServerConfig(confidence=77, max_seconds=60)) as server:
        models = httpx.get(f"{server.base_url}/models", timeout=5).json()
        assert models["data"][0]["id"] == "fake-verifier"
        answer = httpx.post(f"{server.base_url}/chat/completions", json=CHAT, timeout=5).json()
        assert answer["choices"][0]["message"]["content"].endswith("Confidence: 77")
        assert answer["usage"]["total_tokens"] > 0
        stream = httpx.post(
            f"{server.base_url}/chat/completions", json={**CHAT, "stream": True}, timeout=5
        )
        assert stream.text.rstrip().endswith("data: [DONE]")
        stats = httpx.get(f"http://127.0.0.1:{server.port}/stats", timeout=5).json()
        assert (stats["calls"], stats["grading_calls"], stats["other_requests"]) == (2, 2, 2)


def test_server_process_stops_when_its_parent_closes_stdin() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "verifier_eval.testing.fake_openai",
            "--max-seconds",
            "60",
            "--stop-on-stdin-eof",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        ready = process.stdout.readline().split()
        assert ready[0] == "READY"
        assert httpx.get(f"{ready[1]}/models", timeout=5).status_code == 200
        process.stdin.close()
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
