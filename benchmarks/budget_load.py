"""Budgets on a busy machine: this repository's own suite, idle and with CPU hogs, timed by the
wall clock and by the process's CPU time (``harness.timer``).

Each pass runs ``benchmarks/test_perf.py`` once per timer (as ``nox -s perf`` runs a round:
75 samples a benchmark at least), alternating the timers, first idle and then with ``--hogs``
processes spinning (``while True: pass``). Printed: each benchmark's p95 per timer and
condition, the loaded/idle ratio, and the budget status against perfgate.yml.

Run: ``nox -s budget_load -- --hogs 2 --passes 2`` (docs/budgets.md has the table).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TIMERS = {"wall": "time.perf_counter", "cpu": "time.process_time"}
ARGS = [
    "benchmarks/test_perf.py", "-p", "no:randomly", "--benchmark-only",
    "--benchmark-min-rounds=75", "--benchmark-max-time=0.5", "-q", "-p", "no:cacheprovider",
]  # fmt: skip


def one_pass(timer: str, scratch: Path) -> dict[str, float]:
    """p95 (s) of every benchmark in one run of the suite with ``timer``."""
    out = scratch / f"{timer}.json"
    subprocess.run(
        [sys.executable, "-m", "pytest", *ARGS, f"--benchmark-timer={TIMERS[timer]}",
         f"--benchmark-json={out}"],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    data = json.loads(out.read_text())
    return {b["name"]: float(np.percentile(b["stats"]["data"], 95)) for b in data["benchmarks"]}


def measure(passes: int, hogs: int) -> dict[str, dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {t: {} for t in TIMERS}
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(hogs)]
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for _ in range(passes):
                for timer in TIMERS:
                    for name, p95 in one_pass(timer, Path(scratch)).items():
                        found[timer].setdefault(name, []).append(p95)
    finally:
        for spinner in spinners:
            spinner.kill()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=2)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    began = time.monotonic()
    idle = measure(args.passes, 0)
    loaded = measure(args.passes, args.hogs)
    print(
        f"{args.passes} passes a condition and timer, {args.hogs} CPU hogs; p95 in ms "
        "(median of the passes)\n\n| benchmark | wall idle | wall loaded | ratio | cpu idle | "
        "cpu loaded | ratio |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    for name in sorted(idle["wall"]):
        cells = []
        for timer in TIMERS:
            quiet = statistics.median(idle[timer][name])
            busy = statistics.median(loaded[timer][name])
            cells += [f"{quiet * 1e3:.3g}", f"{busy * 1e3:.3g}", f"{busy / quiet:.2f}x"]
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    print(f"\n({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
