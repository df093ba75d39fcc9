"""Build the tidy answers table (ARCHITECTURE.md, "Tidy answers table") from eval logs.

Logs are read with :mod:`inspect_ai.analysis` dataframes: ``evals_df`` for the run headers (task,
version, verifier model, start time, epochs, scorers) and ``samples_df`` for the per-sample score of
the ``confidence_scorer`` (its value dict and metadata) and the verifier's token usage. A log run
with several epochs stores one score per epoch in its samples and the epoch-reduced score (the
``verdict_mean`` reducer) in its reductions; the table takes the reduced score from there, so its
numbers are the log's own (``verdict_status`` is then the first epoch's, ``format_ok`` the share of
valid epochs), and sums the tokens and cost over epochs.

Which logs count:

- Only logs whose task was scored by ``confidence_scorer`` (the scorer of every verifier_eval
  benchmark task; the table's columns come from its scores), so other logs in the directory, e.g.
  of other tasks or of the stress suite, are skipped with one counted warning, as are runs that
  did not finish (status other than ``success``) and samples without a score (errored samples).
- With ``newest_only`` (the default), only the newest run (by start time) of each
  ``(verifier, benchmark, task_version)`` is kept; older runs of the same version are superseded.
"""

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from inspect_ai.analysis import EvalColumn, SampleColumn, evals_df, samples_df
from inspect_ai.log import EvalLog, EvalSampleSummary, read_eval_log
from inspect_ai.scorer import Score

from verifier_eval.analysis._common import (
    HUMAN_CEILING,
    STRING_COLUMNS,
    TIDY_COLUMNS,
    empty_answers,
    verifier_kind,
)
from verifier_eval.errors import DataError, VerifierEvalError
from verifier_eval.families import model_family
from verifier_eval.shards import record_logs

logger = logging.getLogger(__name__)

SCORER = "confidence_scorer"
"""The scorer whose scores the table is built from."""

NEWEST_KEYS: tuple[str, ...] = ("verifier", "benchmark", "task_version")
"""Runs with the same values here supersede each other (the newest wins)."""

_RUN_HINT = "produce logs with `verifier-eval run` (or `verifier-eval run --log-dir DIR`)"

_LABEL_WORDS = {
    "correct": 1.0,
    "true": 1.0,
    "yes": 1.0,
    "1": 1.0,
    "incorrect": 0.0,
    "false": 0.0,
    "no": 0.0,
    "0": 0.0,
}


def _scorer_name(name: str) -> str:
    # Registered names may carry the package prefix (verifier_eval/confidence_scorer).
    return name.rsplit("/", 1)[-1]


def log_scorers(log: EvalLog) -> str:
    """Comma-separated scorer names of a log (package prefixes dropped)."""
    names = [s.name for s in log.eval.scorers or []]
    if not names and log.results is not None:
        names = [s.scorer for s in log.results.scores]
    return ",".join(_scorer_name(n) for n in names)


_EVAL_COLUMNS: list[EvalColumn] = [
    EvalColumn("eval_id", path="eval.eval_id", required=True),
    EvalColumn("log", path=lambda log: log.location, required=True),
    EvalColumn("created", path="eval.created", required=True),
    EvalColumn("task", path="eval.task", required=True),
    EvalColumn("task_version", path="eval.task_version", required=True),
    EvalColumn("model", path="eval.model", required=True),
    EvalColumn("prompt", path=lambda log: (log.eval.task_args or {}).get("prompt")),
    EvalColumn("epochs", path="eval.config.epochs"),
    EvalColumn("status", path="status", required=True),
    EvalColumn("scorers", path=log_scorers),
]


def score_of(sample: EvalSampleSummary, scorer: str = SCORER) -> Score | None:
    """The sample's score from ``scorer`` (with or without the package prefix), if any."""
    for name, score in (sample.scores or {}).items():
        if _scorer_name(name) == scorer:
            return score
    return None


def has_score(scorer: str = SCORER) -> Callable[[EvalSampleSummary], Any]:
    """Column extractor: whether the sample has a score from ``scorer``."""

    def extract(sample: EvalSampleSummary) -> Any:
        return score_of(sample, scorer) is not None

    return extract


