"""Graded-answer records: one normalised, validated record per human-graded proof.

Every benchmark (MathArena USAMO/IMO 2025, the Open Proof Corpus split, a lab's own file) is read
into :class:`GradedAnswer` before it becomes an inspect ``Sample``, so tasks, scorers and analyses
see one shape. Snapshots shipped in ``verifier_eval/data`` are checked against ``MANIFEST.json``.
"""

import gzip
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from verifier_eval.errors import DataError
from verifier_eval.families import model_family

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"

# End-of-thinking markers: text before the last one is the generator's reasoning trace, which the
# human judges of MathArena did not grade (DeepSeek-R1 answers include it).
THINKING_END_MARKERS: tuple[str, ...] = ("</think>", "<|end_of_thought|>")


class JudgeGrade(BaseModel):
    """One human judge's grade of one answer."""

    model_config = ConfigDict(frozen=True)

    points: float
    comments: str = ""
    """The judge's comments, one line per rubric item (``title: comment``)."""


class GradedAnswer(BaseModel):
    """One human-graded answer (proof) to one problem."""

    model_config = ConfigDict(frozen=True)

    benchmark: str
    problem_id: str
    problem: str
    generator: str
    generator_family: str
    answer_index: int = Field(ge=0)
    solution: str
    max_points: float = Field(gt=0)
    judges: tuple[JudgeGrade, ...]
    reference_solution: str | None = None
    rubric: str | None = None
    generator_config: str | None = None
    label: str | None = None
    """Binary label where the source has one (OPC: ``correct`` / ``incorrect``)."""

    @property
    def human_points(self) -> float:
        """Mean of the judges' points."""
        return sum(j.points for j in self.judges) / len(self.judges)

    @property
    def sample_id(self) -> str:
        """Stable id: benchmark, problem, generator and answer index."""
        return f"{self.problem_id}/{self.generator}/{self.answer_index}"


@dataclass(frozen=True)
class ProblemInfo:
    """Problem-level extras that are not in the answer rows (reference solution, grading scheme)."""

    reference_solution: str | None
    rubric: str | None


def strip_reasoning(text: str) -> str:
    """Drop a reasoning trace that ends in an end-of-thinking marker.

    Args:
        text: A generator's answer.

    Returns:
        The text after the last end-of-thinking marker, or ``text`` unchanged when there is none.
    """
    cut = -1
    marker_len = 0
    for marker in THINKING_END_MARKERS:
        pos = text.rfind(marker)
        if pos > cut:
            cut, marker_len = pos, len(marker)
    return text if cut < 0 else text[cut + marker_len :].lstrip()


