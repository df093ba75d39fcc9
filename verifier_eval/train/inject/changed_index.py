"""Changed index: one subscript (``a_i``, ``x_{n+1}``, ``b_2``) is shifted by one."""

import re

from verifier_eval.train.inject.base import Edit, InjectionResult, choose_edit

ERROR_TYPE = "changed_index"

_BRACED = re.compile(r"(?<=_\{)([A-Za-z0-9+\-\s]{1,12})(?=\})")
_SINGLE = re.compile(r"(?<=_)([A-Za-z0-9])(?![A-Za-z0-9{])")
_SHIFT = re.compile(r"^\s*([A-Za-z]|\d+)\s*([+-])\s*(\d+)\s*$")


def _shifted(index: str) -> str | None:
    stripped = index.strip()
    if stripped.isdigit():
        return str(int(stripped) + 1)
    if len(stripped) == 1 and stripped.isalpha():
        return f"{stripped}+1"
    m = _SHIFT.match(stripped)
    if m is None:
        return None
    base, sign, amount = m.groups()
    # i+1 -> i-1 and i-1 -> i+1: the classic off-by-two slip of a recurrence.
    return f"{base}{'-' if sign == '+' else '+'}{amount}"


def changed_index(proof: str, seed: int) -> InjectionResult:
    """Shift one subscript: ``a_i`` -> ``a_{i+1}``, ``x_{n+1}`` -> ``x_{n-1}``, ``b_2`` -> ``b_3``.

    Args:
        proof: A correct proof.
        seed: Chooses the subscript.

    Returns:
        The injection, or a refusal when the proof has no subscript it can shift.
    """
    edits: list[Edit] = []
    for m in _BRACED.finditer(proof):
        new = _shifted(m.group(1))
        if new is not None:
            edits.append(
                Edit(m.start(), m.end(), new, f"changed the index {m.group(1)!r} to {new!r}")
            )
    for m in _SINGLE.finditer(proof):
        new = _shifted(m.group(1))
        if new is not None:
            # A single-character subscript needs braces once it grows.
            braced = "{" + new + "}" if len(new) > 1 else new
            edits.append(
                Edit(m.start(), m.end(), braced, f"changed the index {m.group(1)!r} to {new!r}")
            )
    return choose_edit(proof, edits, ERROR_TYPE, seed, "subscript")
