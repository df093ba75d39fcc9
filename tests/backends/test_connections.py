"""`--max-connections C` for remote verifiers: an HTTP pool of C, the hand-off of a freed
connection before the answer is processed, and the frozen heap."""

import asyncio
import gc
import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from inspect_ai.log import list_eval_logs, read_eval_log
from inspect_ai.model import GenerateConfig

from tests.backends.conftest import FAKE_MODEL
from verifier_eval.cli import main
from verifier_eval.connections import (
    HandoffTransport,
    frozen_heap,
    pooled,
    recorded_limit,
    remote_eval_args,
    remote_model_args,
    staged_samples,
)
from verifier_eval.testing.fake_openai import FakeOpenAIServer, ServerConfig


class _Body(httpx2.AsyncByteStream):
    """A response body whose connection is freed when the body is closed."""

    def __init__(self, data: bytes, pool: asyncio.Semaphore) -> None:
        self.data, self.pool, self.open = data, pool, True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data

    async def aclose(self) -> None:
        if self.open:
            self.open = False
            self.pool.release()


class _Pool(httpx2.AsyncBaseTransport):
    """A pool of ``size`` connections that writes down when each request is sent.

    Answers come after 10 ms, or all at once when ``answer`` is set.
    """

    def __init__(
        self,
        log: list[str],
        headers: dict[str, str],
        body: bytes,
        size: int = 1,
        answer: asyncio.Event | None = None,
    ) -> None:
        self.log, self.headers, self.body, self.answer = log, headers, body, answer
        self.connections = asyncio.Semaphore(size)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await self.connections.acquire()
        self.log.append(f"send {request.url.path}")
        await (self.answer.wait() if self.answer else asyncio.sleep(0.01))
        return httpx2.Response(
            200, headers=self.headers, stream=_Body(self.body, self.connections), request=request
        )


async def _two_calls(handoff: bool) -> list[str]:
    """Call /a, then /b while /a holds the only connection; log when /a's caller resumes."""
    log: list[str] = []
    inner = _Pool(log, {"content-type": "application/json"}, b"{}")
    transport = HandoffTransport(inner) if handoff else inner
    async with httpx2.AsyncClient(transport=transport, base_url="http://x") as client:

        async def first() -> None:
            await client.get("/a")
            log.append("a answered")

        async def second() -> None:
            await asyncio.sleep(0.001)  # after /a took the connection
            await client.get("/b")

        await asyncio.gather(first(), second())
    return log


def test_the_freed_connection_sends_the_waiting_request_before_the_answer_is_processed() -> None:
    assert asyncio.run(_two_calls(handoff=True)) == ["send /a", "send /b", "a answered"]
    # Without the hand-off the caller of /a runs on first, and /b waits for it.
    assert asyncio.run(_two_calls(handoff=False)) == ["send /a", "a answered", "send /b"]


async def _answers_together(handoff: bool) -> list[str]:
    """/a1 and /a2 hold both connections and are answered in the same pass; /b1, /b2 wait."""
    log: list[str] = []
    answer = asyncio.Event()
    inner = _Pool(log, {"content-type": "application/json"}, b"{}", size=2, answer=answer)
    transport = HandoffTransport(inner) if handoff else inner
    async with httpx2.AsyncClient(transport=transport, base_url="http://x") as client:

        async def first(path: str) -> None:
            await client.get(path)
            log.append(f"{path} answered")

        async def then(path: str) -> None:
            await asyncio.sleep(0.001)  # after /a1 and /a2 took the connections
            await client.get(path)

        async def answer_both() -> None:
            await asyncio.sleep(0.005)  # /b1 and /b2 are waiting by now
            answer.set()

        await asyncio.gather(first("/a1"), first("/a2"), then("/b1"), then("/b2"), answer_both())
    return log


