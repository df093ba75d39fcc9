"""LoRA training on the Tinker service behind the ``TrainingBackend`` interface.

The GSPO loss runs client-side through ``forward_backward_custom`` (the service computes the
policy's token logprobs, :func:`verifier_eval.train.loss.gspo_loss` turns them into a loss, and
its gradient goes back to the service), so the loss is the same tested function as on the local
backend. Requests are submitted before they are awaited (Tinker runs a client's requests in
submission order), using the SDK's future-returning methods; the SDK's ``*_async`` methods are
deprecated in tinker 0.38 and return the same futures.

Every wait is bounded by ``timeout_s``: when the service is unreachable the SDK retries for
minutes, and a training job must fail with a message rather than hang.
"""

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

import torch

from verifier_eval.errors import ConfigError, VerifierEvalError
from verifier_eval.train.backends import SampledResponse, SequenceLossFn, TrainDatum

T = TypeVar("T")


def require_api_key() -> None:
    """Raise one clear error when ``TINKER_API_KEY`` is not set."""
    if not os.environ.get("TINKER_API_KEY"):
        raise ConfigError(
            "TINKER_API_KEY is not set; export your Tinker API key (https://tinker-console."
            "thinkingmachines.ai) or use backend=local to train the small offline model"
        )


async def bounded(awaitable: Awaitable[T], what: str, timeout_s: float) -> T:
    """Await with a deadline; a timeout becomes a :class:`VerifierEvalError` naming the call."""
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except TimeoutError as ex:
        raise VerifierEvalError(
            f"Tinker {what} did not finish within {timeout_s:.0f} s; the service is unreachable "
            "(check the network and TINKER_BASE_URL) or busy (raise timeout_s=...)"
        ) from ex


