"""Stored base first's triage: what head's own rounds clear against the stored runs."""

from __future__ import annotations

import math

import numpy as np

from perfgate.decisions.stored_base import MIN_STORED, log_value, split, timed_logs, triage
from perfgate.model import Benchmark

RNG = np.random.default_rng(7)


def _suite(count: int, sd: float) -> dict[str, list[float]]:
    return {f"b{i}": list(RNG.normal(math.log(0.01 * (i + 1)), sd, 5)) for i in range(count)}


def _head(stored: dict[str, list[float]], shift: dict[str, float]) -> dict[str, float]:
    return {n: float(np.mean(v)) + shift.get(n, 0.0) for n, v in stored.items()}


def test_quiet_unchanged_benchmarks_are_cleared_and_a_slowdown_is_not() -> None:
    stored = _suite(8, 0.005)
    found = triage(stored, _head(stored, {"b3": math.log(1.10)}), 0.05)
    assert {c.name for c in found.cleared} == set(stored) - {"b3"}
    assert found.measure == ("b3",)
    for c in found.cleared:  # the interval it was cleared on lies within the margin
        assert 1 / 1.05 <= c.low <= c.ratio <= c.high <= 1.05
        assert c.runs == 5


def test_noisy_stored_runs_clear_nothing() -> None:
    """The job-to-job noise of shared runners (here 10% between runs): nothing is cleared."""
    stored = _suite(8, 0.10)
    assert triage(stored, _head(stored, {}), 0.05).cleared == ()


def test_a_noisy_benchmark_keeps_its_own_spread_among_quiet_ones() -> None:
    stored = _suite(8, 0.003)
    stored["b0"] = [math.log(x) for x in (0.010, 0.013, 0.009, 0.012, 0.010)]
    found = triage(stored, _head(stored, {}), 0.05)
    assert "b0" in found.measure
    assert len(found.cleared) == 7


def test_a_change_to_every_benchmark_is_not_taken_for_the_machine() -> None:
    """No speed factor is removed: the whole suite 10% slower clears nothing."""
    stored = _suite(8, 0.003)
    found = triage(stored, _head(stored, dict.fromkeys(stored, math.log(1.10))), 0.05)
    assert found.cleared == ()


def test_too_few_stored_runs_are_measured() -> None:
    stored = {n: v[: MIN_STORED - 1] for n, v in _suite(6, 0.001).items()}
    stored["b5"] = _suite(6, 0.001)["b5"]
    found = triage(stored, _head(stored, {}), 0.05)
    assert [c.name for c in found.cleared] == ["b5"]
    assert found.measure == ("b0", "b1", "b2", "b3", "b4")


def test_log_value_is_the_statistic_of_the_samples() -> None:
    value = log_value([1.0, 2.0, 3.0, 4.0, 5.0], "p50")
    assert value is not None
    assert math.isclose(value, math.log(3.0))
    assert log_value([], "p25") is None
    assert log_value([0.0, -1.0], "p25") is None


def test_split_clears_a_benchmark_only_with_all_its_rows_and_no_budget() -> None:
    stored = _suite(8, 0.003)
    found = triage(stored, _head(stored, {}), 0.05)
    rows = [(name, 0.1 * (i + 1)) for i, name in enumerate(stored)]
    rows.append(("b1 (peak memory)", 0.0))  # a row of b1 the stored runs cannot clear
    clear, measure, kept = split(found, rows, lambda name: name == "b2", 1)
    assert "b1" in measure  # its memory row was not cleared
    assert "b2" in measure  # a budget is judged on the same rounds as always
    assert clear == ["b0", "b3", "b4", "b5", "b6", "b7"]
    assert {c.name for c in kept.cleared} == set(clear)
    # fewer than the followers measured: the cheapest cleared ones measured beside them
    clear, measure, kept = split(found, rows, lambda name: name == "b2", 5)
    assert measure == ["b1", "b2", "b0", "b3", "b4"]
    assert clear == ["b5", "b6", "b7"]
    assert {c.name for c in kept.cleared} == {"b5", "b6", "b7"}
    # everything cleared: nothing to measure, no follower needed
    clear, measure, _ = split(found, rows[:-1], lambda _name: False, 5)
    assert measure == []
    assert len(clear) == 8


def test_only_timed_rows_are_compared_with_stored_runs() -> None:
    """A count is exact with 1% thresholds and a memory row is not time: neither is compared
    with stored runs, so neither is ever cleared, and its benchmark is always measured."""
    rows = [
        Benchmark(name="t::a", short_name="t::a", unit="s", rounds=((0.010, 0.011, 0.012),)),
        Benchmark(
            name="t::a (bytecodes)",
            short_name="t::a (bytecodes)",
            unit="bytecodes",
            rounds=((1000.0,),),
        ),
        Benchmark(
            name="t::a (peak memory)",
            short_name="t::a (peak memory)",
            unit="B",
            rounds=((2048.0,),),
        ),
        Benchmark(name="t::b", short_name="t::b", unit="s", rounds=()),
    ]
    logs = timed_logs(rows, "p50")
    assert logs == {"t::a": math.log(0.011)}
    stored = {"t::a": [math.log(0.011)] * 5}
    found = triage(stored, logs, 0.05)
    assert [c.name for c in found.cleared] == ["t::a"]
    clear, measure, _ = split(found, [(b.name, 0.0) for b in rows], lambda _name: False, 0)
    assert (clear, measure) == ([], ["t::a", "t::b"])  # its count row keeps t::a measured
