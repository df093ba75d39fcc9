"""Shared pieces of the analysis layer: the tidy-table contract, run keys and grouping.

Kept free of inspect imports so that every analysis is a pure function of a DataFrame.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from verifier_eval.errors import DataError

VerifierKind = Literal["model", "baseline", "human"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

HUMAN_CEILING = "human/judge-1-vs-judge-2"
"""Verifier name of the human-human ceiling (judge 1 graded against judge 2)."""

BASELINE_PREFIX = "baseline/"

TIDY_COLUMNS: tuple[str, ...] = (
    "log",
    "created",
    "task_version",
    "benchmark",
    "verifier",
    "verifier_kind",
    "verifier_family",
    "sample_id",
    "problem_id",
    "generator",
    "generator_family",
    "answer_index",
    "confidence",
    "verifier_points",
    "human_points",
    "max_points",
    "judge_1_points",
    "judge_2_points",
    "format_ok",
    "verdict_status",
    "failure_policy",
    "label",
    "input_tokens",
    "output_tokens",
    "cost",
)
"""Columns of the tidy answers table, in order (see ARCHITECTURE.md)."""

STRING_COLUMNS: tuple[str, ...] = (
    "log",
    "created",
    "task_version",
    "benchmark",
    "verifier",
    "verifier_kind",
    "verifier_family",
    "sample_id",
    "problem_id",
    "generator",
    "generator_family",
    "verdict_status",
    "failure_policy",
)

RUN_KEYS: tuple[str, ...] = ("verifier", "benchmark", "task_version", "log")
"""One analysed run: a verifier's log of one benchmark at one task version.

``log`` is part of the key so that ``load_answers(..., newest_only=False)`` never pools two runs
of the same verifier; with the default (newest run only) it adds nothing.
"""

# Points are products such as 0.7 * 7; comparisons of points (ties, full credit, within one point)
# are made at this precision so that 4.8999999999999995 and 4.9 count as equal.
POINTS_DECIMALS = 9

# Binary benchmarks (OPC) store the label as points on a 0-1 scale.
BINARY_MAX_POINTS = 1.0


Columns = dict[str, list[Any]]
"""A table under construction: column name -> values (one DataFrame is built at the end)."""


class RunKey(NamedTuple):
    """Identity of one analysed run (see :data:`RUN_KEYS`)."""

    verifier: str
    benchmark: str
    task_version: str
    log: str


def verifier_kind(verifier: str) -> VerifierKind:
    """Kind of a verifier from its name: ``human`` ceiling, ``baseline/...`` or a ``model``."""
    if verifier == HUMAN_CEILING:
        return "human"
    if verifier.startswith(BASELINE_PREFIX):
        return "baseline"
    return "model"


def empty_answers() -> pd.DataFrame:
    """A tidy answers table with no rows and the contract's columns."""
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in TIDY_COLUMNS})
    for column in STRING_COLUMNS:
        frame[column] = frame[column].astype(str)
    frame["answer_index"] = frame["answer_index"].astype(int)
    return frame


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise a :class:`DataError` naming the columns ``what`` needs and ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what}: the answers table lacks column(s) {missing}; build it with "
            "verifier_eval.analysis.load_answers"
        )


def iter_runs(frame: pd.DataFrame) -> Iterator[tuple[RunKey, pd.DataFrame]]:
    """Yield each run's key and rows, sorted by key."""
    require_columns(frame, RUN_KEYS, "analysis")
    if frame.empty:
        return
    for key, rows in frame.groupby(list(RUN_KEYS), sort=True, dropna=False):
        verifier, benchmark, version, log = (str(k) for k in key)
        yield RunKey(verifier, benchmark, version, log), rows


def is_binary(frame: pd.DataFrame) -> bool:
    """Whether the rows are a binary-label benchmark (OPC-like: max 1 point and a label)."""
    if frame.empty or "label" not in frame:
        return False
    return bool((frame["max_points"] == BINARY_MAX_POINTS).all() and frame["label"].notna().all())


def nan_if_none(value: float | None) -> float:
    """``NaN`` for ``None``, the float otherwise."""
    return math.nan if value is None else float(value)


def points_equal_or_above(points: npt.ArrayLike, threshold: npt.ArrayLike) -> BoolArray:
    """``points >= threshold`` at :data:`POINTS_DECIMALS` precision."""
    p = np.round(np.asarray(points, dtype=float), POINTS_DECIMALS)
    t = np.round(np.asarray(threshold, dtype=float), POINTS_DECIMALS)
    return np.asarray(p >= t)


def keyed(columns: Columns, key: "RunKey | None") -> Columns:
    """``columns`` with the run key's fields as leading columns (repeated on every row)."""
    rows = len(next(iter(columns.values()), []))
    fields = key._asdict() if key is not None else {}
    return {**{name: [value] * rows for name, value in fields.items()}, **columns}


def stack(parts: Iterable[Columns], columns: Sequence[str]) -> pd.DataFrame:
    """One DataFrame with ``columns`` from several partial tables (missing columns: None)."""
    values: Columns = {name: [] for name in columns}
    for part in parts:
        rows = len(next(iter(part.values()), []))
        for name in columns:
            values[name].extend(part.get(name, [None] * rows))
    return pd.DataFrame(values, columns=list(columns))
