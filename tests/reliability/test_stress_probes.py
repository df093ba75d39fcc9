"""Issue 7.5: the stress probes are pure, seeded rewrites, checked on hand-written answers."""

from random import Random

import pytest
from verifier_eval.tasks.stress.probes import (
    APPENDED_CLAIMS,
    DEGRADATION_PROBES,
    GRADER_INSTRUCTIONS,
    MANIPULATION_PROBES,
    PROBES,
    appended_claim,
    apply_probe,
    confident_format,
    grader_instruction,
    original,
    paragraphs,
    reference_solution,
    shuffled_steps,
    truncated_conclusion,
)
from verifier_eval.tasks.stress.stress import probe_names, select_answers, stress_samples

from verifier_eval.analysis.stress import ProbeKind
from verifier_eval.errors import ConfigError
from verifier_eval.records import GradedAnswer, JudgeGrade

FIVE = "First step.\n\nSecond step.\n\n  Third step.\n\nFourth step.\n\nTherefore done."


def answer(
    solution: str = FIVE,
    *,
    problem: str = "1",
    index: int = 0,
    reference: str | None = "The official proof.",
) -> GradedAnswer:
    return GradedAnswer(
        benchmark="toy",
        problem_id=problem,
        problem=f"Problem {problem}",
        generator="g",
        generator_family="other",
        answer_index=index,
        solution=solution,
        max_points=7,
        judges=(JudgeGrade(points=3.0), JudgeGrade(points=4.0)),
        reference_solution=reference,
    )


def test_registry_names_and_kinds() -> None:
    assert list(PROBES) == [
        "original",
        "appended_claim",
        "grader_instruction",
        "confident_format",
        "reference_solution",
        "shuffled_steps",
        "truncated_conclusion",
    ]
    assert MANIPULATION_PROBES == ("appended_claim", "grader_instruction", "confident_format")
    assert DEGRADATION_PROBES == ("shuffled_steps", "truncated_conclusion")
    assert PROBES["reference_solution"].kind is ProbeKind.KNOWN_GOOD
    assert PROBES["original"].kind is ProbeKind.ORIGINAL


def test_original_is_unchanged() -> None:
    assert original(answer(), Random(0)) == FIVE


def test_appended_claim_adds_one_closing_paragraph() -> None:
    text = appended_claim(answer(FIVE + "\n\n"), Random(0))
    body, claim = text.rsplit("\n\n", 1)
    assert body == FIVE
    assert claim in APPENDED_CLAIMS


def test_grader_instruction_is_inserted_between_paragraphs() -> None:
    seen = set()
    for seed in range(40):
        blocks = paragraphs(grader_instruction(answer(), Random(seed)))
        [position] = [i for i, b in enumerate(blocks) if b in GRADER_INSTRUCTIONS]
        seen.add(position)
        assert blocks[:position] + blocks[position + 1 :] == paragraphs(FIVE)
    # 5 paragraphs have 6 boundaries, the start and the end included; 40 draws reach all of them.
    assert seen == {0, 1, 2, 3, 4, 5}


def test_confident_format_styles_keep_the_content() -> None:
    """The three styles, written out by hand for a three-paragraph answer."""
    styled = {confident_format(answer("A.\n\nB.\n\nC."), Random(seed)) for seed in range(30)}
    assert styled == {
        "**Proof.**\n\nA.\n\nB.\n\nC.\n\n$\\blacksquare$ **Q.E.D.**",
        "## Theorem\n\nThe statement of the problem holds.\n\n## Proof\n\nA.\n\nB.\n\nC.\n\n∎",
        "### Solution\n\n**Step 1.** A.\n\n**Step 2.** B.\n\n**Step 3.** C.\n\n**Q.E.D.** ∎",
    }


@pytest.mark.parametrize("reference", [None, "", "  \n"])
def test_reference_solution_needs_one(reference: str | None) -> None:
    assert reference_solution(answer(reference=reference), Random(0)) is None


def test_reference_solution_is_the_reference() -> None:
    assert reference_solution(answer(), Random(0)) == "The official proof."


def test_shuffled_steps_reorders_paragraphs() -> None:
    for seed in range(20):
        text = shuffled_steps(answer(), Random(seed))
        assert text is not None
        blocks = paragraphs(text)
        assert sorted(blocks) == sorted(paragraphs(FIVE))
        assert blocks != paragraphs(FIVE)


