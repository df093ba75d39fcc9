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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from verifier_eval.errors import ConfigError, VerifierEvalError
from verifier_eval.shards import TaskKind

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
    no_cache: bool = False
    price_in: float | None = None
    price_out: float | None = None
    workers: str = "auto"


def _key_values(pairs: Sequence[str] | None, flag: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} takes KEY=VALUE, got {pair!r}")
        result[key.strip()] = value
    return result


def _models_for(
    benchmark_task: Any,
    models: list[str],
    model_args: dict[str, Any],
    *,
    remote: bool = False,
    max_connections: int | None = None,
) -> list[Any]:
    from inspect_ai.model import get_model

    from verifier_eval.benchmarks import mean_confidence
    from verifier_eval.connections import get_remote_model

    built = []
    for name in models:
        args = dict(model_args)
        if name == "baseline/mean":
            args["confidence"] = mean_confidence(benchmark_task)
        try:
            if remote:
                built.append(get_remote_model(name, args, max_connections))
            else:
                built.append(get_model(name, **args))
        except VerifierEvalError:
            raise
        except Exception as ex:  # providers raise PrerequisiteError, ValueError, ... on bad setup
            hint = (
                "; verifier_eval's own verifiers are embedded/minilm-opc, baseline/zero|full|mean "
                "and replay/<label>; other providers: https://inspect.aisi.org.uk/providers.html"
                if "not recognized" in str(ex)
                else ""
            )
            raise ConfigError(
                f"model {name!r} cannot be used: {_one_line(ex).rstrip('.')}{hint}"
            ) from ex
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
        config = GenerateConfig(max_retries=0, timeout=int(timeout))
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


def run(
    plan: RunPlan,
    *,
    report: Callable[[str, list[str]], None] | None = None,
    kind: TaskKind = "benchmark",
) -> int:
    """Evaluate every model on every benchmark, then print the leaderboard (or ``report``).

    Local verifiers (baselines, embedded, GGUF) grade one benchmark at a time in this process.
    Remote verifiers grade all benchmarks in one inspect eval, so the benchmarks share the
    connections; with several workers (:mod:`verifier_eval.shards`) in as many processes.

    Args:
        plan: What to run.
        report: Prints the result instead of the leaderboard.
        kind: Which tasks to build for the benchmarks (:func:`verifier_eval.shards.build_task`).

    Returns:
        The exit code: 0 when every run succeeded, 1 when some evaluation ended in error.
    """
    from inspect_ai import eval as inspect_eval

    from verifier_eval.connections import frozen_heap, remote_eval_args
    from verifier_eval.runs import SAMPLE_RETRIES, eval_options, given_price, register_prices
    from verifier_eval.shards import (
        build_task,
        merge_run,
        plan_workers,
        resolve_workers,
        run_workers,
    )

    remote = [m for m in plan.models if m.split("/")[0] not in LOCAL_PROVIDERS]
    local = [m for m in plan.models if m not in remote]
    workers = resolve_workers(
        plan.workers,
        max_connections=plan.max_connections,
        remote_models=len(remote),
        no_cache=plan.no_cache,
    )
    register_prices(remote, given_price(plan.price_in, plan.price_out))
    tasks = {b: build_task(kind, b, plan.task_args) for b in plan.benchmarks}
    graded = [str((t.metadata or {}).get("benchmark", b)) for b, t in tasks.items()]
    counts = [
        len(t.dataset) if plan.limit is None else min(plan.limit, len(t.dataset))
        for t in tasks.values()
    ]
    options: dict[str, Any] = {
        "log_dir": plan.log_dir,
        "epochs": plan.epochs,
        "max_retries": plan.max_retries,
        "retry_on_error": SAMPLE_RETRIES,
        "display": plan.display,
        **eval_options(no_cache=plan.no_cache),
    }
    logs = []
    if remote:
        models = _models_for(
            next(iter(tasks.values())),
            remote,
            plan.model_args,
            remote=True,
            max_connections=plan.max_connections,
        )
        if plan.preflight:
            preflight(models)
        how = f" in {workers} worker processes" if workers > 1 else ""
        print(
            f"== {', '.join(graded)}: grading {sum(counts)} answers with "
            f"{', '.join(str(m) for m in models)}{how}"
        )
        if workers == 1:
            with frozen_heap():
                logs += inspect_eval(
                    list(tasks.values()),
                    model=models,
                    limit=plan.limit,
                    **remote_eval_args(plan.max_connections, len(tasks) * len(models)),
                    **options,
                )
        else:
            sharded = plan_workers(plan, kind=kind, tasks=tasks, models=remote, workers=workers)
            run_workers(sharded.specs)
            logs += merge_run(sharded, plan.log_dir)
    for task, label, count in zip(tasks.values(), graded, counts, strict=True):
        if not local:
            continue
        models = _models_for(task, local, plan.model_args)
        names = ", ".join(str(m) for m in models)
        print(f"== {label}: grading {count} answers with {len(models)} verifiers ({names})")
        logs += inspect_eval(
            task, model=models, limit=plan.limit, max_connections=plan.max_connections, **options
        )
    failed = []
    for log in logs:
        if log.status != "success":
            message = _run_error(log.error.message) if log.error else log.status
            label = str((log.eval.metadata or {}).get("benchmark", log.eval.task))
            failed.append(f"{label} / {log.eval.model}: {message}")
    for line in failed:
        print(f"error: run failed: {line}", file=sys.stderr)
    try:
        if report is None:
            print_leaderboard(plan.log_dir, benchmarks=graded, fmt="table")
        else:
            report(plan.log_dir, graded)
    except VerifierEvalError:
        if not failed:
            raise
    return 1 if failed else 0


