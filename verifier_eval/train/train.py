"""The GSPO training loop for a verifier: sample, reward, group-normalise, optimise, log.

Per step: take P prompts, sample G responses each, reward them with :mod:`verifier_eval.rewards`
(the benchmark's verdict parser), compute group-normalised advantages, take one GSPO gradient
step (:func:`verifier_eval.train.loss.gspo_loss`), then an optimiser step. Every ``save_every``
steps the sampler weights are saved (``checkpoints.jsonl``) and, with ``benchmark_every``, scored
on the benchmarks into ``<log_dir>/benchmarks`` so the dashboard shows a checkpoint curve.

**Overlap.** With ``overlap=True`` (default) the samples for step t+1 are submitted before step t
trains, so sampling and training run at the same time and step t+1 trains on responses from the
policy of one step earlier (one step of policy lag; the importance ratio in GSPO corrects for it,
and its clip keeps the update small). ``overlap=False`` samples after each update (on-policy,
slower).

Outputs in ``log_dir``: ``config.json``, ``metrics.jsonl`` (one line per step: reward, format
rate, loss, clip fractions, ratio stats, validation reward when evaluated), ``checkpoints.jsonl``.
"""

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator

from verifier_eval.errors import ConfigError
from verifier_eval.rewards import RewardKind, compute_reward
from verifier_eval.train.backends import (
    LossOutput,
    SampledResponse,
    SequenceLossFn,
    TrainDatum,
    TrainingBackend,
)
from verifier_eval.train.build_data import read_examples
from verifier_eval.train.local_backend import LocalTorchBackend, WordTokenizer
from verifier_eval.train.loss import EPS_HIGH, EPS_LOW, group_advantages, gspo_loss
from verifier_eval.train.prompts import verifier_prompt
from verifier_eval.train.toy import PromptExample, toy_examples


class GSPOConfig(BaseModel):
    """Full, serialisable configuration of a GSPO run (``verifier-eval train gspo key=value``).

    Attributes:
        backend: ``local`` (tiny CPU model, offline) or ``tinker`` (LoRA on the Tinker service).
        train_file: ``train.jsonl`` from ``build-data``; unset: the built-in toy task.
        validation_file: ``validation.jsonl``; unset with ``train_file``: no validation.
        log_dir: Where config, metrics and checkpoints go.
        base_model: Tinker base model.
        lora_rank: Tinker LoRA rank.
        steps: Optimiser steps.
        prompts_per_step: P, prompts per step.
        group_size: G, responses per prompt.
        max_tokens: Response length limit (a truncated response is a format failure).
        temperature: Sampling temperature.
        validation_temperature: Temperature for validation answers (0: greedy).
        learning_rate: Adam learning rate.
        eps_low: GSPO lower clip range.
        eps_high: GSPO upper clip range.
        reward: ``seed``, ``brier`` or ``log`` (see :mod:`verifier_eval.rewards`).
        overlap: Sample step t+1 while training step t (one step of policy lag).
        save_every: Save sampler weights every k steps (0: only at the end).
        eval_every: Validation reward every k steps (0: never).
        validation_size: Validation prompts used per evaluation.
        toy_size: Number of toy prompts (toy task only).
        seed: Seeds the data order, sampling and the local model.
        timeout_s: Bound on every Tinker call.
        benchmark_every: Score every k-th saved checkpoint on ``benchmarks`` (Tinker only; 0: off).
        benchmarks: Benchmarks for ``benchmark_every``.
    """

    model_config = ConfigDict(extra="forbid")

    backend: Literal["local", "tinker"] = "local"
    train_file: str | None = None
    validation_file: str | None = None
    log_dir: str = "runs/gspo"
    base_model: str = "Qwen/Qwen3-8B"
    lora_rank: int = Field(default=32, gt=0)
    steps: int = Field(default=100, gt=0)
    prompts_per_step: int = Field(default=8, gt=0)
    group_size: int = Field(default=8, gt=1)
    max_tokens: int = Field(default=2048, gt=0)
    temperature: float = Field(default=1.0, ge=0.0)
    validation_temperature: float = Field(default=0.0, ge=0.0)
    learning_rate: float = Field(default=1e-5, gt=0.0)
    eps_low: float = Field(default=EPS_LOW, ge=0.0)
    eps_high: float = Field(default=EPS_HIGH, ge=0.0)
    reward: RewardKind = RewardKind.SEED
    overlap: bool = True
    save_every: int = Field(default=20, ge=0)
    eval_every: int = Field(default=10, ge=0)
    validation_size: int = Field(default=64, gt=0)
    toy_size: int = Field(default=64, gt=1)
    seed: int = 0
    timeout_s: float = Field(default=900.0, gt=0.0)
    benchmark_every: int = Field(default=0, ge=0)
    benchmarks: list[str] = Field(default_factory=lambda: ["usamo_2025"])

    @model_validator(mode="after")
    def _compatible(self) -> "GSPOConfig":
        if self.benchmark_every and self.backend != "tinker":
            raise ValueError(
                "benchmark_every needs backend=tinker (local checkpoints have no inspect provider)"
            )
        if self.validation_file and not self.train_file:
            raise ValueError("validation_file needs train_file")
        return self