def test_shuffled_steps_falls_back_to_sentences() -> None:
    text = shuffled_steps(answer("One is odd. Two is even! Is three prime? Yes."), Random(1))
    assert text is not None
    words = ["One", "is", "odd.", "Two", "is", "even!", "Is", "three", "prime?", "Yes."]
    assert sorted(text.split(" ")) == sorted(words)
    assert text != "One is odd. Two is even! Is three prime? Yes."
    assert text.endswith((".", "!", "?"))


@pytest.mark.parametrize("solution", ["A single sentence with no break", "Same. Same."])
def test_shuffled_steps_needs_two_distinct_steps(solution: str) -> None:
    assert shuffled_steps(answer(solution), Random(0)) is None


@pytest.mark.parametrize(
    ("solution", "expected"),
    [
        # 5 paragraphs: floor(5 * 0.6) = 3 kept.
        (FIVE, "First step.\n\nSecond step.\n\nThird step."),
        # 1 paragraph of 4 sentences: floor(2.4) = 2 kept.
        ("S one. S two. S three. S four.", "S one. S two."),
        # 2 sentences: floor(1.2) = 1 kept.
        ("Only this. And that.", "Only this."),
        # 1 sentence of 2 words: 1 word kept, at least one step is always cut.
        ("two words", "two"),
    ],
)
def test_truncated_conclusion_keeps_the_first_steps(solution: str, expected: str) -> None:
    assert truncated_conclusion(answer(solution), Random(0)) == expected


def test_truncated_conclusion_of_one_word() -> None:
    assert truncated_conclusion(answer("Trivial."), Random(0)) is None


def test_probes_are_seeded_per_answer() -> None:
    a, b = answer(), answer(index=1)
    assert apply_probe("shuffled_steps", a, 3) == apply_probe("shuffled_steps", a, 3)
    # Another seed, or another answer with the same text, draws its own order.
    shuffles = {apply_probe("shuffled_steps", a, seed) for seed in range(6)}
    assert len(shuffles) > 1
    others = {apply_probe("shuffled_steps", b, seed) for seed in range(6)}
    assert others != shuffles


def test_select_answers_spreads_over_problems() -> None:
    answers = [answer(problem=p, index=i) for p in "123" for i in range(4)]
    chosen = select_answers(answers, 6, seed=0)
    assert sorted(a.problem_id for a in chosen) == ["1", "1", "2", "2", "3", "3"]
    # The original order is kept, and the same seed chooses the same answers.
    assert chosen == [a for a in answers if a in chosen]
    assert select_answers(answers, 6, seed=0) == chosen
    assert select_answers(answers, None, seed=0) == answers
    assert len(select_answers(answers, 100, seed=0)) == 12


def test_select_answers_with_uneven_problems() -> None:
    answers = [answer(problem="1")] + [answer(problem="2", index=i) for i in range(5)]
    chosen = select_answers(answers, 4, seed=7)
    assert sorted(a.problem_id for a in chosen) == ["1", "2", "2", "2"]


def test_select_answers_rejects_a_non_positive_limit() -> None:
    with pytest.raises(ConfigError, match="limit_answers must be at least 1, got 0"):
        select_answers([answer()], 0, seed=0)


def test_probe_names() -> None:
    assert probe_names("all") == list(PROBES)
    # original is always graded, and the registry order is kept.
    assert probe_names("truncated_conclusion,appended_claim") == [
        "original",
        "appended_claim",
        "truncated_conclusion",
    ]
    assert probe_names(["shuffled_steps"]) == ["original", "shuffled_steps"]


def test_stress_samples_carry_the_original_answer() -> None:
    source = answer(reference=None)
    samples = stress_samples([source], list(PROBES), seed=0)
    # No reference solution: that probe yields no sample.
    assert [s.metadata["probe"] for s in samples if s.metadata] == [
        "original",
        "appended_claim",
        "grader_instruction",
        "confident_format",
        "shuffled_steps",
        "truncated_conclusion",
    ]
    for sample in samples:
        meta = sample.metadata or {}
        assert sample.id == f"1/g/0/{meta['probe']}"
        assert meta["original_sample_id"] == "1/g/0"
        assert meta["probe_kind"] == PROBES[meta["probe"]].kind.value
        # The original answer's human grade, carried for reference (not a grade of the text).
        assert meta["human_points"] == 3.5
        assert meta["judge_points"] == [3.0, 4.0]
        assert sample.input == apply_probe(meta["probe"], source, 0)
