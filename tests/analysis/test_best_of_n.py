"""Best-of-N: exact expectations over N-subsets, ties broken at random."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from tests.analysis.frames import FIXTURE, Answer, constant, fixture, perfect, tidy
from verifier_eval.analysis.best_of_n import (
    ALL_GENERATORS,
    best_of_n,
    expected_best_of_n,
    expected_oracle,
    pick_probabilities,
)


def brute_force(scores: list[float], human: list[float], n: int) -> float:
    """Mean over all n-subsets of the mean human score of the top-rated answers."""
    values = []
    for subset in itertools.combinations(range(len(scores)), n):
        top = max(scores[i] for i in subset)
        picked = [human[i] for i in subset if scores[i] == top]
        values.append(sum(picked) / len(picked))
    return sum(values) / len(values)


def test_ties_by_hand() -> None:
    """Scores 5, 5, 1, 0 with human 7, 0, 3, 2.

    N=2, the 6 pairs: {0,1} tie -> 3.5, {0,2} 7, {0,3} 7, {1,2} 0, {1,3} 0, {2,3} 3 -> 20.5 / 6.
    N=3: {0,1,2} 3.5, {0,1,3} 3.5, {0,2,3} 7, {1,2,3} 0 -> 14 / 4 = 3.5. N=4: the tie, 3.5.
    N=1: the mean, 12 / 4 = 3.
    """
    scores, human = [5.0, 5.0, 1.0, 0.0], [7.0, 0.0, 3.0, 2.0]
    assert expected_best_of_n(scores, human, 1) == pytest.approx(3.0)
    assert expected_best_of_n(scores, human, 2) == pytest.approx(20.5 / 6)
    assert expected_best_of_n(scores, human, 3) == pytest.approx(3.5)
    assert expected_best_of_n(scores, human, 4) == pytest.approx(3.5)
    # P(pick) for N=2: answers 0 and 1 win 2 of their pairs and half the tie: 2.5 / 6 each.
    np.testing.assert_allclose(pick_probabilities(scores, 2), [2.5 / 6, 2.5 / 6, 1 / 6, 0])
    # Oracle N=2 over human 7, 0, 3, 2: pairs with 0 -> 7 (x3), {1,2} 3, {1,3} 2, {2,3} 3.
    assert expected_oracle(human, 2) == pytest.approx((21 + 3 + 2 + 3) / 6)


@pytest.mark.parametrize("seed", range(20))
def test_closed_form_equals_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 7))
    scores = [float(v) for v in rng.integers(0, 3, size=m)]  # many ties
    human = [float(v) for v in rng.integers(0, 8, size=m)]
    for n in range(1, m + 1):
        assert pick_probabilities(scores, n).sum() == pytest.approx(1.0)
        assert expected_best_of_n(scores, human, n) == pytest.approx(brute_force(scores, human, n))


def test_subset_size_must_fit() -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        pick_probabilities([1.0, 2.0], 3)


def row(table: pd.DataFrame, generator: str, n: int) -> pd.Series:
    [found] = table.loc[(table["generator"] == generator) & (table["n"] == n)].itertuples()
    return pd.Series(found._asdict())


def test_fixture_by_hand() -> None:
    """A: problem 1 (v 7 -> h 7, v 3.5 -> h 0), problem 2 (v 0 -> h 3.5, v 0 -> h 0, a tie).

    N=1: random = best = oracle = 3.5 + 1.75 = 5.25. N=2: best 7 + 1.75 (tie) = 8.75, oracle 7 +
    3.5 = 10.5: gain 3.5 / 5.25 = 66.7 %, gap closed 3.5 / 5.25 = 2/3.
    B: problem 1 all human 0, problem 2 all human 7: random = best = oracle = 7, gap NaN.
    Overall N=2 (mean of A and B): random 6.125, best 7.875, oracle 8.75.
    """
    table = best_of_n(fixture())
    a1, a2 = row(table, "A", 1), row(table, "A", 2)
    assert (a1.random, a1.best_of_n, a1.oracle) == pytest.approx((5.25, 5.25, 5.25))
    assert math.isnan(a1.gap_closed) and a1.gain_pct == pytest.approx(0.0)
    assert (a2.random, a2.best_of_n, a2.oracle) == pytest.approx((5.25, 8.75, 10.5))
    assert a2.gain_pct == pytest.approx(200 / 3)
    assert a2.gap_closed == pytest.approx(2 / 3)
    b2 = row(table, "B", 2)
    assert (b2.random, b2.best_of_n, b2.oracle) == pytest.approx((7.0, 7.0, 7.0))
    assert math.isnan(b2.gap_closed) and b2.gain_pct == pytest.approx(0.0)
    overall = row(table, ALL_GENERATORS, 2)
    assert (overall.random, overall.best_of_n, overall.oracle) == pytest.approx(
        (6.125, 7.875, 8.75)
    )
    assert overall.gain_pct == pytest.approx(100 * 1.75 / 6.125)
    assert overall.gap_closed == pytest.approx(1.75 / 2.625)
    assert overall.n_generators == 2 and overall.n_problems == 2
    assert list(table["generator"]) == ["A", "A", "B", "B", ALL_GENERATORS, ALL_GENERATORS]


def test_verifier_identical_to_humans_is_the_oracle() -> None:
    table = best_of_n(perfect())
    np.testing.assert_allclose(table["best_of_n"], table["oracle"])


def test_constant_verifier_is_a_random_pick() -> None:
    table = best_of_n(constant())
    np.testing.assert_allclose(table["best_of_n"], table["random"])
    closed = table["gap_closed"].dropna()
    np.testing.assert_allclose(closed, 0.0, atol=1e-12)
    assert len(closed) == 2  # A and the average at N=2; B has no gap to close


def test_generator_with_a_single_answer_per_problem() -> None:
    """C answers each problem once: only N=1, where every selector is the random pick."""
    answers = [*FIXTURE, Answer("C", "1", 0, (7, 7), 0.0), Answer("C", "2", 0, (0, 0), 7.0)]
    table = best_of_n(tidy(answers))
    c = table.loc[table["generator"] == "C"]
    assert list(c["n"]) == [1]
    assert (c["random"].iloc[0], c["best_of_n"].iloc[0], c["oracle"].iloc[0]) == (7.0, 7.0, 7.0)
    overall = table.loc[table["generator"] == ALL_GENERATORS].set_index("n")
    assert overall.loc[1, "n_generators"] == 3 and overall.loc[2, "n_generators"] == 2
    assert overall.loc[2, "random"] == pytest.approx(6.125)  # A and B only


def test_failures_are_rated_zero_whatever_the_policy() -> None:
    """A failed verdict (0 points) ranks with the zeros, also under ``exclude``."""
    answers = [
        Answer("A", "1", 0, (7, 7), None),
        Answer("A", "1", 1, (0, 0), 3.5),
        Answer("A", "2", 0, (7, 7), None),
        Answer("A", "2", 1, (0, 0), 0.0),
    ]
    table = best_of_n(tidy(answers, failure_policy="exclude"))
    two = row(table, "A", 2)
    # Problem 1: 3.5 beats the failure -> human 0; problem 2: tie of zeros -> 3.5.
    assert two.best_of_n == pytest.approx(3.5)
    assert two.random == pytest.approx(7.0) and two.oracle == pytest.approx(14.0)


def test_runs_are_kept_apart() -> None:
    table = best_of_n(pd.concat([fixture("v/a"), perfect("v/b")], ignore_index=True))
    assert set(table["verifier"]) == {"v/a", "v/b"}
    assert len(table) == 12