class StepMetrics(BaseModel):
    """One line of ``metrics.jsonl``."""

    step: int
    reward_mean: float
    format_rate: float
    loss: float | None
    clip_fraction_low: float | None
    clip_fraction_high: float | None
    ratio_mean: float | None
    ratio_min: float | None
    ratio_max: float | None
    trained_sequences: int
    validation_reward: float | None = None
    validation_format_rate: float | None = None
    seconds: float


class TrainResult(BaseModel):
    """What a run produced."""

    log_dir: str
    metrics: list[StepMetrics]
    checkpoints: list[str]


def _load_examples(config: GSPOConfig) -> tuple[list[PromptExample], list[PromptExample]]:
    if config.train_file is None:
        examples = toy_examples(config.toy_size, config.seed)
        validation = toy_examples(min(config.validation_size, config.toy_size), config.seed + 1)
        return examples, validation

    def convert(path: str) -> list[PromptExample]:
        return [
            PromptExample(e.id, verifier_prompt(e.problem, e.proof), e.target)
            for e in read_examples(Path(path))
        ]

    train = convert(config.train_file)
    validation = convert(config.validation_file) if config.validation_file else []
    if not train:
        raise ConfigError(f"{config.train_file} has no examples")
    return train, validation


def make_gspo_loss_fn(eps_low: float, eps_high: float) -> SequenceLossFn:
    """A :data:`SequenceLossFn` that pads the batch and applies :func:`gspo_loss`."""

    def loss_fn(logprobs_D: list[torch.Tensor], batch: Sequence[TrainDatum]) -> LossOutput:
        new_B_T = torch.nn.utils.rnn.pad_sequence(logprobs_D, batch_first=True)
        old_B_T = torch.nn.utils.rnn.pad_sequence(
            [torch.tensor(d.sampling_logprobs, dtype=new_B_T.dtype) for d in batch],
            batch_first=True,
        )
        mask_B_T = torch.nn.utils.rnn.pad_sequence(
            [torch.ones(len(d.response_tokens)) for d in batch], batch_first=True
        )
        advantages_B = torch.tensor([d.advantage for d in batch], dtype=new_B_T.dtype)
        out = gspo_loss(
            new_B_T, old_B_T, mask_B_T, advantages_B, eps_low=eps_low, eps_high=eps_high
        )
        return LossOutput(out.loss, out.stats._asdict())

    return loss_fn


async def make_backend(config: GSPOConfig, prompts: Sequence[str]) -> TrainingBackend:
    """The backend named by the config (the local one gets a vocabulary from ``prompts``)."""
    if config.backend == "tinker":
        from verifier_eval.train.tinker_backend import TinkerBackend

        return await TinkerBackend.create(
            config.base_model, config.lora_rank, config.seed, config.timeout_s
        )
    tokenizer = WordTokenizer.from_texts(prompts)
    return LocalTorchBackend(tokenizer, Path(config.log_dir) / "checkpoints", seed=config.seed)


def _rewards(
    responses_P_G: list[list[SampledResponse]], targets_P: Sequence[float], kind: RewardKind
) -> tuple[np.ndarray, np.ndarray]:
    rewards_P_G = np.zeros((len(responses_P_G), len(responses_P_G[0])))
    format_P_G = np.zeros_like(rewards_P_G)
    for p, (group, target) in enumerate(zip(responses_P_G, targets_P, strict=True)):
        for g, response in enumerate(group):
            result = compute_reward(response.text, target, kind, truncated=response.truncated)
            rewards_P_G[p, g] = result.reward
            format_P_G[p, g] = float(result.format_ok)
    return rewards_P_G, format_P_G


class _Batches:
    """Seeded epochs over the examples: each step takes the next P of a shuffled order."""

    def __init__(self, examples: Sequence[PromptExample], per_step: int, seed: int) -> None:
        self.examples = list(examples)
        self.per_step = per_step
        self.seed = seed

    def __call__(self, step: int) -> list[PromptExample]:
        out: list[PromptExample] = []
        position = step * self.per_step
        while len(out) < self.per_step:
            epoch, index = divmod(position, len(self.examples))
            order = list(range(len(self.examples)))
            random.Random(f"{self.seed}:{epoch}").shuffle(order)
            out.append(self.examples[order[index]])
            position += 1
        return out


