"""Self-preference audit: does a verifier grade its own model's (or its family's) proofs kindlier?

The signed error of an answer is ``verifier_points - human_points`` (positive: too generous). The
matrix holds its mean over the answers of each (verifier, generator); the contrasts compare the
mean over answers whose generator is

- ``own``: the same model as the verifier (see :func:`model_key`),
- ``family``: another model of the verifier's family (``verifier_family == generator_family``,
  family not ``other``),
- ``other``: everything else,

as ``own - other`` and ``family - other`` with bootstrap intervals and p-values (problems resampled,
see :mod:`verifier_eval.analysis.bootstrap`). Contrasts are given per run and pooled over
benchmarks for each verifier (problems resampled within each benchmark). Baselines and the human
ceiling have no own model or family, so their contrasts are NaN; their matrix rows still show
each generator's error.

**Same model.** Names are compared after :func:`model_key` normalisation: lower case, the provider
prefix dropped (``openai/o3`` -> ``o3``), a fine-tune mapped to its base model
(``openai/ft:o4-mini-2025-04-16:org::id`` -> ``o4-mini``), parenthesised notes dropped
(``o3 (high)`` -> ``o3``, ``Claude-3.7-Sonnet (Think)`` -> ``claude-3-7-sonnet``), separators
unified to ``-``, and release suffixes dropped (dates ``-2025-04-16`` / ``-20250219``, ``-latest``,
``-preview...``, ``-exp...``, reasoning effort ``-high`` / ``-medium`` / ``-low``). Version tags
that name a different model are kept (``DeepSeek-R1-0528`` is not ``DeepSeek-R1``). When this is
wrong, pass ``overrides={"name as in the table": "canonical key"}`` for any verifier or
generator name.
"""

import math
import re
from collections.abc import Iterator, Mapping
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from verifier_eval.analysis._common import (
    RUN_KEYS,
    Columns,
    FloatArray,
    IntArray,
    RunKey,
    keyed,
    stack,
)
from verifier_eval.analysis.bootstrap import (
    DEFAULT_LEVEL,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    AnswerArrays,
    RunData,
    bootstrap_p_value,
    percentile_interval,
    percentile_intervals,
    ratio,
    runs,
    single_threaded,
)
from verifier_eval.errors import ConfigError
from verifier_eval.families import UNKNOWN_FAMILY

Relation = Literal["own", "family", "other"]

POOLED = "all"
"""``benchmark`` of the contrasts pooled over benchmarks."""

_RELEASE_SUFFIX = re.compile(
    r"-(\d{4}-\d{2}-\d{2}|\d{8}|latest|preview(-[0-9-]+)?|exp(-[0-9-]+)?|high|medium|low|minimal)$"
)


def model_key(name: str, overrides: Mapping[str, str] | None = None) -> str:
    """Normalised model identity used to decide "same model" (see the module docstring).

    Args:
        name: A verifier (inspect model) or generator (display) name.
        overrides: Explicit ``{name: key}`` entries, checked first.

    Returns:
        The key, e.g. ``o3`` for both ``openai/o3`` and ``o3 (high)``.
    """
    if overrides and name in overrides:
        return overrides[name]
    key = re.sub(r"\(.*?\)", " ", name.strip().lower())
    key = key.rsplit("/", 1)[-1]
    fine_tune = re.match(r"\s*ft:([^:]+)", key)
    if fine_tune:
        key = fine_tune.group(1)
    key = re.sub(r"[^a-z0-9]+", "-", key).strip("-")
    while (stripped := _RELEASE_SUFFIX.sub("", key)) != key:
        key = stripped
    return key


def relation(
    verifier: str,
    verifier_family: str,
    generator: str,
    generator_family: str,
    *,
    overrides: Mapping[str, str] | None = None,
) -> Relation:
    """How a generator relates to a verifier: ``own``, ``family`` or ``other``."""
    if model_key(verifier, overrides) == model_key(generator, overrides):
        return "own"
    if verifier_family == generator_family and verifier_family != UNKNOWN_FAMILY:
        return "family"
    return "other"


