"""run_captured: the child's output is all there, and a long child gives signs of life; at_once."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from perfgate.harness.proc import at_once, run_captured


def test_a_long_child_beats_and_loses_no_output() -> None:
    beats: list[float] = []
    code = "import sys, time\nfor i in range(3):\n    print(i); time.sleep(0.5)\nsys.exit(3)"
    done = run_captured([sys.executable, "-c", code], beat=beats.append, every=0.2)
    assert done.returncode == 3
    assert done.stdout.split() == ["0", "1", "2"]
    assert len(beats) >= 2  # slept 1.5 s in all: at least 2 beats whatever the load
    assert beats == sorted(beats)


def test_a_quick_child_does_not_beat() -> None:
    beats: list[float] = []
    done = run_captured([sys.executable, "-c", "print('x')"], beat=beats.append, every=600)
    assert (done.returncode, done.stdout, beats) == (0, "x\n", [])


def test_at_once_runs_jobs_side_by_side_and_keeps_their_order() -> None:
    both_started = threading.Barrier(2, timeout=30)  # each job waits for the other to start

    def job(value: int) -> int:
        both_started.wait()
        return value

    assert at_once([lambda: job(1), lambda: job(2)]) == [1, 2]
    assert at_once([]) == []


def test_at_once_raises_the_first_failure_after_every_job_ended() -> None:
    ended: list[str] = []

    def fails(name: str) -> int:
        ended.append(name)
        raise ValueError(name)

    def slow() -> int:
        time.sleep(0.2)
        ended.append("slow")
        return 3

    with pytest.raises(ValueError, match="first"):
        at_once([lambda: fails("first"), slow, lambda: fails("second")])
    assert sorted(ended) == ["first", "second", "slow"]


def test_an_interrupt_is_raised_without_waiting_for_the_other_jobs() -> None:
    """Ctrl-C (or SIGTERM as an exception) during the job run here ends at_once at once: the
    job in its thread is still running when the interrupt arrives at the caller."""
    release = threading.Event()
    finished: list[str] = []

    def waits() -> int:
        release.wait(timeout=60)
        finished.append("thread")
        return 1

    def interrupted() -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        at_once([waits, interrupted])
    assert finished == []  # not waited for
    release.set()
