r"""THE verdict parser: a verifier's text -> a confidence 0-100, or a named format failure.

Shared by the scorers and the RL rewards (``verifier_eval.rewards``) so evaluation and training
cannot drift. Rules, in order:

1. Text before the last end-of-thinking marker (``</think>``) is reasoning and is ignored.
2. Tagged forms win over untagged ones. By priority: ``<confidence>85</confidence>``; a JSON key
   ``"confidence": 85``; a labelled line ``Confidence: 85`` / ``Final confidence = 85%`` /
   ``Score: 85/100``; ``\\boxed{85}``. Within the highest-priority form present, the **last**
   occurrence counts (models restate their answer at the end).
3. Otherwise the whole answer, or else its last non-empty line, must be a bare number
   (``85``, ``85%``, ``85/100``, ``**85**``). A number only inside reasoning prose is not an answer.
4. The value must lie in [0, 100]. A decimal in (0, 1] without ``%`` (``0.85``, ``1.0``) is
   ambiguous between a probability and a percentage and is a format failure, as are NaN, infinity,
   words and several different numbers on the answer line.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from verifier_eval.records import THINKING_END_MARKERS


class VerdictStatus(StrEnum):
    """Outcome of parsing one verifier answer."""

    OK = "ok"
    EMPTY = "empty"
    MISSING = "missing"
    AMBIGUOUS = "ambiguous"
    OUT_OF_RANGE = "out_of_range"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class Verdict:
    """A parsed verifier answer."""

    confidence: float | None
    """Confidence 0-100 that the proof deserves full credit; ``None`` on a format failure."""
    status: VerdictStatus
    form: str = ""
    """Which form matched: ``tag``, ``json``, ``label``, ``boxed``, ``bare``, ``last_line``."""
    matched: str = ""
    """The text span the value was read from (kept in logs for audits)."""

    @property
    def ok(self) -> bool:
        """Whether a valid confidence was found."""
        return self.status is VerdictStatus.OK


_NUMBER = r"[-+−]?(?:\d+(?:[.,]\d+)?|[.,]\d+|nan|inf(?:inity)?)"
_VALUE = rf"(?P<value>{_NUMBER})\s*(?P<pct>%|/\s*100(?![\d.]))?"
_TAG = re.compile(rf"<confidence>\s*\**\s*{_VALUE}\s*\**\s*</confidence>", re.IGNORECASE)
_JSON = re.compile(rf"[\"']confidence[\"']\s*:\s*[\"']?{_VALUE}", re.IGNORECASE)
_LABEL = re.compile(
    rf"(?:^|\n)[ \t>*_#-]*(?:final\s+)?(?:confidence|probability|score|answer|grade)"
    rf"(?:\s+score)?[ \t*_]*[:=][ \t*_]*{_VALUE}[ \t*_.]*(?=\n|$)",
    re.IGNORECASE,
)
_BOXED_VALUE = rf"(?P<value>{_NUMBER})\s*(?P<pct>\\?%|/\s*100(?![\d.]))?"
_BOXED = re.compile(rf"\\boxed\{{\s*{_BOXED_VALUE}\s*\}}", re.IGNORECASE)
_BARE = re.compile(rf"^[\s*_`\"']*{_VALUE}[\s*_`\"'.]*$", re.IGNORECASE)
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tag", _TAG),
    ("json", _JSON),
    ("label", _LABEL),
    ("boxed", _BOXED),
)


def _normalise(text: str) -> str:
    # NFKC maps full-width and other compatibility digits ("８５") to ASCII.
    return unicodedata.normalize("NFKC", text)


def _after_reasoning(text: str) -> str:
    cut = max((text.rfind(m) + len(m) for m in THINKING_END_MARKERS if m in text), default=0)
    return text[cut:]


def _to_verdict(match: re.Match[str], form: str) -> Verdict:
    raw = match.group("value").replace("−", "-").replace(",", ".")
    pct = bool(match.group("pct"))
    span = match.group(0).strip()
    try:
        value = float(raw)
    except ValueError:
        return Verdict(None, VerdictStatus.AMBIGUOUS, form, span)
    if math.isnan(value) or math.isinf(value):
        return Verdict(None, VerdictStatus.AMBIGUOUS, form, span)
    if value < 0 or value > 100:
        return Verdict(None, VerdictStatus.OUT_OF_RANGE, form, span)
    if not pct and "." in raw and 0 < value <= 1:
        return Verdict(None, VerdictStatus.AMBIGUOUS, form, span)
    return Verdict(value, VerdictStatus.OK, form, span)


def parse_confidence(text: str | None, *, truncated: bool = False) -> Verdict:
    """Parse a verifier's answer into a confidence 0-100.

    Args:
        text: The verifier's full completion.
        truncated: The generation stopped at its token limit; the answer cannot be trusted
            even if it ends in a number (``Confidence: 8`` may have been ``85``).

    Returns:
        A :class:`Verdict`; ``verdict.ok`` tells whether a confidence was found.
    """
    if truncated:
        return Verdict(None, VerdictStatus.TRUNCATED)
    if text is None or not text.strip():
        return Verdict(None, VerdictStatus.EMPTY)
    answer = _normalise(_after_reasoning(text))
    for form, pattern in _FORMS:
        matches = list(pattern.finditer(answer))
        if matches:
            return _to_verdict(matches[-1], form)
    stripped = answer.strip()
    whole = _BARE.match(stripped)
    if whole:
        return _to_verdict(whole, "bare")
    lines = [line for line in stripped.splitlines() if line.strip()]
    if lines:
        last = _BARE.match(lines[-1].strip())
        if last:
            return _to_verdict(last, "last_line")
    return Verdict(None, VerdictStatus.MISSING)