class GeneratorRelations(NamedTuple):
    """Per generator of one verifier's rows (in ``AnswerArrays.generators`` order)."""

    families: list[str]
    relations: list[Relation]


def generator_relations(
    run: RunData, overrides: Mapping[str, str] | None = None
) -> GeneratorRelations:
    """Family and relation to the verifier of each generator of a one-verifier run."""
    frame, arrays = run.frame, run.arrays
    verifier = str(frame["verifier"].iloc[0])
    verifier_family = str(frame["verifier_family"].iloc[0])
    _, first = np.unique(arrays.generator, return_index=True)
    families = [str(f) for f in frame["generator_family"].to_numpy(dtype=str)[first]]
    relations = [
        relation(verifier, verifier_family, g, f, overrides=overrides)
        for g, f in zip(arrays.generators, families, strict=True)
    ]
    return GeneratorRelations(families, relations)


def _signed_errors(a: AnswerArrays, w: FloatArray, groups: IntArray, n_groups: int) -> FloatArray:
    """Mean signed error of each answer group in every resample, ``(n_boot, n_groups)``."""
    mask = a.scored & (groups >= 0)
    cell = a.problem[mask] * n_groups + groups[mask]
    size = a.n_problems * n_groups
    error = (a.verifier_points - a.human_points)[mask]
    sums = np.bincount(cell, weights=error, minlength=size).reshape(a.n_problems, n_groups)
    counts = np.bincount(cell, minlength=size).reshape(a.n_problems, n_groups).astype(float)
    return ratio(w @ sums, w @ counts)


MATRIX_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "verifier_kind",
    "generator",
    "generator_family",
    "relation",
    "n_answers",
    "signed_error",
    "signed_error_low",
    "signed_error_high",
)


def matrix_columns(
    run: RunData,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    overrides: Mapping[str, str] | None = None,
) -> Columns:
    """The matrix rows of one run (see :func:`self_preference_matrix`)."""
    arrays = run.arrays
    n_gen = len(arrays.generators)
    # Unit weights give the plain per-answer means (measures.signed_bias per generator).
    point = _signed_errors(arrays, run.unit, arrays.generator, n_gen)[0]
    boot = (
        _signed_errors(arrays, run.weights(n_boot, seed), arrays.generator, n_gen)
        if n_boot > 0
        else np.empty((0, n_gen))
    )
    intervals = percentile_intervals(point.tolist(), boot, level)
    found = generator_relations(run, overrides)
    columns: Columns = {
        "verifier_kind": [str(run.frame["verifier_kind"].iloc[0])] * n_gen,
        "generator": list(arrays.generators),
        "generator_family": found.families,
        "relation": list(found.relations),
        "n_answers": np.bincount(arrays.generator[arrays.scored], minlength=n_gen).tolist(),
        "signed_error": point.tolist(),
        "signed_error_low": [i.low for i in intervals],
        "signed_error_high": [i.high for i in intervals],
    }
    return keyed(columns, run.key)


