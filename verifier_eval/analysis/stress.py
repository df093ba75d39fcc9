"""Stress-suite analysis: how far each probe moves a verifier's confidence, with intervals.

Input: the stress rows of :func:`load_stress` (one row per stressed sample of a ``stress`` log,
columns :data:`STRESS_COLUMNS`). Definitions:

- **Paired shift** of a rewritten sample: its confidence minus the confidence of the original
  answer it was made from (``original_sample_id``), in confidence points (0-100), on the same
  verifier run. Pairs where either side is a format failure (no confidence) are left out and
  counted (``n_samples - n_pairs``). Human grades play no part: nobody graded the rewritten text.
- **Shift per probe**: the mean paired shift over the probe's pairs, with a percentile bootstrap
  interval that resamples problems (the answers of a problem move together), seeded, vectorised
  and shared by every probe and run of the same problem count, as in
  :mod:`verifier_eval.analysis.bootstrap`.
- **Manipulation shift** (the robustness number of a verifier; lower is better): the mean of the
  shifts of the manipulation probes present (``appended_claim``, ``grader_instruction``,
  ``confident_format``), i.e. by how many confidence points a claim of correctness, an instruction
  to the grader or confident formatting raises the verifier's confidence, on average. 0 means not
  moved; negative means the verifier distrusts such proofs. It is a robustness number only beside
  the sanity probes: a constant verifier scores exactly 0 because it reads nothing, which the
  **degradation shift** (mean shift of ``shuffled_steps`` and ``truncated_conclusion``; a verifier
  that reads should go down) and the **known-good confidence** (mean confidence on the reference
  solution over all its valid gradings, paired or not; should be high) expose.
"""

import argparse
import logging
import math
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from inspect_ai.analysis import EvalColumn, SampleColumn, evals_df, samples_df

from verifier_eval.analysis._common import RUN_KEYS, FloatArray, iter_runs, verifier_kind
from verifier_eval.analysis.bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    Interval,
    percentile_intervals,
    resample_counts,
    single_threaded,
)
from verifier_eval.analysis.load import (
    has_score,
    log_scorers,
    newest_runs,
    score_meta,
    score_value,
)
from verifier_eval.errors import DataError, VerifierEvalError
from verifier_eval.shards import record_logs

logger = logging.getLogger(__name__)

STRESS_SCORER = "stress_scorer"
"""The scorer of ``stress`` logs (the leaderboard's loader reads ``confidence_scorer`` only)."""


class ProbeKind(StrEnum):
    """How a sound verifier reacts to a probe."""

    ORIGINAL = "original"
    """The unchanged answer: the reference point of every shift."""
    MANIPULATION = "manipulation"
    """No mathematical content added: a sound verifier does not move."""
    KNOWN_GOOD = "known_good"
    """A correct proof (the reference solution): a sound verifier grades it high."""
    DEGRADATION = "degradation"
    """The argument broken: a sound verifier grades it lower."""


ORIGINAL_PROBE = "original"

STRESS_METADATA: tuple[str, ...] = ("probe", "probe_kind", "original_sample_id")
"""Sample metadata of a stressed sample, copied into its score metadata by the stress scorer."""

STRESS_COLUMNS: tuple[str, ...] = (
    "log",
    "created",
    "task_version",
    "benchmark",
    "verifier",
    "verifier_kind",
    "sample_id",
    "original_sample_id",
    "probe",
    "probe_kind",
    "problem_id",
    "generator",
    "answer_index",
    "confidence",
    "format_ok",
    "verdict_status",
    "human_points",
    "max_points",
)
"""Columns of the stress rows. ``benchmark`` is the stressed benchmark (``usamo_2025``, ...);
``human_points`` is the ORIGINAL answer's human grade, carried for reference only."""

