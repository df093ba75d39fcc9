"""Test configuration: everything offline; network, API and Tinker tests are opt-in."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.offline_tiktoken import seed_o200k

OPT_IN = {
    "api": ("--run-api", "calls a paid API"),
    "tinker": ("--run-tinker", "needs the Tinker service and TINKER_API_KEY"),
    "hub": ("--run-hub", "needs the Hugging Face Hub"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for flag, text in OPT_IN.values():
        parser.addoption(flag, action="store_true", default=False, help=f"run tests that {text}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for marker, (flag, text) in OPT_IN.items():
        if config.getoption(flag):
            continue
        skip = pytest.mark.skip(reason=f"{text}; opt in with {flag}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def offline_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test reaches a hub; inspect's mockllm finds its tokenizer in a seeded cache."""
    cache = tmp_path_factory.mktemp("tiktoken")
    seeded = seed_o200k(cache)
    saved = dict(os.environ)
    os.environ.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "INSPECT_DISPLAY": "none",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    if seeded:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    yield cache
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def tiktoken_seeded(offline_environment: Path) -> Path:
    """Skip when the offline tokenizer could not be seeded (quicktok-v1 not installed)."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        pytest.skip("quicktok-v1 is not installed, so mockllm's tokenizer cannot be had offline")
    return offline_environment
