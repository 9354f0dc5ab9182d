"""The interleaved calibration: the workload timed between a benchmark's samples, left out of
the clock it reads, each sample paired with the calibrations around it, and budgets judged on
samples scaled one by one."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.config import BudgetRule, Config, load_config
from perfgate.decisions.check import calibration_scale, check
from perfgate.decisions.stats import summarize
from perfgate.formats import pytest_benchmark
from perfgate.harness.runner import timer_args
from perfgate.model import CALIBRATION_SAMPLES, Benchmark, Run, combine, sample_calibrations
from perfgate.pytest_plugin import FOLDER, perfgate_calibration
from perfgate.pytest_plugin.perfgate_calibration import Calibrated, per_sample


class _Clock:
    """A clock that moves only when told: 1 s a tick."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


def _timed(timer: Calibrated, clock: _Clock, durations: list[float]) -> list[float]:
    """pytest-benchmark's loop: start, the function (the clock moves), end."""
    samples = []
    for duration in durations:
        start = timer()
        clock.now += duration
        samples.append(timer() - start)
    return samples


def test_the_calibration_runs_between_readings_and_is_left_out_of_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    timer = Calibrated(clock, "fake")

    def work() -> int:  # the calibration takes 7 s of the clock each time it runs
        clock.now += 7.0
        return 0

    monkeypatch.setattr(perfgate_calibration, "_work", work)
    monkeypatch.setattr(perfgate_calibration, "EVERY", 0.0)  # every reading calibrates
    samples = _timed(timer, clock, [1.0, 2.0, 3.0])
    assert samples == [1.0, 2.0, 3.0]  # 7 s ran inside each pair, none of it counted
    assert len(timer.calibrations) == 6
    assert per_sample(timer, samples, 1) is not None


def test_each_sample_gets_the_median_of_the_calibrations_nearest_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    timer = Calibrated(clock, "fake")
    monkeypatch.setattr(perfgate_calibration, "EVERY", 0.0)
    samples = _timed(timer, clock, [1.0] * 20)
    # the machine was twice as slow for the second half: so were its calibrations
    timer.calibrations[:] = [1.0] * 20 + [2.0] * 20
    beside = per_sample(timer, samples, 1)
    assert beside is not None
    assert beside[:9] == [1.0] * 9
    assert beside[-9:] == [2.0] * 9
    # a sample of 3 iterations is a third of the pair's time; another pairing is refused
    assert per_sample(timer, [s / 3 for s in samples], 3) is not None
    assert per_sample(timer, [s * 2 for s in samples], 1) is None
    assert per_sample(timer, samples * 2, 1) is None  # more samples than pairs read
    timer.reset()
    assert per_sample(timer, samples, 1) is None


def test_the_harness_is_given_the_calibrated_timer_only_where_budgets_are_scaled(
    tmp_path: Path,
) -> None:
    reference = "calibration: {reference: 0.6ms, workload: 1}\n"
    budgets = "budgets:\n  '*': {target: 1s}\n"
    path = tmp_path / "perfgate.yml"
    for text, calibrated in ((budgets + reference, True), (reference, False), (budgets, False)):
        path.write_text(f"version: 1\n{text}")
        assert load_config(path).harness.calibrated is calibrated, text
    assert timer_args("cpu", calibrated=True) == (
        "--benchmark-timer=perfgate_calibration.process_time",
    )
    assert timer_args("wall", calibrated=True) == (
        "--benchmark-timer=perfgate_calibration.perf_counter",
    )


def _bench(rounds: tuple[tuple[float, ...], ...], beside: tuple[float, ...] | None) -> Benchmark:
    extra = {} if beside is None else {CALIBRATION_SAMPLES: beside}
    return Benchmark(name="b", short_name="b", unit="s", rounds=rounds, extra=extra)


def test_budgets_are_judged_on_each_sample_scaled_by_the_calibration_beside_it() -> None:
    """Half the samples ran while the machine was 2x slow (and so did their calibrations): the
    scaled samples are all alike, so the p95 is the fast half's, where the raw p95 is the slow
    half's."""
    samples = tuple([10.0] * 50 + [20.0] * 50)
    beside = tuple([1.0] * 50 + [2.0] * 50)
    rule = BudgetRule(pattern="b", target=12.0, warning=13.0, critical=15.0, unit="s", metric="p95")
    config = Config(calibration=1.0, budgets=(rule,))
    bench = _bench((samples,), beside)
    summary = summarize(bench, "p95")
    scale = calibration_scale(bench, config, summary)
    assert scale == pytest.approx(0.5)
    row = check([bench], config).rows[0]
    assert row.budget is not None
    assert row.budget.status == "ok"
    assert any("beside it, interleaved" in n for n in check([bench], config).notes)
    # without them, the raw p95 is judged (no per-round calibration either): critical
    plain = check([_bench((samples,), None)], config).rows[0]
    assert plain.budget is not None
    assert plain.budget.status == "critical"


