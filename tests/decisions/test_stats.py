from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from perfgate.decisions.stats import (
    min_samples,
    order_statistic_ranks,
    percentile,
    resampled_statistic,
    round_bootstrap,
    statistic,
    summarize,
)
from perfgate.model import Benchmark


def bench(*rounds: list[float], name: str = "b") -> Benchmark:
    return Benchmark(name=name, short_name=name, unit="s", rounds=tuple(tuple(r) for r in rounds))


def test_percentile_is_hyndman_fan_type_7() -> None:
    samples = [1.0, 2.0, 3.0, 4.0, 10.0]
    # h = (n - 1) * p = 4 * 0.95 = 3.8 -> x[3] + 0.8 * (x[4] - x[3]) = 4 + 0.8 * 6
    assert percentile(samples, 95) == pytest.approx(8.8)
    assert percentile(samples, 50) == 3.0


@pytest.mark.parametrize(
    ("metric", "needed"), [("p95", 72), ("p99", 368), ("p50", 6), ("mean", 2), ("max", 1)]
)
def test_too_few_samples_rule(metric: str, needed: int) -> None:
    assert min_samples(metric) == needed
    assert summarize(bench([1.0] * needed), metric).few_samples is False
    if needed > 1:
        assert summarize(bench([1.0] * (needed - 1)), metric).few_samples is True


def test_order_statistic_interval_covers_the_true_quantile() -> None:
    # 2,000 independent samples of size 100 from an exponential distribution: the 95%
    # interval for p95 must contain the true p95 (ln 20) about 95% of the time.
    rng = np.random.default_rng(1)
    true_p95 = np.log(20.0)
    low_rank, high_rank = order_statistic_ranks(100, 0.95, 0.95)
    assert low_rank is not None
    assert high_rank is not None
    ordered = np.sort(rng.exponential(size=(2000, 100)), axis=1)
    covered = (ordered[:, low_rank - 1] <= true_p95) & (true_p95 <= ordered[:, high_rank - 1])
    assert 0.93 <= covered.mean() <= 0.995


def test_too_few_samples_is_where_the_interval_becomes_unbounded() -> None:
    assert order_statistic_ranks(71, 0.95, 0.95)[1] is None
    assert order_statistic_ranks(72, 0.95, 0.95)[1] is not None


def test_order_statistic_bounds_missing_when_too_few_samples() -> None:
    low, high = order_statistic_ranks(20, 0.95, 0.95)
    assert low is not None
    assert high is None  # 20 samples cannot bound p95 from above


def test_round_bootstrap_widens_with_between_round_noise() -> None:
    rng = np.random.default_rng(2)
    steady = [rng.normal(1.0, 0.01, 200) for _ in range(5)]
    shifting = [rng.normal(1.0 + 0.1 * i, 0.01, 200) for i in range(5)]
    narrow = round_bootstrap(steady, "p95", 0.95, seed=0)
    wide = round_bootstrap(shifting, "p95", 0.95, seed=0)
    assert narrow.low is not None
    assert narrow.high is not None
    assert wide.low is not None
    assert wide.high is not None
    assert (wide.high - wide.low) > 10 * (narrow.high - narrow.low)


def test_round_bootstrap_with_unequal_round_lengths() -> None:
    rng = np.random.default_rng(3)
    rounds = [rng.normal(1.0, 0.05, size) for size in (100, 120, 90, 110)]
    summary = summarize(bench(*[list(r) for r in rounds]), "mean")
    assert summary.interval.method == "round-bootstrap"
    assert summary.interval.low is not None
    assert summary.interval.high is not None
    assert summary.interval.low <= summary.value <= summary.interval.high
    assert summary.rounds == 4
    assert summary.n == 420


def test_summary_is_deterministic() -> None:
    rng = np.random.default_rng(4)
    rounds = [list(rng.lognormal(0, 0.1, 80)) for _ in range(4)]
    assert summarize(bench(*rounds), "p95") == summarize(bench(*rounds), "p95")


def test_within_process_mean_interval() -> None:
    summary = summarize(bench([1.0, 2.0, 3.0, 4.0, 5.0]), "mean")
    assert summary.value == 3.0
    assert summary.interval.method == "within-process"
    # t(0.975, 4) = 2.776; sd = 1.581; half width = 2.776 * 1.581 / sqrt(5) = 1.963
    assert summary.interval.low == pytest.approx(3.0 - 1.963, abs=1e-3)


