"""Budgets on a busy machine: this repository's own suite, idle and with CPU hogs, timed by the
wall clock, by the process's CPU time (``harness.timer``), and by the CPU time with perfgate's
interleaved calibration (``calibration:`` in perfgate.yml; ``cpu+calibration`` here).

Each pass runs ``benchmarks/test_perf.py`` once per timer (as ``nox -s perf`` runs a round:
75 samples a benchmark at least), alternating the timers, first idle and then with ``--hogs``
processes spinning (``while True: pass``). Printed: each benchmark's p95 per timer and
condition, the loaded/idle ratio, and the spread of its p95 over all passes (largest over
smallest): a budget's critical limit can catch a 2x slowdown and pass unchanged code in every
pass only where that spread is well below 2x. The calibrated p95 is of each sample scaled by
the reference (the workload's median CPU time in this process, idle, at the start) over the
calibration measured beside it, as ``perfgate check`` judges budgets.

Run: ``nox -s budget_load -- --hogs 2 --passes 3 [--timer cpu --timer cpu+calibration]``
(docs/budgets.md has the tables).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from perfgate.pytest_plugin import CALIBRATION_MODULE, FOLDER
from perfgate.pytest_plugin.perfgate_calibration import calibration_seconds

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.hogs import spinning  # noqa: E402

TIMERS = {
    "wall": "time.perf_counter",
    "cpu": "time.process_time",
    "cpu+calibration": f"{CALIBRATION_MODULE}.process_time",
}
ARGS = [
    "benchmarks/test_perf.py", "-p", "no:randomly", "--benchmark-only",
    "--benchmark-min-rounds=75", "--benchmark-max-time=0.5", "-q", "-p", "no:cacheprovider",
]  # fmt: skip


def one_pass(timer: str, scratch: Path, reference: float) -> dict[str, float]:
    """p95 (s) of every benchmark in one run of the suite with ``timer`` (calibrated: of each
    sample scaled by ``reference`` over the calibration beside it)."""
    out = scratch / f"{timer}.json"
    env = {**os.environ, "PYTHONPATH": str(FOLDER)}
    subprocess.run(
        [sys.executable, "-m", "pytest", *ARGS, f"--benchmark-timer={TIMERS[timer]}",
         f"--benchmark-json={out}"],
        cwd=ROOT, check=True, capture_output=True, env=env,
    )  # fmt: skip
    found = {}
    for bench in json.loads(out.read_text())["benchmarks"]:
        samples = np.asarray(bench["stats"]["data"])
        beside = bench["extra_info"].get("perfgate_calibration_samples")
        if timer.endswith("+calibration"):
            samples = samples * reference / np.asarray(beside)
        found[bench["name"]] = float(np.percentile(samples, 95))
    return found


def measure(
    passes: int, hogs: int, timers: list[str], reference: float
) -> dict[str, dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {t: {} for t in timers}
    with spinning(hogs), tempfile.TemporaryDirectory() as scratch:
        for _ in range(passes):
            for timer in timers:
                for name, p95 in one_pass(timer, Path(scratch), reference).items():
                    found[timer].setdefault(name, []).append(p95)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=2)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--timer", action="append", choices=list(TIMERS), dest="timers")
    args = parser.parse_args()
    timers = args.timers or list(TIMERS)
    began = time.monotonic()
    reference = statistics.median(calibration_seconds() for _ in range(5))
    idle = measure(args.passes, 0, timers, reference)
    loaded = measure(args.passes, args.hogs, timers, reference)
    head = "".join(f" {t} idle | {t} loaded | ratio | spread |" for t in timers)
    print(
        f"{args.passes} passes a condition and timer, {args.hogs} CPU hogs; p95 in ms (median "
        f"of the passes); spread: the largest p95 of all {2 * args.passes} passes over the "
        f"smallest; calibration reference {reference * 1e3:.3f} ms\n\n| benchmark |{head}\n"
        f"|---|{'---:|---:|---:|---:|' * len(timers)}"
    )
    for name in sorted(idle[timers[0]]):
        cells = []
        for timer in timers:
            quiet = statistics.median(idle[timer][name])
            busy = statistics.median(loaded[timer][name])
            every = idle[timer][name] + loaded[timer][name]
            cells += [f"{quiet * 1e3:.3g}", f"{busy * 1e3:.3g}", f"{busy / quiet:.2f}x"]
            cells.append(f"{max(every) / min(every):.2f}x")
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    print(f"\n({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
