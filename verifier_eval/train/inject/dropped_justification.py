"""Dropped justification: a claim loses the reason given for it.

``Since $a > b$, we have $c > d$.`` becomes ``We have $c > d$.`` and ``... holds because X.``
becomes ``... holds.``; the claim is unchanged but no longer supported. The recorded span is the
now-unsupported claim (a deletion has no characters of its own to point at).
"""

import re

from verifier_eval.train.inject.base import Edit, InjectionResult, choose_edit, match_case

ERROR_TYPE = "dropped_justification"

# "Since/Because/As X, Y." at the start of a sentence: keep Y. Commas inside $...$ do not end X.
_LEADING = re.compile(
    r"(?:(?<=^)|(?<=[.!?]\s)|(?<=\n))(?P<why>(?:Since|Because|As|By)\s(?:\$[^$]*\$|[^,.;$\n])+?,\s*)"
    r"(?P<claim>[^.!?\n]*?(?:\$[^$]*\$[^.!?\n]*?)*[.!?])"
)
# "Y because X." / "Y, since X." inside a sentence: keep Y.
_TRAILING = re.compile(
    r"(?P<claim>[^.!?\n]{10,}?)(?P<why>,?\s+(?:because|since)\s(?:\$[^$]*\$|[^.!?$\n])+)(?P<end>[.!?])"
)


def dropped_justification(proof: str, seed: int) -> InjectionResult:
    """Delete the justification clause of one sentence, keeping its claim.

    Args:
        proof: A correct proof.
        seed: Chooses the sentence.

    Returns:
        The injection, or a refusal when no sentence has a "since/because" clause.
    """
    edits: list[Edit] = []
    for m in _LEADING.finditer(proof):
        claim = m.group("claim").strip()
        if len(claim) < 3:
            continue
        new = match_case("A", claim[0]) + claim[1:]
        edits.append(
            Edit(m.start(), m.end(), new, f"dropped the justification {m.group('why').strip()!r}")
        )
    for m in _TRAILING.finditer(proof):
        claim = m.group("claim")
        edits.append(
            Edit(
                m.start(),
                m.end(),
                claim + m.group("end"),
                f"dropped the justification {m.group('why').strip()!r}",
            )
        )
    return choose_edit(proof, edits, ERROR_TYPE, seed, "justification clause")