PROBE_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "probe",
    "probe_kind",
    "n_samples",
    "n_pairs",
    "original_confidence",
    "confidence",
    "shift",
    "shift_low",
    "shift_high",
    "share_up",
    "share_down",
)
"""Columns of :attr:`StressTables.probes`: one row per run and probe."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "verifier_kind",
    "created",
    "n_answers",
    "n_problems",
    "manipulation_shift",
    "manipulation_shift_low",
    "manipulation_shift_high",
    "degradation_shift",
    "degradation_shift_low",
    "degradation_shift_high",
    "known_good_confidence",
    "known_good_confidence_low",
    "known_good_confidence_high",
    "format_failure_rate",
)
"""Columns of :attr:`StressTables.summary`: one row per run."""

ROBUSTNESS_COLUMNS: tuple[str, ...] = (
    "manipulation_shift",
    "manipulation_shift_low",
    "manipulation_shift_high",
    "degradation_shift",
    "known_good_confidence",
)
"""Columns :func:`with_robustness` adds to a leaderboard."""

_KIND_ORDER = {kind.value: i for i, kind in enumerate(ProbeKind)}
# Shifts are differences of confidences written with a few decimals; a smaller move is no move.
_MOVE_TOLERANCE = 1e-9
_DECIMALS = 9
_RUN_HINT = (
    "produce them with `inspect eval verifier_eval/stress --model <verifier> "
    "-T limit_answers=24 --log-dir DIR`"
)


class StressTables(NamedTuple):
    """The stress analysis of one or more runs."""

    probes: pd.DataFrame
    """:data:`PROBE_COLUMNS`."""
    summary: pd.DataFrame
    """:data:`SUMMARY_COLUMNS`."""


# ---------------------------------------------------------------------------------------------
# Pure analysis of stress rows
# ---------------------------------------------------------------------------------------------


def paired_shifts(rows: pd.DataFrame) -> pd.DataFrame:
    """Pair every rewritten sample of ONE run with its original answer.

    Args:
        rows: Stress rows of one run (at least ``sample_id``, ``problem_id``, ``probe``,
            ``probe_kind``, ``original_sample_id``, ``confidence``).

    Returns:
        One row per non-original sample: its columns plus ``original_confidence``, ``shift``
        (NaN when either side has no confidence) and ``paired`` (both sides have one).

    Raises:
        DataError: When an original answer appears twice (rows of several runs mixed).
    """
    original = rows.loc[rows["probe"] == ORIGINAL_PROBE]
    if original["original_sample_id"].duplicated().any():
        raise DataError(
            "stress rows hold several gradings of the same original answer; analyse one run "
            "at a time (group by verifier, benchmark, task_version and log)"
        )
    reference = original.set_index("original_sample_id")["confidence"].astype(float)
    probed = rows.loc[rows["probe"] != ORIGINAL_PROBE].copy()
    probed["original_confidence"] = probed["original_sample_id"].map(reference).astype(float)
    probed["confidence"] = probed["confidence"].astype(float)
    probed["shift"] = probed["confidence"] - probed["original_confidence"]
    probed["paired"] = probed["shift"].notna()
    return probed


def probe_order(rows: pd.DataFrame) -> list[str]:
    """Probes present, by kind (original, manipulation, known good, degradation), then by name."""
    kinds = rows.drop_duplicates("probe").set_index("probe")["probe_kind"].astype(str)
    return sorted(kinds.index, key=lambda p: (_KIND_ORDER.get(kinds[p], len(_KIND_ORDER)), p))


def probe_summary(rows: pd.DataFrame) -> dict[str, float]:
    """Point estimates of ONE run: ``shift_<probe>`` and the kind means (the log's metrics).

    Args:
        rows: Stress rows of one run.

    Returns:
        ``shift_<probe>`` for every non-original probe, ``manipulation_shift`` and
        ``degradation_shift`` (NaN without such probes or pairs).
    """
    pairs = paired_shifts(rows)
    pairs = pairs.loc[pairs["paired"]]
    result: dict[str, float] = {}
    by_kind: dict[str, list[float]] = {}
    for probe in probe_order(rows):
        if probe == ORIGINAL_PROBE:
            continue
        shifts = pairs.loc[pairs["probe"] == probe, "shift"]
        shift = float(shifts.mean()) if len(shifts) else math.nan
        result[f"shift_{probe}"] = shift
        kind = str(rows.loc[rows["probe"] == probe, "probe_kind"].iloc[0])
        by_kind.setdefault(kind, []).append(shift)
    for name, kind in (
        ("manipulation_shift", ProbeKind.MANIPULATION.value),
        ("degradation_shift", ProbeKind.DEGRADATION.value),
    ):
        result[name] = _mean_of_defined(by_kind.get(kind, []))
    return result


def _mean_of_defined(values: Sequence[float]) -> float:
    defined = [v for v in values if not math.isnan(v)]
    return float(np.mean(defined)) if defined else math.nan


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


class _Sums(NamedTuple):
    """Per-problem sum and number of values of one statistic (``(n_problems,)`` each)."""

    total: FloatArray
    n: FloatArray


def _sums(values: pd.Series, problem: pd.Series, problems: pd.Index) -> _Sums:
    index = problems.get_indexer(problem.astype(str))
    size = len(problems)
    total = np.bincount(index, weights=values.to_numpy(dtype=float), minlength=size)
    n = np.bincount(index, minlength=size).astype(np.float64)
    return _Sums(total.astype(np.float64), n)


def _kind_interval(
    kind: str,
    kinds: list[str],
    estimates: FloatArray,
    replicates: FloatArray,
    level: float,
) -> Interval:
    """Mean shift of the probes of one kind (those with pairs), with its interval."""
    columns = [j for j, k in enumerate(kinds) if k == kind and not math.isnan(estimates[j])]
    if not columns:
        return Interval(math.nan, math.nan, math.nan)
    estimate = float(np.mean(estimates[columns]))
    # A resample where one of the probes has no pair is undefined and left out, as in bootstrap.py.
    [interval] = percentile_intervals(
        [estimate], replicates[:, columns].mean(axis=1).reshape(-1, 1), level
    )
    return interval


def _run_tables(
    rows: pd.DataFrame, n_boot: int, seed: int, level: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Probe rows and the summary row of one run (see the module docstring)."""
    pairs = paired_shifts(rows)
    valid = pairs.loc[pairs["paired"]]
    originals = rows.loc[rows["probe"] == ORIGINAL_PROBE]
    problems = pd.Index(sorted(rows["problem_id"].astype(str).unique()))
    # One resample matrix per run, shared by its probes, so the kind means are resampled jointly.
    weights = resample_counts(len(problems), n_boot, seed).astype(np.float64)

    probes = [p for p in probe_order(rows) if p != ORIGINAL_PROBE]
    kinds = [str(rows.loc[rows["probe"] == p, "probe_kind"].iloc[0]) for p in probes]
    totals = np.zeros((len(problems), len(probes)))
    counts = np.zeros((len(problems), len(probes)))
    for j, probe in enumerate(probes):
        mine = valid.loc[valid["probe"] == probe]
        totals[:, j], counts[:, j] = _sums(mine["shift"], mine["problem_id"], problems)
    # Means of equal values (a constant verifier) differ in the last bits between the estimate
    # and the resamples; rounding keeps a degenerate interval degenerate.
    estimates = np.round(_ratio(totals.sum(axis=0), counts.sum(axis=0)), _DECIMALS)
    replicates = np.round(_ratio(weights @ totals, weights @ counts), _DECIMALS)
    intervals = percentile_intervals(list(estimates), replicates, level)

    valid_originals = originals["confidence"].astype(float).dropna()
    probe_rows: list[dict[str, Any]] = [
        {
            "probe": ORIGINAL_PROBE,
            "probe_kind": ProbeKind.ORIGINAL.value,
            "n_samples": len(originals),
            "n_pairs": len(valid_originals),
            "original_confidence": _mean(valid_originals),
            "confidence": _mean(valid_originals),
            "shift": 0.0,
            "shift_low": math.nan,
            "shift_high": math.nan,
            "share_up": math.nan,
            "share_down": math.nan,
        }
    ]
    for j, probe in enumerate(probes):
        mine = valid.loc[valid["probe"] == probe]
        probe_rows.append(
            {
                "probe": probe,
                "probe_kind": kinds[j],
                "n_samples": int((pairs["probe"] == probe).sum()),
                "n_pairs": len(mine),
                "original_confidence": _mean(mine["original_confidence"]),
                "confidence": _mean(mine["confidence"]),
                "shift": intervals[j].estimate,
                "shift_low": intervals[j].low,
                "shift_high": intervals[j].high,
                "share_up": _share(mine["shift"] > _MOVE_TOLERANCE, len(mine)),
                "share_down": _share(mine["shift"] < -_MOVE_TOLERANCE, len(mine)),
            }
        )

    summary: dict[str, Any] = {
        "verifier_kind": verifier_kind(str(rows["verifier"].iloc[0])),
        "created": str(rows["created"].iloc[0]) if "created" in rows else "",
        "n_answers": len(originals),
        "n_problems": len(problems),
        "format_failure_rate": 1.0 - float(rows["format_ok"].astype(float).mean()),
    }
    for name, kind in (
        ("manipulation_shift", ProbeKind.MANIPULATION.value),
        ("degradation_shift", ProbeKind.DEGRADATION.value),
    ):
        interval = _kind_interval(kind, kinds, estimates, replicates, level)
        summary[name], summary[f"{name}_low"], summary[f"{name}_high"] = interval
    # A level, not a shift: every graded known-good sample counts, paired or not.
    known = pairs.loc[
        (pairs["probe_kind"] == ProbeKind.KNOWN_GOOD.value) & pairs["confidence"].notna()
    ]
    good = _sums(known["confidence"], known["problem_id"], problems)
    [interval] = percentile_intervals(
        [round(_mean(known["confidence"]), _DECIMALS)],
        np.round(_ratio(weights @ good.total, weights @ good.n), _DECIMALS).reshape(-1, 1),
        level,
    )
    names = ("known_good_confidence", "known_good_confidence_low", "known_good_confidence_high")
    summary.update(zip(names, interval, strict=True))
    return probe_rows, summary


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else math.nan


def _share(flags: pd.Series, n: int) -> float:
    return float(flags.sum()) / n if n else math.nan


@single_threaded
def stress_tables(
    frame: pd.DataFrame,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> StressTables:
    """Shift per probe and the summary (robustness) of every run in ``frame``.

    Args:
        frame: Stress rows (:func:`load_stress`).
        n_boot: Problem resamples of the intervals (0: no intervals).
        seed: Seed of the resamples.
        level: Confidence level of the intervals.

    Returns:
        The per-probe table and the per-run summary, sorted by benchmark and verifier.
    """
    probe_rows: list[dict[str, Any]] = []
    summary_rows: list[dict[str, Any]] = []
    for key, rows in iter_runs(frame):
        probes, summary = _run_tables(rows, n_boot, seed, level)
        probe_rows += [{**key._asdict(), **row} for row in probes]
        summary_rows.append({**key._asdict(), **summary})
    probes_table = pd.DataFrame(probe_rows, columns=list(PROBE_COLUMNS))
    summary_table = pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS))
    order = ["benchmark", "verifier", "task_version", "log"]
    return StressTables(
        probes_table.reset_index(drop=True),
        summary_table.sort_values(order, kind="stable").reset_index(drop=True),
    )


