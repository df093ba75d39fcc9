"""GSPO (Zheng et al., 2025, arXiv 2507.18071) as a pure torch function, plus group advantages.

GSPO replaces PPO's per-token importance ratio with one ratio per sequence, the length-normalised
exponent of the summed token log-ratio, ``s = exp(mean_t(logp_new - logp_old))``, and clips that.
The objective per sequence is ``min(s A, clip(s, 1 - eps_low, 1 + eps_high) A)``; the loss is its
negative mean over sequences. The defaults are the paper's clip ranges (3e-4, 4e-4): a sequence
ratio is a geometric mean over many tokens, so it moves far less than token ratios do.

The function takes plain tensors so that it serves both the local backend and Tinker's
``forward_backward_custom`` (which hands the loss the current policy's token logprobs).
"""

from typing import NamedTuple

import torch

EPS_LOW = 3e-4
EPS_HIGH = 4e-4


class GSPOStats(NamedTuple):
    """Diagnostics of one GSPO loss evaluation (plain floats, for the metrics log)."""

    clip_fraction_low: float
    """Share of sequences whose objective is clipped below (``A < 0`` and ``s < 1 - eps_low``)."""
    clip_fraction_high: float
    """Share of sequences whose objective is clipped above (``A > 0`` and ``s > 1 + eps_high``)."""
    ratio_mean: float
    ratio_min: float
    ratio_max: float


class GSPOLoss(NamedTuple):
    """A differentiable scalar loss and its statistics."""

    loss: torch.Tensor
    stats: GSPOStats


def sequence_ratios(
    logprobs_new_B_T: torch.Tensor, logprobs_old_B_T: torch.Tensor, mask_B_T: torch.Tensor
) -> torch.Tensor:
    """Sequence-level importance ratios ``exp(mean over valid tokens of the log-ratio)``.

    Args:
        logprobs_new_B_T: Token logprobs under the policy being trained (differentiable).
        logprobs_old_B_T: Token logprobs under the sampling policy.
        mask_B_T: 1 for sampled tokens, 0 for padding (and prompt positions).

    Returns:
        ``ratios_B``; a sequence with no valid token gets ratio 1 (and no gradient).
    """
    mask_B_T = mask_B_T.to(logprobs_new_B_T.dtype)
    # Padding can hold anything (even -inf); zero it before multiplying so it cannot make NaNs.
    log_ratio_B_T = torch.where(
        mask_B_T > 0, logprobs_new_B_T - logprobs_old_B_T, torch.zeros_like(logprobs_new_B_T)
    )
    lengths_B = mask_B_T.sum(dim=-1)
    mean_log_ratio_B = (log_ratio_B_T * mask_B_T).sum(dim=-1) / lengths_B.clamp(min=1.0)
    return torch.exp(mean_log_ratio_B)


def gspo_loss(
    logprobs_new_B_T: torch.Tensor,
    logprobs_old_B_T: torch.Tensor,
    mask_B_T: torch.Tensor,
    advantages_B: torch.Tensor,
    *,
    eps_low: float = EPS_LOW,
    eps_high: float = EPS_HIGH,
) -> GSPOLoss:
    """The clipped GSPO objective, negated and averaged over sequences.

    Args:
        logprobs_new_B_T: Token logprobs under the current policy, ``[B, T]``, with gradient.
        logprobs_old_B_T: Token logprobs recorded when sampling, ``[B, T]``.
        mask_B_T: 1 for response tokens, 0 for padding, ``[B, T]``.
        advantages_B: One advantage per sequence, ``[B]``.
        eps_low: Lower clip range: the ratio is clipped at ``1 - eps_low``.
        eps_high: Upper clip range: the ratio is clipped at ``1 + eps_high``.

    Returns:
        The loss (a scalar tensor) and :class:`GSPOStats`. Sequences without a valid token do
        not count in the mean.

    Raises:
        ValueError: When shapes disagree or a clip range is negative.
    """
    if logprobs_new_B_T.shape != logprobs_old_B_T.shape or logprobs_new_B_T.shape != mask_B_T.shape:
        raise ValueError(
            f"logprob and mask shapes differ: {tuple(logprobs_new_B_T.shape)}, "
            f"{tuple(logprobs_old_B_T.shape)}, {tuple(mask_B_T.shape)}"
        )
    if advantages_B.shape != logprobs_new_B_T.shape[:1]:
        raise ValueError(
            f"advantages have shape {tuple(advantages_B.shape)}, "
            f"expected ({logprobs_new_B_T.shape[0]},)"
        )
    if eps_low < 0 or eps_high < 0:
        raise ValueError("clip ranges must be non-negative")
    ratios_B = sequence_ratios(logprobs_new_B_T, logprobs_old_B_T, mask_B_T)
    advantages_B = advantages_B.to(ratios_B.dtype)
    clipped_B = torch.clamp(ratios_B, 1.0 - eps_low, 1.0 + eps_high)
    objective_B = torch.minimum(ratios_B * advantages_B, clipped_B * advantages_B)
    valid_B = mask_B_T.sum(dim=-1) > 0
    n_valid = int(valid_B.sum().item())
    if n_valid == 0:
        zero = (logprobs_new_B_T * 0.0).sum()
        return GSPOLoss(zero, GSPOStats(0.0, 0.0, 1.0, 1.0, 1.0))
    loss = -(objective_B * valid_B).sum() / n_valid
    with torch.no_grad():
        r_B = ratios_B[valid_B]
        a_B = advantages_B[valid_B]
        low = ((a_B < 0) & (r_B < 1.0 - eps_low)).float().mean().item()
        high = ((a_B > 0) & (r_B > 1.0 + eps_high)).float().mean().item()
        stats = GSPOStats(
            clip_fraction_low=low,
            clip_fraction_high=high,
            ratio_mean=r_B.mean().item(),
            ratio_min=r_B.min().item(),
            ratio_max=r_B.max().item(),
        )
    return GSPOLoss(loss, stats)


def group_advantages(rewards_P_G: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Group-normalised advantages ``(r - mean_G) / (std_G + eps)``.

    Args:
        rewards_P_G: Rewards of G responses to each of P prompts.
        eps: Added to the standard deviation (population, ``ddof=0``).

    Returns:
        ``advantages_P_G``. A group whose rewards are all equal gets advantage 0 everywhere: it
        says nothing about which response is better, and dividing by ``eps`` would only amplify
        float noise.
    """
    rewards_P_G = rewards_P_G.to(torch.float64)
    mean_P = rewards_P_G.mean(dim=-1, keepdim=True)
    std_P = rewards_P_G.std(dim=-1, unbiased=False, keepdim=True)
    advantages_P_G = (rewards_P_G - mean_P) / (std_P + eps)
    flat_P = (
        rewards_P_G.max(dim=-1, keepdim=True).values - rewards_P_G.min(dim=-1, keepdim=True).values
    ) == 0
    return torch.where(flat_P, torch.zeros_like(advantages_P_G), advantages_P_G)
