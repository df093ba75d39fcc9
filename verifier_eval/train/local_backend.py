"""A tiny PyTorch policy on CPU behind :class:`~verifier_eval.train.backends.TrainingBackend`.

It exists so that the whole GSPO loop (sampling, rewards, advantages, loss, optimiser, checkpoints,
overlap) runs on any machine and in tests. The policy is a one-layer GRU over a whitespace word
vocabulary built in code, and it answers from a small *response vocabulary* (``Confidence:``, a
few numbers, filler words, end-of-sequence): a model this small cannot learn to spell from scratch,
but it can learn the answer format and which confidence a prompt deserves. It is not a verifier of
real proofs.
"""

import asyncio
import copy
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

from verifier_eval.train.backends import LossOutput, SampledResponse, SequenceLossFn, TrainDatum

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
RESPONSE_WORDS: tuple[str, ...] = (
    "Confidence:", "0", "10", "25", "50", "75", "90", "100", "the", "proof", "is", "maybe",
)  # fmt: skip


class WordTokenizer:
    """Whitespace tokenizer over a fixed vocabulary (unknown words map to ``<unk>``)."""

    def __init__(self, words: Iterable[str]) -> None:
        """Build the vocabulary: specials, the response words, then ``words`` (deduplicated)."""
        vocab: list[str] = [PAD, UNK, BOS, EOS]
        for word in [*RESPONSE_WORDS, *words]:
            if word not in vocab:
                vocab.append(word)
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        self.response_ids = tuple(self.index[w] for w in (*RESPONSE_WORDS, EOS))

    @classmethod
    def from_texts(cls, texts: Iterable[str], max_words: int = 2000) -> "WordTokenizer":
        """The ``max_words`` most frequent words of ``texts`` (ties broken alphabetically)."""
        counts = Counter(word for text in texts for word in text.split())
        ranked = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
        return cls(ranked)

    def encode(self, text: str) -> list[int]:
        """Token ids of the whitespace-separated words."""
        unk = self.index[UNK]
        return [self.index.get(word, unk) for word in text.split()]

    def decode(self, ids: Sequence[int]) -> str:
        """Words joined by spaces, special tokens dropped."""
        return " ".join(self.vocab[i] for i in ids if self.vocab[i] not in (PAD, UNK, BOS, EOS))


