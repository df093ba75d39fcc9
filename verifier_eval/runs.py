"""Run bookkeeping for ``verifier-eval run``: the grading cache, resuming, tokens and cost.

Cache. Every grading goes through inspect's model cache (:func:`cache_policy`): the cache key is
the model, its base URL, the generate config, the prompt and the epoch, so running the same
verifier on the same benchmark again reuses the earlier gradings and makes no model call, while a
changed prompt, model or setting misses. Entries expire after a year (:data:`CACHE_EXPIRY`); the
cache lives in ``$INSPECT_CACHE_DIR/generate`` (default ``~/.cache/inspect_ai/generate``) and
``inspect cache clear`` empties it. ``--no-cache`` neither reads nor writes it.

Resume. An interrupted run leaves an ``.eval`` log with status ``started`` holding the samples
flushed so far (every few samples; inspect also keeps a live buffer of finished samples that it
recovers from). :func:`resume` hands that log to inspect's ``eval_retry``, which recovers the
crashed log, keeps its finished samples and grades only the missing ones into a new, complete log
in the same directory. The interrupted log stays behind, with status ``started``; the analysis
ignores unfinished logs, so nothing is counted twice. A run graded by several worker processes
(:mod:`verifier_eval.shards`) ends as merged logs, which resume the same way when a shard failed;
one killed outright is finished by running the same command again, every finished grading coming
back from the cache.

Cost. inspect writes the cost of each call into the log when it knows the model's price;
:func:`register_prices` tells it, from a price the user gives (``--price-in/--price-out``, USD
per million tokens) or from :data:`PRICES`, a small table of approximate list prices.
:func:`run_usage` sums a finished log's tokens and cost for the leaderboard, counting cached
gradings separately (a cache hit costs nothing).
"""

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import CachePolicy, ModelCost, ModelInfo, ModelUsage

from verifier_eval.connections import recorded_limit
from verifier_eval.errors import ConfigError
from verifier_eval.shards import record_logs

SAMPLE_RETRIES = 3
"""``retry_on_error`` of every grading eval: a sample whose call failed after all model retries
(e.g. one invalid JSON body the SDK does not retry) is graded again instead of failing the run."""
CACHE_EXPIRY = "1Y"
"""How long a grading stays cached. Not ``None`` (never): the log drops a ``None`` expiry, so a
resumed run would read back inspect's default (one week), and the expiry is part of the cache
key, so the resumed run would miss every grading the interrupted one had cached."""
PRICES_AS_OF = "2025-08"
"""When :data:`PRICES` were copied from the providers' price pages."""
PRICES: dict[str, tuple[float, float]] = {
    "openai/gpt-4o": (2.50, 10.00),
    "openai/gpt-4o-mini": (0.15, 0.60),
    "openai/gpt-4.1": (2.00, 8.00),
    "openai/gpt-4.1-mini": (0.40, 1.60),
    "openai/o3": (2.00, 8.00),
    "openai/o4-mini": (1.10, 4.40),
    "openai/gpt-5": (1.25, 10.00),
    "openai/gpt-5-mini": (0.25, 2.00),
    "anthropic/claude-sonnet-4-0": (3.00, 15.00),
    "anthropic/claude-opus-4-1": (15.00, 75.00),
    "google/gemini-2.5-pro": (1.25, 10.00),
    "google/gemini-2.5-flash": (0.30, 2.50),
}
"""Approximate list prices (USD per million input, output tokens) as of :data:`PRICES_AS_OF`,
standard tier, no batch or cache discounts. They change: pass ``--price-in/--price-out`` for the
price you pay. Dated snapshots (``openai/o3-2025-04-16``) take their model's price."""
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


@dataclass(frozen=True)
class Price:
    """A model's price in USD per million tokens."""

    input: float
    output: float
    source: str
    """``given`` (by the user) or ``table <date>`` (:data:`PRICES`)."""

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """USD for the tokens."""
        return (input_tokens * self.input + output_tokens * self.output) / 1e6


def cache_policy(enabled: bool = True) -> CachePolicy | bool:
    """The cache setting ``verifier-eval run`` passes to inspect (``False`` with ``--no-cache``).

    Epochs are cached separately (``per_epoch``), so ``--epochs 3`` still grades three times.
    """
    return CachePolicy(expiry=CACHE_EXPIRY, per_epoch=True) if enabled else False


