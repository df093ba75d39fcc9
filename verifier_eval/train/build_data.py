"""Build a balanced, deterministic train/validation set of correct and error-injected proofs.

Every kept correct proof yields a pair: the untouched proof (target confidence 100) and one
injected variant (target 0), so the classes are balanced by construction and a pair never
straddles splits. Splits are by problem (a problem's proofs all land in one split), chosen by a
seeded hash, and the data is checked disjoint from the excluded benchmarks' problems. The same
config gives byte-identical files.

Output (in ``out_dir``): ``train.jsonl``, ``validation.jsonl`` (one :class:`TrainingExample` per
line) and ``manifest.json`` (config, counts, sha256 of both files, warnings).
"""

import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from verifier_eval.errors import ConfigError, DataError
from verifier_eval.records import read_jsonl
from verifier_eval.train.corpus import (
    BUNDLED_SOURCES,
    CorpusProof,
    benchmark_problem_hashes,
    check_disjoint,
    normalise_problem,
    read_source,
)
from verifier_eval.train.inject import INJECTORS, Injection, InjectionResult, Refusal
from verifier_eval.train.inject.base import rng_for
from verifier_eval.train.inject.difficulty import rate_difficulty
from verifier_eval.train.inject.llm import llm_inject

Split = Literal["train", "validation"]


class TrainingExample(BaseModel):
    """One row of the training data."""

    model_config = ConfigDict(frozen=True)

    id: str
    split: Split
    problem_id: str
    problem_hash: str
    problem: str
    proof: str
    target: float
    """Target confidence: 100 for an untouched correct proof, 0 for an injected one."""
    error_type: str | None = None
    error_span: tuple[int, int] | None = None
    """Injected span ``[start, end)`` in :attr:`proof`."""
    original_span: tuple[int, int] | None = None
    """The span of the original proof it replaced."""
    error_description: str | None = None
    difficulty: int | None = None
    """Rater level 1-5 of the injected error (``None``: not rated, or untouched)."""
    source: str
    source_id: str
    pair_id: str
    """Shared by an untouched proof and its injected variant."""


class BuildDataConfig(BaseModel):
    """Configuration of :func:`build_data` (``verifier-eval train build-data key=value ...``)."""

    model_config = ConfigDict(extra="forbid")

    out_dir: str = "train_data"
    sources: list[str] = Field(default_factory=lambda: list(BUNDLED_SOURCES))
    """Bundled source names and/or ``naturalproofs:<path>``."""
    exclude: list[str] = Field(default_factory=lambda: ["usamo_2025", "imo_2025"])
    """Benchmarks whose problems are removed from the data (and checked absent)."""
    injectors: list[str] = Field(default_factory=lambda: list(INJECTORS))
    """Rule-based injectors to use, tried in a seeded order per proof."""
    llm_injector: str | None = None
    """Inspect model name; when set, errors are injected by this model instead of the rules."""
    rater: str | None = None
    """Inspect model name of the difficulty rater (rates every injected proof 1-5)."""
    difficulty_levels: list[int] = Field(default_factory=list)
    """Keep only injected proofs rated at these levels (and their pairs); needs ``rater``."""
    seed: int = 0
    validation_fraction: float = Field(default=0.2, ge=0.0, lt=1.0)
    min_proof_chars: int = 100
    max_proof_chars: int = 30_000
    limit: int | None = None
    """Use at most this many correct proofs (after de-duplication; for quick runs)."""

    @field_validator("injectors")
    @classmethod
    def _known_injectors(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in INJECTORS]
        if unknown:
            raise ValueError(f"unknown injector(s) {unknown}; known: {sorted(INJECTORS)}")
        return value

    @field_validator("difficulty_levels")
    @classmethod
    def _levels(cls, value: list[int]) -> list[int]:
        if any(level not in range(1, 6) for level in value):
            raise ValueError("difficulty levels are 1-5")
        return value


class BuildResult(BaseModel):
    """What :func:`build_data` wrote."""

    train_path: str
    validation_path: str
    manifest_path: str
    counts: dict[str, int]
    warnings: list[str]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _proof_key(proof: str) -> str:
    return _sha(" ".join(proof.split()))[:16]


