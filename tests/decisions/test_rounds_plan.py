"""Which benchmarks a later round runs, how the harness is told, and the speed factor over
benchmarks that ran different numbers of rounds."""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterable
from dataclasses import replace

import pytest

from perfgate.config import Config, Harness
from perfgate.decisions import rounds_plan
from perfgate.decisions.compare import compare
from perfgate.decisions.inference import Evidence, remove_speed_factor
from perfgate.harness.runner import PYPERF_ENVIRON, pyperf_args, selection_args
from perfgate.model import Benchmark


def _bench(name: str, rounds: Iterable[Iterable[float]]) -> Benchmark:
    return Benchmark(name=name, short_name=name, unit="s", rounds=tuple(map(tuple, rounds)))


def _side(levels: dict[str, float], noise: dict[str, float], seed: int) -> list[Benchmark]:
    """Three rounds a benchmark; one of noise 0.5 or more has a third round up to 3x."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret

    def samples(level: float, top: float) -> list[float]:
        return [level * rng.uniform(1.0, top) for _ in range(50)]

    return [
        _bench(name, [samples(level, 1.0 + noise[name]) for _ in range(2)]
               + [samples(level, 3.0 if noise[name] >= 0.5 else 1.0 + noise[name])])
        for name, level in levels.items()
    ]  # fmt: skip


def test_the_undecided_run_with_the_cheapest_decided_beside_them() -> None:
    levels = {f"s::steady[{k}]": 0.001 * (k + 1) for k in range(6)} | {"s::noisy": 0.002}
    noise = dict.fromkeys(levels, 0.002) | {"s::noisy": 1.0}
    base, head = _side(levels, noise, 1), _side(levels, noise, 2)
    report = compare(base, head, Config())
    undecided = {r.name for r in report.rows if r.change and not r.change.decisive}
    assert undecided == {"s::noisy"}
    chosen = rounds_plan.next_round(report, head)
    # the noisy one, and the four cheapest steady ones: 5 in all for the speed factor
    assert chosen == sorted(["s::noisy", *(f"s::steady[{k}]" for k in range(4))])


def _shifted(names: list[str], spread: float, seed: int) -> list[Benchmark]:
    """Benchmarks of 1 ms whose rounds move together by up to ``spread`` (the first one
    only: the others are steady)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    shifts = [[rng.uniform(1.0, 1.0 + (spread if i == 0 else 0.001)) for _ in range(4)]
              for i in range(len(names))]  # fmt: skip
    return [
        _bench(name, [[0.001 * shift * rng.uniform(1.0, 1.001) for _ in range(40)]
                      for shift in shifts[i]])
        for i, name in enumerate(names)
    ]  # fmt: skip


def test_the_rounds_left_grow_with_the_width_of_an_open_interval() -> None:
    """An interval narrows as 1/sqrt(rounds): twice as wide for the same distance to the
    threshold needs four times the rounds."""
    names = [f"s::b{k}" for k in range(6)]
    thresholds = Config().regression
    steady = compare(_shifted(names, 0.0, 1), _shifted(names, 0.0, 2), Config())
    assert rounds_plan.rounds_left(steady, thresholds) == 0  # nothing open
    row = steady.rows[0]
    assert row.change is not None
    left = []
    for upper in (1.0 + 0.08, 1.0 + 0.16, 1.0 + 0.32):  # log widths about x2 each
        change = replace(
            row.change, ratio=1.0, upper=upper, significant=False, decisive=False, rounds=4
        )
        report = replace(steady, rows=(replace(row, change=change), *steady.rows[1:]))
        found = rounds_plan.rounds_left(report, thresholds)
        assert found is not None
        left.append(found + 4)
    assert left[0] < left[1] < left[2]
    assert 3.0 < left[2] / left[1] < 5.0  # about four times the rounds for twice the width


