"""The verifier prompt used for training (the harness's contract: tags and a confidence line)."""

VERIFIER_PROMPT = """You are grading a proof of a competition problem. Decide whether the proof is \
complete and correct, so that it deserves full credit.

<problem>
{problem}
</problem>

<proof>
{proof}
</proof>

Think it through, then end your answer with a final line `Confidence: <0-100>`: your confidence \
that the proof deserves full credit."""


def verifier_prompt(problem: str, proof: str) -> str:
    """The training prompt for one (problem, proof) pair."""
    return VERIFIER_PROMPT.format(problem=problem, proof=proof)