def _unit(seed: int, key: str) -> float:
    """A seeded, stable number in [0, 1) for a key (no dependence on iteration order)."""
    return int(_sha(f"{seed}:{key}")[:12], 16) / 16**12


def _load(config: BuildDataConfig) -> tuple[list[CorpusProof], Counter[str]]:
    dropped: Counter[str] = Counter()
    excluded: dict[str, str] = {}
    for benchmark in config.exclude:
        excluded.update(benchmark_problem_hashes(benchmark))
    seen: set[str] = set()
    proofs: list[CorpusProof] = []
    for spec in config.sources:
        for proof in read_source(spec):
            if proof.problem_hash in excluded:
                dropped["benchmark_problem"] += 1
                continue
            if not config.min_proof_chars <= len(proof.proof) <= config.max_proof_chars:
                dropped["length"] += 1
                continue
            key = proof.problem_hash + _proof_key(proof.proof)
            if key in seen:
                dropped["duplicate"] += 1
                continue
            seen.add(key)
            proofs.append(proof)
    proofs.sort(key=lambda p: (_unit(config.seed, p.source_id), p.source_id))
    if config.limit is not None:
        proofs = proofs[: config.limit]
    return proofs, dropped


def _inject_rules(proof: CorpusProof, config: BuildDataConfig) -> InjectionResult:
    order = list(config.injectors)
    rng_for("order", config.seed).shuffle(order)
    # Rotate the order per proof so that error types are spread evenly over the data.
    start = int(_unit(config.seed, f"rotate:{proof.source_id}") * len(order))
    order = order[start:] + order[:start]
    result: InjectionResult = Refusal("none", "no injector configured")
    for name in order:
        result = INJECTORS[name](proof.proof, config.seed)
        if isinstance(result, Injection):
            return result
    return result


async def _inject_all(
    proofs: Sequence[CorpusProof], config: BuildDataConfig
) -> list[tuple[InjectionResult, int | None]]:
    async def one(proof: CorpusProof) -> tuple[InjectionResult, int | None]:
        if config.llm_injector is not None:
            result = await llm_inject(
                proof.problem, proof.proof, model=config.llm_injector, seed=config.seed
            )
        else:
            result = _inject_rules(proof, config)
        level: int | None = None
        if config.rater is not None and isinstance(result, Injection):
            level = await rate_difficulty(
                proof.problem,
                result.text,
                result.text[result.span.start : result.span.end],
                result.description,
                model=config.rater,
            )
        return result, level

    return list(await asyncio.gather(*(one(p) for p in proofs)))


def _assign_splits(problem_hashes: set[str], config: BuildDataConfig) -> dict[str, Split]:
    ranked = sorted(problem_hashes, key=lambda h: (_unit(config.seed, h), h))
    n_validation = round(len(ranked) * config.validation_fraction)
    if config.validation_fraction > 0 and len(ranked) >= 2:
        n_validation = min(max(n_validation, 1), len(ranked) - 1)
    return {h: ("validation" if i < n_validation else "train") for i, h in enumerate(ranked)}