def verify_snapshot(path: Path) -> None:
    """Check a bundled snapshot against the sha256 in ``MANIFEST.json``.

    Raises:
        DataError: When the file is missing, or its content differs from the manifest.
    """
    try:
        manifest = json.loads((DATA_DIR / "MANIFEST.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as ex:
        raise DataError(
            f"the bundled data's MANIFEST.json cannot be read ({ex}); reinstall verifier_eval"
        ) from ex
    entry = manifest.get(path.name)
    if not path.is_file():
        raise DataError(f"snapshot {path} is missing; reinstall verifier_eval")
    if entry is None:
        return
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != entry["sha256"]:
        raise DataError(
            f"snapshot {path.name} is corrupt or was modified (sha256 {digest[:12]}..., expected "
            f"{entry['sha256'][:12]}...); reinstall verifier_eval or rebuild it with "
            "scripts/build_snapshots.py"
        )


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, row)`` from a JSON Lines file (gzip when the name ends in ``.gz``).

    Raises:
        DataError: Naming the file and line when a line is not a JSON object, or the gzip
            stream is truncated.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as ex:
                    raise DataError(f"{path.name} line {number}: not valid JSON ({ex.msg})") from ex
                if not isinstance(row, dict):
                    raise DataError(f"{path.name} line {number}: expected a JSON object")
                yield number, row
    except (EOFError, gzip.BadGzipFile, OSError) as ex:
        raise DataError(
            f"{path.name}: cannot be read ({ex}); the file is truncated or corrupt"
        ) from ex


@cache
def usamo_2025_problem_info() -> dict[str, ProblemInfo]:
    """Reference solutions and grading schemes of USAMO 2025 (MathArena's, MIT licence)."""
    path = DATA_DIR / "usamo_2025_problems.jsonl.gz"
    verify_snapshot(path)
    info: dict[str, ProblemInfo] = {}
    for _, row in read_jsonl(path):
        scheme = "\n".join(
            f"- {item['title']} ({item['points']} points): {item['desc']}"
            for item in row["grading_scheme"]
        )
        info[str(row["problem_idx"])] = ProblemInfo(row["sample_solution"], scheme)
    return info


def _require(row: dict[str, Any], field: str, where: str) -> Any:
    if field not in row or row[field] is None:
        raise DataError(f"{where}: field {field!r} is missing")
    return row[field]


def _judge(row: dict[str, Any], k: int, where: str) -> JudgeGrade | None:
    points = row.get(f"points_judge_{k}")
    if points is None:
        return None
    if isinstance(points, bool) or not isinstance(points, int | float) or math.isnan(points):
        raise DataError(f"{where}: field 'points_judge_{k}' is not a number ({points!r})")
    details = row.get(f"grading_details_judge_{k}") or []
    if not isinstance(details, list):
        raise DataError(f"{where}: field 'grading_details_judge_{k}' is not a list")
    comments = "\n".join(
        f"{d.get('title', '')}: {d.get('desc', '')}".strip() for d in details if isinstance(d, dict)
    )
    return JudgeGrade(points=float(points), comments=comments)


def matharena_record(
    row: dict[str, Any],
    *,
    benchmark: str,
    where: str,
    problem_info: dict[str, ProblemInfo] | None = None,
    keep_reasoning: bool = False,
    family_overrides: dict[str, str] | None = None,
) -> GradedAnswer | None:
    """Normalise one MathArena output row (the Hugging Face ``*_outputs`` schema).

    Args:
        row: The raw row.
        benchmark: Benchmark name, e.g. ``usamo_2025``.
        where: Row location for error messages (``file line N``).
        problem_info: Reference solutions / grading schemes by problem id, where known.
        keep_reasoning: Keep a reasoning trace before an end-of-thinking marker.
        family_overrides: Generator-family overrides.

    Returns:
        The record, or ``None`` when the answer does not have two human grades.

    Raises:
        DataError: Naming the row and the field when the row is malformed.
    """
    problem_id = str(_require(row, "problem_idx", where))
    generator = str(_require(row, "model_name", where))
    answer = _require(row, "answer", where)
    if not isinstance(answer, str):
        raise DataError(f"{where}: field 'answer' is not text")
    index = _require(row, "idx_answer", where)
    max_points = row.get("max_points_judge_1", 7)
    judges = [j for j in (_judge(row, 1, where), _judge(row, 2, where)) if j is not None]
    if len(judges) < 2:
        return None
    info = (problem_info or {}).get(problem_id)
    rubric = info.rubric if info else None
    if rubric is None and isinstance(row.get("rubric"), list):
        rubric = "\n".join(f"- {item}" for item in row["rubric"])
    try:
        return GradedAnswer(
            benchmark=benchmark,
            problem_id=problem_id,
            problem=str(_require(row, "problem", where)),
            generator=generator,
            generator_family=model_family(
                generator, row.get("model_config"), overrides=family_overrides
            ),
            answer_index=index,
            solution=answer if keep_reasoning else strip_reasoning(answer),
            max_points=max_points,
            judges=tuple(judges),
            reference_solution=info.reference_solution if info else None,
            rubric=rubric,
            generator_config=row.get("model_config"),
        )
    except ValidationError as ex:
        err = ex.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "row"
        raise DataError(f"{where}: field {field!r}: {err['msg']}") from ex


@dataclass(frozen=True)
class LoadedAnswers:
    """Records plus what was left out and why, so a run can say so."""

    answers: list[GradedAnswer]
    excluded_generators: dict[str, int]
    """Generator name -> number of rows left out for lacking two human grades."""


def collect_matharena(
    rows: Iterable[tuple[str, dict[str, Any]]],
    *,
    benchmark: str,
    problem_info: dict[str, ProblemInfo] | None = None,
    keep_reasoning: bool = False,
    family_overrides: dict[str, str] | None = None,
    include_partially_graded: bool = False,
) -> LoadedAnswers:
    """Normalise MathArena rows; leave out generators without two human grades on every answer.

    Args:
        rows: ``(where, row)`` pairs.
        benchmark: Benchmark name.
        problem_info: Problem-level extras.
        keep_reasoning: Keep reasoning traces.
        family_overrides: Generator-family overrides.
        include_partially_graded: Keep the doubly graded answers of a generator that lacks a
            second grade on some answers (by default the whole generator is left out, since its
            totals would cover fewer answers than the others').

    Returns:
        The kept records and the excluded generators with their row counts.
    """
    kept: list[GradedAnswer] = []
    total: dict[str, int] = {}
    missing: dict[str, int] = {}
    for where, row in rows:
        record = matharena_record(
            row,
            benchmark=benchmark,
            where=where,
            problem_info=problem_info,
            keep_reasoning=keep_reasoning,
            family_overrides=family_overrides,
        )
        generator = str(row["model_name"])
        total[generator] = total.get(generator, 0) + 1
        if record is None:
            missing[generator] = missing.get(generator, 0) + 1
        else:
            kept.append(record)
    if include_partially_graded:
        excluded = {g: n for g, n in missing.items() if n == total[g]}
    else:
        excluded = {g: total[g] for g in missing}
        kept = [r for r in kept if r.generator not in excluded]
    return LoadedAnswers(kept, excluded)
