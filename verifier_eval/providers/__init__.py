"""Inspect model providers that ship with verifier_eval (baselines, local models)."""

from collections.abc import Callable
from typing import Any, TypeVar

from inspect_ai.model import ModelOutput, ModelUsage

from verifier_eval.errors import ConfigError

_N = TypeVar("_N", int, float)


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


def positive_arg(
    model_args: dict[str, Any], name: str, default: _N, kind: Callable[[Any], _N]
) -> _N:
    """A positive ``-M name=value`` model argument read as ``kind`` (``int`` or ``float``).

    Raises:
        ConfigError: When the value is not a number of that kind, or not positive.
    """
    value = model_args.get(name)
    if value is None:
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError) as ex:
        raise ConfigError(f"-M {name} must be a positive {kind.__name__}, got {value!r}") from ex
    if number <= 0:
        raise ConfigError(f"-M {name} must be positive, got {number:g}")
    return number
