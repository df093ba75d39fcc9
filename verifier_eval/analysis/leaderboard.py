"""The leaderboard (one row per verifier run) and the text tables of the CLI.

Headline: the seed's total-score difference (lower is better), with a percentile bootstrap
interval over problems, next to MAE, signed bias, Pearson and Spearman correlations, the
format-failure rate, AUROC / Brier / accuracy for "full credit" (see
:mod:`verifier_eval.analysis.calibration`), answer counts, tokens and cost. On binary-label
benchmarks (OPC: max 1 point and a human label) the points metrics are NaN, since a 0/1 label is
not a grade, and the ranking uses the Brier score instead. Baselines (``baseline/...``) and the
human ceiling (``human/judge-1-vs-judge-2``) are ranked like any verifier, marked by
``verifier_kind``.
"""

import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from verifier_eval.analysis._common import (
    HUMAN_CEILING,
    RUN_KEYS,
    is_binary,
    require_columns,
)
from verifier_eval.analysis.best_of_n import ALL_GENERATORS, best_of_n
from verifier_eval.analysis.bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_SEED,
    POINTS_METRICS,
    MetricName,
    MetricOptions,
    RunData,
    run_metrics,
    runs,
    single_threaded,
)
from verifier_eval.analysis.load import with_human_ceiling
from verifier_eval.analysis.self_preference import (
    self_preference_contrasts,
    self_preference_matrix,
)
from verifier_eval.errors import ConfigError

TableFormat = Literal["table", "csv", "json", "markdown"]
TEXT_WIDTH = 100
"""Terminal width the text tables aim for."""
TABLE_FORMATS: tuple[TableFormat, ...] = ("table", "csv", "json", "markdown")

LEADERBOARD_METRICS: tuple[MetricName, ...] = (
    "total_score_difference",
    "mae",
    "bias",
    "pearson",
    "spearman",
    "format_failure_rate",
    "auroc",
    "brier",
    "accuracy",
)
"""Metrics of the leaderboard, each with ``_low`` / ``_high`` interval columns."""

LEADERBOARD_COLUMNS: tuple[str, ...] = (
    "rank",
    "benchmark",
    "verifier",
    "verifier_kind",
    "task_version",
    *(f"{m}{s}" for m in LEADERBOARD_METRICS for s in ("", "_low", "_high")),
    "n_answers",
    "n_problems",
    "n_generators",
    "input_tokens",
    "output_tokens",
    "cost",
    "binary",
    "log",
)


def _sum_or_nan(values: pd.Series) -> float:
    return float(values.sum()) if values.notna().any() else math.nan


@single_threaded
def leaderboard(
    frame: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    human_ceiling: bool = True,
    options: MetricOptions | None = None,
) -> pd.DataFrame:
    """One row per (verifier, benchmark, task_version) run, ranked within each benchmark.

    Args:
        frame: Tidy answers (``load_answers``).
        n_boot: Problem resamples of the intervals (0: no intervals).
        seed: Seed of the resamples (the same for every run, so intervals are comparable).
        level: Confidence level.
        human_ceiling: Add the human-human ceiling when ``frame`` lacks it.
        options: Calibration choices (full-credit threshold, ECE bins).

    Returns:
        :data:`LEADERBOARD_COLUMNS`, sorted by benchmark and rank (1 = smallest total-score
        difference; Brier score on binary benchmarks; undefined last).
    """
    require_columns(frame, (*RUN_KEYS, "verifier_kind", "input_tokens"), "leaderboard")
    if human_ceiling and not (frame["verifier"] == HUMAN_CEILING).any():
        frame = with_human_ceiling(frame)
    return rank_rows(
        [
            leaderboard_row(run, n_boot=n_boot, seed=seed, level=level)
            for run in runs(frame, options)
        ]
    )