@single_threaded
def self_preference_matrix(
    frame: pd.DataFrame,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    overrides: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Verifier x generator matrix of the mean signed error, with bootstrap intervals.

    Args:
        frame: Tidy answers.
        n_boot: Resamples of problems (0: no intervals).
        seed: Seed of the resamples.
        level: Confidence level.
        overrides: Model-key overrides (see :func:`model_key`).

    Returns:
        :data:`MATRIX_COLUMNS`, one row per run and generator.
    """
    parts = [
        matrix_columns(run, n_boot=n_boot, seed=seed, level=level, overrides=overrides)
        for run in runs(frame)
    ]
    return stack(parts, MATRIX_COLUMNS)


_RELATIONS: tuple[Relation, ...] = ("own", "family", "other")


def contrast_row(
    run: RunData,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """The contrasts of one run, or of one verifier pooled over benchmarks."""
    arrays = run.arrays
    code = {r: i for i, r in enumerate(_RELATIONS)}
    by_generator = np.array([code[r] for r in generator_relations(run, overrides).relations])
    groups = by_generator[arrays.generator].astype(np.int64)
    point = _signed_errors(arrays, run.unit, groups, len(_RELATIONS))[0]
    out: dict[str, object] = {
        **(run.key._asdict() if run.key else {}),
        "verifier_kind": str(run.frame["verifier_kind"].iloc[0]),
    }
    for i, name in enumerate(_RELATIONS):
        out[f"n_{name}"] = int((arrays.scored & (groups == i)).sum())
        out[f"{name}_error"] = float(point[i])
    boot = (
        _signed_errors(arrays, run.weights(n_boot, seed), groups, len(_RELATIONS))
        if n_boot > 0
        else None
    )
    for i, name in ((0, "own"), (1, "family")):
        estimate = float(point[i] - point[2])
        if boot is None:
            low = high = p_value = math.nan
        else:
            deltas = boot[:, i] - boot[:, 2]
            _, low, high = percentile_interval(estimate, deltas, level)
            p_value = bootstrap_p_value(deltas) if not math.isnan(estimate) else math.nan
        out[f"{name}_minus_other"] = estimate
        out[f"{name}_minus_other_low"] = low
        out[f"{name}_minus_other_high"] = high
        out[f"{name}_minus_other_p"] = p_value
    return out


def pooled_groups(frame: pd.DataFrame) -> Iterator[tuple[RunKey, pd.DataFrame]]:
    """Each verifier's rows over all its benchmarks (verifiers with several benchmarks only).

    The key has benchmark :data:`POOLED` and empty version and log.

    Raises:
        ConfigError: When a verifier has several runs of one benchmark.
    """
    for verifier, rows in frame.groupby("verifier", sort=True):
        per_benchmark = rows[["benchmark", "task_version", "log"]].drop_duplicates()
        if per_benchmark["benchmark"].duplicated().any():
            raise ConfigError(
                f"verifier {verifier!r} has several runs of one benchmark; pool one run per "
                "benchmark (load the logs with newest_only=True) or pass pooled=False"
            )
        if len(per_benchmark) >= 2:
            yield RunKey(str(verifier), POOLED, "", ""), rows


def pooled_runs(frame: pd.DataFrame) -> Iterator[RunData]:
    """:class:`RunData` of :func:`pooled_groups` (stratified resampling over benchmarks)."""
    for key, rows in pooled_groups(frame):
        yield RunData(key, rows)


CONTRAST_COLUMNS: tuple[str, ...] = (
    *RUN_KEYS,
    "verifier_kind",
    "n_own",
    "n_family",
    "n_other",
    "own_error",
    "family_error",
    "other_error",
    "own_minus_other",
    "own_minus_other_low",
    "own_minus_other_high",
    "own_minus_other_p",
    "family_minus_other",
    "family_minus_other_low",
    "family_minus_other_high",
    "family_minus_other_p",
)


@single_threaded
def self_preference_contrasts(
    frame: pd.DataFrame,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    overrides: Mapping[str, str] | None = None,
    pooled: bool = True,
) -> pd.DataFrame:
    """Own-model and same-family minus other-generator signed error, with intervals.

    Args:
        frame: Tidy answers.
        n_boot: Resamples of problems (0: no intervals).
        seed: Seed of the resamples.
        level: Confidence level.
        overrides: Model-key overrides (see :func:`model_key`).
        pooled: Also pool each verifier's runs over benchmarks (``benchmark == "all"``).

    Returns:
        :data:`CONTRAST_COLUMNS`: per relation the answer count and mean signed error, and
        ``own_minus_other`` / ``family_minus_other`` with interval and p-value (NaN without answers
        of that relation).

    Raises:
        ConfigError: With ``pooled``, when a verifier has several runs of one benchmark.
    """
    found = [
        contrast_row(run, n_boot=n_boot, seed=seed, level=level, overrides=overrides)
        for run in runs(frame)
    ]
    if pooled and not frame.empty:
        found += [
            contrast_row(run, n_boot=n_boot, seed=seed, level=level, overrides=overrides)
            for run in pooled_runs(frame)
        ]
    return pd.DataFrame(found, columns=list(CONTRAST_COLUMNS))
