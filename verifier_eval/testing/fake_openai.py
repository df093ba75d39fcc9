"""A fake OpenAI-compatible chat server on loopback, for tests and the throughput benchmark.

It answers ``POST /v1/chat/completions`` with a valid verifier answer (``Confidence: <n>``) and
token usage after a fixed latency, ``GET /v1/models`` with its one model, ``GET /stats`` with its
call counts (``POST /stats/reset`` zeroes them). Fault injection (:class:`Faults`) turns a share
of the calls into 429 or 500 answers, hangs, dropped connections or invalid JSON; which calls fail
is decided by the call's arrival number and a seed, so a run is reproducible. The server binds
127.0.0.1 only and stops by itself after ``max_seconds``.

In-process (tests)::

    with FakeOpenAIServer(ServerConfig(latency_s=0.1)) as server:
        os.environ["FAKE_BASE_URL"] = server.base_url  # inspect's openai-api/fake/<model>
        ...
        assert server.stats().grading_calls == 3

As a process (benchmarks): ``python -m verifier_eval.testing.fake_openai --latency 0.5`` prints
``READY <base url>`` and serves until it is terminated, ``--max-seconds`` have passed or (with
``--stop-on-stdin-eof``) its stdin closes.
"""

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["ok", "429", "500", "timeout", "drop", "invalid_json"]
HOST = "127.0.0.1"
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Faults:
    """Shares of chat calls that fail, each way (their sum must not exceed 1)."""

    rate_429: float = 0.0
    """Answer 429 Too Many Requests (with ``Retry-After: retry_after_s``)."""
    rate_500: float = 0.0
    """Answer 500 Internal Server Error."""
    rate_timeout: float = 0.0
    """Answer nothing for ``hang_s`` seconds, then close the connection."""
    rate_drop: float = 0.0
    """Close the connection without answering."""
    rate_invalid_json: float = 0.0
    """Answer 200 with a body that is not JSON."""
    hang_s: float = 30.0
    retry_after_s: float = 1.0
    seed: int = 0

    def outcome(self, call: int) -> Outcome:
        """The fate of the ``call``-th chat call (0-based, in arrival order)."""
        draw = random.Random(f"{self.seed}:{call}").random()
        for outcome, rate in (
            ("429", self.rate_429),
            ("500", self.rate_500),
            ("timeout", self.rate_timeout),
            ("drop", self.rate_drop),
            ("invalid_json", self.rate_invalid_json),
        ):
            if draw < rate:
                return outcome  # type: ignore[return-value]
            draw -= rate
        return "ok"


@dataclass(frozen=True)
class ServerConfig:
    """How the fake server answers."""

    latency_s: float = 0.0
    """Fixed delay before every chat answer (or fault)."""
    faults: Faults = field(default_factory=Faults)
    confidence: int | None = None
    """Fixed confidence to answer; ``None`` derives 0-100 from the proof's sha256, so answers
    differ between proofs but not between runs."""
    model: str = "fake-verifier"
    max_seconds: float = 900.0
    """The server stops itself this long after it started."""


@dataclass(frozen=True)
class CallStats:
    """What the server has seen."""

    calls: int
    """Chat completion requests received."""
    grading_calls: int
    """Chat requests whose prompt has a ``<proof>`` (the pre-flight ping has none)."""
    outcomes: dict[str, int]
    other_requests: int
    """Requests to other paths (``/v1/models``, unknown paths)."""
    max_in_flight: int
    """Most chat requests being served at once."""
    first_grading: float | None
    """``time.monotonic()`` of the first grading request."""
    last_grading_answer: float | None
    """``time.monotonic()`` of the last answer to a grading request."""


@dataclass
class _Counters:
    calls: int = 0
    grading_calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    other_requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    first_grading: float | None = None
    last_grading_answer: float | None = None

    def snapshot(self) -> CallStats:
        return CallStats(
            calls=self.calls,
            grading_calls=self.grading_calls,
            outcomes=dict(self.outcomes),
            other_requests=self.other_requests,
            max_in_flight=self.max_in_flight,
            first_grading=self.first_grading,
            last_grading_answer=self.last_grading_answer,
        )