def leaderboard_row(
    run: RunData, *, n_boot: int = 1000, seed: int = DEFAULT_SEED, level: float = DEFAULT_LEVEL
) -> dict[str, object]:
    """The leaderboard entry of one run (unranked)."""
    frame = run.frame
    binary = is_binary(frame)
    wanted = [m for m in LEADERBOARD_METRICS if not (binary and m in POINTS_METRICS)]
    found = run_metrics(run, wanted, n_boot, seed, level)
    row: dict[str, object] = {
        **(run.key._asdict() if run.key else {}),
        "verifier_kind": str(frame["verifier_kind"].iloc[0]),
        "binary": binary,
        "n_answers": len(frame),
        "n_problems": run.layout.n_problems,
        "n_generators": len(run.arrays.generators),
        "input_tokens": _sum_or_nan(frame["input_tokens"]),
        "output_tokens": _sum_or_nan(frame["output_tokens"]),
        "cost": _sum_or_nan(frame["cost"]),
    }
    for metric in LEADERBOARD_METRICS:
        interval = found.get(metric)
        row[metric], row[f"{metric}_low"], row[f"{metric}_high"] = (
            interval if interval is not None else (math.nan, math.nan, math.nan)
        )
    return row


def rank_rows(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """The leaderboard table of :func:`leaderboard_row` entries, ranked within benchmarks."""
    table = pd.DataFrame(list(rows), columns=[c for c in LEADERBOARD_COLUMNS if c != "rank"])
    if table.empty:
        return pd.DataFrame(columns=list(LEADERBOARD_COLUMNS))
    binary = table["binary"].astype(bool)
    ranked = table["total_score_difference"].where(~binary, table["brier"])
    # Task versions may not be comparable (data, prompt or scoring changed): rank each apart.
    groups = [table["benchmark"], table["task_version"]]
    table["rank"] = ranked.groupby(groups).rank(method="min", na_option="bottom").astype(int)
    table = table.sort_values(["benchmark", "task_version", "rank", "verifier"], kind="stable")
    return table[list(LEADERBOARD_COLUMNS)].reset_index(drop=True)


def _number(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float | np.floating):
        return f"{float(value):.{digits}f}"
    return str(value)


def _signed(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):+.1f}"  # type: ignore[arg-type]


def _with_interval(row: pd.Series, metric: str, digits: int = 2) -> str:
    estimate = _number(row[metric], digits)
    low, high = row.get(f"{metric}_low"), row.get(f"{metric}_high")
    if estimate == "-" or low is None or math.isnan(float(low)):
        return estimate
    return f"{estimate} [{_number(low, digits)}, {_number(high, digits)}]"


def _percent(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100.0 * float(str(value)):.1f}"


def _aligned(
    header: Sequence[str], body: Sequence[Sequence[str]], left: int = 2, gap: str = "  "
) -> list[str]:
    """Rows of text columns; the first ``left`` columns left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return gap.join(parts).rstrip()

    return [line(header), *(line(r) for r in body)]


def _wrapped(items: Sequence[str], width: int = TEXT_WIDTH) -> list[str]:
    """``items`` joined by two spaces into lines of at most ``width`` characters (when possible)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return lines


def _text_table(board: pd.DataFrame) -> str:
    blocks = []
    for (benchmark, version), rows in board.groupby(["benchmark", "task_version"], sort=True):
        binary = bool(rows["binary"].all())
        title = f"{benchmark} (task version {version}; [CI]: bootstrap over problems)"
        versions = sorted(board.loc[board["benchmark"] == benchmark, "task_version"].astype(str))
        if len(set(versions)) > 1:
            title += (
                f"\nnote: {benchmark} has runs of task versions {', '.join(sorted(set(versions)))};"
                " their numbers are not comparable, so each version is ranked apart"
            )
        manipulation = "manipulation_shift" in rows and bool(
            rows["manipulation_shift"].notna().any()
        )
        if binary:
            header = ["#", "verifier", "accuracy [CI]", "AUROC [CI]", "Brier", "fail%", "n"]
            body = [
                [
                    str(r["rank"]),
                    str(r["verifier"]),
                    _with_interval(r, "accuracy"),
                    _with_interval(r, "auroc"),
                    _number(r["brier"], 3),
                    _percent(r["format_failure_rate"]),
                    str(r["n_answers"]),
                ]
                for _, r in rows.iterrows()
            ]
        else:
            header = ["#", "verifier", "total diff [CI]", "MAE", "bias", "r", "rho", "AUROC"]
            header += ["fail%", "n"] + (["manip"] if manipulation else [])
            body = [
                [
                    str(r["rank"]),
                    str(r["verifier"]),
                    _with_interval(r, "total_score_difference"),
                    _number(r["mae"]),
                    _number(r["bias"]),
                    _number(r["pearson"]),
                    _number(r["spearman"]),
                    _number(r["auroc"]),
                    _percent(r["format_failure_rate"]),
                    str(r["n_answers"]),
                ]
                + ([_signed(r.get("manipulation_shift"))] if manipulation else [])
                for _, r in rows.iterrows()
            ]
        blocks.append("\n".join([title, *_aligned(header, body)]))
    return "\n\n".join(blocks) + "\n"