_RETRY_ERROR = re.compile(r"RetryError\W*<Future at \w+ state=finished raised (\w+)>")


def _run_error(message: str) -> str:
    """One line for a failed run; tenacity's RetryError text names only the wrapped error type."""
    retry = _RETRY_ERROR.search(message)
    if retry:
        return (
            f"{retry.group(1)} after all retries; check the model's base URL, API key and that "
            "the server is running"
        )
    return _one_line(Exception(message))


def resume_run(args: argparse.Namespace) -> int:
    """Grade what an interrupted run left out, then print the leaderboard of its folder."""
    from verifier_eval.runs import resume

    logs = resume(
        args.resume,
        log_dir=args.log_dir if args.log_dir != DEFAULT_LOG_DIR else None,
        max_connections=args.max_connections,
        max_retries=args.max_retries,
        display=args.display,
    )
    failed = [log for log in logs if log.status != "success"]
    for log in failed:
        message = _run_error(log.error.message) if log.error else log.status
        print(f"error: resumed run failed: {log.eval.model}: {message}", file=sys.stderr)
    log_dir = os.path.dirname(logs[0].location) if logs and logs[0].location else args.log_dir
    print_leaderboard(log_dir)
    return 1 if failed else 0


def print_leaderboard(
    log_dir: str, *, benchmarks: Sequence[str] | None = None, fmt: str = "table"
) -> None:
    """Rebuild the leaderboard from the logs in ``log_dir`` and print it."""
    from verifier_eval.analysis.leaderboard import format_table, leaderboard
    from verifier_eval.analysis.load import load_answers, with_human_ceiling
    from verifier_eval.analysis.stress import load_robustness, with_robustness

    frame = _only_benchmarks(load_answers(log_dir), benchmarks, log_dir)
    table = with_robustness(leaderboard(with_human_ceiling(frame)), load_robustness(log_dir))
    print(format_table(table, fmt))  # type: ignore[arg-type]


def print_stress(log_dir: str, benchmarks: Sequence[str] | None = None) -> None:
    """Print the stress report (grade shift per probe) of the stress logs in ``log_dir``."""
    from verifier_eval.analysis.stress import stress_report

    print(stress_report(log_dir, benchmarks=benchmarks), end="")


def _only_benchmarks(frame: Any, benchmarks: Sequence[str] | None, log_dir: str) -> Any:
    """Rows of the named benchmarks; naming one without runs is an error, not an empty table."""
    if not benchmarks:
        return frame
    present = sorted(frame["benchmark"].unique())
    missing = [b for b in benchmarks if b not in present]
    if missing:
        raise ConfigError(
            f"no runs of benchmark(s) {missing} in {log_dir!r}; it has runs of {present}"
        )
    return frame[frame["benchmark"].isin(list(benchmarks))]


