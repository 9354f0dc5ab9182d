"""Timers for pytest-benchmark's ``--benchmark-timer`` (``harness.timer`` in perfgate.yml).

``wall_minus_runqueue``: the wall clock less the time this thread spent runnable but waiting
for a CPU (Linux's ``/proc/thread-self/schedstat``, its second field). On a quiet machine it is
the wall clock; on a busy one, the slices other processes took while this one waited are
taken out. Unlike the process's CPU time it still counts sleeping, I/O and waiting on locks or
other processes, so a benchmark that waits on something is measured as the wall clock measures
it. What it does not take out: a shared core's caches and memory bandwidth, and a virtual
machine's stolen time.

Standard library only: pytest-benchmark imports it inside a side's environment, where perfgate
is not installed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SCHEDSTAT = "/proc/thread-self/schedstat"


def available() -> bool:
    """Whether this machine can time by ``wall_minus_runqueue`` (Linux with schedstat)."""
    try:
        fields = Path(SCHEDSTAT).read_bytes().split()
        return len(fields) >= 2 and fields[1].isdigit()
    except OSError:
        return False


class _Runqueue:
    """The file held open (one ``pread``, about 1.4 us here; a reading takes two), and the
    last value returned."""

    fd: int | None = None
    last = 0.0

    @classmethod
    def waited_ns(cls) -> int:
        if cls.fd is None:
            # the thread that first reads it: pytest-benchmark times on the main thread
            cls.fd = os.open(SCHEDSTAT, os.O_RDONLY)
        return int(os.pread(cls.fd, 128, 0).split()[1])


def wall_minus_runqueue() -> float:
    """Seconds: ``time.perf_counter`` less the time spent waiting on a run queue.

    The wait is read before and after the clock, and again when it changed between the two:
    a thread preempted between reading the wait and reading the clock would have the whole
    wait in the clock and not in the count, and the next call it times would come out short
    by that wait (below zero for calls shorter than it: seen under four CPU hogs). A reading
    is never less than the last one (the scheduler's clock and ``perf_counter`` are different
    clocks)."""
    before = _Runqueue.waited_ns()
    while True:
        clock = time.perf_counter_ns()
        after = _Runqueue.waited_ns()
        if after == before:
            break
        before = after
    now = (clock - after) / 1e9
    _Runqueue.last = now = max(now, _Runqueue.last)
    return now
