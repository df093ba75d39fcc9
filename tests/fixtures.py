"""A small hand-built benchmark: 2 generators x 2 problems x 2 answers, with ties and a failure.

Points are on a 7-point scale. Verifier answers are replayed by proof text.

| generator | problem | answer | judges | human | verifier answer | verifier points |
|---|---|---|---|---|---|---|
| A | 1 | 0 | 7, 7 | 7   | Confidence: 100 | 7   |
| A | 1 | 1 | 0, 0 | 0   | Confidence: 50  | 3.5 |
| A | 2 | 0 | 1, 1 | 1   | Confidence: 0   | 0   |
| A | 2 | 1 | 0, 0 | 0   | I cannot tell.  | failure (0 under "zero") |
| B | 1 | 0 | 0, 0 | 0   | Confidence: 0   | 0   |
| B | 1 | 1 | 0, 0 | 0   | Confidence: 0   | 0   |
| B | 2 | 0 | 3, 4 | 3.5 | Confidence: 50  | 3.5 |
| B | 2 | 1 | 4, 3 | 3.5 | Confidence: 100 | 7   |
"""

from verifier_eval.records import GradedAnswer, JudgeGrade

ROWS = [
    ("A", "1", 0, (7, 7), "Confidence: 100"),
    ("A", "1", 1, (0, 0), "Confidence: 50"),
    ("A", "2", 0, (1, 1), "Confidence: 0"),
    ("A", "2", 1, (0, 0), "I cannot tell."),
    ("B", "1", 0, (0, 0), "Confidence: 0"),
    ("B", "1", 1, (0, 0), "Confidence: 0"),
    ("B", "2", 0, (3, 4), "Confidence: 50"),
    ("B", "2", 1, (4, 3), "Confidence: 100"),
]


Row = tuple[str, str, int, tuple[float, ...], str]
"""generator, problem, answer index, judges' points, verifier answer."""


def build_answers(rows: list[Row], benchmark: str = "fixture") -> list[GradedAnswer]:
    """Graded answers from fixture rows; generator ``A`` is family openai, the others google."""
    return [
        GradedAnswer(
            benchmark=benchmark,
            problem_id=problem,
            problem=f"Problem {problem}",
            generator=generator,
            generator_family="openai" if generator == "A" else "google",
            answer_index=index,
            solution=f"proof {generator}-{problem}-{index}",
            max_points=7,
            judges=tuple(JudgeGrade(points=p) for p in judges),
        )
        for generator, problem, index, judges, _ in rows
    ]


def fixture_answers() -> list[GradedAnswer]:
    return build_answers(ROWS)


def fixture_responses() -> dict[str, str]:
    return {f"proof {g}-{p}-{i}": response for g, p, i, _, response in ROWS}
