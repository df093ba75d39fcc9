"""LLM error injector: a model (inspect role ``injector``) inserts one subtle error and says where.

The seed used GPT-4.1 ("adding mistakes is simpler than detecting them"). The model's answer is
validated, never trusted: the modified proof must differ from the original, and the passage it
reports as changed must occur in the modified proof and cover the actual change. Anything else is
a :class:`Refusal`.
"""

import re

from inspect_ai.model import GenerateConfig, Model, get_model

from verifier_eval.train.inject.base import Injection, InjectionResult, Refusal, Span

ERROR_TYPE_PREFIX = "llm"
DEFAULT_INJECTOR_MODEL = "openai/gpt-4.1"

INJECTOR_PROMPT = """You are helping build training data for proof verifiers. Below is a correct \
proof of a competition problem. Insert exactly ONE subtle error into it: a mistake that a careful \
grader would catch but a skimming reader might miss (for example a reversed inequality, a wrong \
constant or index, a swapped quantifier, an unjustified step, a missing case, a reversed \
implication, or a computation slip). Change as little text as possible and keep the style.

First reason about where an error would be subtle but real. Then answer in exactly this format:

<error_type>one short snake_case name of the kind of error</error_type>
<description>one sentence: what you changed and why it is wrong</description>
<original_text>the exact passage of the ORIGINAL proof that you changed</original_text>
<changed_text>the exact passage as it reads in the MODIFIED proof</changed_text>
<modified_proof>
the complete modified proof
</modified_proof>

<problem>
{problem}
</problem>

<proof>
{proof}
</proof>"""

_FIELD = r"<{name}>\s*(.*?)\s*</{name}>"


def _field(text: str, name: str) -> str | None:
    matches = re.findall(_FIELD.format(name=name), text, re.DOTALL)
    return matches[-1] if matches else None


def _diff_region(old: str, new: str) -> tuple[Span, Span]:
    """The changed region of ``new`` and the region of ``old`` it replaced (prefix/suffix)."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return Span(prefix, len(new) - suffix), Span(prefix, len(old) - suffix)


def parse_injection(proof: str, answer: str) -> InjectionResult:
    """Validate an injector model's answer against the original proof.

    Args:
        proof: The original (correct) proof.
        answer: The model's completion in the :data:`INJECTOR_PROMPT` format.

    Returns:
        The injection, with the span of the reported changed passage that covers the change, or a
        refusal naming what was wrong with the answer.
    """
    error_type = _field(answer, "error_type")
    modified = _field(answer, "modified_proof")
    changed = _field(answer, "changed_text")
    description = _field(answer, "description") or ""
    name = f"{ERROR_TYPE_PREFIX}:{(error_type or 'unknown').strip().lower().replace(' ', '_')}"
    if modified is None or changed is None or not changed:
        return Refusal(name, "the answer lacks <modified_proof> or <changed_text>")
    if modified.strip() == proof.strip():
        return Refusal(name, "the modified proof is identical to the original")
    diff_new, diff_old = _diff_region(proof, modified)
    for m in re.finditer(re.escape(changed), modified):
        # The reported passage must cover the real change (an empty change is a pure deletion
        # at one point, which the passage must contain).
        covers = m.start() <= diff_new.start and diff_new.end <= m.end()
        if covers:
            start = diff_old.start - (diff_new.start - m.start())
            end = diff_old.end + (m.end() - diff_new.end)
            return Injection(
                text=modified,
                span=Span(m.start(), m.end()),
                original_span=Span(start, end),
                error_type=name,
                description=description.strip(),
            )
    return Refusal(name, "the reported changed passage is not where the proof changed")


async def llm_inject(
    problem: str,
    proof: str,
    *,
    model: str | Model | None = None,
    seed: int = 0,
) -> InjectionResult:
    """Ask the injector model for one subtle error.

    Args:
        problem: The problem statement.
        proof: A correct proof.
        model: The injector; by default the ``injector`` model role, else
            :data:`DEFAULT_INJECTOR_MODEL`. Call this inside an eval or an async run.
        seed: Passed to the model's generate config (providers that support it are reproducible).

    Returns:
        The validated injection or a refusal.
    """
    injector = (
        get_model(model)
        if model is not None
        else get_model(role="injector", default=DEFAULT_INJECTOR_MODEL)
    )
    output = await injector.generate(
        INJECTOR_PROMPT.format(problem=problem, proof=proof), config=GenerateConfig(seed=seed)
    )
    return parse_injection(proof, output.completion)
