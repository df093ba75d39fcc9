"""The small training/sampling interface the GSPO loop talks to, and its data types.

Two implementations: ``local_backend.LocalTorchBackend`` (a tiny PyTorch model on CPU, so the
loop runs anywhere) and ``tinker_backend.TinkerBackend`` (LoRA training on the Tinker service).

Every method *submits* its work when called and returns an awaitable, as Tinker's API does:
``sample`` captures the sampler weights of the moment it is called, so a sample submitted before
a training step sees the weights from before that step (this is what gives the loop its one step
of policy lag when sampling overlaps training).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeAlias

import torch


@dataclass(frozen=True)
class SampledResponse:
    """One sampled completion with what training needs to score and replay it."""

    prompt_tokens: tuple[int, ...]
    tokens: tuple[int, ...]
    logprobs: tuple[float, ...]
    """Logprob of each sampled token under the sampling policy."""
    text: str
    truncated: bool
    """Stopped at ``max_tokens`` rather than an end-of-sequence token."""


@dataclass(frozen=True)
class TrainDatum:
    """One response to train on: its tokens, sampling logprobs and (sequence) advantage."""

    prompt_tokens: tuple[int, ...]
    response_tokens: tuple[int, ...]
    sampling_logprobs: tuple[float, ...]
    advantage: float


class LossOutput(NamedTuple):
    """A scalar loss and float metrics."""

    loss: torch.Tensor
    metrics: dict[str, float]


SequenceLossFn: TypeAlias = Callable[[list[torch.Tensor], Sequence[TrainDatum]], LossOutput]
"""``(response logprobs per datum under the current policy, data) -> loss``."""


class TrainingBackend(Protocol):
    """What the GSPO loop needs from a trainer."""

    def sample(
        self,
        prompts: Sequence[str],
        n: int,
        max_tokens: int,
        temperature: float,
        seed: int,
    ) -> Awaitable[list[list[SampledResponse]]]:
        """Sample ``n`` responses per prompt with the current sampler weights.

        Returns:
            An awaitable of ``responses_P_G``.
        """
        ...

    def forward_backward(
        self, batch: Sequence[TrainDatum], loss_fn: SequenceLossFn
    ) -> Awaitable[dict[str, float]]:
        """Accumulate gradients of ``loss_fn`` over ``batch``; the awaitable gives its metrics."""
        ...

    def optim_step(self, lr: float) -> Awaitable[None]:
        """Apply the accumulated gradients and refresh the sampler weights."""
        ...

    def save_checkpoint(self, name: str) -> Awaitable[str]:
        """Save sampler weights; the awaitable gives their path or URI."""
        ...
