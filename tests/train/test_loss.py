"""GSPO loss and group advantages against hand-computed tensors."""

import math

import pytest
import torch

from verifier_eval.train.loss import (
    EPS_HIGH,
    EPS_LOW,
    GSPOLoss,
    group_advantages,
    gspo_loss,
    sequence_ratios,
)

E_HALF = math.exp(0.5)


def _one(
    new: list[float], old: list[float], mask: list[float], advantage: float, **kw: float
) -> tuple[GSPOLoss, torch.Tensor]:
    new_t = torch.tensor([new], requires_grad=True)
    out = gspo_loss(
        new_t, torch.tensor([old]), torch.tensor([mask]), torch.tensor([advantage]), **kw
    )
    torch.autograd.backward(out.loss)
    assert new_t.grad is not None
    return out, new_t.grad[0]


def test_sequence_ratio_is_exp_of_mean_token_log_ratio() -> None:
    """Token log-ratios 0.5 and 0.5 (mean 0.5) give s = e^0.5; padding does not count."""
    ratios = sequence_ratios(
        torch.tensor([[-1.0, -2.0, 5.0], [-1.0, -1.0, -1.0]]),
        torch.tensor([[-1.5, -2.5, float("-inf")], [-1.0, -2.0, -1.0]]),
        torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]),
    )
    assert ratios[0].item() == pytest.approx(E_HALF)
    assert ratios[1].item() == pytest.approx(math.exp(1.0 / 3.0))


def test_clipped_above_with_positive_advantage() -> None:
    """s = e^0.5 > 1 + eps_high, A = +1: the objective is the constant (1 + eps_high) A."""
    out, grad = _one([-1.0, -2.0], [-1.5, -2.5], [1.0, 1.0], 1.0)
    assert out.loss.item() == pytest.approx(-(1 + EPS_HIGH))
    assert torch.all(grad == 0)
    assert out.stats.clip_fraction_high == 1.0 and out.stats.clip_fraction_low == 0.0
    assert out.stats.ratio_mean == pytest.approx(E_HALF)


def test_not_clipped_above_with_negative_advantage() -> None:
    """s = e^0.5, A = -1: min(-s, -(1 + eps)) = -s; loss = s, d loss / d logp_t = s / L."""
    out, grad = _one([-1.0, -2.0], [-1.5, -2.5], [1.0, 1.0], -1.0)
    assert out.loss.item() == pytest.approx(E_HALF)
    assert grad.tolist() == pytest.approx([E_HALF / 2, E_HALF / 2])
    assert out.stats.clip_fraction_high == 0.0 and out.stats.clip_fraction_low == 0.0


def test_clipped_below_with_negative_advantage() -> None:
    """s = e^-0.5 < 1 - eps_low, A = -1: the objective is the constant -(1 - eps_low)."""
    out, grad = _one([-1.5, -2.5], [-1.0, -2.0], [1.0, 1.0], -1.0)
    assert out.loss.item() == pytest.approx(1 - EPS_LOW)
    assert torch.all(grad == 0)
    assert out.stats.clip_fraction_low == 1.0


def test_not_clipped_below_with_positive_advantage() -> None:
    """s = e^-0.5, A = +1: min(s, 1 - eps) = s; loss = -s, d loss / d logp_t = -s / L."""
    out, grad = _one([-1.5, -2.5], [-1.0, -2.0], [1.0, 1.0], 1.0)
    assert out.loss.item() == pytest.approx(-math.exp(-0.5))
    assert grad.tolist() == pytest.approx([-math.exp(-0.5) / 2] * 2)


def test_on_policy_ratio_is_one_and_gradient_is_the_policy_gradient() -> None:
    """new == old: s = 1, loss = -A, gradient -A / L per token (the length-normalised REINFORCE)."""
    out, grad = _one([-0.3, -0.7, -0.2], [-0.3, -0.7, -0.2], [1.0, 1.0, 1.0], 2.0)
    assert out.loss.item() == pytest.approx(-2.0)
    assert grad.tolist() == pytest.approx([-2.0 / 3] * 3)
    assert out.stats.ratio_min == out.stats.ratio_max == pytest.approx(1.0)


def test_padding_is_ignored_and_empty_sequences_do_not_count() -> None:
    """Padded positions (any value, even -inf) get no gradient; a fully padded row is left out."""
    new = torch.tensor([[-1.0, -2.0, 123.0], [0.0, 0.0, 0.0]], requires_grad=True)
    old = torch.tensor([[-1.5, -2.5, float("-inf")], [0.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    out = gspo_loss(new, old, mask, torch.tensor([-1.0, 5.0]))
    torch.autograd.backward(out.loss)
    assert new.grad is not None
    assert out.loss.item() == pytest.approx(E_HALF)  # mean over the one valid sequence
    assert new.grad[0].tolist() == pytest.approx([E_HALF / 2, E_HALF / 2, 0.0])
    assert torch.all(new.grad[1] == 0)


def test_mean_over_sequences_without_clipping() -> None:
    """Two sequences, wide clip: loss = -(s1 A1 + s2 A2) / 2."""
    new = torch.tensor([[-1.0, -2.0], [-1.0, 0.0]])
    old = torch.tensor([[-1.5, -2.5], [-1.0, 0.0]])
    out = gspo_loss(
        new, old, torch.ones(2, 2), torch.tensor([1.0, -0.5]), eps_low=0.9, eps_high=10.0
    )
    assert out.loss.item() == pytest.approx(-(E_HALF * 1.0 + 1.0 * -0.5) / 2)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="shapes"):
        gspo_loss(torch.zeros(2, 3), torch.zeros(2, 2), torch.ones(2, 3), torch.zeros(2))


def test_group_advantages_normalise_within_groups() -> None:
    """(r - mean) / (std + eps) per group, population std ([1,0,0,1]: mean .5, std .5)."""
    advantages = group_advantages(torch.tensor([[1.0, 0.0, 0.0, 1.0], [3.0, 1.0, 2.0, 2.0]]))
    assert advantages[0].tolist() == pytest.approx([1.0, -1.0, -1.0, 1.0], abs=1e-5)
    std = math.sqrt(0.5)
    assert advantages[1].tolist() == pytest.approx([1 / std, -1 / std, 0.0, 0.0], abs=1e-5)


def test_zero_variance_groups_get_zero_advantage() -> None:
    """A group with equal rewards (all right, or all format failures) carries no signal."""
    advantages = group_advantages(
        torch.tensor([[0.5, 0.5, 0.5], [-0.2, -0.2, -0.2], [0.0, 1.0, 0.0]])
    )
    assert torch.all(advantages[0] == 0) and torch.all(advantages[1] == 0)
    assert advantages[2].abs().sum() > 0