def in_daemon_thread(fn: Callable[[], T]) -> "asyncio.Future[T]":
    """Run a blocking SDK call in a daemon thread.

    Some SDK calls block (creating a session waits on the service with no deadline). A daemon
    thread, unlike the default executor, does not keep the process alive after a timeout.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(cast(T, value))

    def run() -> None:
        try:
            value = fn()
        except BaseException as ex:  # handed to the awaiting coroutine
            loop.call_soon_threadsafe(settle, None, ex)
        else:
            loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=run, daemon=True, name="tinker-call").start()
    return future


def _token_list(encoded: Any) -> list[int]:
    # transformers returns a list from apply_chat_template(tokenize=True), or a BatchEncoding
    # (a mapping with input_ids) in newer versions.
    ids = encoded["input_ids"] if isinstance(encoded, dict) or hasattr(encoded, "keys") else encoded
    return [int(i) for i in ids]


class TinkerBackend:
    """A LoRA training client, its tokenizer and the current sampling client."""

    def __init__(self, training: Any, sampler: Any, tokenizer: Any, timeout_s: float) -> None:
        """Use :meth:`create`; this wraps already created SDK clients."""
        self._training = training
        self._sampler = sampler
        self._tokenizer = tokenizer
        self.timeout_s = timeout_s

    @classmethod
    async def create(
        cls, base_model: str, lora_rank: int, seed: int, timeout_s: float
    ) -> "TinkerBackend":
        """Create the LoRA training client and the first sampler.

        Raises:
            ConfigError: Without ``TINKER_API_KEY``.
            VerifierEvalError: When a call does not finish within ``timeout_s``.
        """
        require_api_key()
        import tinker

        def create_training_client() -> Any:
            service = tinker.ServiceClient()
            return service.create_lora_training_client(
                base_model=base_model, rank=lora_rank, seed=seed
            ).result()

        training = await bounded(
            in_daemon_thread(create_training_client), "create_lora_training_client", timeout_s
        )
        # get_tokenizer loads the model's tokenizer (from the Hugging Face cache or Hub).
        tokenizer = await bounded(
            in_daemon_thread(training.get_tokenizer), "get_tokenizer", timeout_s
        )
        sampler = await bounded(
            training.save_weights_and_get_sampling_client().result_async(),
            "save_weights_and_get_sampling_client",
            timeout_s,
        )
        return cls(training, sampler, tokenizer, timeout_s)

    def _encode(self, prompt: str) -> list[int]:
        messages = [{"role": "user", "content": prompt}]
        return _token_list(
            self._tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        )

    def sample(
        self, prompts: Sequence[str], n: int, max_tokens: int, temperature: float, seed: int
    ) -> Awaitable[list[list[SampledResponse]]]:
        """Submit one sampling request per prompt to the current sampler."""
        import tinker

        params = tinker.SamplingParams(max_tokens=max_tokens, temperature=temperature, seed=seed)
        prompt_tokens_P = [self._encode(p) for p in prompts]
        futures_P = [
            self._sampler.sample(
                prompt=tinker.ModelInput.from_ints(tokens), num_samples=n, sampling_params=params
            )
            for tokens in prompt_tokens_P
        ]

        async def collect() -> list[list[SampledResponse]]:
            results_P = await bounded(
                asyncio.gather(*(f.result_async() for f in futures_P)), "sample", self.timeout_s
            )
            return [
                [
                    SampledResponse(
                        prompt_tokens=tuple(tokens),
                        tokens=tuple(int(t) for t in seq.tokens),
                        logprobs=tuple(float(x) for x in (seq.logprobs or [])),
                        text=self._tokenizer.decode(seq.tokens, skip_special_tokens=True),
                        truncated=seq.stop_reason == "length",
                    )
                    for seq in result.sequences
                ]
                for tokens, result in zip(prompt_tokens_P, results_P, strict=True)
            ]

        return collect()

    def forward_backward(
        self, batch: Sequence[TrainDatum], loss_fn: SequenceLossFn
    ) -> Awaitable[dict[str, float]]:
        """Submit ``forward_backward_custom`` with ``loss_fn`` applied to the response tokens."""
        import tinker

        data_D = []
        for datum in batch:
            full = [*datum.prompt_tokens, *datum.response_tokens]
            weights = [0.0] * (len(datum.prompt_tokens) - 1) + [1.0] * len(datum.response_tokens)
            data_D.append(
                tinker.Datum(
                    model_input=tinker.ModelInput.from_ints(full[:-1]),
                    loss_fn_inputs={
                        "target_tokens": tinker.TensorData.from_torch(torch.tensor(full[1:])),
                        "weights": tinker.TensorData.from_torch(torch.tensor(weights)),
                    },
                )
            )

        def custom(
            _: list[Any], logprobs_D: list[torch.Tensor]
        ) -> tuple[torch.Tensor, dict[str, float]]:
            # Targets are aligned with the sequence shifted by one, so the response tokens' logprobs
            # are the last len(response) entries.
            response_D = [
                lp.flatten()[-len(d.response_tokens) :]
                for lp, d in zip(logprobs_D, batch, strict=True)
            ]
            output = loss_fn(response_D, batch)
            return output.loss, output.metrics

        future = self._training.forward_backward_custom(data_D, custom)

        async def wait() -> dict[str, float]:
            result = await bounded(future.result_async(), "forward_backward_custom", self.timeout_s)
            return {k: float(v) for k, v in result.metrics.items()}

        return wait()

    def optim_step(self, lr: float) -> Awaitable[None]:
        """Submit an Adam step, then a sampler refresh (new weights need a new sampling client)."""
        import tinker

        step = self._training.optim_step(tinker.AdamParams(learning_rate=lr))
        sampler = self._training.save_weights_and_get_sampling_client()

        async def wait() -> None:
            await bounded(step.result_async(), "optim_step", self.timeout_s)
            self._sampler = await bounded(
                sampler.result_async(), "save_weights_and_get_sampling_client", self.timeout_s
            )

        return wait()

    def save_checkpoint(self, name: str) -> Awaitable[str]:
        """Submit ``save_weights_for_sampler``; the awaitable gives the ``tinker://`` path."""
        future = self._training.save_weights_for_sampler(name)

        async def wait() -> str:
            result = await bounded(
                future.result_async(), "save_weights_for_sampler", self.timeout_s
            )
            return str(result.path)

        return wait()
