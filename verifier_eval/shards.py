"""Grading in several worker processes (``verifier-eval run --workers N``), merged into one log.

Why. One inspect process spends tens of milliseconds of CPU on each answer (sample bookkeeping,
the OpenAI client, log writing) on a single event loop, so against a fast API it cannot keep many
connections busy: at 32 connections and 0.5 s per call it reaches about two thirds of the
32 / 0.5 answers per second the connections allow. Splitting the answers over worker processes
spreads that work over the machine's cores.

How. The answers of every benchmark are dealt round-robin to N workers, and the connection limit
is split between them (``--max-connections 32 --workers 2``: 16 each), so the run never has more
calls in flight than the user allowed. Each worker grades its share of every benchmark in one
inspect eval (the benchmarks share its connections, so none sits idle while another finishes) and
writes ordinary eval logs into a staging folder. Workers start grading together, after all of
them have loaded. When they are done, the shards of each (benchmark, verifier) are merged into one
log, in the order of the benchmark's answers, with its metrics recomputed by inspect
(``recompute_metrics``) and its usage summed; the merged log records its shards in
``eval.shards`` and the shard logs move to inspect's shard layout beside it,
``<log>.shards/<k>/<file>.eval`` (``inspect view`` hides shards a finished merged log covers; the
analyses read merged logs only, see :func:`is_shard_log`).

Failures. A worker that fails before grading stops the run with its error. A shard that ends in
error makes the merged log an ``error`` log holding every answer that was graded, so ``--resume``
grades only the rest. A run killed outright leaves its shards in the staging folder; running the
same command again gets every finished grading back from the model cache without a call, which
is why several workers need the cache.
"""

import contextlib
import hashlib
import importlib
import json
import os
import posixpath
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from verifier_eval.connections import LIMIT_KEY, frozen_heap
from verifier_eval.errors import ConfigError, VerifierEvalError

if TYPE_CHECKING:
    from collections.abc import Callable

    from inspect_ai import Task
    from inspect_ai.dataset import Sample
    from inspect_ai.log import EvalLog, EvalLogInfo
    from inspect_ai.model import ModelUsage

    from verifier_eval.cli import RunPlan

TaskKind = Literal["benchmark", "stress"]
FINISH_HINT = (
    "run the same command again to finish (every finished grading comes back from the model cache)"
)
"""How a run whose workers failed is finished."""
CONNECTIONS_PER_WORKER = 16
"""``--workers auto`` adds a worker per this many connections (up to the CPU count): one
process keeps about this many 0.5 s calls going at full rate."""
READY_TIMEOUT_S = 600.0
STAGING_PREFIX = ".shards-"
SHARD_OF = "verifier_eval_shard_of"
"""Task metadata key a worker tags its tasks with (the benchmark), so shards can be grouped; the
merged log drops it."""
SHARDS_SUFFIX = ".shards"


class WorkerSpec(BaseModel):
    """What one worker grades; written as JSON for ``python -m verifier_eval.shards``."""

    model_config = ConfigDict(extra="forbid")

    shard: int
    kind: TaskKind
    benchmarks: list[str]
    task_args: dict[str, Any]
    models: list[str]
    model_args: dict[str, Any]
    sample_ids: dict[str, list[str]]
    """The ids this worker grades, per benchmark."""
    max_connections: int
    max_retries: int
    epochs: int | None
    log_dir: str
    price_in: float | None = None
    price_out: float | None = None


@dataclass(frozen=True)
class ShardedRun:
    """A sharded run: its workers' specs, and what :func:`merge_run` needs afterwards."""

    staging: str
    specs: list[WorkerSpec]
    order: dict[str, list[str]]
    """Every benchmark's graded ids in dataset order (the merged logs' sample order)."""
    run_id: str