def score_value(field: str, scorer: str = SCORER) -> Callable[[EvalSampleSummary], Any]:
    """Column extractor: one key of the ``scorer``'s dict value."""

    def extract(sample: EvalSampleSummary) -> Any:
        score = score_of(sample, scorer)
        return score.value.get(field) if score and isinstance(score.value, dict) else None

    return extract


def score_meta(field: str, scorer: str = SCORER) -> Callable[[EvalSampleSummary], Any]:
    """Column extractor: one key of the ``scorer``'s score metadata."""

    def extract(sample: EvalSampleSummary) -> Any:
        score = score_of(sample, scorer)
        return (score.metadata or {}).get(field) if score else None

    return extract


def _judge(k: int) -> Callable[[EvalSampleSummary], Any]:
    def extract(sample: EvalSampleSummary) -> Any:
        score = score_of(sample)
        points = (score.metadata or {}).get("judge_points") if score else None
        return points[k] if isinstance(points, list) and len(points) > k else None

    return extract


def _input_tokens(sample: EvalSampleSummary) -> int:
    # ModelUsage.input_tokens excludes cached input; the total input is the sum of all three.
    return sum(
        u.input_tokens + (u.input_tokens_cache_read or 0) + (u.input_tokens_cache_write or 0)
        for u in sample.model_usage.values()
    )


def _output_tokens(sample: EvalSampleSummary) -> int:
    return sum(u.output_tokens for u in sample.model_usage.values())


def _cost(sample: EvalSampleSummary) -> float | None:
    costs = [u.total_cost for u in sample.model_usage.values() if u.total_cost is not None]
    return sum(costs) if costs else None


_VALUE_FIELDS = ("verifier_points", "human_points", "format_ok")
_META_FIELDS = (
    "benchmark",
    "problem_id",
    "generator",
    "generator_family",
    "answer_index",
    "confidence",
    "verdict_status",
    "max_points",
    "failure_policy",
    "label",
)

_SAMPLE_COLUMNS: list[SampleColumn] = [
    SampleColumn("id", path="id", required=True, type=str),
    SampleColumn("epoch", path="epoch", required=True),
    SampleColumn("has_score", path=has_score()),
    *(SampleColumn(f, path=score_value(f)) for f in _VALUE_FIELDS),
    *(SampleColumn(f, path=score_meta(f)) for f in _META_FIELDS),
    SampleColumn("judge_1_points", path=_judge(0)),
    SampleColumn("judge_2_points", path=_judge(1)),
    SampleColumn("input_tokens", path=_input_tokens),
    SampleColumn("output_tokens", path=_output_tokens),
    SampleColumn("cost", path=_cost),
]


def _list_logs(log_dir: str) -> list[str]:
    try:
        infos = record_logs(log_dir)
    except (OSError, ValueError) as ex:
        raise VerifierEvalError(f"cannot list eval logs in {log_dir!r} ({ex}); {_RUN_HINT}") from ex
    if not infos:
        raise VerifierEvalError(f"no eval logs in {log_dir!r}; {_RUN_HINT}")
    return [info.name for info in infos]


def _label(value: object) -> float:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return math.nan
    if isinstance(value, bool | int | float):
        return float(value)
    word = str(value).strip().lower()
    if word in _LABEL_WORDS:
        return _LABEL_WORDS[word]
    raise DataError(
        f"score label {value!r} is not binary; expected one of {sorted(set(_LABEL_WORDS))}"
    )


def _reduced_scores(location: str) -> pd.DataFrame:
    """The epoch-reduced confidence-scorer scores of one log, one row per sample id."""
    header = read_eval_log(location, header_only=True)
    rows = []
    for reduction in header.reductions or []:
        if _scorer_name(reduction.scorer) != SCORER:
            continue
        for score in reduction.samples:
            value = score.value if isinstance(score.value, dict) else {}
            meta = score.metadata or {}
            rows.append(
                {
                    "id": str(score.sample_id),
                    **{f: value.get(f) for f in _VALUE_FIELDS},
                    **{f: meta.get(f) for f in _META_FIELDS},
                }
            )
    if not rows:
        raise DataError(
            f"log {location} ran several epochs but holds no reduced {SCORER} scores; re-run it"
        )
    return pd.DataFrame(rows)


