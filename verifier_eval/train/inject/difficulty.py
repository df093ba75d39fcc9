"""Difficulty rater (inspect role ``rater``): how hard is the injected error to catch, 1-5.

The seed trained on level 2 only; :func:`filter_by_difficulty` keeps chosen levels.
"""

import re
from collections.abc import Collection, Iterable
from typing import Protocol, TypeVar

from inspect_ai.model import Model, get_model

DEFAULT_RATER_MODEL = "openai/gpt-4.1"

RATER_PROMPT = """Below is a competition problem and a proof into which one error was inserted \
on purpose. Rate how hard the error is for a strong mathematician grading the proof to notice:

1 = obvious at a glance; 2 = noticed on a normal careful read; 3 = needs checking the step; \
4 = needs re-deriving the argument; 5 = very subtle, most graders would miss it.

The inserted error: {description}
Location: "{span_text}"

<problem>
{problem}
</problem>

<proof>
{proof}
</proof>

Answer with one line: <difficulty>N</difficulty>"""

_DIFFICULTY = re.compile(r"<difficulty>\s*([1-5])\s*</difficulty>")


def parse_difficulty(answer: str) -> int | None:
    """The last ``<difficulty>N</difficulty>`` (1-5) in an answer, or ``None``."""
    matches = _DIFFICULTY.findall(answer)
    return int(matches[-1]) if matches else None


async def rate_difficulty(
    problem: str,
    proof: str,
    span_text: str,
    description: str,
    *,
    model: str | Model | None = None,
) -> int | None:
    """Rate one injected error 1-5 with the rater model.

    Args:
        problem: The problem statement.
        proof: The proof with the injected error.
        span_text: The changed passage.
        description: What was changed.
        model: The rater; by default the ``rater`` model role, else :data:`DEFAULT_RATER_MODEL`.

    Returns:
        The level, or ``None`` when the answer has no valid rating.
    """
    rater = (
        get_model(model)
        if model is not None
        else get_model(role="rater", default=DEFAULT_RATER_MODEL)
    )
    output = await rater.generate(
        RATER_PROMPT.format(
            problem=problem, proof=proof, span_text=span_text, description=description
        )
    )
    return parse_difficulty(output.completion)


class Rated(Protocol):
    """Anything with a difficulty (``None``: unrated, e.g. an untouched proof)."""

    @property
    def difficulty(self) -> int | None: ...


RatedT = TypeVar("RatedT", bound=Rated)


def filter_by_difficulty(items: Iterable[RatedT], levels: Collection[int]) -> list[RatedT]:
    """Keep the items whose difficulty is one of ``levels`` (unrated items are dropped)."""
    return [item for item in items if item.difficulty is not None and item.difficulty in levels]