def split_connections(total: int, workers: int) -> list[int]:
    """Share ``total`` connections between ``workers`` (each gets at least one).

    >>> split_connections(32, 3)
    [11, 11, 10]
    """
    if workers < 1 or total < workers:
        raise ConfigError(f"cannot split {total} connections between {workers} workers")
    return [total // workers + (1 if k < total % workers else 0) for k in range(workers)]


def deal(ids: Sequence[str], workers: int) -> list[list[str]]:
    """Deal ids round-robin, so each worker gets every problem and a like share of each."""
    return [list(ids[k::workers]) for k in range(workers)]


def resolve_workers(
    requested: str, *, max_connections: int | None, remote_models: int, no_cache: bool
) -> int:
    """The number of worker processes for the remote verifiers of a run.

    ``auto``: one process unless the run has remote verifiers and a connection limit of at
    least twice :data:`CONNECTIONS_PER_WORKER`; then one per that many connections, at most one
    per CPU.

    Raises:
        ConfigError: On a malformed count, more workers than connections, or several workers
            with ``--no-cache``.
    """
    if requested == "auto":
        if not remote_models or max_connections is None or no_cache:
            return 1
        return max(1, min(os.cpu_count() or 1, max_connections // CONNECTIONS_PER_WORKER))
    try:
        workers = int(requested)
    except ValueError:
        raise ConfigError(f"--workers takes a number or 'auto', got {requested!r}") from None
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if workers == 1 or not remote_models:
        return 1
    if no_cache:
        raise ConfigError(
            "--workers above 1 needs the model cache (it is how a killed sharded run is "
            "finished); drop --no-cache or use --workers 1"
        )
    if max_connections is None:
        raise ConfigError("--workers above 1 needs --max-connections (split between workers)")
    if max_connections < workers:
        raise ConfigError(f"--max-connections {max_connections} is fewer than --workers {workers}")
    return workers


def is_shard_log(location: str) -> bool:
    """Whether a log is a shard (merged into another log, or staged by a run in progress)."""
    parts = location.replace("\\", "/").split("/")[:-1]
    return any(p.endswith(SHARDS_SUFFIX) or p.startswith(STAGING_PREFIX) for p in parts)


def record_logs(log_dir: str) -> "list[EvalLogInfo]":
    """``list_eval_logs(log_dir)`` without shard logs: the logs the analyses and resume read."""
    from inspect_ai.log import list_eval_logs

    return [info for info in list_eval_logs(log_dir) if not is_shard_log(info.name)]


def _join(*parts: str) -> str:
    return posixpath.join(*parts) if "://" in parts[0] else os.path.join(*parts)


def _fs(location: str) -> Any:
    from fsspec.core import url_to_fs

    return url_to_fs(location)[0]


@dataclass
class _Worker:
    spec: WorkerSpec
    process: subprocess.Popen[str]
    stderr_path: Path

    def summary(self) -> str:
        """The worker's last report line (``shard k: graded in ...``)."""
        text = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        lines = [line for line in text.splitlines() if line.startswith("shard ")]
        return (
            lines[-1] if lines else f"shard {self.spec.shard}: exit code {self.process.returncode}"
        )

    def error_tail(self) -> str:
        """The worker's last error line (``error: ...``), else the end of its stderr."""
        text = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        lines = [line for line in text.splitlines() if line.strip()]
        errors = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
        if errors:
            return errors[-1]
        return " | ".join(lines[-3:]) or f"exit code {self.process.returncode}"


def run_workers(specs: list[WorkerSpec]) -> None:
    """Start the workers, let them grade together once all have loaded, wait for them.

    Raises:
        VerifierEvalError: When a worker fails to start or dies while grading (its error is
            named).
    """
    with tempfile.TemporaryDirectory(prefix="verifier-eval-workers-") as tmp:
        workers = []
        for spec in specs:
            spec_path = Path(tmp) / f"worker-{spec.shard}.json"
            spec_path.write_text(spec.model_dump_json())
            stderr_path = Path(tmp) / f"worker-{spec.shard}.err"
            with stderr_path.open("w") as stderr:
                process = subprocess.Popen(
                    [sys.executable, "-m", "verifier_eval.shards", str(spec_path)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    text=True,
                )
            workers.append(_Worker(spec, process, stderr_path))
        try:
            for worker in workers:
                assert worker.process.stdout is not None
                line = _read_line(worker.process, READY_TIMEOUT_S)
                if line.strip() != "READY":
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        worker.process.wait(30)
                    reason = (
                        worker.error_tail()
                        if worker.process.returncode is not None
                        else f"not ready after {READY_TIMEOUT_S:g} s"
                    )
                    raise VerifierEvalError(
                        f"grading worker {worker.spec.shard} failed to start: {reason}"
                    )
            for worker in workers:
                assert worker.process.stdin is not None
                worker.process.stdin.write("GO\n")
                worker.process.stdin.close()
            for worker in workers:
                worker.process.wait()
                print(f"   {worker.summary()}")
            broken = [w for w in workers if w.process.returncode not in (0, 1)]
            if broken:
                failures = "; ".join(
                    f"grading worker {w.spec.shard} failed: {w.error_tail()}" for w in broken
                )
                raise VerifierEvalError(f"{failures}; {FINISH_HINT}")
        finally:
            for worker in workers:
                if worker.process.poll() is None:
                    worker.process.kill()
                    worker.process.wait()


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


def plan_workers(
    plan: "RunPlan", *, kind: TaskKind, tasks: "dict[str, Task]", models: list[str], workers: int
) -> ShardedRun:
    """Deal the answers of ``tasks`` and the run's connections to ``workers`` processes.

    Args:
        plan: The run (limit, connections, log folder, task and model arguments, ...).
        kind: The task family of ``tasks``.
        tasks: Each benchmark's task, as the parent built it.
        models: The remote verifiers the workers grade with.
        workers: How many (from :func:`resolve_workers`).
    """
    from shortuuid import uuid

    run_id = uuid()
    assert plan.max_connections is not None, "resolve_workers requires a connection limit"
    if plan.log_dir.startswith("memory://"):
        raise ConfigError(
            "--workers above 1 needs a log folder the worker processes share; memory:// is "
            "private to each process"
        )
    staging = _join(plan.log_dir, f"{STAGING_PREFIX}{run_id}")
    order = {
        benchmark: [str(s.id) for s in list(task.dataset)[: plan.limit]]
        for benchmark, task in tasks.items()
    }
    dealt = {benchmark: deal(ids, workers) for benchmark, ids in order.items()}
    connections = split_connections(plan.max_connections, workers)
    specs = [
        WorkerSpec(
            shard=k,
            kind=kind,
            benchmarks=list(tasks),
            task_args=plan.task_args,
            models=models,
            model_args=plan.model_args,
            sample_ids={b: dealt[b][k] for b in tasks},
            max_connections=connections[k],
            max_retries=plan.max_retries,
            epochs=plan.epochs,
            log_dir=_join(staging, str(k)),
            price_in=plan.price_in,
            price_out=plan.price_out,
        )
        for k in range(workers)
    ]
    return ShardedRun(staging, specs, order, run_id)


def merge_run(run: ShardedRun, log_dir: str) -> "list[EvalLog]":
    """Merge the shard logs of each (benchmark, verifier) and move the shards beside the result.

    Returns:
        The merged ``EvalLog`` headers, one per (benchmark, verifier).

    Raises:
        VerifierEvalError: When the staging folder holds no shard of some benchmark.
    """
    from inspect_ai.log import list_eval_logs, read_eval_log

    groups: dict[tuple[str, str], list[tuple[int, EvalLog]]] = {}
    for spec in run.specs:
        for info in list_eval_logs(spec.log_dir, recursive=False):
            log = read_eval_log(info.name)
            benchmark = str((log.eval.metadata or {}).get(SHARD_OF, ""))
            if benchmark not in run.order:
                raise VerifierEvalError(f"{info.name} is not a shard of this run")
            groups.setdefault((benchmark, log.eval.model), []).append((spec.shard, log))
    models = run.specs[0].models if run.specs else []
    missing = [
        f"{benchmark} / {model}"
        for benchmark, ids in run.order.items()
        for model in models
        if ids and (benchmark, model) not in groups
    ]
    if missing:
        raise VerifierEvalError(
            f"the workers left no log of {', '.join(missing)} in {run.staging}; {FINISH_HINT}"
        )
    merged = [
        merge_shards(
            [log for _, log in shards],
            [k for k, _ in shards],
            order=run.order[benchmark],
            run_id=run.run_id,
            log_dir=log_dir,
            max_connections=sum(spec.max_connections for spec in run.specs),
        )
        for (benchmark, _model), shards in sorted(groups.items())
    ]
    fs = _fs(run.staging)
    if fs.exists(run.staging) and not [p for p in fs.find(run.staging) if p.endswith(".eval")]:
        fs.rm(run.staging, recursive=True)
    return merged


def _digest(ids: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps(list(ids)).encode()).hexdigest()


def merge_shards(
    shards: "list[EvalLog]",
    names: list[int],
    *,
    order: list[str],
    run_id: str,
    log_dir: str,
    max_connections: int,
) -> "EvalLog":
    """Merge the shard logs of one (benchmark, verifier) into one log in ``log_dir``.

    Args:
        shards: The shards' ``EvalLog`` s, read with samples.
        names: Each shard's number (its directory under ``<merged>.shards/``).
        order: The benchmark's graded ids in dataset order.
        run_id: The run's id (the merged log's ``run_id``).
        log_dir: Where the merged log goes.
        max_connections: The whole run's connection limit (the shards recorded their shares),
            recorded in the merged log's metadata.

    Returns:
        The merged log (with samples), already written; its shards are moved beside it.
    """
    from inspect_ai.log import (
        EvalError,
        EvalShardEntry,
        EvalShards,
        recompute_metrics,
        write_eval_log,
    )
    from shortuuid import uuid

    first = shards[0]
    position = {sample_id: i for i, sample_id in enumerate(order)}
    samples = sorted(
        (s for log in shards for s in (log.samples or [])),
        key=lambda s: (position.get(str(s.id), len(position)), s.epoch),
    )
    eval_id = uuid()
    # inspect names a log <created>_<task>_<task id>; the merged log keeps the first shard's
    # creation time and task part, with its own id.
    stem = os.path.basename(first.location).removesuffix(".eval")
    file_name = f"{stem.rsplit('_', 1)[0]}_{eval_id}"
    location = _join(log_dir, f"{file_name}.eval")
    shards_dir = _join(log_dir, f"{file_name}{SHARDS_SUFFIX}")

    ledger = []
    model_usage: dict[str, ModelUsage] = {}
    role_usage: dict[str, ModelUsage] = {}
    for k, log in zip(names, shards, strict=True):
        ids = [str(i) for i in (log.eval.dataset.sample_ids or [])]
        ledger.append(
            EvalShardEntry(
                shard=str(k),
                log=os.path.basename(log.location),
                eval_set_id=log.eval.eval_set_id,
                status=log.status,
                error=log.error,
                samples=len(log.samples or []),
                selected=len(ids),
                selection_digest=_digest(ids),
                started_at=log.stats.started_at,
                completed_at=log.stats.completed_at,
                model_usage=log.stats.model_usage,
                role_usage=log.stats.role_usage,
                size=_fs(log.location).size(log.location),
            )
        )
        for target, usage in (
            (model_usage, log.stats.model_usage),
            (role_usage, log.stats.role_usage),
        ):
            for key, value in usage.items():
                target[key] = target[key] + value if key in target else value

    failed = [(k, log) for k, log in zip(names, shards, strict=True) if log.status != "success"]
    status = "success" if not failed else "error"
    error = None
    if failed:
        k, log = failed[0]
        message = log.error.message if log.error else f"shard {k} ended with status {log.status}"
        error = EvalError(
            message=f"shard {k} of {len(shards)}: {message}",
            traceback=log.error.traceback if log.error else "",
            traceback_ansi=log.error.traceback_ansi if log.error else "",
        )
    graded_ids = list(order)
    metadata = {k: v for k, v in (first.eval.metadata or {}).items() if k != SHARD_OF}
    metadata[LIMIT_KEY] = max_connections
    started = min((log.stats.started_at for log in shards if log.stats.started_at), default="")
    completed = max(
        (log.stats.completed_at for log in shards if log.stats.completed_at), default=""
    )
    dataset = first.eval.dataset.model_copy(
        update={"samples": len(graded_ids), "sample_ids": graded_ids, "shuffled": False}
    )
    # The selection is the graded ids, so `--resume` of a merged log in error grades exactly
    # the missing ones (the workers' own selection was a filtered dataset).
    config = first.eval.config.model_copy(update={"sample_id": graded_ids, "limit": None})
    spec = first.eval.model_copy(
        update={
            "config": config,
            "eval_id": eval_id,
            "run_id": run_id,
            "dataset": dataset,
            "metadata": metadata,
            "shards": EvalShards(selection="ids", ledger=ledger),
        }
    )
    merged = first.model_copy(
        update={
            "eval": spec,
            "status": status,
            "error": error,
            "samples": samples,
            "stats": first.stats.model_copy(
                update={
                    "started_at": started,
                    "completed_at": completed,
                    "model_usage": model_usage,
                    "role_usage": role_usage,
                }
            ),
            "location": location,
        }
    )
    if samples:
        recompute_metrics(merged)
    write_eval_log(merged, location)
    fs = _fs(log_dir)
    for k, log in zip(names, shards, strict=True):
        target_dir = _join(shards_dir, str(k))
        fs.makedirs(target_dir, exist_ok=True)
        fs.mv(log.location, _join(target_dir, os.path.basename(log.location)))
    return merged


def worker_main(argv: Sequence[str]) -> int:
    """One worker: load its spec, build tasks and models, signal READY, wait for GO, grade.

    Exit codes: 0 every log succeeded, 1 some log ended in error, 2 the worker could not run.
    """
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        spec = WorkerSpec.model_validate_json(Path(argv[0]).read_text())
        run = _prepare(spec)
    except VerifierEvalError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 2
    except Exception as ex:  # a worker must report, not die with a bare traceback
        print(f"error: {type(ex).__name__}: {ex}", file=sys.stderr)
        return 2
    with frozen_heap():  # the collection it starts with runs before READY, outside the grading
        print("READY", flush=True)
        # inspect may print; keep the READY pipe clean and everything else in the worker's log.
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        if sys.stdin.readline().strip() != "GO":
            return 2
        started, cpu = time.perf_counter(), time.process_time()
        try:
            logs = run()
        except Exception as ex:  # inspect raises on errors it does not record in a log
            print(f"error: {type(ex).__name__}: {ex}", file=sys.stderr)
            return 2
    failed = [log for log in logs if log.status != "success"]
    for log in failed:
        message = log.error.message if log.error else log.status
        print(f"shard {spec.shard}: {log.eval.task} / {log.eval.model}: {message}", file=sys.stderr)
    print(
        f"shard {spec.shard}: {sum(len(ids) for ids in spec.sample_ids.values())} answers × "
        f"{len(spec.models)} verifiers graded in {time.perf_counter() - started:.1f} s, "
        f"{time.process_time() - cpu:.1f} s CPU",
        file=sys.stderr,
    )
    return 1 if failed else 0


def _selected(ids: set[str], sample: "Sample") -> bool:
    return str(sample.id) in ids


def build_task(kind: TaskKind, benchmark: str, task_args: dict[str, Any]) -> "Task":
    """The task of ``benchmark`` with its ``-T`` arguments: the benchmark's own, or its stress task.

    ``verifier-eval run`` and its worker processes both build tasks here, so a worker grades
    exactly the task its parent planned.
    """
    if kind == "stress":
        from verifier_eval.tasks.stress.stress import build_stress_task

        return build_stress_task(benchmark, task_args)
    from verifier_eval.benchmarks import make_task

    return make_task(benchmark, **task_args)


def _prepare(spec: WorkerSpec) -> "Callable[[], list[EvalLog]]":
    """Build the worker's tasks and models; return the call that grades them."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai import task_with
    from inspect_ai.model import get_model_info

    from verifier_eval.connections import get_remote_model, remote_eval_args
    from verifier_eval.runs import SAMPLE_RETRIES, eval_options, given_price, register_prices

    tasks = []
    for benchmark in spec.benchmarks:
        wanted = set(spec.sample_ids[benchmark])
        if not wanted:
            continue
        task = build_task(spec.kind, benchmark, dict(spec.task_args))
        tasks.append(
            task_with(
                task,
                dataset=task.dataset.filter(partial(_selected, wanted)),
                metadata={**(task.metadata or {}), SHARD_OF: benchmark},
            )
        )
    register_prices(spec.models, given_price(spec.price_in, spec.price_out))
    models = [get_remote_model(name, spec.model_args, spec.max_connections) for name in spec.models]
    for name in spec.models:
        get_model_info(name)  # loads inspect's model database now, not during the first call
    with contextlib.suppress(ImportError):
        # inspect imports its ACP server inside eval(); loading it before READY keeps the
        # workers' start after GO short and even.
        importlib.import_module("inspect_ai.agent._acp.server")

    def run() -> "list[EvalLog]":
        return list(
            inspect_eval(
                tasks,
                model=models,
                log_dir=spec.log_dir,
                epochs=spec.epochs,
                max_retries=spec.max_retries,
                retry_on_error=SAMPLE_RETRIES,
                display="none",
                # Workers are internal: no control server for `inspect ctl` per worker.
                ctl_server=False,
                **remote_eval_args(spec.max_connections, len(tasks) * len(models)),
                **eval_options(),
            )
        )

    return run


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
