"""How ``--max-connections C`` is held for remote verifiers, and kept busy.

The limit. For verifiers reached through the OpenAI SDK (``openai/...``, ``openai-api/...``: the
OpenAI API, vLLM, SGLang, llama.cpp server and other OpenAI-compatible servers), C is the size of
the model's HTTP connection pool: no more than C requests are ever open against the server.
inspect's own per-model limit is set to :func:`staged_samples` (2C), so the samples waiting for
a connection have already done inspect's part of the call (the cache lookup, the transcript
event, the request body) and send the moment a connection comes free. For other remote
providers, C is inspect's own per-model limit, as usual.

The record. The limit is recorded as ``eval.metadata["max_connections"]`` (a merged log records the
whole run's limit); ``verifier-eval run --resume`` grades what is missing under it. (A pooled
model's generate config in the log shows inspect's own limit, 2C.)

The hand-off. When an answer comes back, :class:`HandoffTransport` reads it, returns its connection
to the pool and lets the event loop run a few passes before the answer is processed. A request that
was waiting for the connection is sent in those passes. Without this, answers that arrive together
are each processed (parsed, scored, logged: tens of milliseconds of CPU in one process) before the
requests they free are sent, and the connections idle for that time.

The heap. inspect, pydantic's schemas and the benchmarks leave a large heap; a full garbage
collection walks all of it and stalls the event loop for 200-300 ms, idling every connection.
:func:`frozen_heap` collects once before grading and moves what exists then out of the collector's
way.

``benchmarks/throughput.py`` measures the effect (README, "Throughput").
"""

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

import anyio.lowlevel
import httpx2

POOLED_PROVIDERS = frozenset({"openai", "openai-api"})
"""Providers built on the OpenAI SDK, which take an ``http_client`` model argument."""

HANDOFF_PASSES = 3
"""Event-loop passes an answer yields after freeing its connection. One lets the first woken
request run; answers arriving in the same pass each wake one more, and the extra passes let all
of those send before any answer is processed (1: no gain measured; 3: the gain in the README)."""


def staged_samples(max_connections: int) -> int:
    """Samples a task keeps in progress: twice its connections.

    inspect's default (one more than the connections) leaves a single sample waiting for a
    connection; when several calls finish together, the freed connections then wait for new
    samples to be prepared, which costs a few percent of throughput against a fast API.
    """
    return 2 * max_connections


def pooled(model: str) -> bool:
    """Whether ``model`` (``provider/name``) holds its connection limit in an HTTP pool."""
    return model.split("/")[0] in POOLED_PROVIDERS


class HandoffTransport(httpx2.AsyncBaseTransport):
    """A transport that frees a finished call's connection before the caller sees the answer.

    Streamed answers (``text/event-stream``) pass through untouched: their connection is freed
    when the caller closes the stream.
    """

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        """Wrap ``inner``, the transport that owns the connection pool."""
        self.inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request``; read the answer whole, free the connection, yield, then return it."""
        response = await self.inner.handle_async_request(request)
        if "event-stream" in response.headers.get("content-type", ""):
            return response
        try:
            # Raw bytes: the client decodes (gzip, ...) the rebuilt response as it would this one.
            body = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        for _ in range(HANDOFF_PASSES):
            await anyio.lowlevel.checkpoint()
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx2.ByteStream(body),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


def pooled_http_client(max_connections: int) -> httpx2.AsyncClient:
    """The OpenAI SDK's HTTP client with inspect's defaults, at most ``max_connections`` open.

    Requests that wait for a connection wait without a pool timeout of their own beyond the
    request timeout (inspect's default, or ``INSPECT_HTTP_...`` from the environment): with
    :func:`staged_samples` samples per limit, a request waits about one call for its turn.
    """
    from inspect_ai._util.http_defaults_httpx2 import default_client_kwargs
    from openai import DefaultAsyncHttpxClient

    kwargs = default_client_kwargs(
        limits=httpx2.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
    )
    kwargs["transport"] = HandoffTransport(kwargs["transport"])
    kwargs["mounts"] = {
        pattern: None if transport is None else HandoffTransport(transport)
        for pattern, transport in (kwargs.get("mounts") or {}).items()
    }
    return DefaultAsyncHttpxClient(**kwargs)


LIMIT_KEY = "max_connections"
"""Eval metadata key of the run's connection limit (see the module docstring)."""


def remote_model_args(model: str, max_connections: int | None) -> dict[str, Any]:
    """``get_model`` arguments that hold ``max_connections`` for a remote verifier.

    Empty without a limit (inspect's defaults apply). A pooled model (:func:`pooled`) gets its
    own pool of ``max_connections`` and inspect's limit of :func:`staged_samples`; any other
    remote model gets inspect's limit of ``max_connections``. The eval itself then must not set
    ``max_connections``, which would override both (:func:`remote_eval_args`).
    """
    from inspect_ai.model import GenerateConfig

    if max_connections is None:
        return {}
    if not pooled(model):
        return {"config": GenerateConfig(max_connections=max_connections)}
    return {
        "config": GenerateConfig(max_connections=staged_samples(max_connections)),
        "http_client": pooled_http_client(max_connections),
        # The memo key cannot see the client, and a model's pool must be its own.
        "memoize": False,
    }


def get_remote_model(name: str, model_args: dict[str, Any], max_connections: int | None) -> Any:
    """``get_model(name, **model_args)`` holding ``max_connections`` (:func:`remote_model_args`).

    The HTTP client stays out of the model arguments the log records: ``--resume`` rebuilds the
    model from them.
    """
    from inspect_ai.model import get_model

    model = get_model(name, **model_args, **remote_model_args(name, max_connections))
    model.model_args.pop("http_client", None)
    return model


def remote_eval_args(max_connections: int | None, evals: int) -> dict[str, Any]:
    """``inspect_ai.eval`` concurrency arguments for remote verifiers, in one process or a worker.

    All ``evals`` (task, model) pairs run at once, sharing the connections, with
    :func:`staged_samples` samples in progress. The connection limit itself is the models'
    (:func:`get_remote_model`; without one, inspect's provider default applies), recorded in the
    eval's metadata.
    """
    if max_connections is None:
        return {"max_tasks": evals}
    return {
        "max_samples": staged_samples(max_connections),
        "max_tasks": evals,
        "metadata": {LIMIT_KEY: max_connections},
    }


def recorded_limit(metadata: dict[str, Any] | None) -> int | None:
    """The connection limit a run recorded in its eval metadata (None when it set none)."""
    value = (metadata or {}).get(LIMIT_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect garbage once, then keep everything alive now out of later collections.

    Objects freed by reference counting are still freed while frozen; only cycles among the
    frozen objects wait until the context exits.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