def _epoch_reduced(samples: pd.DataFrame, location: str) -> pd.DataFrame:
    """One row per sample of a multi-epoch log: reduced score, tokens and cost summed."""
    usage = samples.groupby("id", sort=False).agg(
        input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"),
        cost=("cost", lambda c: c.sum() if c.notna().any() else math.nan),
    )
    first = samples.sort_values("epoch").groupby("id", sort=False).first()
    reduced = _reduced_scores(location).set_index("id")
    judges = first[["eval_id", "log", "judge_1_points", "judge_2_points"]]
    out = reduced.join(judges, how="inner").join(usage, how="inner")
    return out.rename_axis("id").reset_index()


def _headers(logs: Sequence[str]) -> pd.DataFrame:
    try:
        return evals_df(list(logs), columns=_EVAL_COLUMNS, quiet=True)
    except Exception as ex:  # inspect raises assorted errors for unreadable or corrupt logs
        raise VerifierEvalError(f"cannot read eval log headers: {ex}") from ex


def _tidy(
    samples: pd.DataFrame, headers: pd.DataFrame, family_overrides: dict[str, str] | None
) -> pd.DataFrame:
    run = headers.set_index("eval_id").copy()
    # A non-default prompt is a different verifier setup: label it so runs with the seed and the
    # rubric prompt sit side by side (model_key and model_family ignore the parenthesis).
    prompt = run["prompt"].where(run["prompt"].notna(), "seed").astype(str)
    run["model"] = run["model"].where(prompt == "seed", run["model"] + " (" + prompt + " prompt)")
    frame = samples.join(
        run[["created", "task_version", "model"]], on="eval_id", how="left"
    ).rename(columns={"model": "verifier", "id": "sample_id"})
    frame["created"] = pd.to_datetime(frame["created"], utc=True).map(lambda t: t.isoformat())
    frame["task_version"] = frame["task_version"].astype(str)
    frame["verifier_kind"] = frame["verifier"].map(verifier_kind)
    families = {
        v: (
            model_family(v, overrides=family_overrides)
            if verifier_kind(v) == "model"
            else verifier_kind(v)
        )
        for v in frame["verifier"].unique()
    }
    frame["verifier_family"] = frame["verifier"].map(families)
    frame["label"] = frame["label"].map(_label).astype(float)
    if frame["answer_index"].isna().any():
        raise DataError(f"{SCORER} scores without answer_index metadata; re-run those logs")
    frame["answer_index"] = frame["answer_index"].astype(int)
    for column in STRING_COLUMNS:
        frame[column] = frame[column].astype(str)
    floats = [c for c in TIDY_COLUMNS if c not in STRING_COLUMNS and c != "answer_index"]
    frame[floats] = frame[floats].astype(float)
    return frame[list(TIDY_COLUMNS)]