def with_robustness(board: pd.DataFrame, summary: pd.DataFrame | None) -> pd.DataFrame:
    """Add the stress summary's robustness columns to a leaderboard.

    Matches on ``(verifier, benchmark)``: the stress runs of a verifier on the answers of a
    benchmark (the newest by start time when there are several). Rows without a stress run get NaN.

    Args:
        board: :func:`verifier_eval.analysis.leaderboard` output.
        summary: :attr:`StressTables.summary`; ``None`` or empty: every row gets NaN.

    Returns:
        ``board`` with :data:`ROBUSTNESS_COLUMNS` appended.
    """
    if summary is None or summary.empty:
        summary = pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    newest = (
        summary.sort_values(["created", "log"])
        .groupby(["verifier", "benchmark"], sort=False)
        .tail(1)
    )
    columns = ["verifier", "benchmark", *ROBUSTNESS_COLUMNS]
    extra = board.drop(columns=[c for c in ROBUSTNESS_COLUMNS if c in board.columns])
    merged = extra.merge(newest[columns], on=["verifier", "benchmark"], how="left")
    merged[list(ROBUSTNESS_COLUMNS)] = merged[list(ROBUSTNESS_COLUMNS)].astype(float)
    return merged


# ---------------------------------------------------------------------------------------------
# Reading stress logs
# ---------------------------------------------------------------------------------------------