def _markdown(frame: pd.DataFrame) -> str:
    header = [str(c) for c in frame.columns]
    body = [[_number(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in body]
    return "\n".join(lines) + "\n"


def _markdown_leaderboard(board: pd.DataFrame) -> str:
    columns: dict[str, object] = {
        "rank": board["rank"],
        "benchmark": board["benchmark"],
        "verifier": board["verifier"],
        "kind": board["verifier_kind"],
        "version": board["task_version"],
    }
    for m in LEADERBOARD_METRICS:
        digits = 3 if m == "brier" else 2
        columns[m] = [_with_interval(r, m, digits) for _, r in board.iterrows()]
    columns["n"] = board["n_answers"]
    return _markdown(pd.DataFrame(columns))


def format_table(frame: pd.DataFrame, fmt: TableFormat = "table") -> str:
    """Render a leaderboard for the CLI.

    Args:
        frame: The output of :func:`leaderboard`.
        fmt: ``table`` (aligned plain text, one block per benchmark, fits ~100 columns for
            verifier names up to ~30 characters), ``csv`` and ``json`` (every column, numbers
            unformatted, NaN as empty / null), or ``markdown`` (``est [low, high]`` cells).

    Returns:
        The text, ending in a newline.

    Raises:
        ConfigError: For an unknown format.
    """
    if fmt == "csv":
        return str(frame.to_csv(index=False))
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records"))
        return json.dumps(records, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown_leaderboard(frame)
    if fmt == "table":
        if frame.empty:
            return "no runs\n"
        return _text_table(frame)
    raise ConfigError(f"unknown format {fmt!r}; choose one of {list(TABLE_FORMATS)}")


def bias_table(
    frame: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """Text of ``verifier-eval bias``: the self-preference audit of the tidy answers.

    Args:
        frame: Tidy answers (``load_answers``).
        n_boot: Problem resamples of the intervals.
        seed: Seed of the resamples.
        level: Confidence level.
        overrides: Model-key overrides (see :func:`verifier_eval.analysis.model_key`).

    Returns:
        The text of :func:`render_bias`.
    """
    matrix = self_preference_matrix(
        frame, n_boot=n_boot, seed=seed, level=level, overrides=overrides
    )
    contrasts = self_preference_contrasts(
        frame, n_boot=n_boot, seed=seed, level=level, overrides=overrides
    )
    return render_bias(matrix, contrasts)


def bon_table(frame: pd.DataFrame, *, per_generator: bool = False) -> str:
    """Text of ``verifier-eval bon``: the Best-of-N analysis of the tidy answers.

    Args:
        frame: Tidy answers (``load_answers``).
        per_generator: Also list every generator (otherwise the ``(all)`` average only).

    Returns:
        The text of :func:`render_bon`.
    """
    return render_bon(best_of_n(frame), per_generator=per_generator)


def render_bias(matrix: pd.DataFrame, contrasts: pd.DataFrame) -> str:
    """Text of the self-preference audit: the signed-error matrix and the contrasts.

    Args:
        matrix: :func:`verifier_eval.analysis.self_preference_matrix`.
        contrasts: :func:`verifier_eval.analysis.self_preference_contrasts`.

    Returns:
        Per benchmark, verifiers x generators (generators as ``G1..Gk`` with a legend; ``*`` own
        model, ``~`` same family), then one line per verifier with ``own - other`` and
        ``family - other`` (interval, p-value).
    """
    blocks = [
        "Self-preference audit: mean signed error per answer (verifier - human points; "
        "+ = too generous)"
    ]
    marks = {"own": "*", "family": "~", "other": ""}
    for benchmark, cells in matrix.groupby("benchmark", sort=True):
        generators = sorted(cells["generator"].astype(str).unique())
        code = {g: f"G{i + 1}" for i, g in enumerate(generators)}
        header = ["verifier", *(code[g] for g in generators)]
        body = []
        for verifier, row in cells.groupby("verifier", sort=True):
            by_gen = {str(r["generator"]): r for _, r in row.iterrows()}
            line = [str(verifier)]
            for g in generators:
                r = by_gen.get(g)
                if r is None or math.isnan(float(r["signed_error"])):
                    line.append("-")
                else:
                    line.append(f"{float(r['signed_error']):+.2f}{marks[str(r['relation'])]}")
            body.append(line)
        legend = _wrapped([f"{code[g]}={g}" for g in generators])
        table = _aligned(header, body, left=1, gap=" ")
        blocks.append("\n".join([f"{benchmark}", *table, *legend]))
    blocks.append("* own model, ~ same family")
    header = ["verifier", "benchmark", "own-other [CI]", "p", "family-other [CI]", "p"]
    header += ["n own/fam/other"]
    body = []
    defined = contrasts.loc[
        contrasts["own_minus_other"].notna() | contrasts["family_minus_other"].notna()
    ]
    for _, r in defined.sort_values(["verifier", "benchmark"]).iterrows():
        body.append(
            [
                str(r["verifier"]),
                str(r["benchmark"]),
                _with_interval(r, "own_minus_other"),
                _number(r["own_minus_other_p"], 3),
                _with_interval(r, "family_minus_other"),
                _number(r["family_minus_other_p"], 3),
                f"{r['n_own']}/{r['n_family']}/{r['n_other']}",
            ]
        )
    title = textwrap.fill(
        "Contrasts of the mean signed error [bootstrap interval over problems]; verifiers "
        "without own-model or same-family answers are left out.",
        width=TEXT_WIDTH,
    )
    blocks.append("\n".join([title, *(_aligned(header, body) if body else ["(none)"])]))
    return "\n\n".join(blocks) + "\n"


def render_bon(bon: pd.DataFrame, *, per_generator: bool = False) -> str:
    """Text of the Best-of-N analysis: one block per run.

    Args:
        bon: :func:`verifier_eval.analysis.best_of_n`.
        per_generator: Also list every generator (otherwise the ``(all)`` average only).

    Returns:
        Per run: ``N``, expected human total of a random pick, of the verifier's pick and of the
        oracle, the gain over random (%) and the share of the random-to-oracle gap closed.
    """
    blocks = [
        "Best-of-N: expected human total per generator (exact over N-subsets, ties at random)"
    ]
    shown = bon if per_generator else bon.loc[bon["generator"] == ALL_GENERATORS]
    # With one answer per generator and problem (OPC) every selector is the random pick.
    largest = bon.groupby(list(RUN_KEYS))["n"].transform("max")
    single = sorted(bon.loc[largest == 1, "benchmark"].astype(str).unique())
    shown = shown.loc[largest.loc[shown.index] > 1]
    if single:
        blocks.append(
            "Left out (one answer per generator and problem, nothing to select): "
            + ", ".join(single)
        )
    order = ["benchmark", "verifier", "task_version", "log"]
    for (benchmark, verifier, version, _), rows in shown.groupby(order, sort=True):
        header = ["generator", "N", "random", "best-of-N", "oracle", "gain%", "gap closed"]
        body = [
            [
                str(r["generator"]),
                str(r["n"]),
                _number(r["random"]),
                _number(r["best_of_n"]),
                _number(r["oracle"]),
                _number(r["gain_pct"], 1),
                _number(r["gap_closed"]),
            ]
            for _, r in rows.iterrows()
        ]
        title = f"{benchmark} / {verifier} (task version {version})"
        blocks.append("\n".join([title, *_aligned(header, body, left=1)]))
    return "\n\n".join(blocks) + "\n"