def build_examples(
    config: BuildDataConfig,
) -> tuple[list[TrainingExample], list[str], Counter[str]]:
    """Build the examples in memory (no files written).

    Returns:
        The examples (sorted by id), warnings, and counts of what was dropped and why.

    Raises:
        ConfigError: For an incompatible configuration.
        DataError: When nothing is left, or the data overlaps an excluded benchmark.
    """
    if config.difficulty_levels and config.rater is None:
        raise ConfigError(
            "difficulty_levels needs a rater (rater=<inspect model>); the rule-based injectors "
            "do not rate difficulty"
        )
    warnings: list[str] = []
    if any(s == "opc" for s in config.sources) and "opc" not in config.exclude:
        warnings.append(
            "source 'opc' is the opc benchmark's own split: a verifier trained on it must not be "
            "scored on the opc benchmark (add exclude=...,opc to enforce disjointness)"
        )
    proofs, dropped = _load(config)
    if not proofs:
        raise DataError(
            f"no proofs left from sources {config.sources} after excluding the problems of "
            f"{config.exclude}; add a source (e.g. naturalproofs:<path>) or exclude fewer "
            "benchmarks"
        )
    injected = asyncio.run(_inject_all(proofs, config))
    splits = _assign_splits({p.problem_hash for p in proofs}, config)
    examples: list[TrainingExample] = []
    for proof, (result, level) in zip(proofs, injected, strict=True):
        if isinstance(result, Refusal):
            dropped[f"refused:{result.error_type}"] += 1
            continue
        if config.difficulty_levels and level not in config.difficulty_levels:
            dropped["difficulty"] += 1
            continue
        common = {
            "split": splits[proof.problem_hash],
            "problem_id": proof.problem_id,
            "problem_hash": proof.problem_hash,
            "problem": proof.problem,
            "source": proof.source,
            "source_id": proof.source_id,
            "pair_id": proof.source_id,
        }
        examples.append(
            TrainingExample(
                id=f"{proof.source_id}#correct", proof=proof.proof, target=100.0, **common
            )
        )
        examples.append(
            TrainingExample(
                id=f"{proof.source_id}#{result.error_type}",
                proof=result.text,
                target=0.0,
                error_type=result.error_type,
                error_span=(result.span.start, result.span.end),
                original_span=(result.original_span.start, result.original_span.end),
                error_description=result.description,
                difficulty=level,
                **common,
            )
        )
    if not examples:
        raise DataError(
            f"every injector refused every proof ({dict(dropped)}); add injectors or sources"
        )
    check_disjoint(((e.problem_id, e.problem) for e in examples), config.exclude)
    return sorted(examples, key=lambda e: e.id), warnings, dropped


def _write_jsonl(path: Path, examples: Sequence[TrainingExample]) -> str:
    lines = [
        json.dumps(e.model_dump(mode="json"), ensure_ascii=False, sort_keys=True) for e in examples
    ]
    text = "".join(line + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return _sha(text)


def build_data(config: BuildDataConfig) -> BuildResult:
    """Build the data set and write it to ``config.out_dir``.

    Returns:
        The paths written, counts and warnings.
    """
    examples, warnings, dropped = build_examples(config)
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train = [e for e in examples if e.split == "train"]
    validation = [e for e in examples if e.split == "validation"]
    train_path, validation_path = out / "train.jsonl", out / "validation.jsonl"
    counts: dict[str, int] = {
        "train": len(train),
        "validation": len(validation),
        "train_problems": len({e.problem_hash for e in train}),
        "validation_problems": len({e.problem_hash for e in validation}),
        **{
            f"error_type:{k}": v
            for k, v in sorted(Counter(e.error_type for e in examples if e.error_type).items())
        },
        **{f"source:{k}": v for k, v in sorted(Counter(e.source for e in examples).items())},
        **{f"dropped:{k}": v for k, v in sorted(dropped.items())},
    }
    manifest = {
        "config": config.model_dump(mode="json"),
        "counts": counts,
        "sha256": {
            "train.jsonl": _write_jsonl(train_path, train),
            "validation.jsonl": _write_jsonl(validation_path, validation),
        },
        "warnings": warnings,
        "normalisation": normalise_problem.__doc__,
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return BuildResult(
        train_path=str(train_path),
        validation_path=str(validation_path),
        manifest_path=str(manifest_path),
        counts=counts,
        warnings=warnings,
    )


def read_examples(path: Path) -> list[TrainingExample]:
    """Read a ``train.jsonl``/``validation.jsonl`` written by :func:`build_data`.

    Raises:
        DataError: Naming the file and line of a malformed row.
    """
    if not path.is_file():
        raise DataError(f"{path} not found; build it with `verifier-eval train build-data`")
    examples: list[TrainingExample] = []
    for line, row in read_jsonl(path):
        try:
            examples.append(TrainingExample.model_validate(row))
        except ValidationError as ex:
            err = ex.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "row"
            raise DataError(f"{path.name} line {line}: field {field!r}: {err['msg']}") from ex
    return examples
