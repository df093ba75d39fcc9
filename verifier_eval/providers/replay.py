"""Replay verifier: answers recorded elsewhere, looked up by the proof being graded.

``--model replay/<label> -M responses=FILE`` grades with answers produced by another system (a
verifier run outside inspect, a human-written probe, a scripted malformed answer), so they go
through the same parser, scorer and metrics. ``FILE`` is JSON: ``{"<proof text or its sha256>":
"<verifier answer>", ...}``; a ``"*"`` key is the answer for proofs not listed. A proof with no
answer gets an empty completion, which is counted as a format failure, not an exception.
"""

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from verifier_eval.errors import ConfigError
from verifier_eval.providers import text_output

_PROOF = re.compile(r"<proof>(.*)</proof>", re.DOTALL)


def proof_key(proof: str) -> str:
    """The sha256 of a proof's text, the key replay files may use instead of the text."""
    return hashlib.sha256(proof.encode("utf-8")).hexdigest()


def extract_proof(prompt: str) -> str | None:
    """The text between the first ``<proof>`` and the last ``</proof>`` of a verifier prompt."""
    match = _PROOF.search(prompt)
    return match.group(1).removeprefix("\n").removesuffix("\n") if match else None


def _load(responses: str | dict[str, str]) -> dict[str, str]:
    if isinstance(responses, dict):
        return {str(k): str(v) for k, v in responses.items()}
    path = Path(responses)
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as ex:
        raise ConfigError(f"replay responses {responses!r} cannot be read: {ex}") from ex
    if not isinstance(loaded, dict):
        raise ConfigError("replay responses must be a JSON object {proof or sha256: answer}")
    return {str(k): str(v) for k, v in loaded.items()}


@modelapi(name="replay")
class ReplayVerifierAPI(ModelAPI):
    """Answers from a recorded table keyed by proof."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (inspect's ModelAPI signature)
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        if "responses" not in model_args:
            raise ConfigError("replay models need -M responses=<json file of proof -> answer>")
        self.responses = _load(model_args["responses"])
        self.stop_reason = str(model_args.get("stop_reason", "stop"))

    def max_connections(self) -> int:
        """Answers are table lookups."""
        return 256

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        """Look the proof up and answer the recorded text."""
        proof = extract_proof(input[-1].text) if input else None
        # The prompt template puts newlines around the proof; look the proof up as given and
        # stripped, by text and by sha256.
        candidates = [] if proof is None else [proof, proof.strip()]
        keys = [key for c in candidates for key in (c, proof_key(c))]
        text = next(
            (self.responses[k] for k in keys if k in self.responses), self.responses.get("*", "")
        )
        output = text_output(f"replay/{self.model_name}", text, output_tokens=len(text.split()))
        if self.stop_reason == "max_tokens":
            output.choices[0].stop_reason = "max_tokens"
        return output