def answer_text(messages: list[dict[str, Any]], confidence: int | None) -> str:
    """The fake verifier's answer to a chat."""
    prompt = "\n".join(str(m.get("content") or "") for m in messages)
    if confidence is None:
        start, end = prompt.find("<proof>"), prompt.rfind("</proof>")
        proof = prompt[start:end] if 0 <= start < end else prompt
        confidence = int(hashlib.sha256(proof.encode()).hexdigest()[:8], 16) % 101
    return f"I checked every step of the solution.\nConfidence: {confidence}"


def _status_line(code: int) -> bytes:
    reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}
    return f"HTTP/1.1 {code} {reasons.get(code, 'Internal Server Error')}\r\n".encode()


def _response(
    code: int, body: bytes, *, content_type: str = "application/json", extra: str = ""
) -> bytes:
    head = (
        f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n{extra}"
        "connection: keep-alive\r\n\r\n"
    )
    return _status_line(code) + head.encode() + body


class FakeOpenAIServer:
    """The fake server, run on its own event loop in a daemon thread."""

    def __init__(self, config: ServerConfig | None = None, port: int = 0) -> None:
        """Configure; :meth:`start` binds ``127.0.0.1:port`` (0: a free port)."""
        self.config = config or ServerConfig()
        self.port = port
        self._counters = _Counters()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (``http://127.0.0.1:<port>/v1``)."""
        return f"http://{HOST}:{self.port}/v1"

    def stats(self) -> CallStats:
        """A snapshot of the call counts."""
        with self._lock:
            return self._counters.snapshot()

    def configure(self, config: ServerConfig) -> None:
        """Answer with ``config`` from the next call on (``max_seconds`` keeps its first value).

        One server can then serve a whole test session on one port: inspect keeps a model
        (and its base URL) per name for the life of the process.
        """
        self.config = config

    def reset_stats(self) -> None:
        """Start counting again from zero (fault decisions restart too)."""
        with self._lock:
            self._counters = _Counters()

    def start(self) -> "FakeOpenAIServer":
        """Bind and serve in a daemon thread; returns when the port is bound."""
        self._thread = threading.Thread(target=self._run, daemon=True, name="fake-openai")
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"fake OpenAI server did not start: {self._error}")
        return self

    def stop_soon(self) -> None:
        """Stop serving (call from the server's event loop)."""
        if self._stopped is not None:
            self._stopped.set()

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may be closing already
                self._loop.call_soon_threadsafe(self.stop_soon)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self.serve())
        except BaseException as ex:  # reported to start() instead of dying silently
            self._error = ex
            self._ready.set()

    async def serve(self, on_ready: Any = None) -> None:
        """Serve until stopped or ``max_seconds`` have passed."""
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        handlers: set[asyncio.Task[None]] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await self._connection(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                pass
            except asyncio.CancelledError:
                # Shutdown cancels open connections; ending quietly keeps asyncio from logging
                # every cancelled handler.
                pass
            finally:
                handlers.discard(task)
                writer.close()

        server = await asyncio.start_server(
            on_connect, HOST, self.port, limit=MAX_HEADER_BYTES, backlog=1024
        )
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        if on_ready is not None:
            on_ready(self)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), self.config.max_seconds)
        server.close()
        for task in list(handlers):
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in header_lines if line)
            }
            length = int(headers.get("content-length", "0"))
            if length > MAX_BODY_BYTES:
                writer.write(_response(400, b'{"error": "body too large"}'))
                return
            body = await reader.readexactly(length) if length else b""
            keep_open = await self._route(method, path.split("?")[0], body, writer)
            await writer.drain()
            if not keep_open or headers.get("connection", "").lower() == "close":
                return

    async def _route(
        self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        if method == "POST" and path.rstrip("/").endswith("/chat/completions"):
            return await self._chat(body, writer)
        with self._lock:
            self._counters.other_requests += 1
        if method == "GET" and path.rstrip("/").endswith("/models"):
            models = {
                "object": "list",
                "data": [
                    {"id": self.config.model, "object": "model", "created": 0, "owned_by": "x"}
                ],
            }
            writer.write(_response(200, json.dumps(models).encode()))
        elif method == "GET" and path.rstrip("/") == "/stats":
            writer.write(_response(200, json.dumps(asdict(self.stats())).encode()))
        elif method == "POST" and path.rstrip("/") == "/stats/reset":
            self.reset_stats()
            writer.write(_response(200, b"{}"))
        else:
            writer.write(_response(404, b'{"error": {"message": "not found"}}'))
        return True

    async def _chat(self, body: bytes, writer: asyncio.StreamWriter) -> bool:
        try:
            request = json.loads(body)
            messages = list(request["messages"])
        except (ValueError, KeyError, TypeError):
            writer.write(_response(400, b'{"error": {"message": "invalid request"}}'))
            return True
        grading = any("<proof>" in str(m.get("content") or "") for m in messages)
        with self._lock:
            call = self._counters.calls
            self._counters.calls += 1
            self._counters.grading_calls += int(grading)
            self._counters.in_flight += 1
            self._counters.max_in_flight = max(
                self._counters.max_in_flight, self._counters.in_flight
            )
            if grading and self._counters.first_grading is None:
                self._counters.first_grading = time.monotonic()
        outcome = self.config.faults.outcome(call)
        try:
            await asyncio.sleep(self.config.latency_s)
            return await self._answer(outcome, call, request, messages, writer)
        finally:
            with self._lock:
                self._counters.in_flight -= 1
                self._counters.outcomes[outcome] += 1
                if grading:
                    self._counters.last_grading_answer = time.monotonic()

    async def _answer(
        self,
        outcome: Outcome,
        call: int,
        request: dict[str, Any],
        messages: list[dict[str, Any]],
        writer: asyncio.StreamWriter,
    ) -> bool:
        faults = self.config.faults
        if outcome == "429":
            error = b'{"error": {"message": "rate limited", "type": "rate_limit_error"}}'
            writer.write(_response(429, error, extra=f"retry-after: {faults.retry_after_s:g}\r\n"))
            return True
        if outcome == "500":
            writer.write(_response(500, b'{"error": {"message": "internal error"}}'))
            return True
        if outcome == "timeout":
            await asyncio.sleep(faults.hang_s)
            return False
        if outcome == "drop":
            return False
        if outcome == "invalid_json":
            writer.write(_response(200, b'{"id": "chatcmpl-broken", "choices": [{"mess'))
            return True
        text = answer_text(messages, self.config.confidence)
        prompt_tokens = max(1, sum(len(str(m.get("content") or "")) for m in messages) // 4)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(text.split()),
            "total_tokens": prompt_tokens + len(text.split()),
        }
        model = str(request.get("model") or self.config.model)
        if request.get("stream"):
            writer.write(_sse(call, model, text, usage))
            return True
        completion = {
            "id": f"chatcmpl-fake-{call}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }
        writer.write(_response(200, json.dumps(completion).encode()))
        return True


def _sse(call: int, model: str, text: str, usage: dict[str, int]) -> bytes:
    base = {"id": f"chatcmpl-fake-{call}", "object": "chat.completion.chunk", "model": model}
    base["created"] = int(time.time())  # type: ignore[assignment]
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**base, "choices": [], "usage": usage},
    ]
    body = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
    return _response(200, body, content_type="text/event-stream")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    parser.add_argument("--confidence", type=int, help="fixed confidence to answer")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop after this long")
    parser.add_argument("--seed", type=int, default=0)
    for name in ("429", "500", "timeout", "drop", "invalid-json"):
        parser.add_argument(f"--rate-{name}", type=float, default=0.0, help="share of calls")
    parser.add_argument("--hang", type=float, default=30.0, help="seconds a timeout call hangs")
    parser.add_argument(
        "--stop-on-stdin-eof", action="store_true", help="stop when stdin closes (parent gone)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until terminated, stdin closes or ``--max-seconds`` have passed."""
    args = _arguments(argv)
    faults = Faults(
        rate_429=args.rate_429,
        rate_500=args.rate_500,
        rate_timeout=args.rate_timeout,
        rate_drop=args.rate_drop,
        rate_invalid_json=args.rate_invalid_json,
        hang_s=args.hang,
        seed=args.seed,
    )
    config = ServerConfig(args.latency, faults, args.confidence, max_seconds=args.max_seconds)
    server = FakeOpenAIServer(config, port=args.port)

    async def run() -> None:
        loop = asyncio.get_running_loop()

        def ready(s: FakeOpenAIServer) -> None:
            print(f"READY {s.base_url}", flush=True)

        def stdin_readable() -> None:
            if not os.read(sys.stdin.fileno(), 1):
                server.stop_soon()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.stop_soon)
        if args.stop_on_stdin_eof:
            # The parent closing our stdin (or dying) stops the server too.
            loop.add_reader(sys.stdin.fileno(), stdin_readable)
        await server.serve(on_ready=ready)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
