"""perfgate's run-queue timer (harness.timer: wall-minus-runqueue) against the wall clock and
the CPU time, in a process made to share one CPU with two spinners."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.harness.runner import timer_args, timer_fallback
from perfgate.pytest_plugin import FOLDER, perfgate_timers

pytestmark = pytest.mark.skipif(
    not perfgate_timers.available() or not hasattr(os, "sched_setaffinity"),
    reason="needs Linux's schedstat and CPU affinity",
)

# One CPU, three runnable processes: the timed one runs about a third of the time. The
# spinners start first and the work is timed three ways at once.
SHARED = """
import json, os, subprocess, sys, time
import perfgate_timers
cpu = sorted(os.sched_getaffinity(0))[0]
os.sched_setaffinity(0, {cpu})
spin = "import os; os.sched_setaffinity(0, {%d}); exec('while True: pass')" % cpu
hogs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(2)]
try:
    time.sleep(0.3)
    mine = perfgate_timers.wall_minus_runqueue()
    wall, cpu_time = time.perf_counter(), time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i
    time.sleep(0.05)
    print(json.dumps({
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu_time,
        "mine": perfgate_timers.wall_minus_runqueue() - mine,
    }))
finally:
    for hog in hogs:
        hog.kill()
"""


def test_the_runqueue_timer_leaves_out_other_processes_slices_and_counts_sleep() -> None:
    """Sharing one CPU with two spinners, the wall clock counts their slices (about 3x the
    work); the run-queue timer counts the work and the 50 ms sleep, close to CPU time + sleep."""
    env = {**os.environ, "PYTHONPATH": str(FOLDER)}
    done = subprocess.run(
        [sys.executable, "-c", SHARED], capture_output=True, text=True, env=env, check=True
    )
    times = json.loads(done.stdout)
    work = times["cpu"] + 0.05
    assert times["mine"] >= 0.05  # the sleep is counted
    assert times["mine"] < 1.5 * work, times  # the spinners' slices are not
    assert times["wall"] > 1.5 * times["mine"], times  # ... and the wall clock has them


def test_the_runqueue_timer_is_what_the_harness_is_told_or_the_wall_clock_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert timer_args("wall-minus-runqueue") == (
        "--benchmark-timer=perfgate_timers.wall_minus_runqueue",
    )
    assert timer_args("cpu") == ("--benchmark-timer=time.process_time",)
    assert timer_args("wall") == ()
    assert timer_args("auto") == timer_args("wall-minus-runqueue")  # the default, on Linux
    assert timer_fallback("wall-minus-runqueue") is None
    monkeypatch.setattr(perfgate_timers, "SCHEDSTAT", str(tmp_path / "absent"))
    assert timer_args("wall-minus-runqueue") == ()  # macOS, Windows: the wall clock, said
    assert timer_args("auto") == ()
    assert timer_fallback("auto") is None  # the default says nothing
    said = timer_fallback("wall-minus-runqueue")
    assert said is not None
    assert "needs Linux's" in said
    assert "absent" in said
    assert "timed by the wall clock" in said
