"""A toy verifier task whose answer is decided by one token, for offline tests of the loop.

Each prompt is a short fake proof containing either ``valid`` (target confidence 100) or
``flawed`` (target 0) among filler words. A policy that reads the token and answers
``Confidence: 100`` / ``Confidence: 0`` gets the maximal reward.
"""

import random
from dataclasses import dataclass

_FILLER = ("we", "show", "that", "x", "is", "even", "odd", "hence", "so", "then", "step", "sum")


@dataclass(frozen=True)
class PromptExample:
    """A prompt to sample from and the confidence it deserves."""

    id: str
    prompt: str
    target: float


def toy_examples(n: int, seed: int) -> list[PromptExample]:
    """``n`` toy prompts, alternately correct and flawed, seeded."""
    rng = random.Random(f"toy:{seed}")
    examples: list[PromptExample] = []
    for i in range(n):
        correct = i % 2 == 0
        words = rng.choices(_FILLER, k=6)
        words.insert(rng.randrange(len(words) + 1), "valid" if correct else "flawed")
        prompt = f"<problem> toy {i % 7} </problem> <proof> {' '.join(words)} </proof> Confidence?"
        examples.append(PromptExample(f"toy/{seed}/{i}", prompt, 100.0 if correct else 0.0))
    return examples
