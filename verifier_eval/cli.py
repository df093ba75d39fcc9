"""``verifier-eval``: run verifiers on the bundled benchmarks and read the leaderboard from logs.

Every user-facing failure (bad input, missing key, unreachable model, corrupt data) ends with one
``error: ...`` line on stderr and a non-zero exit code, never a traceback.
"""

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifier_eval.errors import ConfigError, VerifierEvalError

DEFAULT_BENCHMARKS: tuple[str, ...] = ("usamo_2025", "imo_2025")
EMBEDDED_VERIFIER = "embedded/minilm-opc"
BASELINES: tuple[str, ...] = ("baseline/zero", "baseline/full", "baseline/mean")
DEFAULT_LOG_DIR = os.environ.get("INSPECT_LOG_DIR", "logs")
EXIT_ERROR = 2
# Providers that run in-process: no pre-flight request needed.
LOCAL_PROVIDERS: frozenset[str] = frozenset(
    {"baseline", "embedded", "replay", "mockllm", "gguf", "none"}
)


@dataclass(frozen=True)
class RunPlan:
    """What ``verifier-eval run`` will evaluate."""

    benchmarks: list[str]
    models: list[str]
    log_dir: str
    limit: int | None
    task_args: dict[str, Any]
    model_args: dict[str, Any]
    epochs: int | None
    max_connections: int | None
    max_retries: int
    display: str | None
    preflight: bool = True


def _key_values(pairs: Sequence[str] | None, flag: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} takes KEY=VALUE, got {pair!r}")
        result[key.strip()] = value
    return result


def _task(benchmark: str, task_args: dict[str, Any]) -> Any:
    from verifier_eval.benchmarks import make_task

    return make_task(benchmark, **task_args)


def _models_for(benchmark_task: Any, models: list[str], model_args: dict[str, Any]) -> list[Any]:
    from inspect_ai.model import get_model

    from verifier_eval.benchmarks import mean_confidence

    built = []
    for name in models:
        args = dict(model_args)
        if name == "baseline/mean":
            args["confidence"] = mean_confidence(benchmark_task)
        try:
            built.append(get_model(name, **args))
        except VerifierEvalError:
            raise
        except Exception as ex:  # providers raise PrerequisiteError, ValueError, ... on bad setup
            raise ConfigError(f"model {name!r} cannot be used: {_one_line(ex)}") from ex
    return built


def _one_line(ex: BaseException) -> str:
    # Provider errors carry rich markup and several paragraphs; the CLI promises one plain line.
    attempt = getattr(ex, "last_attempt", None)  # tenacity's RetryError wraps the real error
    if attempt is not None and attempt.exception() is not None:
        ex = attempt.exception()
    text = re.sub(r"\[/?[a-z ]+\]", "", str(ex)).removeprefix("ERROR: ")
    parts = [part.strip() for part in text.splitlines() if part.strip()]
    head, *rest = parts or [type(ex).__name__]
    return f"{head}: {' '.join(rest)}" if rest else head


def preflight(models: list[Any], timeout: float = 60.0) -> None:
    """Send one tiny request to each remote model, so a dead server or bad key fails in seconds.

    Raises:
        ConfigError: Naming the model and the provider's error.
    """
    import asyncio

    from inspect_ai.model import GenerateConfig

    async def ping(model: Any) -> None:
        config = GenerateConfig(max_retries=1, timeout=int(timeout))
        await asyncio.wait_for(model.generate("Reply with the word OK.", config=config), timeout)

    for model in models:
        if str(model).split("/")[0] in LOCAL_PROVIDERS:
            continue
        try:
            asyncio.run(ping(model))
        except Exception as ex:  # any provider failure here means the run cannot work
            raise ConfigError(
                f"model {model} is unreachable or refused the request ({_one_line(ex)}); check its "
                "base URL, API key and that the server is running"
            ) from ex


def run(plan: RunPlan) -> int:
    """Evaluate every model on every benchmark, then print the leaderboard.

    Returns:
        The exit code: 0 when every run succeeded, 1 when some evaluation ended in error.
    """
    from inspect_ai import eval as inspect_eval

    failed: list[str] = []
    graded: list[str] = []
    for benchmark in plan.benchmarks:
        task = _task(benchmark, plan.task_args)
        graded.append(str((task.metadata or {}).get("benchmark", benchmark)))
        models = _models_for(task, plan.models, plan.model_args)
        if plan.preflight:
            preflight(models)
        count = len(task.dataset) if plan.limit is None else min(plan.limit, len(task.dataset))
        names = ", ".join(str(m) for m in models)
        print(f"== {graded[-1]}: grading {count} answers with {len(models)} verifiers ({names})")
        logs = inspect_eval(
            task,
            model=models,
            log_dir=plan.log_dir,
            limit=plan.limit,
            epochs=plan.epochs,
            max_connections=plan.max_connections,
            max_retries=plan.max_retries,
            display=plan.display,  # type: ignore[arg-type]
        )
        for log in logs:
            if log.status != "success":
                message = _one_line(Exception(log.error.message)) if log.error else log.status
                failed.append(f"{benchmark} / {log.eval.model}: {message}")
    print_leaderboard(plan.log_dir, benchmarks=graded, fmt="table")
    for line in failed:
        print(f"error: run failed: {line}", file=sys.stderr)
    return 1 if failed else 0