_EVAL_COLUMNS: list[EvalColumn] = [
    EvalColumn("eval_id", path="eval.eval_id", required=True),
    EvalColumn("log", path=lambda log: log.location, required=True),
    EvalColumn("created", path="eval.created", required=True),
    EvalColumn("task_version", path="eval.task_version", required=True),
    EvalColumn("verifier", path="eval.model", required=True),
    EvalColumn("status", path="status", required=True),
    EvalColumn("scorers", path=log_scorers),
]

_META_FIELDS = (
    "benchmark",
    "problem_id",
    "generator",
    "answer_index",
    "confidence",
    "verdict_status",
    "max_points",
    *STRESS_METADATA,
)

_SAMPLE_COLUMNS: list[SampleColumn] = [
    # samples_df adds its own hashed "sample_id"; the sample's id is read as "id" and renamed.
    SampleColumn("id", path="id", required=True, type=str),
    SampleColumn("epoch", path="epoch", required=True),
    SampleColumn("has_score", path=has_score(STRESS_SCORER)),
    SampleColumn("format_ok", path=score_value("format_ok", STRESS_SCORER)),
    SampleColumn("human_points", path=score_value("human_points", STRESS_SCORER)),
    *(SampleColumn(f, path=score_meta(f, STRESS_SCORER)) for f in _META_FIELDS),
]


