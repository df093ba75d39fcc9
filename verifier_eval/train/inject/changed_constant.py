"""Changed constant: one number in the proof's mathematics is replaced by a nearby one."""

import re

from verifier_eval.train.inject.base import (
    Edit,
    InjectionResult,
    choose_edit,
    inside,
    math_regions,
    rng_for,
)

ERROR_TYPE = "changed_constant"

# An integer that is not part of an identifier (``x2``), a decimal or a TeX command; a coefficient
# (``2n``) counts. Subscripts are left to ``changed_index``.
_NUMBER = re.compile(r"(?<![_\w.\\])\d+(?!\d|\.\d)")
_LABEL = re.compile(
    r"(?:case|step|lemma|claim|problem|theorem|part|figure|equation|eq\.)\s*$", re.I
)


def _replacement(value: int, pick: int) -> int:
    options = [value + 1, value - 1, value * 2] if value > 1 else [value + 1, value + 2]
    options = [o for o in options if o >= 0 and o != value]
    return options[pick % len(options)]


def changed_constant(proof: str, seed: int) -> InjectionResult:
    """Replace one integer inside the proof's TeX math by a different nearby value.

    Only numbers inside math are candidates (prose numbers are mostly labels: "Case 2",
    "Step 3"), and a number right after such a label is skipped even inside math.

    Args:
        proof: A correct proof.
        seed: Chooses the number and its replacement.

    Returns:
        The injection, or a refusal when no number is found inside math.
    """
    regions = math_regions(proof)
    rng = rng_for(ERROR_TYPE + "/value", seed)
    edits: list[Edit] = []
    for m in _NUMBER.finditer(proof):
        if not inside(m.start(), regions) or _LABEL.search(
            proof[max(0, m.start() - 12) : m.start()]
        ):
            continue
        if proof[max(0, m.start() - 2) : m.start()] == "_{":
            continue
        value = int(m.group(0))
        new = _replacement(value, rng.randrange(3))
        edits.append(Edit(m.start(), m.end(), str(new), f"changed the constant {value} to {new}"))
    return choose_edit(proof, edits, ERROR_TYPE, seed, "number inside math")
