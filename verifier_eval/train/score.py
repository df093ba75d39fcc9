"""Checkpoint -> benchmark: score a Tinker sampler checkpoint on a benchmark task.

The run is an ordinary ``inspect eval`` of ``verifier_eval/<benchmark>`` with the Tinker inspect
provider (``--model tinker/<base model> -M model_path=tinker://...``), so its log lands next to
every other verifier's log and the dashboard shows one point per checkpoint.
"""

import shlex

from inspect_ai import eval_async
from inspect_ai.log import EvalLog

from verifier_eval.errors import ConfigError

BENCHMARK_TASKS = ("usamo_2025", "imo_2025")


def score_command(benchmark: str, base_model: str, model_path: str, log_dir: str) -> list[str]:
    """The ``inspect eval`` command that scores one checkpoint (as argv)."""
    return [
        "inspect",
        "eval",
        f"verifier_eval/{benchmark}",
        "--model",
        f"tinker/{base_model}",
        "-M",
        f"model_path={model_path}",
        "--log-dir",
        log_dir,
        "--tags",
        "checkpoint",
    ]


def format_command(argv: list[str]) -> str:
    """A shell-quoted command line."""
    return shlex.join(argv)


async def score_checkpoint_async(
    benchmark: str, base_model: str, model_path: str, log_dir: str, limit: int | None = None
) -> list[EvalLog]:
    """Run the benchmark on the checkpoint through the Tinker inspect provider.

    Raises:
        ConfigError: When the provider or the benchmark task is not available.
    """
    if benchmark not in BENCHMARK_TASKS:
        raise ConfigError(
            f"unknown benchmark {benchmark!r}; use one of {', '.join(BENCHMARK_TASKS)}"
        )
    if not model_path.startswith("tinker://"):
        raise ConfigError(f"model_path must be a tinker:// sampler path, got {model_path!r}")
    try:
        return await eval_async(
            f"verifier_eval/{benchmark}",
            model=f"tinker/{base_model}",
            model_args={"model_path": model_path},
            log_dir=log_dir,
            limit=limit,
            tags=["checkpoint"],
            metadata={"checkpoint": model_path, "base_model": base_model},
        )
    except ValueError as ex:
        if "not recognized" in str(ex) or "not found" in str(ex).lower():
            command = format_command(score_command(benchmark, base_model, model_path, log_dir))
            raise ConfigError(
                f"cannot run {command}: "
                f"{str(ex).rstrip('.')}. The Tinker inspect provider (model names tinker/...) "
                f"and the verifier_eval/{benchmark} task must be installed"
            ) from ex
        raise
