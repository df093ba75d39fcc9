"""Bootstrap over problems: reproducible, vectorised, and equal to measures on the data."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.analysis.frames import Answer, constant, fixture, perfect, tidy
from verifier_eval import measures
from verifier_eval.analysis import bootstrap as bs
from verifier_eval.errors import ConfigError


def random_frame(
    seed: int,
    *,
    generators: int = 4,
    problems: int = 6,
    answers: int = 3,
    policy: str = "zero",
    benchmark: str = "fixture",
    confidences: int = 101,
) -> pd.DataFrame:
    """Random grades on a 7-point scale with ties, failures and ``confidences`` distinct levels."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(generators):
        for p in range(problems):
            for i in range(answers):
                judges = tuple(float(rng.choice([0, 0, 1, 3, 7])) for _ in range(2))
                failed = rng.random() < 0.1
                level = int(rng.integers(0, confidences)) * 100 // max(1, confidences - 1)
                points = None if failed else level / 100 * 7
                rows.append(Answer(f"g{g}", str(p + 1), i, judges, points))
    return tidy(rows, failure_policy=policy, benchmark=benchmark)


def expanded(frame: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
    """The resample with multiplicities ``counts`` spelled out (a problem drawn twice = 2 ids)."""
    layout = bs.ProblemLayout.of(frame)
    parts = []
    for (benchmark, problem), c in zip(layout.keys, counts, strict=True):
        rows = frame.loc[(frame["benchmark"] == benchmark) & (frame["problem_id"] == problem)]
        parts += [rows.assign(problem_id=f"{problem}#{k}") for k in range(int(c))]
    return pd.concat(parts, ignore_index=True)


def test_resample_counts_are_seeded_and_keep_the_number_of_problems() -> None:
    a = bs.resample_counts(6, 500, seed=3)
    b = bs.resample_counts(6, 500, seed=3)
    assert a.shape == (500, 6)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, bs.resample_counts(6, 500, seed=4))
    assert (a.sum(axis=1) == 6).all()
    strata = bs.resample_counts([2, 3], 100, seed=0)
    assert (strata[:, :2].sum(axis=1) == 2).all() and (strata[:, 2:].sum(axis=1) == 3).all()
    # One stratum is exactly default_rng(seed).integers(0, P, (B, P)) counted per row.
    draws = np.random.default_rng(3).integers(0, 6, size=(500, 6))
    assert np.array_equal(a, np.stack([np.bincount(d, minlength=6) for d in draws]))


@pytest.mark.parametrize("policy", ["zero", "exclude"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_replicates_at_unit_weights_equal_the_point_estimates(seed: int, policy: str) -> None:
    frame = random_frame(seed, policy=policy)
    layout = bs.ProblemLayout.of(frame)
    arrays = bs.AnswerArrays.of(frame, layout)
    unit = np.ones((1, layout.n_problems))
    for name, spec in bs.METRIC_SPECS.items():
        if spec.point is None:
            continue
        point = spec.point(bs.PointContext(frame, bs.MetricOptions()))
        assert spec.replicates(arrays, unit)[0] == pytest.approx(point, rel=1e-12, abs=1e-12), name


def test_point_estimates_are_the_measures_functions() -> None:
    frame = random_frame(5, policy="exclude")
    scored = measures.scored_answers(frame)
    found = bs.bootstrap_metrics(frame, n_boot=0)
    assert found["total_score_difference"].estimate == measures.total_score_difference(scored)
    assert found["mae"].estimate == measures.mean_absolute_error(scored)
    assert found["bias"].estimate == measures.signed_bias(scored)
    assert found["pearson"].estimate == measures.pearson(scored)
    assert found["spearman"].estimate == measures.spearman(scored)
    assert found["format_failure_rate"].estimate == measures.format_failure_rate(frame["format_ok"])
    assert math.isnan(found["mae"].low)


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param({"problems": 6, "answers": 3}, id="few-problems-cubic-ranks"),
        pytest.param({"problems": 12, "answers": 1, "generators": 3}, id="many-problems-gather"),
        pytest.param(
            {"problems": 12, "answers": 2, "generators": 2, "confidences": 3},
            id="few-confidence-levels",
        ),
    ],
)
def test_each_replicate_is_the_metric_of_its_resample(shape: dict[str, int]) -> None:
    """Vectorised replicates equal the metric recomputed on the spelled-out resample."""
    frame = random_frame(7, **shape)
    layout = bs.ProblemLayout.of(frame)
    arrays = bs.AnswerArrays.of(frame, layout)
    counts = bs.resample_counts(layout.n_problems, 4, seed=11)
    for name in bs.METRICS:
        got = bs.METRIC_SPECS[name].replicates(arrays, counts.astype(float))
        for b in range(len(counts)):
            want = bs.point_estimate(expanded(frame, counts[b]), name)
            if math.isnan(want):
                assert math.isnan(got[b]), name
            else:
                assert got[b] == pytest.approx(want, rel=1e-9, abs=1e-12), (name, b)