def test_stored_statistics_fall_back_to_median() -> None:
    stored = Benchmark(name="b", short_name="b", unit="s", stored={"p50": 0.5, "max": 0.9})
    summary = summarize(stored, "p95")
    assert summary.value == 0.5
    assert summary.metric_used == "p50"
    assert summary.interval.method == "none"
    assert summarize(stored, "max").value == 0.9


@pytest.mark.parametrize("n", [1, 5, 10, 20, 59, 60, 100, 1000])
@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_order_statistic_ranks_match_scipy_binomial_quantiles(n: int, q: float) -> None:
    low = int(scipy_stats.binom.ppf(0.025, n, q))
    high = int(scipy_stats.binom.ppf(0.975, n, q)) + 1
    expected = (low if low >= 1 else None, high if high <= n else None)
    assert order_statistic_ranks(n, q, 0.95) == expected


@pytest.mark.parametrize("metric", ["p50", "p95", "p99", "mean", "min", "max"])
def test_resampled_statistic_equals_pooling_each_resample(metric: str) -> None:
    """The round bootstrap never pools; it must give what pooling would, to the last bits."""
    rng = np.random.default_rng(7)
    for trial in range(40):
        count = int(rng.integers(3, 40))
        rounds = [
            rng.lognormal(0.0, 0.3, size=int(rng.integers(1, 300))) * rng.lognormal(0.0, 0.2)
            for _ in range(count)
        ]
        if trial % 2:  # ties across and within rounds
            rounds = [np.round(r, 1) for r in rounds]
        _assert_pooling(rounds, metric, rng, resamples=200)


def _assert_pooling(
    rounds: list[np.ndarray], metric: str, rng: np.random.Generator, resamples: int
) -> None:
    """resampled_statistic equals ``metric`` of each resample's rounds, pooled."""
    count = len(rounds)
    picks = rng.integers(0, count, size=(resamples, count))
    draws = np.zeros((resamples, count), dtype=np.int64)
    for row, pick in enumerate(picks):
        np.add.at(draws[row], pick, 1)
    pooled = [statistic(np.concatenate([rounds[k] for k in pick]), metric) for pick in picks]
    np.testing.assert_allclose(resampled_statistic(rounds, draws, metric), pooled, rtol=1e-13)


@pytest.mark.parametrize("metric", ["p25", "p50", "p95"])
def test_resampled_statistic_when_the_next_value_is_cells_away(metric: str) -> None:
    """Rounds far apart (each its own band of values): a resample that skips a round has no
    weight in that round's cells, so the value after rank j lies several cells on."""
    rng = np.random.default_rng(11)
    rounds = [1000.0 * k + rng.uniform(0, 10, size=50) for k in range(8)]
    _assert_pooling(rounds, metric, rng, resamples=300)


@pytest.mark.parametrize("metric", ["p5", "p50", "p95", "p99", "p100"])
def test_resampled_statistic_when_the_rounds_agree(metric: str) -> None:
    """Rounds of one distribution (the usual case): only a few cells can hold the rank asked
    for, and only those are searched; the result must still be pooling's."""
    rng = np.random.default_rng(12)
    rounds = [rng.lognormal(0.0, 0.05, 200) for _ in range(10)]
    _assert_pooling(rounds, metric, rng, resamples=300)


def test_a_round_whose_statistic_is_zero_gives_a_finite_ratio() -> None:
    """A timer that returns the same reading twice (a coarse clock, or perfgate's run-queue
    timer held at its last value) can make a round's low quantile 0: its log ratio is about
    -708 against a positive side, and the interval's end used to overflow (OverflowError)."""
    from perfgate.decisions.inference import infer, measure  # noqa: PLC0415

    zero = [[0.0, 0.0, 0.0, 1e-3]]
    base = [[1e-3, 1.1e-3, 1.2e-3, 1.3e-3] for _ in range(3)] + zero
    head = [[1e-3, 1.1e-3, 1.2e-3, 1.3e-3] for _ in range(4)]
    [estimate] = infer([measure(base, head, "p25")])
    assert 0.0 < estimate.ratio <= estimate.high < math.inf
