"""Issue 7.1: malformed verifier outputs go through the whole pipeline without a crash.

Every shape in :data:`SHAPES` is the replayed answer to its own graded answer (one sample each);
the run must finish, keep each raw answer in the log, record each verdict status in the score,
count every failure in the format-failure rate, and the tidy table and leaderboard must agree.
The expected status and confidence of each shape are written by hand from the parser's rules
(``verifier_eval/verdict.py``), not read from the parser.
"""

import math
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import get_model
from verifier_eval.tasks.matharena import verifier_task

from verifier_eval.analysis.leaderboard import leaderboard
from verifier_eval.analysis.load import load_answers
from verifier_eval.records import GradedAnswer, JudgeGrade

LONG_FILLER = "The estimate in step 3 holds because the sequence is bounded. " * 3300


class Shape(NamedTuple):
    name: str
    text: str
    status: str
    confidence: float | None


SHAPES: tuple[Shape, ...] = (
    Shape("empty", "", "empty", None),
    Shape("whitespace", "  \n\t \n", "empty", None),
    Shape("refusal", "I'm sorry, but I can't help with grading this proof.", "missing", None),
    Shape("cannot_tell", "I cannot tell whether this proof is correct.", "missing", None),
    Shape("label", "The argument is complete.\nConfidence: 85", "ok", 85.0),
    Shape("probability_085", "Confidence: 0.85", "ambiguous", None),
    Shape("probability_1_0", "Confidence: 1.0", "ambiguous", None),
    Shape("integer_1", "Confidence: 1", "ok", 1.0),
    Shape("percent_small", "Confidence: 0.85%", "ok", 0.85),
    Shape("over_100", "Confidence: 85/100", "ok", 85.0),
    Shape("bare_over_100", "85/100", "ok", 85.0),
    Shape("bare_number", "85", "ok", 85.0),
    Shape("above_range", "Confidence: 150", "out_of_range", None),
    Shape("negative", "Confidence: -3", "out_of_range", None),
    Shape("unicode_minus", "Confidence: −20", "out_of_range", None),
    Shape("nan", "Confidence: NaN", "ambiguous", None),
    Shape("infinity", "Confidence: inf", "ambiguous", None),
    Shape("scientific", "Confidence: 1e2", "missing", None),
    Shape("word", "Confidence: high", "missing", None),
    Shape("two_numbers_on_line", "Confidence: 30 or 40", "missing", None),
    Shape("two_bare_numbers", "30 40", "missing", None),
    Shape("restated", "Confidence: 30\nOn reflection, step 4 is fine.\nConfidence: 80", "ok", 80.0),
    Shape(
        "only_in_prose",
        "The proof is about 70% likely to be right; step 3 is dubious.",
        "missing",
        None,
    ),  # fmt: skip
    Shape("only_in_reasoning", "<think>I would say 90.</think>\nI cannot decide.", "missing", None),
    Shape("reasoning_then_answer", "<think>Confidence: 10</think>\nConfidence: 75", "ok", 75.0),
    Shape("answer_inside_reasoning", "<think>Confidence: 85\n</think>", "missing", None),
    Shape("fullwidth_digits", "Confidence: ８５", "ok", 85.0),
    Shape("arabic_indic_digits", "Confidence: ٨٥", "ok", 85.0),
    Shape("math_bold_digits", "Confidence: 𝟖𝟓", "ok", 85.0),
    Shape("comma_decimal", "Confidence: 7,5", "ok", 7.5),
    Shape(
        "json_extra_fields", '{"confidence": 85, "reasoning": "fine", "steps": [1, 2]}', "ok", 85.0
    ),  # fmt: skip
    Shape(
        "json_fenced_string", '```json\n{"verdict": "correct", "confidence": "72"}\n```', "ok", 72.0
    ),  # fmt: skip
    Shape("json_probability", '{"confidence": 0.9}', "ambiguous", None),
    Shape("tag", "Looks right.\n<confidence>55</confidence>", "ok", 55.0),
    Shape("tag_beats_label", "<confidence>85</confidence>\nConfidence: 20", "ok", 85.0),
    Shape("boxed", "Final: \\boxed{65}", "ok", 65.0),
    Shape("markdown_bold_label", "**Confidence:** 60", "ok", 60.0),
    Shape("markdown_heading", "## Final Confidence = 40%", "ok", 40.0),
    Shape("markdown_quote", "> **Confidence**: 33", "ok", 33.0),
    Shape("code_fence", "```\nConfidence: 45\n```", "ok", 45.0),
    Shape("trailing_emoji", "Confidence: 85 ✅", "missing", None),
    Shape("last_line_number", "The proof is correct.\n\n90", "ok", 90.0),
    Shape("trailing_period", "Confidence: 100.", "ok", 100.0),
    Shape("nul_byte", "Confidence:\x0085", "missing", None),
    Shape("long_with_answer", LONG_FILLER + "\nConfidence: 42", "ok", 42.0),
    Shape("long_without_answer", LONG_FILLER, "missing", None),
    # A lone surrogate is what a JSON "\ud800" escape decodes to; the log must still be written.
    Shape("lone_surrogate", "Confidence: 85 \ud800", "missing", None),
)

