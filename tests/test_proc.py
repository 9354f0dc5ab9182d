"""run_captured: the child's output is all there, and a long child gives signs of life."""

from __future__ import annotations

import sys

from perfgate._proc import run_captured


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