def newest_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the newest log of every ``(verifier, benchmark, task_version)``.

    Args:
        frame: Tidy answers, possibly from several runs of the same verifier and benchmark.

    Returns:
        The rows of the newest run of each key (ties in start time: the last log name).
    """
    if frame.empty:
        return frame
    runs = frame[[*NEWEST_KEYS, "created", "log"]].drop_duplicates()
    newest = runs.sort_values(["created", "log"]).groupby(list(NEWEST_KEYS)).tail(1)
    keep = frame.set_index([*NEWEST_KEYS, "log"]).index.isin(
        newest.set_index([*NEWEST_KEYS, "log"]).index
    )
    return frame.loc[keep].reset_index(drop=True)


def load_answers(
    log_dir: str,
    *,
    newest_only: bool = True,
    family_overrides: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read every verifier_eval log under ``log_dir`` into the tidy answers table.

    Args:
        log_dir: Log directory: a local path or any fsspec URL (``s3://...``).
        newest_only: Keep only the newest run of each ``(verifier, benchmark, task_version)``.
        family_overrides: ``{model name: family}`` for the verifiers' families.

    Returns:
        One row per (log, sample) after epoch reduction, with the columns of
        :data:`verifier_eval.analysis.TIDY_COLUMNS`, sorted by benchmark, verifier and sample.

    Raises:
        VerifierEvalError: When the directory is missing or has no verifier_eval logs (the
            message says how to produce some), or a log cannot be read.
    """
    headers = _headers(_list_logs(log_dir))
    ours = headers["scorers"].fillna("").str.split(",").map(lambda names: SCORER in names)
    finished = headers["status"] == "success"
    skipped_foreign = int((~ours).sum())
    skipped_unfinished = int((ours & ~finished).sum())
    if skipped_foreign:
        logger.warning(
            "ignored %d log(s) in %s that are not verifier_eval runs (no %s)",
            skipped_foreign,
            log_dir,
            SCORER,
        )
    if skipped_unfinished:
        logger.warning(
            "ignored %d verifier_eval log(s) in %s that did not finish (status error, "
            "cancelled or started)",
            skipped_unfinished,
            log_dir,
        )
    headers = headers.loc[ours & finished]
    if headers.empty:
        raise VerifierEvalError(f"no finished verifier_eval logs in {log_dir!r}; {_RUN_HINT}")

    try:
        samples = samples_df(list(headers["log"]), columns=_SAMPLE_COLUMNS, quiet=True)
    except Exception as ex:  # inspect raises assorted errors for unreadable or corrupt logs
        raise VerifierEvalError(f"cannot read eval log samples in {log_dir!r}: {ex}") from ex
    # samples_df adds its own hashed "sample_id"; ours is the sample's id (problem/generator/index).
    samples = samples.drop(columns=["sample_id"], errors="ignore")
    samples["id"] = samples["id"].astype(str)
    unscored = int((~samples["has_score"].astype(bool)).sum())
    if unscored:
        logger.warning("ignored %d sample(s) without a %s score (errors)", unscored, SCORER)
    samples = samples.loc[samples["has_score"].astype(bool)].drop(columns="has_score")

    epochs = headers.set_index("eval_id")["epochs"].fillna(1).astype(int)
    parts = []
    for eval_id, rows in samples.groupby("eval_id", sort=False):
        if epochs.get(eval_id, 1) > 1:
            parts.append(_epoch_reduced(rows, str(rows["log"].iloc[0])))
        else:
            parts.append(rows)
    if not parts:
        return empty_answers()
    frame = _tidy(pd.concat(parts, ignore_index=True), headers, family_overrides)
    if newest_only:
        frame = newest_runs(frame)
    order = ["benchmark", "verifier", "task_version", "log", "problem_id", "generator"]
    return frame.sort_values([*order, "answer_index"], kind="stable").reset_index(drop=True)


def with_human_ceiling(frame: pd.DataFrame) -> pd.DataFrame:
    """Append the human-human ceiling: judge 1 graded against judge 2, as a verifier.

    For each benchmark, every answer graded by both judges (de-duplicated across logs, newest log
    first) becomes a row of verifier :data:`HUMAN_CEILING` (kind ``human``) with
    ``verifier_points`` = judge 1 and ``human_points`` = judge 2. Its ``task_version`` and
    ``created`` are those of the newest log of the benchmark, ``log`` is empty, tokens are 0.
    Existing ceiling rows are replaced, so the function is idempotent.

    Args:
        frame: Tidy answers.

    Returns:
        ``frame`` with the ceiling rows appended.
    """
    base = frame.loc[frame["verifier"] != HUMAN_CEILING]
    both = base.loc[base["judge_1_points"].notna() & base["judge_2_points"].notna()]
    if both.empty:
        return base.reset_index(drop=True)
    newest_first = both.sort_values(["created", "log"], ascending=False, kind="stable")
    rows = newest_first.drop_duplicates(["benchmark", "sample_id"]).copy()
    latest = newest_first.drop_duplicates("benchmark").set_index("benchmark")
    rows["task_version"] = rows["benchmark"].map(latest["task_version"])
    rows["created"] = rows["benchmark"].map(latest["created"])
    rows["log"] = ""
    rows["verifier"] = HUMAN_CEILING
    rows["verifier_kind"] = "human"
    rows["verifier_family"] = "human"
    rows["verifier_points"] = rows["judge_1_points"]
    rows["human_points"] = rows["judge_2_points"]
    rows["confidence"] = rows["judge_1_points"] / rows["max_points"] * 100.0
    rows["format_ok"] = 1.0
    rows["verdict_status"] = "ok"
    rows["failure_policy"] = "zero"
    rows["input_tokens"] = 0.0
    rows["output_tokens"] = 0.0
    rows["cost"] = math.nan
    ordered = rows.sort_values(["benchmark", "problem_id", "generator", "answer_index"])
    return pd.concat([base, ordered[list(TIDY_COLUMNS)]], ignore_index=True)
