"""Inspect model providers that ship with verifier_eval (baselines, local models)."""

from inspect_ai.model import ModelOutput, ModelUsage


def text_output(
    model: str, text: str, *, input_tokens: int = 0, output_tokens: int = 0
) -> ModelOutput:
    """A model output with explicit token usage.

    Without usage, inspect counts tokens with a tokenizer file that it downloads, which fails
    offline; every local provider therefore reports its own counts.
    """
    output = ModelOutput.from_content(model=model, content=text)
    output.usage = ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    return output
