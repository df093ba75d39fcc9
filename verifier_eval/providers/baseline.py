"""Constant verifiers: the baselines every leaderboard shows beside the real verifiers.

On MathArena most proofs score 0, so ``baseline/zero`` (always 0) is a strong baseline for the
total-score difference; ``baseline/full`` (always 100) shows the opposite failure; and
``baseline/mean`` answers the benchmark's mean human grade (as a share of full marks) for every
proof. The mean is computed from the benchmark's own human grades, so it is an oracle constant:
no verifier could know it in advance; ``verifier-eval run`` fills it in with ``-M confidence=``.
"""

from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from verifier_eval.errors import ConfigError
from verifier_eval.providers import text_output

CONSTANTS: dict[str, float | None] = {"zero": 0.0, "full": 100.0, "mean": None}


@modelapi(name="baseline")
class BaselineVerifierAPI(ModelAPI):
    """A verifier that answers the same confidence for every proof, with no model call."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (inspect's ModelAPI signature)
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        if model_name not in CONSTANTS:
            raise ConfigError(
                f"unknown baseline {model_name!r}; choose one of "
                + ", ".join(f"baseline/{n}" for n in CONSTANTS)
            )
        given = model_args.get("confidence")
        constant = CONSTANTS[model_name] if given is None else float(given)
        if constant is None:
            raise ConfigError(
                "baseline/mean needs the benchmark's mean grade: pass -M confidence=<0-100> "
                "(verifier-eval run fills it in)"
            )
        if not 0 <= constant <= 100:
            raise ConfigError(f"baseline confidence must lie in [0, 100], got {constant}")
        self.confidence = constant

    def max_connections(self) -> int:
        """Answers are instant; no rate limit applies."""
        return 256

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        """Answer the constant confidence."""
        return text_output(f"baseline/{self.model_name}", f"Confidence: {self.confidence:g}")