def print_leaderboard(
    log_dir: str, *, benchmarks: Sequence[str] | None = None, fmt: str = "table"
) -> None:
    """Rebuild the leaderboard from the logs in ``log_dir`` and print it."""
    from verifier_eval.analysis.leaderboard import format_table, leaderboard
    from verifier_eval.analysis.load import load_answers, with_human_ceiling

    frame = load_answers(log_dir)
    if benchmarks:
        frame = frame[frame["benchmark"].isin(list(benchmarks))]
    table = leaderboard(with_human_ceiling(frame))
    print(format_table(table, fmt))  # type: ignore[arg-type]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verifier-eval",
        description="Benchmark proof verifiers against expert human grades.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run_p = sub.add_parser(
        "run",
        help="grade the benchmarks with verifiers and print the leaderboard",
        description=(
            "With no arguments: the embedded verifier and the constant baselines on usamo_2025 and "
            "imo_2025, offline. --model replaces the embedded verifier (baselines stay unless "
            "--no-baselines)."
        ),
    )
    run_p.add_argument("--model", action="append", help="inspect model name (repeatable)")
    run_p.add_argument("--benchmark", action="append", help="benchmark name (repeatable)")
    run_p.add_argument(
        "--dataset", help="your own human-graded JSONL/CSV file instead of the bundled benchmarks"
    )
    run_p.add_argument("--columns", help="column mapping for --dataset: ours=theirs,...")
    run_p.add_argument("--limit", type=int, help="grade only the first N answers per benchmark")
    run_p.add_argument("--log-dir", default=DEFAULT_LOG_DIR, help="eval log folder or fsspec URL")
    run_p.add_argument("--no-baselines", action="store_true", help="skip the constant baselines")
    run_p.add_argument(
        "-T", "--task-arg", action="append", metavar="KEY=VALUE", help="task argument"
    )
    run_p.add_argument("-M", "--model-arg", action="append", metavar="KEY=VALUE", help="model arg")
    run_p.add_argument("--epochs", type=int, help="gradings per answer (averaged)")
    run_p.add_argument("--max-connections", type=int, help="concurrent model calls")
    run_p.add_argument(
        "--max-retries",
        type=int,
        default=5,
        help="retries per model call (bounded so a dead server fails instead of hanging)",
    )
    run_p.add_argument(
        "--no-preflight", action="store_true", help="skip the one-request check of remote models"
    )
    run_p.add_argument("--display", choices=["full", "rich", "plain", "log", "none"])

    lb = sub.add_parser("leaderboard", help="rebuild the leaderboard from existing logs")
    lb.add_argument("--log-dir", default=DEFAULT_LOG_DIR)
    lb.add_argument("--benchmark", action="append")
    lb.add_argument("--format", default="table", choices=["table", "csv", "json", "markdown"])

    for name, text in (("bias", "self-preference audit"), ("bon", "Best-of-N gains")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--log-dir", default=DEFAULT_LOG_DIR)
        p.add_argument("--benchmark", action="append")

    dash = sub.add_parser("dashboard", help="open the leaderboard dashboard (Streamlit)")
    dash.add_argument("--log-dir", default=DEFAULT_LOG_DIR)
    dash.add_argument("--host", default="127.0.0.1", help="bind address (localhost by default)")
    dash.add_argument("--port", type=int, default=8501)

    train = sub.add_parser("train", help="training companion (build-data, gspo, rft, ...)")
    train.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _run_plan(args: argparse.Namespace) -> RunPlan:
    from verifier_eval.benchmarks import BENCHMARKS

    task_args = _key_values(args.task_arg, "-T")
    if args.dataset:
        if args.benchmark:
            raise ConfigError("use either --dataset or --benchmark, not both")
        benchmarks = ["graded_file"]
        task_args["path"] = args.dataset
        if args.columns:
            task_args["columns"] = args.columns
    else:
        benchmarks = args.benchmark or list(DEFAULT_BENCHMARKS)
    unknown = [b for b in benchmarks if b not in BENCHMARKS]
    if unknown:
        raise ConfigError(f"unknown benchmark {unknown}; available: {sorted(BENCHMARKS)}")
    models = list(args.model or [EMBEDDED_VERIFIER])
    if not args.no_baselines:
        models += [b for b in BASELINES if b not in models]
    return RunPlan(
        benchmarks=benchmarks,
        models=models,
        log_dir=args.log_dir,
        limit=args.limit,
        task_args=task_args,
        model_args=_key_values(args.model_arg, "-M"),
        epochs=args.epochs,
        max_connections=args.max_connections,
        max_retries=args.max_retries,
        display=args.display,
        preflight=not args.no_preflight,
    )


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return run(_run_plan(args))
    if args.command == "leaderboard":
        print_leaderboard(args.log_dir, benchmarks=args.benchmark, fmt=args.format)
        return 0
    if args.command in ("bias", "bon"):
        from verifier_eval.analysis.leaderboard import bias_table, bon_table
        from verifier_eval.analysis.load import load_answers

        frame = load_answers(args.log_dir)
        if args.benchmark:
            frame = frame[frame["benchmark"].isin(args.benchmark)]
        print(bias_table(frame) if args.command == "bias" else bon_table(frame))
        return 0
    if args.command == "dashboard":
        from verifier_eval.dashboard.launch import launch

        return launch(log_dir=args.log_dir, host=args.host, port=args.port)
    if args.command == "train":
        # The training companion depends on the core, never the reverse: it is loaded by name
        # only when asked for, so the core stays importable without its extras.
        train_cli = importlib.import_module("verifier_eval.train.cli")
        return int(train_cli.main(list(args.rest)))
    raise ConfigError(f"unknown command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``verifier-eval`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return _dispatch(args)
    except VerifierEvalError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; completed gradings are in the log directory", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
