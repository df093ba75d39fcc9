"""Swapped quantifier: a universal claim becomes existential or the reverse."""

import re

from verifier_eval.train.inject.base import Edit, InjectionResult, choose_edit, match_case

ERROR_TYPE = "swapped_quantifier"

_WORDS = {
    "for all": "for some",
    "for every": "for some",
    "for each": "for some",
    "for any": "for some",
    "for some": "for all",
    "there exists": "for all",
    "\\forall": "\\exists",
    "\\exists": "\\forall",
}
_PATTERN = re.compile(
    r"\b(?:for\s+all|for\s+every|for\s+each|for\s+any|for\s+some|there\s+exists)\b"
    r"|\\forall(?![A-Za-z])|\\exists(?![A-Za-z])",
    re.IGNORECASE,
)


def swapped_quantifier(proof: str, seed: int) -> InjectionResult:
    r"""Swap one quantifier: ``for all`` <-> ``for some``, ``\forall`` <-> ``\exists``.

    Args:
        proof: A correct proof.
        seed: Chooses the quantifier.

    Returns:
        The injection, or a refusal when the proof has no quantifier phrase.
    """
    edits: list[Edit] = []
    for m in _PATTERN.finditer(proof):
        key = " ".join(m.group(0).lower().split())
        new = match_case(m.group(0), _WORDS[key])
        edits.append(
            Edit(m.start(), m.end(), new, f"swapped the quantifier {m.group(0)!r} for {new!r}")
        )
    return choose_edit(proof, edits, ERROR_TYPE, seed, "quantifier")