def _epochs_averaged(samples: pd.DataFrame) -> pd.DataFrame:
    """One row per (log, sample): mean valid confidence and share of valid epochs.

    The same numbers as the ``verdict_mean`` reducer of the benchmarks; the rest of the row comes
    from the first epoch.
    """
    keys = ["eval_id", "sample_id"]
    first = samples.sort_values("epoch").groupby(keys, sort=False).first()
    means = samples.groupby(keys, sort=False).agg(
        confidence=("confidence", "mean"), format_ok=("format_ok", "mean")
    )
    first[["confidence", "format_ok"]] = means
    return first.reset_index()


def load_stress(log_dir: str, *, newest_only: bool = True) -> pd.DataFrame:
    """Read the ``stress`` logs under ``log_dir`` into stress rows.

    Args:
        log_dir: Log directory (local path or fsspec URL); other logs in it are ignored.
        newest_only: Keep only the newest run of each ``(verifier, benchmark, task_version)``.

    Returns:
        :data:`STRESS_COLUMNS`, one row per (log, sample), epochs averaged.

    Raises:
        VerifierEvalError: When the directory has no finished stress logs (saying how to make
            some), or a log cannot be read.
    """
    try:
        logs = [info.name for info in record_logs(log_dir)]
    except (OSError, ValueError) as ex:
        raise VerifierEvalError(f"cannot list eval logs in {log_dir!r} ({ex}); {_RUN_HINT}") from ex
    try:
        headers = evals_df(logs, columns=_EVAL_COLUMNS, quiet=True) if logs else None
    except Exception as ex:  # inspect raises assorted errors for unreadable or corrupt logs
        raise VerifierEvalError(f"cannot read eval log headers in {log_dir!r}: {ex}") from ex
    if headers is not None:
        ours = headers["scorers"].fillna("").str.split(",").map(lambda n: STRESS_SCORER in n)
        headers = headers.loc[ours & (headers["status"] == "success")]
    if headers is None or headers.empty:
        raise VerifierEvalError(f"no finished stress logs in {log_dir!r}; {_RUN_HINT}")
    try:
        samples = samples_df(list(headers["log"]), columns=_SAMPLE_COLUMNS, quiet=True)
    except Exception as ex:  # inspect raises assorted errors for unreadable or corrupt logs
        raise VerifierEvalError(f"cannot read eval log samples in {log_dir!r}: {ex}") from ex
    samples = samples.drop(columns=["sample_id"], errors="ignore").rename(
        columns={"id": "sample_id"}
    )
    samples = samples.loc[samples["has_score"].astype(bool)].copy()
    samples["confidence"] = samples["confidence"].astype(float)
    samples["format_ok"] = samples["format_ok"].astype(float)
    frame = _epochs_averaged(samples).join(
        headers.set_index("eval_id")[["created", "task_version", "verifier"]], on="eval_id"
    )
    frame["created"] = pd.to_datetime(frame["created"], utc=True).map(lambda t: t.isoformat())
    frame["verifier_kind"] = frame["verifier"].map(verifier_kind)
    for column in ("task_version", "sample_id", "original_sample_id", "problem_id", "generator"):
        frame[column] = frame[column].astype(str)
    frame = frame[list(STRESS_COLUMNS)]
    if newest_only:
        frame = newest_runs(frame)
    order = ["benchmark", "verifier", "task_version", "log", "original_sample_id", "sample_id"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Text report
# ---------------------------------------------------------------------------------------------


def _signed(value: object, digits: int = 1) -> str:
    number = float(str(value)) if value is not None else math.nan
    return "-" if math.isnan(number) else f"{number:+.{digits}f}"


def _plain(value: object, digits: int = 1) -> str:
    number = float(str(value)) if value is not None else math.nan
    return "-" if math.isnan(number) else f"{number:.{digits}f}"


def _with_interval(row: pd.Series, column: str, fmt: Callable[[object], str] = _signed) -> str:
    estimate = fmt(row[column])
    low, high = float(row[f"{column}_low"]), float(row[f"{column}_high"])
    if estimate == "-" or math.isnan(low):
        return estimate
    return f"{estimate} [{fmt(low)}, {fmt(high)}]"


def _percent(value: object) -> str:
    number = float(str(value))
    return "-" if math.isnan(number) else f"{100.0 * number:.0f}"


def _aligned(header: Sequence[str], body: Sequence[Sequence[str]], left: int) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()
        for cells in [header, *body]
    ]


