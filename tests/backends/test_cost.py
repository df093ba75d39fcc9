"""Tokens and cost per verifier run: prices into the log, sums out of it."""

from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from verifier_eval.benchmarks import make_task
from verifier_eval.errors import ConfigError
from verifier_eval.runs import (
    PRICES_AS_OF,
    Price,
    eval_options,
    given_price,
    register_prices,
    run_usage,
    table_price,
)
from verifier_eval.testing.fake_openai import FakeOpenAIServer

# A model name of its own: registered prices are process-wide.
PRICED = "openai-api/fake/priced-verifier"


def test_a_given_price_is_written_into_the_log(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    price = given_price(2.0, 8.0)
    assert register_prices([PRICED], price) == {PRICED: price}
    [log] = inspect_eval(
        make_task("imo_2025"),
        model=PRICED,
        limit=3,
        log_dir=str(tmp_path),
        display="none",
        **eval_options(no_cache=True),
    )
    assert log.location is not None
    full = read_eval_log(log.location)
    usage = full.stats.model_usage[PRICED]
    expected = (usage.input_tokens * 2.0 + usage.output_tokens * 8.0) / 1e6
    assert usage.total_cost == pytest.approx(expected)
    assert full.samples is not None
    assert sum(s.model_usage[PRICED].total_cost or 0 for s in full.samples) == pytest.approx(
        expected
    )
    run = run_usage(full, price)
    assert (run.calls, run.cached_calls) == (3, 0)
    assert (run.input_tokens, run.output_tokens) == (usage.input_tokens, usage.output_tokens)
    assert run.cost == pytest.approx(expected) and run.spent == pytest.approx(expected)


def test_table_prices_cover_dated_snapshots() -> None:
    assert table_price("openai/o3") == Price(2.0, 8.0, f"table {PRICES_AS_OF}")
    assert table_price("openai/o3-2025-04-16") == table_price("openai/o3")
    assert table_price("openai-api/vllm/my-checkpoint") is None


def test_unknown_price_leaves_cost_unknown(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    [log] = inspect_eval(
        make_task("imo_2025"),
        model="openai-api/fake/unpriced",
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.location is not None
    run = run_usage(read_eval_log(log.location))
    assert run.input_tokens > 0 and run.cost is None and run.spent is None


@pytest.mark.parametrize(
    ("price_in", "price_out"), [(1.0, None), (None, 2.0), (-1.0, 2.0)], ids=["in", "out", "neg"]
)
def test_price_flags_are_checked(price_in: float | None, price_out: float | None) -> None:
    with pytest.raises(ConfigError, match="price"):
        given_price(price_in, price_out)
