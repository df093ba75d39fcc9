"""Reversed implication: an implication arrow or phrase is turned into its converse."""

import re

from verifier_eval.train.inject.base import Edit, InjectionResult, choose_edit

ERROR_TYPE = "reversed_implication"

_REVERSED = {
    "\\implies": "\\impliedby",
    "\\impliedby": "\\implies",
    "\\Rightarrow": "\\Leftarrow",
    "\\Leftarrow": "\\Rightarrow",
    "\\Longrightarrow": "\\Longleftarrow",
    "\\Longleftarrow": "\\Longrightarrow",
    "⇒": "⇐",
    "⇐": "⇒",
    "=>": "<=",
    "implies": "is implied by",
    "is implied by": "implies",
}
_PATTERN = re.compile(
    r"\\(?:implies|impliedby|Rightarrow|Leftarrow|Longrightarrow|Longleftarrow)(?![A-Za-z])"
    r"|⇒|⇐|(?<![<=])=>(?!>)"
    r"|\bis implied by\b|(?<![\\\w])implies\b"
)


def reversed_implication(proof: str, seed: int) -> InjectionResult:
    r"""Reverse one implication (``\implies`` -> ``\impliedby``, ``implies`` -> ``is implied by``).

    ``\Rightarrow`` becomes ``\Leftarrow`` and so on, in both directions.

    Args:
        proof: A correct proof.
        seed: Chooses the implication.

    Returns:
        The injection, or a refusal when the proof has no implication arrow or phrase.
    """
    edits = [
        Edit(
            m.start(),
            m.end(),
            _REVERSED[m.group(0)],
            f"reversed the implication {m.group(0)!r} to {_REVERSED[m.group(0)]!r}",
        )
        for m in _PATTERN.finditer(proof)
    ]
    return choose_edit(proof, edits, ERROR_TYPE, seed, "implication")
