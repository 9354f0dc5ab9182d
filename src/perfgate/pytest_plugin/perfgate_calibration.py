"""The calibration workload: a fixed piece of pure-Python work whose CPU time says how fast
this machine runs Python, measured in every round beside the benchmarks and once where the
budgets were set (``perfgate budgets calibrate``). Budgets are then judged on values scaled by
reference / measured: a machine twice as slow doubles both, and the budget holds.

Where a run judges budgets against a reference, each benchmark is timed by a
:class:`Calibrated` timer (``--benchmark-timer=perfgate_calibration.NAME``): the workload runs
between the timer's readings, at most every :data:`EVERY` seconds of the clock it reads (CPU
time for the CPU timer), and its time is left out of the clock the benchmark reads. Each
sample is then paired with the calibrations measured around it: on a machine whose speed
changes within a second (a shared runner; this project's test VM of 2026-12-06 ran code in
speed modes 1.5-2x apart for 4-20 s at a time), only a calibration that close follows the
samples it scales (docs/budgets.md has the measurements).

Standard library only: perfgate's pytest plugin imports it inside a side's environment, where
perfgate is not installed. Changing the workload changes every measurement: bump VERSION, and a
reference of another version is refused.
"""

from __future__ import annotations

import importlib
import statistics
import time
from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

VERSION = 1
CALLS = 25  # the median of 25 calls of about 1-2 ms: 50 ms a round
EVERY = 0.005  # s of the timer's clock between interleaved calibrations, at least (~0.3 ms each)
NEAREST = 5  # a sample is scaled by the median of the calibrations nearest to it
# the key of a benchmark's extra_info (pytest-benchmark JSON) that holds one calibration (s) a
# sample, in the samples' order: written by perfgate's plugin, read by perfgate's reader
SAMPLES_KEY = "perfgate_calibration_samples"


def _work() -> int:
    total = 0
    table: dict[int, int] = {}
    for i in range(4000):
        total += (i * i) % 7
        table[i % 97] = total
    return sum(sorted(table.values())) + total


def calibration_seconds(calls: int = CALLS) -> float:
    """The median CPU time (s) of one call of the workload in this process."""
    _work()  # warm-up
    times = []
    for _ in range(calls):
        began = time.process_time()
        _work()
        times.append(time.process_time() - began)
    return statistics.median(times)


MEASUREMENTS = 5  # for a reference: each the median of CALLS calls, the median of these


def measure_reference() -> float:
    """This machine's time (s) for the workload: a budget reference (``perfgate budgets
    calibrate``, ``perfgate init``)."""
    return statistics.median(calibration_seconds() for _ in range(MEASUREMENTS))


def reference_text(seconds: float) -> str:
    """A reference as perfgate.yml holds it: milliseconds, to 4 significant digits."""
    return f"{seconds * 1e3:.4g}ms"


def calibration_line(seconds: float) -> str:
    """perfgate.yml's line for a reference of ``seconds``."""
    return f"calibration: {{reference: {reference_text(seconds)}, workload: {VERSION}}}"


class Calibrated:
    """A pytest-benchmark timer: ``base``'s clock, less the time the calibration workload ran
    between two readings. ``values`` holds each reading returned and ``counts`` how many
    calibrations had run by then (compact arrays: pytest-benchmark reads a timer a million
    times a second while it measures the timer's precision); ``calibrations`` each one's CPU
    time (s). :func:`per_sample` pairs them with pytest-benchmark's samples."""

    KEPT = 1 << 21  # readings kept at most (the newest): 2 per sample, 32 MB

    def __init__(self, base: Callable[[], float], name: str) -> None:
        self.base = base
        self.__name__ = name  # pytest-benchmark records the timer by its module and name
        self.values = array("d")
        self.counts = array("q")
        self.calibrations: list[float] = []
        self._left_out = 0.0
        self._due = 0.0

    def reset(self) -> None:
        del self.values[:], self.counts[:]
        self.calibrations.clear()
        self._due = 0.0

    def __call__(self) -> float:
        # the clock is read first: what follows a start reading (the bookkeeping, at most a
        # calibration) is left out of the sample it starts, and nothing precedes an end reading
        now = self.base()
        reading = now - self._left_out
        if reading >= self._due:
            began = time.process_time()
            _work()
            self.calibrations.append(time.process_time() - began)
            self._left_out += self.base() - now
            self._due = reading + EVERY
        if len(self.values) >= self.KEPT:
            del self.values[: self.KEPT // 2], self.counts[: self.KEPT // 2]
        self.values.append(reading)
        self.counts.append(len(self.calibrations))
        return reading


def per_sample(timer: Calibrated, samples: Sequence[float], iterations: int) -> list[float] | None:
    """The calibration (s) beside each of ``samples`` (pytest-benchmark's, each a round of
    ``iterations`` calls, the last ones the timer read), or None when the timer's last
    readings are not those samples' (another caller read it in between)."""
    values = timer.values[-2 * len(samples) :]
    counts = timer.counts[-2 * len(samples) :]
    if not samples or len(values) != 2 * len(samples) or not timer.calibrations:
        return None
    found = []
    last = len(timer.calibrations)
    for i, sample in enumerate(samples):
        start, end, done = values[2 * i], values[2 * i + 1], counts[2 * i]
        if abs((end - start) / iterations - sample) > 1e-9 * max(sample, 1e-9):
            return None
        low = min(max(done - 3, 0), max(last - NEAREST, 0))
        found.append(statistics.median(timer.calibrations[low : low + NEAREST]))
    return found


if TYPE_CHECKING:
    from perfgate.pytest_plugin import perfgate_timers as timers
else:
    timers = importlib.import_module(
        f"{__package__}.perfgate_timers" if __package__ else "perfgate_timers"
    )

# --benchmark-timer=perfgate_calibration.NAME, one per harness.timer, named after the clock it
# reads (pytest-benchmark records "perfgate_calibration.process_time", which perfgate reads
# back as the CPU timer)
process_time = Calibrated(time.process_time, "process_time")
perf_counter = Calibrated(time.perf_counter, "perf_counter")
wall_minus_runqueue = Calibrated(timers.wall_minus_runqueue, "wall_minus_runqueue")
