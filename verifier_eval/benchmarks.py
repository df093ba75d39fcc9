"""The benchmarks ``verifier-eval run`` knows by name, and helpers shared by the CLI."""

from collections.abc import Callable
from typing import Any

import yaml
from inspect_ai import Task

from verifier_eval.errors import ConfigError
from verifier_eval.tasks.graded_file import graded_file
from verifier_eval.tasks.imo_2025 import imo_2025
from verifier_eval.tasks.opc import opc
from verifier_eval.tasks.usamo_2025 import usamo_2025

BENCHMARKS: dict[str, Callable[..., Task]] = {
    "usamo_2025": usamo_2025,
    "imo_2025": imo_2025,
    "opc": opc,
    "graded_file": graded_file,
}


def make_task(benchmark: str, **task_args: Any) -> Task:
    """Build a benchmark task; string arguments are read as YAML scalars, as ``inspect -T`` does.

    Raises:
        ConfigError: For an unknown benchmark or task argument.
    """
    factory = BENCHMARKS.get(benchmark)
    if factory is None:
        raise ConfigError(f"unknown benchmark {benchmark!r}; available: {sorted(BENCHMARKS)}")
    # Paths and column maps stay text; YAML would turn e.g. "1" or "yes" into numbers or booleans.
    parsed = {
        k: yaml.safe_load(v) if isinstance(v, str) and k not in ("path", "columns") else v
        for k, v in task_args.items()
    }
    try:
        return factory(**parsed)
    except TypeError as ex:
        raise ConfigError(f"{benchmark}: {ex}") from ex


def mean_confidence(task: Task) -> float:
    """The benchmark's mean human grade as a confidence 0-100 (the ``baseline/mean`` constant)."""
    shares = [
        float(s.metadata["human_points"]) / float(s.metadata["max_points"])
        for s in task.dataset
        # Stress tasks repeat each answer once per probe; the mean is over the real answers.
        if s.metadata and s.metadata.get("probe", "original") == "original"
    ]
    return 100.0 * sum(shares) / len(shares) if shares else 0.0