def eval_options(*, no_cache: bool = False) -> dict[str, Any]:
    """Arguments for ``inspect_ai.eval`` (``eval(..., **eval_options(...))``).

    - ``cache``: a generate-config setting, so it applies to every model call of the run
      without the solver having to pass it.
    - ``log_realtime=False``: inspect's live sample buffer (for ``inspect view`` during a run,
      and for recovering samples finished after the last log flush) costs about 15% of the CPU
      time per answer, which bounds throughput on a small machine. With the cache on, a resumed
      run gets those gradings back from the cache instead; with ``--no-cache`` the buffer is
      kept, so no paid grading is lost to a crash.
    - ``score_display=False``: inspect otherwise recomputes every metric over all finished
      samples about once a second for the progress display, on the event loop that also sends
      the gradings; the leaderboard printed at the end shows the same numbers.
    """
    return {
        "cache": cache_policy(not no_cache),
        "log_realtime": no_cache,
        "score_display": False,
    }


def table_price(model: str) -> Price | None:
    """The :data:`PRICES` entry of ``model`` (a dated snapshot matches its model)."""
    for name in (model, _SNAPSHOT.sub("", model)):
        if name in PRICES:
            price_in, price_out = PRICES[name]
            return Price(price_in, price_out, f"table {PRICES_AS_OF}")
    return None


def given_price(price_in: float | None, price_out: float | None) -> Price | None:
    """The user's price, or ``None`` when neither is given.

    Raises:
        ConfigError: When only one of the two is given, or one is negative.
    """
    if price_in is None and price_out is None:
        return None
    if price_in is None or price_out is None:
        raise ConfigError("give both --price-in and --price-out (USD per million tokens)")
    if price_in < 0 or price_out < 0:
        raise ConfigError("--price-in and --price-out must not be negative")
    return Price(price_in, price_out, "given")


def register_prices(models: Iterable[str], price: Price | None = None) -> dict[str, Price]:
    """Tell inspect the models' prices, so the cost of each call is written into the log.

    Call before ``inspect_ai.eval`` in the same process.

    Args:
        models: Model names as given to ``--model`` (not the baselines).
        price: The user's price for all of them; otherwise each takes its :data:`PRICES` entry.

    Returns:
        The price registered for each model that has one.
    """
    from inspect_ai.model import get_model_info, set_model_info

    registered: dict[str, Price] = {}
    for model in models:
        chosen = price or table_price(model)
        if chosen is None:
            continue
        info = get_model_info(model) or ModelInfo()
        cost = ModelCost(
            input=chosen.input,
            output=chosen.output,
            input_cache_write=chosen.input,
            input_cache_read=chosen.input,
        )
        set_model_info(model, info.model_copy(update={"cost": cost}))
        registered[model] = chosen
    return registered


@dataclass(frozen=True)
class RunUsage:
    """Tokens and cost of one verifier run (one eval log)."""

    model: str
    calls: int
    """Gradings the provider answered in this run."""
    cached_calls: int
    """Gradings answered from the cache (no provider call)."""
    input_tokens: int
    """Input tokens of every grading in the log, cached ones included."""
    output_tokens: int
    spent_input_tokens: int
    """Input tokens of the provider calls made in this run (cache hits excluded)."""
    spent_output_tokens: int
    cost: float | None
    """USD of all the gradings (what the run costs without the cache): at ``price``, else the
    log's recorded cost when nothing was cached."""
    spent: float | None
    """USD spent in this run: the log's own cost where inspect recorded one, else ``price``."""
    price: Price | None


def _input_tokens(usage: ModelUsage) -> int:
    # ModelUsage.input_tokens excludes cached input; the total input is the sum of all three.
    return (
        usage.input_tokens
        + (usage.input_tokens_cache_read or 0)
        + (usage.input_tokens_cache_write or 0)
    )