# Hand count of the shapes above whose status is not "ok".
EXPECTED_FAILURES = 23
# Shapes whose answer ends with max_tokens (the replay provider's stop_reason=max_tokens).
TRUNCATED: tuple[Shape, ...] = (
    Shape("truncated_label", "Confidence: 8", "truncated", None),
    Shape("truncated_empty", "", "truncated", None),
)


def _answers(shapes: tuple[Shape, ...], benchmark: str) -> list[GradedAnswer]:
    # Three problems, so the metrics that group by problem have something to group.
    return [
        GradedAnswer(
            benchmark=benchmark,
            problem_id=str(i % 3 + 1),
            problem=f"Problem {i % 3 + 1}",
            generator="g",
            generator_family="other",
            answer_index=i,
            solution=f"proof of shape {shape.name}",
            max_points=7,
            judges=(JudgeGrade(points=7.0), JudgeGrade(points=0.0)),
        )
        for i, shape in enumerate(shapes)
    ]


def _run(shapes: tuple[Shape, ...], log_dir: Path, benchmark: str, **model_args: Any) -> EvalLog:
    task = verifier_task(
        _answers(shapes, benchmark),
        name=benchmark,
        version="test",
        prompt="seed",
        failure_policy="zero",
    )
    responses = {f"proof of shape {s.name}": s.text for s in shapes}
    model = get_model(f"replay/{benchmark}", responses=responses, **model_args)
    [log] = inspect_eval(task, model=model, log_dir=str(log_dir), display="none")
    assert log.status == "success", log.error
    return read_eval_log(str(log.location))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalLog, EvalLog, Path]:
    log_dir = tmp_path_factory.mktemp("malformed")
    corpus = _run(SHAPES, log_dir, "malformed")
    truncated = _run(TRUNCATED, log_dir, "truncated", stop_reason="max_tokens")
    return corpus, truncated, log_dir


def _by_shape(log: EvalLog) -> dict[str, tuple[str, dict[str, object], str]]:
    """Shape name -> (raw completion in the log, score metadata, score explanation)."""
    out = {}
    for sample in log.samples or []:
        [score] = (sample.scores or {}).values()
        name = str(sample.input).removeprefix("proof of shape ")
        out[name] = (sample.output.completion, score.metadata or {}, score.explanation or "")
    return out


def test_corpus_is_large_and_hand_counted() -> None:
    assert len(SHAPES) >= 30
    assert len({s.name for s in SHAPES}) == len(SHAPES)
    assert sum(s.status != "ok" for s in SHAPES) == EXPECTED_FAILURES
    assert len(LONG_FILLER) >= 200_000


def test_every_shape_is_graded_once_with_its_status(runs: tuple[EvalLog, EvalLog, Path]) -> None:
    corpus, truncated, _ = runs
    found = _by_shape(corpus) | _by_shape(truncated)
    assert sorted(found) == sorted(s.name for s in (*SHAPES, *TRUNCATED))
    for shape in (*SHAPES, *TRUNCATED):
        _, meta, explanation = found[shape.name]
        assert meta["verdict_status"] == shape.status, shape.name
        assert explanation.startswith(f"verdict {shape.status}"), shape.name
        if shape.confidence is None:
            assert meta["confidence"] is None, shape.name
        else:
            assert meta["confidence"] == pytest.approx(shape.confidence), shape.name


def test_raw_answers_are_kept_in_the_log(runs: tuple[EvalLog, EvalLog, Path]) -> None:
    corpus, truncated, _ = runs
    found = _by_shape(corpus) | _by_shape(truncated)
    for shape in (*SHAPES, *TRUNCATED):
        completion = found[shape.name][0]
        if shape.name == "lone_surrogate":
            # Not encodable as UTF-8: the log keeps it escaped rather than failing to write.
            assert completion == "Confidence: 85 \\ud800"
        else:
            assert completion == shape.text, shape.name
    assert len(found["long_with_answer"][0]) > 200_000


def test_format_failure_rate_is_the_hand_count(runs: tuple[EvalLog, EvalLog, Path]) -> None:
    corpus, truncated, _ = runs
    for log, expected in ((corpus, EXPECTED_FAILURES / len(SHAPES)), (truncated, 1.0)):
        assert log.results is not None
        metrics = log.results.scores[0].metrics
        assert metrics["format_failure_rate"].value == pytest.approx(expected)


def test_tidy_table_and_leaderboard_agree(runs: tuple[EvalLog, EvalLog, Path]) -> None:
    _, _, log_dir = runs
    frame = load_answers(str(log_dir))
    corpus = frame.loc[frame["benchmark"] == "malformed"].sort_values("answer_index")
    assert list(corpus["verdict_status"]) == [s.status for s in SHAPES]
    expected = [math.nan if s.confidence is None else s.confidence for s in SHAPES]
    assert list(corpus["confidence"]) == pytest.approx(expected, nan_ok=True)
    # Failures score 0 points under the default policy; valid answers confidence / 100 * 7.
    points = [0.0 if s.confidence is None else s.confidence * 0.07 for s in SHAPES]
    assert list(corpus["verifier_points"]) == pytest.approx(points)
    board = leaderboard(frame, n_boot=0, human_ceiling=False).set_index("benchmark")
    assert board.loc["malformed", "format_failure_rate"] == pytest.approx(EXPECTED_FAILURES / 47)
    assert board.loc["truncated", "format_failure_rate"] == pytest.approx(1.0)
    assert board.loc["malformed", "n_answers"] == len(SHAPES)