def test_rounds_keep_their_sample_calibrations_only_while_every_round_has_them() -> None:
    with_them = Run(benchmarks=(_bench(((1.0, 2.0),), (0.5, 0.6)),))
    also = Run(benchmarks=(_bench(((3.0,),), (0.7,)),))
    without = Run(benchmarks=(_bench(((4.0,),), None),))
    (both,), _ = combine([with_them, also])
    assert sample_calibrations(both) == (0.5, 0.6, 0.7)
    (mixed,), _ = combine([with_them, also, without])
    assert sample_calibrations(mixed) is None
    assert sample_calibrations(_bench(((1.0, 2.0),), (0.5,))) is None  # one short


SUITE = """
import time

def test_empty(benchmark):
    benchmark(lambda: None)

def test_sleep(benchmark):
    benchmark(time.sleep, 0.001)
"""


@pytest.mark.slow
def test_a_real_pytest_benchmark_run_records_a_calibration_beside_each_sample(
    tmp_path: Path,
) -> None:
    """Real pytest-benchmark, the wall clock read by the calibrated timer: one calibration a
    sample in extra_info, and a sample of an empty call stays far below the workload's time
    (the calibration runs between readings, never inside a sample)."""
    (tmp_path / "test_b.py").write_text(SUITE)
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "perfgate_plugin", "-p", "no:cacheprovider",
         "--benchmark-timer=perfgate_calibration.perf_counter", "--benchmark-max-time=0.2",
         "--benchmark-min-rounds=20", f"--benchmark-json={out}", "test_b.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(FOLDER)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(out.read_text())
    run = pytest_benchmark.read(data, str(out))
    by_name = {b.short_name: b for b in run.benchmarks}
    for bench in by_name.values():
        beside = sample_calibrations(bench)
        assert beside is not None, bench.name
        assert len(beside) == bench.n >= 20
    empty = by_name["test_empty"]
    calibration = statistics.median(sample_calibrations(empty) or ())
    assert statistics.median(empty.rounds[0]) < calibration / 10
    assert statistics.median(by_name["test_sleep"].rounds[0]) >= 0.001


def test_a_reading_after_the_samples_spoils_the_pairing_and_nothing_is_recorded() -> None:
    """pytest-benchmark's samples are the last pairs the timer read: a reading after them
    (another caller) shifts every pair, and nothing is recorded rather than a wrong pairing."""
    clock = _Clock()
    timer = Calibrated(clock, "fake")
    samples = _timed(timer, clock, [1.0, 2.0, 3.0, 4.0])
    assert per_sample(timer, samples, 1) is not None
    clock.now += 0.5
    timer()
    assert per_sample(timer, samples, 1) is None


def test_only_the_process_perfgate_started_takes_the_turns(tmp_path: Path) -> None:
    """The turns' variable reaches a pytest-xdist worker or a benchmark's child too: only the
    process whose parent perfgate is, holding the two pipes, takes the turns; a side whose
    partner is gone runs on alone."""
    from perfgate.pytest_plugin.perfgate_calibration import Turns  # noqa: PLC0415

    mine_in, theirs_out = os.pipe()  # this side's turns come in here
    theirs_in, mine_out = os.pipe()  # and go out here
    parent = os.getppid()
    try:
        assert Turns(f"{mine_in},{mine_out},1,{parent}").active
        assert not Turns(f"{mine_in},{mine_out},1,{parent + 1}").active  # another's pipes
        assert not Turns(None).active
        assert not Turns("nonsense").active
        with (tmp_path / "f").open("w") as plain:  # an fd that is not a pipe
            assert not Turns(f"{plain.fileno()},{mine_out},1,{parent}").active
        # the partner answers once, then is gone
        os.write(theirs_out, b".")
        side = Turns(f"{mine_in},{mine_out},1,{parent}")
        side.give_and_wait()
        assert side.active
        assert side.taken == 1
        assert os.read(theirs_in, 1) == b"."  # its turn was given
        os.close(theirs_in)
        os.close(theirs_out)
        side.give_and_wait()  # a closed pipe: alone now, never blocked
        assert not side.active
        assert side.taken == 1
    finally:
        for fd in (mine_in, mine_out, theirs_in, theirs_out):
            with contextlib.suppress(OSError):
                os.close(fd)
