"""The verifier solver: render the grading prompt for one answer and ask the model under test."""

from anyio.lowlevel import checkpoint
from inspect_ai.model import ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver
from verifier_eval.solvers.prompts import NOT_AVAILABLE, PROMPTS

from verifier_eval.errors import ConfigError


def render_prompt(template: str, metadata: dict[str, object], proof: str) -> str:
    """Fill a prompt template from a sample's metadata.

    Args:
        template: A template with ``{problem}``, ``{proof}`` and optionally ``{rubric}``,
            ``{reference_solution}``, ``{max_points}`` fields.
        metadata: The sample metadata written by the benchmark's record-to-sample mapping.
        proof: The answer under grading.

    Returns:
        The rendered prompt.
    """
    return template.format(
        problem=metadata.get("problem") or "",
        proof=proof,
        rubric=metadata.get("rubric") or NOT_AVAILABLE,
        reference_solution=metadata.get("reference_solution") or NOT_AVAILABLE,
        max_points=metadata.get("max_points") or 7,
    )


@solver
def proof_verifier(prompt: str = "seed") -> Solver:
    """Ask the model under test (``--model``) how likely the proof is to deserve full credit.

    Args:
        prompt: ``seed`` (problem and proof; the seed's prompt) or ``rubric`` (adds the grading
            scheme and a reference solution where the benchmark has them).
    """
    if prompt not in PROMPTS:
        raise ConfigError(f"unknown prompt variant {prompt!r}; choose one of {sorted(PROMPTS)}")
    template = PROMPTS[prompt]

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = render_prompt(template, state.metadata, state.input_text)
        state.messages = [ChatMessageUser(content=text)]
        state = await generate(state)
        # The model call has released its connection: let a sample waiting for it send its
        # request now, before this one is scored and logged (worth several percent of
        # throughput against a fast API).
        await checkpoint()
        return state

    return solve