def test_total_score_difference_replicates_by_hand() -> None:
    """Fixture: drawing problem 1 twice gives A |10.5 - 7| = 3.5 and B |3.5 - 0| = 3.5.

    Drawing problem 2 twice gives A |0 - 3.5| = 3.5 and B |10.5 - 14| = 3.5; drawing both
    once reproduces the data (0). So each replicate is 3.5 unless the counts are (1, 1).
    """
    frame = fixture()
    counts = bs.resample_counts(2, 200, seed=0)
    got = bs.replicates(frame, "total_score_difference", n_boot=200, seed=0)
    want = np.where(counts[:, 0] == 1, 0.0, 3.5)
    np.testing.assert_allclose(got, want, atol=1e-12)
    # The MAE is 1.75 on either problem alone (errors 0, 3.5, 3.5, 0 / 3.5, 0, 0, 3.5).
    np.testing.assert_allclose(bs.replicates(frame, "mae", n_boot=200, seed=0), 1.75)
    interval = bs.bootstrap_metrics(frame, ["total_score_difference"], n_boot=200)[
        "total_score_difference"
    ]
    assert interval.estimate == 0.0
    assert interval.low == 0.0 and interval.high == 3.5


def test_correlations_are_nan_in_resamples_where_a_side_is_constant() -> None:
    """Human points on problem 2 of this frame are all 0: drawing it twice leaves no variance."""
    frame = tidy(
        [
            Answer("A", "1", 0, (7, 7), 7.0),
            Answer("A", "1", 1, (0, 0), 3.5),
            Answer("A", "2", 0, (0, 0), 1.0),
            Answer("A", "2", 1, (0, 0), 2.0),
        ]
    )
    counts = bs.resample_counts(2, 50, seed=1)
    for name in ("pearson", "spearman"):
        got = bs.replicates(frame, name, n_boot=50, seed=1)
        assert np.isnan(got[counts[:, 1] == 2]).all()
        assert np.isfinite(got[counts[:, 1] < 2]).all()


def test_bootstrap_is_identical_across_runs_with_the_same_seed() -> None:
    frame = random_frame(3)
    first = bs.bootstrap_table(frame, n_boot=300, seed=42)
    second = bs.bootstrap_table(frame, n_boot=300, seed=42)
    pd.testing.assert_frame_equal(first, second)
    other = bs.bootstrap_table(frame, n_boot=300, seed=43)
    assert not first.equals(other)


@pytest.mark.parametrize("seed", [0, 1])
def test_intervals_contain_the_point_estimate(seed: int) -> None:
    frame = random_frame(seed)
    found = bs.bootstrap_metrics(frame, n_boot=2000, seed=seed)
    for name, interval in found.items():
        if name == "total_score_difference":
            continue  # a mean of |.|: its bootstrap can sit above the estimate (documented)
        assert interval.low <= interval.estimate <= interval.high, name
    for frame in (fixture(), perfect()):
        interval = bs.bootstrap_metrics(frame, ["total_score_difference"], n_boot=500)[
            "total_score_difference"
        ]
        assert interval.low <= interval.estimate <= interval.high


def test_paired_comparison_of_a_verifier_with_itself() -> None:
    frame = pd.concat([fixture("v/a"), fixture("v/b")], ignore_index=True)
    for metric in ("total_score_difference", "mae", "auroc", "kendall_tau"):
        result = bs.paired_comparison(frame, "v/a", "v/b", metric=metric, n_boot=500)
        assert result.difference == 0.0
        assert result.low == 0.0 and result.high == 0.0
        assert result.p_value == 1.0
        assert result.n_answers == 8 and result.n_problems == 2


def test_paired_comparison_perfect_against_fixture() -> None:
    """MAE 0 against 1.75 on every resample: difference -1.75, p = 2 / (B + 1)."""
    frame = pd.concat([fixture(), perfect()], ignore_index=True)
    result = bs.paired_comparison(
        frame, "test/verifier", "test/perfect", metric="mae", n_boot=999, seed=1
    )
    assert result.estimate_a == 1.75 and result.estimate_b == 0.0
    assert result.difference == -1.75
    assert result.low == pytest.approx(-1.75) and result.high == pytest.approx(-1.75)
    assert result.p_value == pytest.approx(2 / 1000)


