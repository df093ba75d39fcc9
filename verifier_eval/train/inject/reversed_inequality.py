r"""Reversed inequality: one ``<``, ``\le``, ``\geq``, ``≤``... is turned the other way."""

import re

from verifier_eval.train.inject.base import Edit, InjectionResult, choose_edit

ERROR_TYPE = "reversed_inequality"

_TEX_REVERSED = {
    r"\leq": r"\geq",
    r"\geq": r"\leq",
    r"\le": r"\ge",
    r"\ge": r"\le",
    r"\lt": r"\gt",
    r"\gt": r"\lt",
    r"\leqslant": r"\geqslant",
    r"\geqslant": r"\leqslant",
    "≤": "≥",
    "≥": "≤",
    "<=": ">=",
    ">=": "<=",
    "<": ">",
    ">": "<",
}
# Longest alternatives first; a TeX command must not continue with a letter (``\left``, ``\geq``
# read as ``\ge`` + ``q``). Bare ``<``/``>`` must not be part of an arrow (``->``, ``<=>``) or
# a tag.
_PATTERN = re.compile(
    r"\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt)(?![A-Za-z])"
    r"|≤|≥"
    r"|(?<![<=\-])(?:<=|>=)(?![>=])"
    r"|(?<![<>=\-|])[<>](?![<>=\-/A-Za-z|])"
)


def reversed_inequality(proof: str, seed: int) -> InjectionResult:
    """Turn one inequality sign of the proof the other way.

    Args:
        proof: A correct proof.
        seed: Chooses which inequality when there are several.

    Returns:
        The injection, or a refusal when the proof has no inequality sign.
    """
    edits = [
        Edit(
            m.start(),
            m.end(),
            _TEX_REVERSED[m.group(0)],
            f"reversed the inequality {m.group(0)!r} to {_TEX_REVERSED[m.group(0)]!r}",
        )
        for m in _PATTERN.finditer(proof)
        if m.group(0) in _TEX_REVERSED
    ]
    return choose_edit(proof, edits, ERROR_TYPE, seed, "inequality sign")
