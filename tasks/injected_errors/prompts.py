"""Prompt of the injected_errors task: confidence plus the quoted first error."""

PROMPT = """You are grading a proof of a competition problem. Decide whether the proof is \
complete and correct, so that it deserves full credit. If it is not, find the FIRST error.

<problem>
{problem}
</problem>

<proof>
{proof}
</proof>

Think it through. Then give the location of the first error by quoting the erroneous text of the \
proof exactly (a short passage, copied verbatim) as <error>...</error>, or <error>none</error> if \
the proof is correct. End with a final line `Confidence: <0-100>`: your confidence that the proof \
deserves full credit."""
