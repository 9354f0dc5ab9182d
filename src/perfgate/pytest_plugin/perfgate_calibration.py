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

import contextlib
import importlib
import os
import select
import stat
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


# Lockstep (harness.lockstep): perfgate runs base's and head's processes of a round at once and
# hands each a pipe to read its turn from and one to give the other its turn, in this variable
# ("READ_FD,WRITE_FD,1" for the side that holds the first turn, else "...,0")
TURNS_ENV = "PERFGATE_TURNS"
QUANTUM = 0.002  # s of the timer's clock a side runs before it gives the other its turn
TURN_WAIT = 120.0  # s a side waits for its turn before it runs on alone (the other stalled)
TURNS_KEY = "perfgate_turns"  # machine_info: the turns a side took in a lockstep round


class Turns:
    """The turn between two processes: one runs while the other waits, inside a timer call
    (whose time the timer leaves out). When the other process ends, fails to answer within
    :data:`TURN_WAIT`, or there is no partner, a side runs on alone."""

    def __init__(self, spec: str | None) -> None:
        self.active = False
        self.holding = False
        self.given = bool(spec)  # perfgate run asked for lockstep
        self.taken = 0  # turns taken (for the record: 0 when the round ran alone)
        if not spec:
            return
        try:
            read_fd, write_fd, first, parent = spec.split(",")
            self.read_fd, self.write_fd = int(read_fd), int(write_fd)
            # only the process perfgate started holds these pipes: a process it starts in turn
            # (a pytest-xdist worker, a benchmark's child) sees the variable, not the pipes
            ours = int(parent) == os.getppid() and all(
                stat.S_ISFIFO(os.fstat(fd).st_mode) for fd in (self.read_fd, self.write_fd)
            )
        except (ValueError, OSError):
            return
        if ours:
            self.holding = first == "1"
            self.active = True

    def give_and_wait(self) -> None:
        """Give the other side its turn (if this one holds it), and wait for it back."""
        try:
            if self.holding:
                os.write(self.write_fd, b".")
                self.holding = False
            ready, _, _ = select.select([self.read_fd], [], [], TURN_WAIT)
            if not ready or not os.read(self.read_fd, 1):  # stalled, or ended: alone now
                self.stop()
                return
        except OSError:  # the other side is gone (a closed pipe)
            self.stop()
            return
        self.holding = True
        self.taken += 1

    def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


TURNS = Turns(os.environ.get(TURNS_ENV))


class Calibrated:
    """A pytest-benchmark timer: ``base``'s clock, less the time spent between two readings on
    what is not the benchmark's: the calibration workload (``calibrate``), and in lockstep the
    other side's turn (:data:`TURNS`). ``values`` holds each reading returned and ``counts``
    how many calibrations had run by then (compact arrays: pytest-benchmark reads a timer a
    million times a second while it measures the timer's precision); ``calibrations`` each
    one's CPU time (s). :func:`per_sample` pairs them with pytest-benchmark's samples."""

    KEPT = 1 << 21  # readings kept at most (the newest): 2 per sample, 32 MB

    def __init__(self, base: Callable[[], float], name: str, *, calibrate: bool = True) -> None:
        self.base = base
        self.__name__ = name  # pytest-benchmark records the timer by its module and name
        self.calibrate = calibrate
        self.values = array("d")
        self.counts = array("q")
        self.calibrations: list[float] = []
        self._left_out = 0.0
        self._due = 0.0
        self._turn_due = 0.0

    def reset(self) -> None:
        del self.values[:], self.counts[:]
        self.calibrations.clear()
        self._due = 0.0

    def __call__(self) -> float:
        # the clock is read first: what follows a start reading (the bookkeeping, at most a
        # calibration and the other side's turn) is left out of the sample it starts, and
        # nothing precedes an end reading
        now = self.base()
        reading = now - self._left_out
        aside = False
        if self.calibrate and reading >= self._due:
            began = time.process_time()
            _work()
            self.calibrations.append(time.process_time() - began)
            self._due = reading + EVERY
            aside = True
        if TURNS.active and reading >= self._turn_due:
            TURNS.give_and_wait()
            self._turn_due = reading + QUANTUM
            aside = True
        if aside:
            self._left_out += self.base() - now
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
# --benchmark-timer=perfgate_calibration.turns_NAME: the same clocks in lockstep, without the
# calibration (a run whose budgets are not judged against a reference)
turns_process_time = Calibrated(time.process_time, "process_time", calibrate=False)
turns_perf_counter = Calibrated(time.perf_counter, "perf_counter", calibrate=False)
turns_wall_minus_runqueue = Calibrated(
    timers.wall_minus_runqueue, "wall_minus_runqueue", calibrate=False
)