def run_usage(log: EvalLog, price: Price | None = None) -> RunUsage:
    """Sum the tokens and cost of a verifier run from its log (samples included).

    Args:
        log: A log read with its samples.
        price: The price to apply; default: the one inspect recorded, else :data:`PRICES`.

    Returns:
        The run's usage; costs are ``None`` when no price is known.
    """
    model = log.eval.model
    price = price or table_price(model)
    calls = cached = 0
    totals = [0, 0]
    for sample in log.samples or []:
        for event in sample.events:
            if event.event != "model" or event.error is not None:
                continue
            usage = event.output.usage
            if event.cache == "read":
                cached += 1
            else:
                calls += 1
            if usage is not None:
                totals[0] += _input_tokens(usage)
                totals[1] += usage.output_tokens
    spent_usage = [u for name, u in (log.stats.model_usage or {}).items() if name == model]
    spent_in = sum(_input_tokens(u) for u in spent_usage)
    spent_out = sum(u.output_tokens for u in spent_usage)
    recorded = [u.total_cost for u in spent_usage if u.total_cost is not None]
    spent: float | None = None
    if recorded:
        spent = sum(recorded)
    elif spent_in == spent_out == 0:
        spent = 0.0  # every grading came from the cache (or the verifier uses no tokens)
    elif price is not None:
        spent = price.cost(spent_in, spent_out)
    cost: float | None = None
    if price is not None:
        cost = price.cost(totals[0], totals[1])
    elif cached == 0:
        cost = spent  # nothing was cached: the run cost what it spent
    return RunUsage(
        model=model,
        calls=calls,
        cached_calls=cached,
        input_tokens=totals[0],
        output_tokens=totals[1],
        spent_input_tokens=spent_in,
        spent_output_tokens=spent_out,
        cost=cost,
        spent=spent,
        price=price,
    )


def unfinished_logs(log_dir: str) -> list[str]:
    """The logs in ``log_dir`` of runs that did not finish and were not resumed since.

    A resumed run keeps its task id, so an interrupted log whose task id and model have a
    finished log is already done.
    """
    headers = [(info.name, read_eval_log(info, header_only=True)) for info in record_logs(log_dir)]
    finished = {(h.eval.task_id, h.eval.model) for _, h in headers if h.status == "success"}
    return [
        name
        for name, h in headers
        if h.status != "success" and (h.eval.task_id, h.eval.model) not in finished
    ]


def _check_resumable(log_file: str) -> EvalLog:
    if "://" not in log_file and not os.path.exists(log_file):
        raise ConfigError(f"cannot resume {log_file}: no such log file or folder")
    try:
        header = read_eval_log(log_file, header_only=True)
    except Exception as ex:  # inspect raises several types for unreadable or foreign files
        raise ConfigError(f"cannot resume {log_file}: not a readable eval log ({ex})") from ex
    if header.status == "success":
        raise ConfigError(f"{log_file} finished successfully; there is nothing to resume")
    return header


def resume(
    log: str,
    *,
    log_dir: str | None = None,
    max_connections: int | None = None,
    max_retries: int | None = None,
    display: str | None = None,
    log_buffer: int | None = None,
) -> list[EvalLog]:
    """Grade what interrupted (or failed) runs left out, keeping what they finished.

    Args:
        log: An interrupted run's ``.eval`` log, or a folder: every unfinished run in it (see
            :func:`unfinished_logs`).
        log_dir: Where the completed logs go (default: the interrupted log's folder).
        max_connections: Concurrent model calls (default: the limit the runs recorded, the
            smallest if they differ; else the provider's).
        max_retries: Retries per model call.
        display: inspect's display (``none``, ``plain``, ...).
        log_buffer: Samples per log flush (default: inspect's).

    Returns:
        The completed runs' logs.

    Raises:
        ConfigError: When the log does not exist, is unreadable or already finished, a folder
            has nothing to resume, or the run's task cannot be rebuilt.
    """
    from inspect_ai import eval_retry

    if "://" not in log and os.path.isdir(log):
        files = unfinished_logs(log)
        if not files:
            raise ConfigError(f"no unfinished runs in {log}; there is nothing to resume")
        log_dir = log_dir or log
    else:
        header = _check_resumable(log)
        files = [log]
        log_dir = log_dir or os.path.dirname(header.location or log) or "."
    if max_connections is None:
        limits = [recorded_limit(read_eval_log(f, header_only=True).eval.metadata) for f in files]
        max_connections = min((n for n in limits if n is not None), default=None)
    try:
        return eval_retry(
            files,
            log_dir=log_dir,
            max_connections=max_connections,
            max_retries=max_retries,
            display=display,  # type: ignore[arg-type]
            log_buffer=log_buffer,
        )
    except (FileNotFoundError, LookupError) as ex:
        # The task or a scorer cannot be rebuilt from the registry (e.g. the run was made with
        # another version of verifier_eval, or outside the installed package).
        raise ConfigError(f"cannot resume {log}: {ex}") from ex


def completed_sample_ids(logs: Sequence[EvalLog]) -> list[str | int]:
    """Ids of the samples the logs hold (for checks that nothing was lost or graded twice)."""
    return [s.id for log in logs for s in (log.samples or [])]
