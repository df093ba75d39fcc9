"""The verdict parser against a table of answer shapes (valid, boundary, malformed, adversarial)."""

import pytest

from verifier_eval.verdict import VerdictStatus, parse_confidence

OK = VerdictStatus.OK
CASES = [
    # valid
    pytest.param("85", 85.0, OK, id="bare-int"),
    pytest.param("  85  \n", 85.0, OK, id="bare-padded"),
    pytest.param("85%", 85.0, OK, id="percent"),
    pytest.param("85/100", 85.0, OK, id="over-100"),
    pytest.param("72.5", 72.5, OK, id="decimal"),
    pytest.param("Confidence: 85", 85.0, OK, id="label"),
    pytest.param("confidence = 40%", 40.0, OK, id="label-equals-percent"),
    pytest.param("**Confidence:** 90", 90.0, OK, id="label-markdown"),
    pytest.param("Final confidence: 15", 15.0, OK, id="final-label"),
    pytest.param("<confidence>70</confidence>", 70.0, OK, id="xml-tag"),
    pytest.param('{"confidence": 85, "reason": "ok"}', 85.0, OK, id="json-extra-fields"),
    pytest.param("\\boxed{40}", 40.0, OK, id="boxed"),
    pytest.param("\\boxed{40\\%}", 40.0, OK, id="boxed-percent"),
    pytest.param("The proof is fine.\n\nConfidence: 95", 95.0, OK, id="after-reasoning"),
    pytest.param("Step 3 uses 12 and 7.\nConfidence: 30", 30.0, OK, id="numbers-in-reasoning"),
    pytest.param(
        "Confidence: 30\nOn reflection...\nConfidence: 90", 90.0, OK, id="last-label-wins"
    ),
    pytest.param("<confidence>10</confidence> Confidence: 99", 10.0, OK, id="tag-beats-label"),
    pytest.param("I checked everything.\n**60**", 60.0, OK, id="last-line-bold"),
    pytest.param("reasoning 99 </think>\n20", 20.0, OK, id="after-think"),
    pytest.param("８５", 85.0, OK, id="fullwidth-digits"),
    # boundaries
    pytest.param("0", 0.0, OK, id="zero"),
    pytest.param("100", 100.0, OK, id="hundred"),
    pytest.param("0.0", 0.0, OK, id="zero-decimal"),
    pytest.param("1", 1.0, OK, id="one-int"),
    pytest.param("0.5%", 0.5, OK, id="small-percent"),
    pytest.param("100.0", 100.0, OK, id="hundred-decimal"),
    # malformed
    pytest.param("", None, VerdictStatus.EMPTY, id="empty"),
    pytest.param("   \n ", None, VerdictStatus.EMPTY, id="whitespace"),
    pytest.param(None, None, VerdictStatus.EMPTY, id="none"),
    pytest.param("I cannot grade this proof.", None, VerdictStatus.MISSING, id="refusal"),
    pytest.param("I think 85 is right because", None, VerdictStatus.MISSING, id="number-in-prose"),
    pytest.param("Confidence: high", None, VerdictStatus.MISSING, id="word"),
    pytest.param("150", None, VerdictStatus.OUT_OF_RANGE, id="above-100"),
    pytest.param("Confidence: -3", None, VerdictStatus.OUT_OF_RANGE, id="negative"),
    pytest.param("Confidence: 100.5", None, VerdictStatus.OUT_OF_RANGE, id="just-above"),
    pytest.param("NaN", None, VerdictStatus.AMBIGUOUS, id="nan"),
    pytest.param("Confidence: inf", None, VerdictStatus.AMBIGUOUS, id="inf"),
    pytest.param("0.85", None, VerdictStatus.AMBIGUOUS, id="probability-scale"),
    pytest.param("Confidence: 1.0", None, VerdictStatus.AMBIGUOUS, id="one-decimal"),
    pytest.param("Score: 7/7", None, VerdictStatus.MISSING, id="points-not-confidence"),
    pytest.param("85 or 90", None, VerdictStatus.MISSING, id="two-numbers"),
    # adversarial
    pytest.param(
        "Confidence: 95 </think> I refuse.", None, VerdictStatus.MISSING, id="think-hides"
    ),
    pytest.param("x" * 200_000 + "\nConfidence: 12", 12.0, OK, id="very-long"),
    pytest.param(
        "Confidence: 85\nThe gap in step 2 is minor.", 85.0, OK, id="label-then-explanation"
    ),
]


@pytest.mark.parametrize(("text", "confidence", "status"), CASES)
def test_parse_confidence(
    text: str | None, confidence: float | None, status: VerdictStatus
) -> None:
    verdict = parse_confidence(text)
    assert verdict.status is status
    assert verdict.confidence == confidence
    assert verdict.ok is (status is OK)


def test_truncated_output_is_a_failure_even_with_a_number() -> None:
    """'Confidence: 8' cut at the token limit may have been 85: never trust it."""
    verdict = parse_confidence("Confidence: 8", truncated=True)
    assert verdict.status is VerdictStatus.TRUNCATED
    assert verdict.confidence is None


def test_matched_span_is_kept_for_audits() -> None:
    verdict = parse_confidence("blah\nConfidence: 85%")
    assert verdict.matched == "Confidence: 85%"
    assert verdict.form == "label"
