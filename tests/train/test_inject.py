"""Error injectors: changed text, exact span, deterministic under a seed, refusal when needed."""

import asyncio
from functools import cache

import pytest
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from verifier_eval.train.corpus import CorpusProof, read_opc_correct, read_usamo_reference
from verifier_eval.train.inject import INJECTORS, Injection, Refusal
from verifier_eval.train.inject.difficulty import (
    filter_by_difficulty,
    parse_difficulty,
    rate_difficulty,
)
from verifier_eval.train.inject.llm import llm_inject, parse_injection


@cache
def _corpus() -> tuple[CorpusProof, ...]:
    return tuple(read_opc_correct()[:40] + read_usamo_reference())


def _injected(result: Injection | Refusal) -> Injection:
    assert isinstance(result, Injection), result
    return result


def _assert_exact(original: str, result: Injection) -> None:
    """Outside the two spans the texts agree; inside, they differ; the new span is not empty."""
    new_start, new_end = result.span
    old_start, old_end = result.original_span
    assert result.text != original
    assert new_end > new_start
    assert result.text[:new_start] == original[:old_start]
    assert result.text[new_end:] == original[old_end:]
    assert result.text[new_start:new_end] != original[old_start:old_end]


# (injector, proof, expected new text, expected text of the new span, a proof it must refuse)
CASES = [
    (
        "reversed_inequality",
        r"Hence $a \le b$ holds.",
        r"Hence $a \ge b$ holds.",
        r"\ge",
        r"No order here: $\left( a = b \right)$ and $x -> y$.",
    ),
    (
        "changed_constant",
        "Thus $x = 7$ in all cases.",
        None,
        None,
        "Case 2 has no math, Step 3 neither.",
    ),
    ("changed_index", "We get $a_{n+1} = 2$.", "We get $a_{n-1} = 2$.", "n-1", "We get $a = b$."),
    (
        "swapped_quantifier",
        "For all $x$ we have $x^2 \\ge 0$.",
        "For some $x$ we have $x^2 \\ge 0$.",
        "For some",
        "Clearly $x^2 \\ge 0$.",
    ),
    (
        "dropped_justification",
        "Since $a > b$, we have $c > d$.",
        "We have $c > d$.",
        "We have $c > d$.",
        "We have $c > d$. Done.",
    ),
    (
        "reversed_implication",
        "$x > 1 \\implies x^2 > 1$.",
        "$x > 1 \\impliedby x^2 > 1$.",
        "\\impliedby",
        "$x > 1$ and $x^2 > 1$.",
    ),
]


def test_every_registered_injector_has_a_case() -> None:
    assert sorted(INJECTORS) == sorted(case[0] for case in CASES)


@pytest.mark.parametrize(
    ("name", "proof", "expected", "span_text", "refused"), CASES, ids=[c[0] for c in CASES]
)
def test_injector_changes_text_with_exact_span(
    name: str, proof: str, expected: str | None, span_text: str | None, refused: str
) -> None:
    """Each injector rewrites the expected passage and records exactly where."""
    result = _injected(INJECTORS[name](proof, 0))
    _assert_exact(proof, result)
    assert result.error_type == name and result.description
    if expected is not None:
        assert result.text == expected
    if span_text is not None:
        assert result.text[result.span.start : result.span.end] == span_text


@pytest.mark.parametrize(
    ("name", "proof", "expected", "span_text", "refused"), CASES, ids=[c[0] for c in CASES]
)
def test_injector_refuses_when_it_cannot_apply(
    name: str, proof: str, expected: str | None, span_text: str | None, refused: str
) -> None:
    """No applicable site: a Refusal, never the unchanged proof."""
    result = INJECTORS[name](refused, 0)
    assert isinstance(result, Refusal) and result.error_type == name and result.reason


def test_changed_constant_picks_a_different_nearby_value() -> None:
    for seed in range(10):
        result = _injected(INJECTORS["changed_constant"]("Thus $x = 7$ in all cases.", seed))
        assert result.text[result.span.start : result.span.end] in {"6", "8", "14"}