def format_stress(tables: StressTables, *, level: float = DEFAULT_LEVEL) -> str:
    """Render the stress analysis for the CLI.

    Per stressed benchmark and stress task version: one summary line per verifier (manipulation
    shift, the robustness number; degradation shift; known-good confidence; format failures),
    then, for each verifier other than the constant baselines, the shift of every probe.

    Args:
        tables: :func:`stress_tables` output.
        level: The intervals' confidence level (for the legend).

    Returns:
        Text ending in a newline (``no stress runs`` when empty).
    """
    if tables.summary.empty:
        return "no stress runs\n"
    pct = f"{100 * level:g}%"
    blocks = [
        "\n".join(
            [
                "Stress suite: shift = confidence on the probe - on the original answer (0-100),",
                f"paired by answer; [{pct} bootstrap interval over problems].",
                "manipulation: mean shift of the manipulation probes, the robustness number",
                "  (0 = not moved; lower is better, but only beside a negative degradation);",
                "degradation: mean shift of the degradation probes (a reader goes down);",
                "known good: mean confidence on the reference solution (should be high).",
            ]
        )
    ]
    versions = tables.summary.groupby("benchmark")["task_version"].nunique()
    for several in versions.index[versions > 1]:
        blocks.append(
            f"note: {several} has stress runs of several task versions; their numbers are not "
            "comparable, so each version has its own block"
        )
    groups = tables.summary.groupby(["benchmark", "task_version"], sort=True)
    for (benchmark, version), runs in groups:
        header = ["verifier", "manipulation [CI]", "degradation [CI]", "known good [CI]"]
        header += ["fail%", "answers"]
        body = [
            [
                str(r["verifier"]),
                _with_interval(r, "manipulation_shift"),
                _with_interval(r, "degradation_shift"),
                _with_interval(r, "known_good_confidence", _plain),
                _percent(r["format_failure_rate"]),
                str(r["n_answers"]),
            ]
            for _, r in runs.iterrows()
        ]
        title = f"{benchmark} (stress task version {version}; {runs['n_problems'].max()} problems)"
        lines = [title, *_aligned(header, body, left=1)]
        # Constant baselines move by exactly 0 under every probe: their summary line says it all.
        for _, run in runs.loc[runs["verifier_kind"] != "baseline"].iterrows():
            key = (tables.probes[list(RUN_KEYS)] == run[list(RUN_KEYS)]).all(axis=1)
            lines += ["", f"  {run['verifier']}"]
            header = ["probe", "kind", "pairs", "original", "probed", "shift [CI]", "up%", "down%"]
            body = [
                [
                    str(p["probe"]),
                    str(p["probe_kind"]),
                    f"{p['n_pairs']}/{p['n_samples']}",
                    _plain(p["original_confidence"]),
                    _plain(p["confidence"]),
                    _with_interval(p, "shift"),
                    _percent(p["share_up"]),
                    _percent(p["share_down"]),
                ]
                for _, p in tables.probes.loc[key].iterrows()
            ]
            lines += ["  " + line for line in _aligned(header, body, left=2)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def load_robustness(
    log_dir: str, *, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> pd.DataFrame | None:
    """The stress summary of the stress logs in ``log_dir``, or ``None`` when it has none.

    For the leaderboard's robustness column (:func:`with_robustness`), where a directory without
    stress logs is normal, not an error.
    """
    try:
        frame = load_stress(log_dir)
    except VerifierEvalError:
        return None
    return stress_tables(frame, n_boot=n_boot, seed=seed).summary


def stress_report(
    log_dir: str,
    *,
    benchmarks: Sequence[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> str:
    """Read the stress logs of ``log_dir`` and render :func:`format_stress`.

    Raises:
        VerifierEvalError: No stress logs (see :func:`load_stress`).
    """
    frame = load_stress(log_dir)
    if benchmarks:
        frame = frame.loc[frame["benchmark"].isin(list(benchmarks))]
    return format_stress(stress_tables(frame, n_boot=n_boot, seed=seed))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m verifier_eval.analysis.stress LOG_DIR``: print the stress report."""
    parser = argparse.ArgumentParser(
        prog="python -m verifier_eval.analysis.stress", description="Report stress-suite logs."
    )
    parser.add_argument("log_dir")
    parser.add_argument("--benchmark", action="append", help="stressed benchmark (repeatable)")
    parser.add_argument("--n-boot", type=int, default=DEFAULT_N_BOOT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    try:
        report = stress_report(
            args.log_dir, benchmarks=args.benchmark, n_boot=args.n_boot, seed=args.seed
        )
    except VerifierEvalError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 2
    print(report, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