async def _validate(
    backend: TrainingBackend, validation: Sequence[PromptExample], config: GSPOConfig, step: int
) -> tuple[float, float]:
    responses_P_G = await backend.sample(
        [e.prompt for e in validation],
        1,
        config.max_tokens,
        config.validation_temperature,
        config.seed + 7919 * (step + 1),
    )
    rewards_P_G, format_P_G = _rewards(responses_P_G, [e.target for e in validation], config.reward)
    return float(rewards_P_G.mean()), float(format_P_G.mean())


async def train_async(config: GSPOConfig, backend: TrainingBackend | None = None) -> TrainResult:
    """Run GSPO (see the module docstring).

    Args:
        config: The run configuration.
        backend: A ready backend (tests); by default built from ``config``.

    Returns:
        The per-step metrics and the saved checkpoint paths.
    """
    train_set, validation = _load_examples(config)
    validation = validation[: config.validation_size]
    if backend is None:
        backend = await make_backend(config, [e.prompt for e in [*train_set, *validation]])
    # Only a run that could start leaves a log directory behind.
    log_dir = Path(config.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "config.json").write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    loss_fn = make_gspo_loss_fn(config.eps_low, config.eps_high)
    batches = _Batches(train_set, config.prompts_per_step, config.seed)

    def submit(step: int) -> Awaitable[list[list[SampledResponse]]]:
        return backend.sample(
            [e.prompt for e in batches(step)],
            config.group_size,
            config.max_tokens,
            config.temperature,
            config.seed * 1_000_003 + step,
        )

    metrics: list[StepMetrics] = []
    checkpoints: list[str] = []
    metrics_file = (log_dir / "metrics.jsonl").open("w", encoding="utf-8")
    checkpoints_file = (log_dir / "checkpoints.jsonl").open("w", encoding="utf-8")
    pending = submit(0)
    try:
        for step in range(config.steps):
            started = time.monotonic()
            batch = batches(step)
            responses_P_G = await pending
            if config.overlap and step + 1 < config.steps:
                pending = submit(step + 1)
            rewards_P_G, format_P_G = _rewards(
                responses_P_G, [e.target for e in batch], config.reward
            )
            advantages_P_G = group_advantages(torch.tensor(rewards_P_G)).numpy()
            # Zero-advantage responses (groups with equal rewards) give no gradient: skip them.
            data = [
                TrainDatum(r.prompt_tokens, r.tokens, r.logprobs, float(advantages_P_G[p, g]))
                for p, group in enumerate(responses_P_G)
                for g, r in enumerate(group)
                if advantages_P_G[p, g] != 0 and r.tokens
            ]
            fb: dict[str, float] = {}
            if data:
                fb = await backend.forward_backward(data, loss_fn)
                await backend.optim_step(config.learning_rate)
            if not config.overlap and step + 1 < config.steps:
                pending = submit(step + 1)
            last = step + 1 == config.steps
            if (config.save_every and (step + 1) % config.save_every == 0) or last:
                path = await backend.save_checkpoint(f"step_{step + 1:06d}")
                checkpoints.append(path)
                checkpoints_file.write(json.dumps({"step": step + 1, "path": path}) + "\n")
                checkpoints_file.flush()
                if config.benchmark_every and len(checkpoints) % config.benchmark_every == 0:
                    await _benchmark(config, path, log_dir)
            validation_reward = validation_format = None
            if (
                validation
                and config.eval_every
                and ((step + 1) % config.eval_every == 0 or step == 0 or last)
            ):
                validation_reward, validation_format = await _validate(
                    backend, validation, config, step
                )
            row = StepMetrics(
                step=step + 1,
                reward_mean=float(rewards_P_G.mean()),
                format_rate=float(format_P_G.mean()),
                loss=fb.get("loss"),
                clip_fraction_low=fb.get("clip_fraction_low"),
                clip_fraction_high=fb.get("clip_fraction_high"),
                ratio_mean=fb.get("ratio_mean"),
                ratio_min=fb.get("ratio_min"),
                ratio_max=fb.get("ratio_max"),
                trained_sequences=len(data),
                validation_reward=validation_reward,
                validation_format_rate=validation_format,
                seconds=time.monotonic() - started,
            )
            metrics.append(row)
            metrics_file.write(row.model_dump_json() + "\n")
            metrics_file.flush()
    finally:
        metrics_file.close()
        checkpoints_file.close()
    return TrainResult(log_dir=str(log_dir), metrics=metrics, checkpoints=checkpoints)


async def _benchmark(config: GSPOConfig, model_path: str, log_dir: Path) -> None:
    from verifier_eval.train.score import score_checkpoint_async

    for benchmark in config.benchmarks:
        await score_checkpoint_async(
            benchmark, config.base_model, model_path, str(log_dir / "benchmarks")
        )


def train(config: GSPOConfig) -> TrainResult:
    """Synchronous entry point to :func:`train_async`."""
    return asyncio.run(train_async(config))