@pytest.mark.parametrize("name", sorted(INJECTORS))
def test_injector_is_exact_on_the_bundled_corpus(name: str) -> None:
    """On real proofs every injection satisfies the span contract, and most proofs are usable."""
    applied = 0
    for proof in _corpus():
        result = INJECTORS[name](proof.proof, 3)
        if isinstance(result, Injection):
            _assert_exact(proof.proof, result)
            applied += 1
    assert applied >= len(_corpus()) // 3


@pytest.mark.parametrize("name", sorted(INJECTORS))
def test_injector_is_deterministic_under_a_seed(name: str) -> None:
    """Same proof and seed, same result; different seeds reach different sites."""
    proofs = [p.proof for p in _corpus()[:15]]
    assert [INJECTORS[name](p, 7) for p in proofs] == [INJECTORS[name](p, 7) for p in proofs]
    outcomes = {INJECTORS[name](p, seed) for p in proofs for seed in range(6)}
    assert len(outcomes) > len(proofs)


# --- LLM injector -------------------------------------------------------------------------------

PROOF = "Since $a > b$, we have $a - b > 0$. Hence $2a > 2b$."


def _answer(modified: str, changed: str, original: str = "") -> str:
    return (
        "I will flip the final inequality.\n"
        "<error_type>reversed inequality</error_type>\n"
        "<description>The last inequality is reversed.</description>\n"
        f"<original_text>{original}</original_text>\n"
        f"<changed_text>{changed}</changed_text>\n"
        f"<modified_proof>\n{modified}\n</modified_proof>"
    )


def test_parse_injection_validates_and_locates_the_change() -> None:
    modified = PROOF.replace("$2a > 2b$", "$2a < 2b$")
    result = _injected(parse_injection(PROOF, _answer(modified, "$2a < 2b$", "$2a > 2b$")))
    _assert_exact(PROOF, result)
    assert result.text[result.span.start : result.span.end] == "$2a < 2b$"
    assert PROOF[result.original_span.start : result.original_span.end] == "$2a > 2b$"
    assert result.error_type == "llm:reversed_inequality"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        pytest.param(_answer(PROOF, "$2a > 2b$"), "identical", id="unchanged"),
        pytest.param(
            _answer(PROOF.replace("2a > 2b", "2a < 2b"), "$a - b > 0$"),
            "not where",
            id="wrong-location",
        ),
        pytest.param(
            _answer(PROOF.replace("2a > 2b", "2a < 2b"), "not in the proof"),
            "not where",
            id="absent",
        ),
        pytest.param("I refuse.", "lacks", id="unparseable"),
    ],
)
def test_parse_injection_refuses_invalid_answers(answer: str, reason: str) -> None:
    result = parse_injection(PROOF, answer)
    assert isinstance(result, Refusal) and reason in result.reason


def _mock(*texts: str):  # type: ignore[no-untyped-def]
    outputs = []
    for text in texts:
        output = ModelOutput.from_content("mockllm/model", text)
        # An output without usage makes inspect count tokens with a downloaded tokenizer.
        output.usage = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)
        outputs.append(output)
    return get_model("mockllm/model", custom_outputs=outputs, memoize=False)


def test_llm_inject_calls_the_model_and_validates() -> None:
    modified = PROOF.replace("$2a > 2b$", "$2a < 2b$")
    model = _mock(_answer(modified, "$2a < 2b$"))
    result = _injected(asyncio.run(llm_inject("Show 2a > 2b.", PROOF, model=model)))
    assert result.text == modified


def test_difficulty_rater_and_filter() -> None:
    """The rater's level is read from <difficulty>N</difficulty>; the filter keeps chosen levels."""
    assert parse_difficulty("hmm <difficulty>2</difficulty>") == 2
    assert parse_difficulty("<difficulty>9</difficulty>") is None
    model = _mock("Subtle enough. <difficulty>2</difficulty>")
    assert asyncio.run(rate_difficulty("p", PROOF, "$2a < 2b$", "reversed", model=model)) == 2

    class Item:
        def __init__(self, difficulty: int | None) -> None:
            self.difficulty = difficulty

    items = [Item(1), Item(2), Item(None), Item(2), Item(5)]
    assert [i.difficulty for i in filter_by_difficulty(items, {2})] == [2, 2]