def test_answers_arriving_together_free_every_waiting_request_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert asyncio.run(_answers_together(handoff=True)) == [
        "send /a1", "send /a2", "send /b1", "send /b2", "/a1 answered", "/a2 answered"
    ]  # fmt: skip
    # Without the hand-off both answers are processed before either waiting request is sent.
    assert asyncio.run(_answers_together(handoff=False)) == [
        "send /a1", "send /a2", "/a1 answered", "/a2 answered", "send /b1", "send /b2"
    ]  # fmt: skip
    # One pass is not enough: /a1's caller runs before /b2 is sent.
    monkeypatch.setattr("verifier_eval.connections.HANDOFF_PASSES", 1)
    assert asyncio.run(_answers_together(handoff=True)) == [
        "send /a1", "send /a2", "send /b1", "/a1 answered", "send /b2", "/a2 answered"
    ]  # fmt: skip


def test_an_encoded_answer_reaches_the_caller_decoded_once() -> None:
    async def call() -> object:
        inner = _Pool(
            [],
            {"content-type": "application/json", "content-encoding": "gzip"},
            gzip.compress(json.dumps({"confidence": 73}).encode()),
        )
        async with httpx2.AsyncClient(transport=HandoffTransport(inner)) as client:
            return (await client.get("http://x/a")).json()

    assert asyncio.run(call()) == {"confidence": 73}


def test_a_streamed_answer_passes_through_unread() -> None:
    async def call() -> tuple[bool, bytes]:
        inner = _Pool([], {"content-type": "text/event-stream"}, b"data: 1\n\n")
        client = httpx2.AsyncClient(transport=HandoffTransport(inner))
        async with client, client.stream("GET", "http://x/a") as response:
            held = inner.connections.locked()  # still open while the caller reads
            return held, await response.aread()

    assert asyncio.run(call()) == (True, b"data: 1\n\n")


def test_model_arguments_hold_the_limit_where_it_can_be_held() -> None:
    assert pooled("openai/o3") and pooled("openai-api/vllm/qwen")
    assert not pooled("anthropic/claude-x") and not pooled("tinker/Qwen/Qwen3-8B")
    assert remote_model_args("openai/o3", None) == {}
    assert remote_model_args("anthropic/claude-x", 5) == {
        "config": GenerateConfig(max_connections=5)
    }
    args = remote_model_args("openai-api/fake/verifier", 5)
    assert args["config"] == GenerateConfig(max_connections=10)  # inspect stages 2C calls
    assert args["memoize"] is False
    pool = args["http_client"]._transport.inner  # the HandoffTransport's pool
    assert pool._kwargs["limits"].max_connections == 5
    assert staged_samples(5) == 10
    # The eval must not set max_connections (it would override the models' limits); it records it.
    assert remote_eval_args(5, 2) == {
        "max_samples": 10,
        "max_tasks": 2,
        "metadata": {"max_connections": 5},
    }
    assert remote_eval_args(None, 2) == {"max_tasks": 2}


@pytest.mark.parametrize(
    ("metadata", "limit"),
    [({"max_connections": 32}, 32), ({}, None), (None, None), ({"max_connections": 0}, None),
     ({"max_connections": "8"}, None), ({"max_connections": True}, None)],
)  # fmt: skip
def test_the_recorded_limit_is_read_back_only_when_valid(
    metadata: dict[str, object] | None, limit: int | None
) -> None:
    assert recorded_limit(metadata) == limit


def test_a_run_never_has_more_than_c_calls_open_and_keeps_all_c_busy(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.configure(ServerConfig(latency_s=0.2))
    argv = ["run", "--model", FAKE_MODEL, "--no-baselines", "--benchmark", "imo_2025",
            "--limit", "9", "--max-connections", "3", "--no-cache", "--workers", "1",
            "--log-dir", str(tmp_path), "--display", "none", "--no-preflight"]  # fmt: skip
    assert main(argv) == 0
    stats = fake_server.stats()
    assert stats.grading_calls == 9
    assert stats.max_in_flight == 3
    [info] = list_eval_logs(str(tmp_path))
    header = read_eval_log(info, header_only=True)
    assert (header.eval.metadata or {})["max_connections"] == 3
    assert "http_client" not in header.eval.model_args  # --resume rebuilds the model from these


def test_the_heap_is_frozen_only_inside() -> None:
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("connections", [1, 4])
def test_staged_samples_are_twice_the_connections(connections: int) -> None:
    assert staged_samples(connections) == 2 * connections
