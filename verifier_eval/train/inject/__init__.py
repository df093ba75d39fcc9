"""Error injectors: one error type per module, pure and seeded, in one dict registry.

Add an injector by writing a module with ``ERROR_TYPE`` and a function ``(proof, seed) ->
Injection | Refusal``, registering it in :data:`INJECTORS`, and adding its cases to
``tests/train/test_inject.py``. The LLM injector (``llm.py``) and the difficulty rater
(``difficulty.py``) call inspect model roles and are async, so they are not in the registry.
"""

from verifier_eval.train.inject.base import (
    Injection,
    InjectionResult,
    Injector,
    Refusal,
    Span,
)
from verifier_eval.train.inject.changed_constant import changed_constant
from verifier_eval.train.inject.changed_index import changed_index
from verifier_eval.train.inject.dropped_justification import dropped_justification
from verifier_eval.train.inject.reversed_implication import reversed_implication
from verifier_eval.train.inject.reversed_inequality import reversed_inequality
from verifier_eval.train.inject.swapped_quantifier import swapped_quantifier

INJECTORS: dict[str, Injector] = {
    "reversed_inequality": reversed_inequality,
    "changed_constant": changed_constant,
    "changed_index": changed_index,
    "swapped_quantifier": swapped_quantifier,
    "dropped_justification": dropped_justification,
    "reversed_implication": reversed_implication,
}

__all__ = [
    "INJECTORS",
    "Injection",
    "InjectionResult",
    "Injector",
    "Refusal",
    "Span",
]