def test_a_significant_row_waiting_for_its_severity_keeps_every_benchmark_running() -> None:
    """Its Holm interval depends on the other rows' p-values: stopping them would widen it."""
    names = [f"s::b{k}" for k in range(6)]
    report = compare(_shifted(names, 0.0, 1), _shifted(names, 0.0, 2), Config())
    row = report.rows[0]
    assert row.change is not None
    waiting = replace(row.change, ratio=1.5, low=1.2, high=1.9, significant=True, decisive=False)
    narrowed = replace(report, rows=(replace(row, change=waiting), *report.rows[1:]))
    head = _shifted(names, 0.0, 2)
    assert rounds_plan.next_round(narrowed, head) == []
    inconclusive = replace(waiting, ratio=1.0, significant=False, upper=1.3)
    narrowed = replace(report, rows=(replace(row, change=inconclusive), *report.rows[1:]))
    chosen = rounds_plan.next_round(narrowed, head)
    assert len(chosen) == rounds_plan.FOLLOWERS
    assert "s::b0" in chosen


def test_nothing_to_narrow_runs_everything() -> None:
    levels = {f"s::b{k}": 0.001 for k in range(4)}
    noise = dict.fromkeys(levels, 1.0)
    base, head = _side(levels, noise, 1), _side(levels, noise, 2)
    report = compare(base, head, Config())
    assert rounds_plan.next_round(report, head) == []  # all four would run anyway


@pytest.mark.parametrize(
    ("harness", "names", "args"),
    [
        (Harness(), None, ()),
        (
            Harness(),
            ["t.py::test_a (peak memory)", "t.py::test_a", "t.py::test_b[1]"],
            ("--perfgate-only=t.py::test_a", "--perfgate-only=t.py::test_b[1]"),
        ),
        (
            Harness(type="asv"),
            ["bench.TimeSuite.time_x(10)", "bench.time_y"],
            ("--bench", r"^(bench\.TimeSuite\.time_x|bench\.time_y)$"),
        ),
        (Harness(type="asv", args=("--bench", "time_")), ["bench.time_y"], ()),
        # a pyperf script or a command cannot be told: every benchmark, every round
        (Harness(type="pyperf", args=("bench.py",)), ["work"], ()),
        (Harness(type="command", command=("run", "{output}")), ["work"], ()),
    ],
)
def test_the_harness_is_told_what_to_run(
    harness: Harness, names: list[str] | None, args: tuple[str, ...]
) -> None:
    assert selection_args(harness, names) == args


def test_the_speed_factor_over_benchmarks_of_different_round_counts_keeps_each_mean() -> None:
    rng = random.Random(0)  # noqa: S311 - test data, not a secret
    speed = [rng.gauss(0.0, 0.3) for _ in range(8)]  # the machine's speed, pair by pair
    evidence = [
        Evidence(
            method="paired-rounds",
            diffs=tuple(s + rng.gauss(0.0, 0.01) for s in speed[:count]),
        )
        for count in (8, 8, 8, 8, 8, 3, 3, 3)
    ]
    removed = remove_speed_factor(evidence)
    for before, after in zip(evidence, removed, strict=True):
        assert len(after.diffs) == len(before.diffs)
        assert statistics.fmean(after.diffs) == pytest.approx(statistics.fmean(before.diffs))
        assert statistics.stdev(after.diffs) < 0.1 < statistics.stdev(before.diffs)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bench.py"], ["bench.py", "--processes=1", f"--inherit-environ={PYPERF_ENVIRON}"]),
        (
            ["bench.py", "--processes=3", "--inherit-environ=A,B"],
            ["bench.py", "--processes=3", f"--inherit-environ=A,B,{PYPERF_ENVIRON}"],
        ),
        (["bench.py", "-p", "3"], ["bench.py", "-p", "3", f"--inherit-environ={PYPERF_ENVIRON}"]),
        (["bench.py", "-p3"], ["bench.py", "-p3", f"--inherit-environ={PYPERF_ENVIRON}"]),
        (
            ["bench.py", "--inherit-environ", "A"],
            ["bench.py", "--inherit-environ", f"A,{PYPERF_ENVIRON}", "--processes=1"],
        ),
    ],
)
def test_a_pyperf_round_is_one_worker_that_keeps_the_safe_path(
    args: list[str], expected: list[str]
) -> None:
    assert pyperf_args(args) == expected
