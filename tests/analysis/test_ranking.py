"""Ranking fidelity: Kendall's tau-b between verifier and human generator rankings."""

import math

import pytest
from scipy import stats

from tests.analysis.frames import Answer, fixture, perfect, tidy
from tests.analysis.test_bootstrap import random_frame
from verifier_eval import measures
from verifier_eval.analysis.ranking import generator_ranking, ranking_fidelity


def one_answer_each(verifier: list[float], human: list[float]) -> list[Answer]:
    """Two problems; generator k scores its totals on problem 1 and 0 on problem 2."""
    answers = []
    for k, (v, h) in enumerate(zip(verifier, human, strict=True)):
        answers.append(Answer(f"g{k}", "1", 0, (h, h), v))
        answers.append(Answer(f"g{k}", "2", 0, (0, 0), 0.0))
    return answers


def test_tau_by_hand() -> None:
    """Totals verifier 1, 2, 3 and human 1, 3, 2: pairs (0,1) and (0,2) agree, (1,2) does not:
    tau = (2 - 1) / 3. With verifier 1, 1, 3 and human 1, 2, 3 the tied pair counts for neither
    side: tau_b = 2 / sqrt(2 * 3)."""
    tau = ranking_fidelity(tidy(one_answer_each([1, 2, 3], [1, 3, 2])), n_boot=0)
    assert tau["kendall_tau"].iloc[0] == pytest.approx(1 / 3)
    tied = ranking_fidelity(tidy(one_answer_each([1, 1, 3], [1, 2, 3])), n_boot=0)
    assert tied["kendall_tau"].iloc[0] == pytest.approx(2 / math.sqrt(6))
    assert tied["kendall_tau"].iloc[0] == pytest.approx(
        stats.kendalltau([1, 1, 3], [1, 2, 3]).statistic
    )


def test_perfect_verifier_ranks_like_humans() -> None:
    result = ranking_fidelity(perfect(), n_boot=200).iloc[0]
    assert result["kendall_tau"] == 1.0
    assert result["n_generators"] == 2


def test_interval_contains_the_estimate_and_is_seeded() -> None:
    frame = random_frame(2, generators=6)
    first = ranking_fidelity(frame, n_boot=500, seed=9).iloc[0]
    assert first["kendall_tau_low"] <= first["kendall_tau"] <= first["kendall_tau_high"]
    again = ranking_fidelity(frame, n_boot=500, seed=9).iloc[0]
    assert first.equals(again)


def test_single_generator_has_no_ranking() -> None:
    frame = fixture()
    frame = frame.loc[frame["generator"] == "A"]
    assert math.isnan(ranking_fidelity(frame, n_boot=10)["kendall_tau"].iloc[0])


def test_generator_ranking_uses_the_measures_totals() -> None:
    frame = random_frame(6, policy="exclude")
    table = generator_ranking(frame).set_index("generator")
    for total in measures.generator_totals(measures.scored_answers(frame)):
        assert table.loc[total.generator, "verifier_total"] == pytest.approx(total.verifier_total)
        assert table.loc[total.generator, "human_total"] == pytest.approx(total.human_total)
    assert table["human_rank"].is_monotonic_increasing  # best human rank first; ties share
    # Fixture: B (7) above A (5.25) on both sides.
    ranked = generator_ranking(fixture())
    assert list(ranked["generator"]) == ["B", "A"]
    assert list(ranked["verifier_rank"]) == [1.0, 2.0]