def _model_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that grade: which verifiers, how, and where logs go."""
    parser.add_argument("--model", action="append", help="inspect model name (repeatable)")
    parser.add_argument("--log-dir", default=DEFAULT_LOG_DIR, help="eval log folder or URL")
    parser.add_argument("--no-baselines", action="store_true", help="skip the constant baselines")
    parser.add_argument(
        "-T", "--task-arg", action="append", metavar="KEY=VALUE", help="task argument"
    )
    parser.add_argument("-M", "--model-arg", action="append", metavar="KEY=VALUE", help="model arg")
    parser.add_argument("--epochs", type=int, help="gradings per answer (averaged)")
    parser.add_argument("--max-connections", type=int, help="concurrent model calls")
    parser.add_argument(
        "--max-retries",
        type=int,
        default=5,
        help="retries per model call (bounded so a dead server fails instead of hanging)",
    )
    parser.add_argument(
        "--no-preflight", action="store_true", help="skip the one-request check of remote models"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither reuse nor store gradings (model cache)"
    )
    parser.add_argument("--price-in", type=float, help="USD per million input tokens")
    parser.add_argument("--price-out", type=float, help="USD per million output tokens")
    parser.add_argument(
        "--workers",
        default="auto",
        help="processes grading remote verifiers, sharing --max-connections (default auto: "
        "one per 16 connections, at most one per CPU)",
    )
    parser.add_argument("--display", choices=["full", "rich", "plain", "log", "none"])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verifier-eval",
        description="Benchmark proof verifiers against expert human grades.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    stress = sub.add_parser(
        "stress",
        help="probe verifiers with perturbed proofs and report how their grades move",
        description=(
            "Grades each answer unchanged and under each probe (appended claims, grader "
            "instructions, confident formatting, the reference solution, shuffled steps, a cut "
            "conclusion) and prints the paired grade shift per probe with intervals."
        ),
    )
    stress.add_argument("--benchmark", action="append", help="benchmark (default usamo_2025)")
    stress.add_argument("--limit-answers", type=int, default=24, help="answers per benchmark")
    stress.add_argument("--probes", default="all", help="comma-separated probe names")
    stress.add_argument("--report-only", action="store_true", help="only print the report")
    _model_options(stress)

    run_p = sub.add_parser(
        "run",
        help="grade the benchmarks with verifiers and print the leaderboard",
        description=(
            "With no arguments: the embedded verifier and the constant baselines on usamo_2025 and "
            "imo_2025, offline. --model replaces the embedded verifier (baselines stay unless "
            "--no-baselines)."
        ),
    )
    run_p.add_argument("--benchmark", action="append", help="benchmark name (repeatable)")
    run_p.add_argument(
        "--dataset", help="your own human-graded JSONL/CSV file instead of the bundled benchmarks"
    )
    run_p.add_argument("--columns", help="column mapping for --dataset: ours=theirs,...")
    run_p.add_argument("--limit", type=int, help="grade only the first N answers per benchmark")
    run_p.add_argument(
        "--resume",
        metavar="LOG",
        help="finish an interrupted run (its .eval log or folder), grading only what is missing",
    )
    _model_options(run_p)

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


def _stress_plan(args: argparse.Namespace) -> RunPlan:
    task_args = _key_values(args.task_arg, "-T")
    task_args.update({"probes": args.probes, "limit_answers": str(args.limit_answers)})
    return _plan(args, args.benchmark or ["usamo_2025"], task_args, limit=None)


def _plan(
    args: argparse.Namespace, benchmarks: list[str], task_args: dict[str, Any], limit: int | None
) -> RunPlan:
    models = list(args.model or [EMBEDDED_VERIFIER])
    if not args.no_baselines:
        models += [b for b in BASELINES if b not in models]
    return RunPlan(
        benchmarks=benchmarks,
        models=models,
        log_dir=args.log_dir,
        limit=limit,
        task_args=task_args,
        model_args=_key_values(args.model_arg, "-M"),
        epochs=args.epochs,
        max_connections=args.max_connections,
        max_retries=args.max_retries,
        display=args.display,
        preflight=not args.no_preflight,
        no_cache=args.no_cache,
        price_in=args.price_in,
        price_out=args.price_out,
        workers=args.workers,
    )


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
    return _plan(args, benchmarks, task_args, limit=args.limit)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run" and args.resume:
        return resume_run(args)
    if args.command == "run":
        return run(_run_plan(args))
    if args.command == "stress":
        plan = _stress_plan(args)
        if args.report_only:
            print_stress(args.log_dir, plan.benchmarks)
            return 0
        # Stress tasks are named "stress"; the report is per stressed benchmark.
        return run(
            plan,
            kind="stress",
            report=lambda log_dir, _: print_stress(log_dir, plan.benchmarks),
        )
    if args.command == "leaderboard":
        print_leaderboard(args.log_dir, benchmarks=args.benchmark, fmt=args.format)
        return 0
    if args.command in ("bias", "bon"):
        from verifier_eval.analysis.leaderboard import bias_table, bon_table
        from verifier_eval.analysis.load import load_answers

        frame = _only_benchmarks(load_answers(args.log_dir), args.benchmark, args.log_dir)
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