def test_paired_comparison_uses_the_answers_both_graded() -> None:
    a = fixture("v/a")
    b = fixture("v/b").iloc[:6]
    result = bs.paired_comparison(pd.concat([a, b]), "v/a", "v/b", metric="mae", n_boot=10)
    assert result.n_answers == 6
    assert result.estimate_a == measures.mean_absolute_error(a.iloc[:6])


def test_paired_comparison_errors() -> None:
    frame = pd.concat([fixture("v/a"), fixture("v/b", benchmark="other")], ignore_index=True)
    with pytest.raises(ConfigError, match="several benchmarks"):
        bs.paired_comparison(frame, "v/a", "v/b")
    with pytest.raises(ConfigError, match="no answers of verifier 'v/b'"):
        bs.paired_comparison(frame, "v/a", "v/b", benchmark="fixture")
    with pytest.raises(ConfigError, match="unknown metric"):
        bs.paired_comparison(frame, "v/a", "v/a", metric="accuracyy")  # type: ignore[arg-type]
    twice = pd.concat([fixture("v/a"), fixture("v/a", log="second.eval")], ignore_index=True)
    with pytest.raises(ConfigError, match="2 runs"):
        bs.paired_comparison(twice, "v/a", "v/a")


def test_p_value() -> None:
    assert bs.bootstrap_p_value(np.zeros(99)) == 1.0
    assert bs.bootstrap_p_value(np.full(99, 2.0)) == pytest.approx(2 / 100)
    # 30 of 99 at or below 0: 2 * 31 / 100.
    values = np.r_[np.full(30, -1.0), np.full(69, 1.0)]
    assert bs.bootstrap_p_value(values) == pytest.approx(0.62)
    assert math.isnan(bs.bootstrap_p_value(np.full(5, np.nan)))


def test_kendall_tau_b_matches_scipy_with_ties() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(50, 7)).astype(float)
    y = rng.integers(0, 4, size=(50, 7)).astype(float)
    got = bs.kendall_tau_b(x, y)
    for row in range(50):
        want = stats.kendalltau(x[row], y[row]).statistic
        if math.isnan(want):
            assert math.isnan(got[row])
        else:
            assert got[row] == pytest.approx(want, rel=1e-12)


def test_constant_verifier_has_undefined_correlations_everywhere() -> None:
    found = bs.bootstrap_metrics(constant(), ["pearson", "spearman"], n_boot=100)
    assert all(math.isnan(v) for interval in found.values() for v in interval)


def test_percentile_intervals_skip_undefined_replicates() -> None:
    reps = np.array([[1.0, np.nan], [2.0, 5.0], [3.0, 7.0]])
    first, second = bs.percentile_intervals([2.0, 6.0], reps, level=0.5)
    assert (first.low, first.high) == (1.5, 2.5)
    assert (second.low, second.high) == (5.5, 6.5)
    assert math.isnan(bs.percentile_intervals([math.nan], reps[:, :1])[0].low)


def test_unknown_metric_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="choose from"):
        bs.bootstrap_metrics(fixture(), ["nope"])  # type: ignore[list-item]


def test_verifier_identical_to_humans_has_zero_error() -> None:
    found = bs.bootstrap_metrics(perfect(), n_boot=300)
    for name in ("total_score_difference", "mae", "bias", "rmse"):
        assert tuple(found[name]) == (0.0, 0.0, 0.0), name
    assert found["within_one_rate"].estimate == 1.0
    assert found["pearson"].estimate == pytest.approx(1.0)
    assert found["spearman"].estimate == pytest.approx(1.0)
    assert found["kendall_tau"].estimate == 1.0
    assert found["auroc"].estimate == 1.0


def test_rank_blocks_do_not_change_the_replicates(monkeypatch: pytest.MonkeyPatch) -> None:
    """The many-problems Spearman path works in blocks of resamples; block size is invisible."""
    frame = random_frame(8, problems=12, answers=1, generators=3)
    whole = bs.replicates(frame, "spearman", n_boot=50, seed=2)
    monkeypatch.setattr(bs, "_BLOCK_ELEMENTS", 40)
    np.testing.assert_allclose(
        bs.replicates(frame, "spearman", n_boot=50, seed=2), whole, rtol=1e-12
    )


def test_percentile_intervals_equal_numpy_quantiles() -> None:
    rng = np.random.default_rng(0)
    reps = rng.normal(size=(1001, 4))
    reps[:, 3] = 2.5  # a constant statistic keeps its exact value
    found = bs.percentile_intervals([0.0, 0.0, 0.0, 2.5], reps, level=0.9)
    want = np.quantile(reps, [0.05, 0.95], axis=0)
    for j, interval in enumerate(found):
        assert (interval.low, interval.high) == pytest.approx((want[0, j], want[1, j]), rel=1e-14)
    assert (found[3].low, found[3].high) == (2.5, 2.5)