class TinyPolicy(nn.Module):
    """Embedding -> GRU -> logits, restricted to the response vocabulary when answering."""

    def __init__(
        self, vocab_size: int, response_ids: Sequence[int], dim: int = 32, hidden: int = 64
    ) -> None:
        """Create the layers; ``response_ids`` are the tokens the policy may answer with."""
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.gru = nn.GRU(dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)
        allowed = torch.full((vocab_size,), float("-inf"))
        allowed[list(response_ids)] = 0.0
        self.register_buffer("answer_mask", allowed)

    def step(
        self, ids_B_T: torch.Tensor, state: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Answer-token logprobs after each input position, and the new GRU state."""
        out_B_T_H, state = self.gru(self.embed(ids_B_T), state)
        logits_B_T_V = self.head(out_B_T_H) + self.answer_mask
        return torch.log_softmax(logits_B_T_V, dim=-1), state


class LocalTorchBackend:
    """Train and sample :class:`TinyPolicy` on CPU (see the module docstring)."""

    def __init__(
        self,
        tokenizer: WordTokenizer,
        checkpoint_dir: Path,
        seed: int = 0,
        max_prompt_tokens: int = 256,
    ) -> None:
        """Create a freshly initialised policy.

        Args:
            tokenizer: The vocabulary (build it from the training prompts).
            checkpoint_dir: Where ``save_checkpoint`` writes ``<name>.pt``.
            seed: Initialisation seed.
            max_prompt_tokens: Longer prompts keep their last tokens (where the question is).
        """
        torch.manual_seed(seed)
        self.tokenizer = tokenizer
        self.policy = TinyPolicy(len(tokenizer.vocab), tokenizer.response_ids)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=1e-3)
        self.checkpoint_dir = checkpoint_dir
        self.max_prompt_tokens = max_prompt_tokens
        self._eos = tokenizer.index[EOS]

    def _prompt_ids(self, prompt: str) -> list[int]:
        return [
            self.tokenizer.index[BOS],
            *self.tokenizer.encode(prompt)[-self.max_prompt_tokens :],
        ]

    def sample(
        self, prompts: Sequence[str], n: int, max_tokens: int, temperature: float, seed: int
    ) -> asyncio.Future[list[list[SampledResponse]]]:
        """Sample with a snapshot of the current weights, in a worker thread."""
        snapshot = copy.deepcopy(self.policy).eval()
        prompt_ids = [self._prompt_ids(p) for p in prompts]

        def run() -> list[list[SampledResponse]]:
            generator = torch.Generator().manual_seed(seed)
            with torch.no_grad():
                return [
                    self._sample_group(snapshot, ids, n, max_tokens, temperature, generator)
                    for ids in prompt_ids
                ]

        return asyncio.get_running_loop().run_in_executor(None, run)

    def _sample_group(
        self,
        policy: TinyPolicy,
        prompt_ids: list[int],
        n: int,
        max_tokens: int,
        temperature: float,
        generator: torch.Generator,
    ) -> list[SampledResponse]:
        logprobs_1_T_V, state = policy.step(torch.tensor([prompt_ids]), None)
        logprobs_G_V = logprobs_1_T_V[:, -1].expand(n, -1)
        state = state.expand(-1, n, -1).contiguous()
        tokens_G: list[list[int]] = [[] for _ in range(n)]
        logprobs_G: list[list[float]] = [[] for _ in range(n)]
        done_G = [False] * n
        for _ in range(max_tokens):
            if temperature <= 0:
                next_G = logprobs_G_V.argmax(dim=-1)
            else:
                next_G = torch.multinomial(
                    torch.softmax(logprobs_G_V / temperature, dim=-1), 1, generator=generator
                ).squeeze(-1)
            # Logprobs are recorded under the temperature-1 policy, the one training evaluates,
            # so the importance ratio measures policy change only.
            chosen_G = logprobs_G_V.gather(-1, next_G[:, None]).squeeze(-1)
            for g in range(n):
                if not done_G[g]:
                    tokens_G[g].append(int(next_G[g]))
                    logprobs_G[g].append(float(chosen_G[g]))
                    done_G[g] = int(next_G[g]) == self._eos
            if all(done_G):
                break
            logprobs_G_1_V, state = policy.step(next_G[:, None], state)
            logprobs_G_V = logprobs_G_1_V[:, -1]
        return [
            SampledResponse(
                prompt_tokens=tuple(prompt_ids),
                tokens=tuple(tokens_G[g]),
                logprobs=tuple(logprobs_G[g]),
                text=self.tokenizer.decode(tokens_G[g]),
                truncated=not done_G[g],
            )
            for g in range(n)
        ]

    def response_logprobs(self, batch: Sequence[TrainDatum]) -> list[torch.Tensor]:
        """Logprobs of each datum's response tokens under the current policy (differentiable)."""
        out: list[torch.Tensor] = []
        for datum in batch:
            ids = [*datum.prompt_tokens, *datum.response_tokens]
            logprobs_1_T_V, _ = self.policy.step(torch.tensor([ids[:-1]]), None)
            n_prompt = len(datum.prompt_tokens)
            targets_R = torch.tensor(datum.response_tokens)
            out.append(logprobs_1_T_V[0, n_prompt - 1 :].gather(-1, targets_R[:, None]).squeeze(-1))
        return out

    async def forward_backward(
        self, batch: Sequence[TrainDatum], loss_fn: SequenceLossFn
    ) -> dict[str, float]:
        """Accumulate the gradient of ``loss_fn`` (runs when awaited)."""
        self.policy.train()
        output: LossOutput = loss_fn(self.response_logprobs(batch), batch)
        torch.autograd.backward(output.loss)
        return {"loss": float(output.loss.detach()), **output.metrics}

    async def optim_step(self, lr: float) -> None:
        """One Adam step at learning rate ``lr``, then clear the gradients."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.optimizer.zero_grad()

    async def save_checkpoint(self, name: str) -> str:
        """Write the weights and vocabulary to ``<checkpoint_dir>/<name>.pt``."""
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        path = self.checkpoint_dir / f"{name}.pt"
        torch.save({"state_dict": self.policy.state_dict(), "vocab": self.tokenizer.vocab}, path)
        return str(path)
