"""What an error injector returns, and the helpers the rule-based injectors share.

An injector takes a correct proof and a seed and returns either an :class:`Injection` (the new
text with exactly one error, and where it is) or a :class:`Refusal`. It never returns an
unchanged proof: a proof labelled wrong must differ from the correct one.
"""

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeAlias


class Span(NamedTuple):
    """Half-open character span ``[start, end)``."""

    start: int
    end: int


@dataclass(frozen=True)
class Injection:
    """A proof with one injected error."""

    text: str
    """The proof with the error."""
    span: Span
    """The changed characters in :attr:`text` (never empty)."""
    original_span: Span
    """The characters of the original proof that :attr:`span` replaced."""
    error_type: str
    description: str
    """What was changed, in words (kept in the data for audits)."""


@dataclass(frozen=True)
class Refusal:
    """An injector could not apply to this proof, and why."""

    error_type: str
    reason: str


InjectionResult: TypeAlias = Injection | Refusal


class Injector(Protocol):
    """A pure, seeded function: ``(proof, seed) -> Injection | Refusal``."""

    def __call__(self, proof: str, seed: int) -> InjectionResult: ...


class Edit(NamedTuple):
    """A candidate replacement of ``proof[start:end]`` by ``new``."""

    start: int
    end: int
    new: str
    description: str


def rng_for(error_type: str, seed: int) -> random.Random:
    """A generator private to one injector and seed (string seeds hash stably across runs)."""
    return random.Random(f"{error_type}:{seed}")


def apply_edit(proof: str, edit: Edit, error_type: str) -> InjectionResult:
    """Apply one edit and record both spans; refuse an edit that changes nothing."""
    old = proof[edit.start : edit.end]
    if old == edit.new or not edit.new:
        return Refusal(error_type, "the edit would not change the text")
    text = proof[: edit.start] + edit.new + proof[edit.end :]
    return Injection(
        text=text,
        span=Span(edit.start, edit.start + len(edit.new)),
        original_span=Span(edit.start, edit.end),
        error_type=error_type,
        description=edit.description,
    )


def choose_edit(
    proof: str, edits: Sequence[Edit], error_type: str, seed: int, what: str
) -> InjectionResult:
    """Pick one candidate edit with the injector's seeded generator; refuse when there is none."""
    if not edits:
        return Refusal(error_type, f"no {what} found in the proof")
    edit = rng_for(error_type, seed).choice(list(edits))
    return apply_edit(proof, edit, error_type)


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation of ``template`` (``For all`` -> ``For some``)."""
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def math_regions(proof: str) -> list[Span]:
    r"""Spans of TeX math (``$...$``, ``$$...$$``, ``\(...\)``, ``\[...\]``) in a proof."""
    pattern = re.compile(r"\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
    return [Span(m.start(), m.end()) for m in pattern.finditer(proof)]


def inside(position: int, regions: Sequence[Span]) -> bool:
    """Whether a character position falls in one of the regions."""
    return any(r.start <= position < r.end for r in regions)
