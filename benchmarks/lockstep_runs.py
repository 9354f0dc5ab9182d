"""Lockstep in `perfgate run`: does `harness.lockstep` narrow the per-round spread and the
intervals of an A/A comparison, and decide it in fewer rounds?

A scratch project (a pure-Python package and a pytest-benchmark suite of 6 benchmarks of
about 0.3-3 ms a call, CPU-bound) is compared with itself (`perfgate run --base HEAD --all`),
the two modes alternating run by run (`harness.lockstep: true`, and without):

* ``fixed``: `--rounds 8`; per benchmark, the standard deviation over rounds of the per-round
  log-ratio of the two sides' p25 (perfgate's statistic), and the width of the report's
  interval of the ratio (high / low - 1);
* ``adaptive``: the config's rounds (min 3, max 10): the rounds the run took to decide every
  benchmark, and any row flagged (an A/A: a flag is a false alarm);
* ``planted``: head's commit makes three benchmarks' work +10%, +25% and 2x (more loop
  iterations), the other three unchanged, compared with its parent in the config's rounds:
  which planted rows are flagged slower (recall) and which unchanged ones are (false alarms).

Machine time is the CPU time of perfgate and every process it started. With ``--hogs N``, N
processes spin for the whole measurement.

Run: ``nox -s lockstep_runs -- --runs 4 [--hogs 2]`` (docs/performance.md has the table).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.hogs import spinning  # noqa: E402
from benchmarks.scratch import children_cpu, git, package  # noqa: E402

PACKAGE = """
PLANTED = {planted}  # n -> the factor of its work


def work(n):
    table = {{}}
    for i in range(int(n * PLANTED.get(n, 1.0))):
        table[i % 1009] = table.get(i % 1009, 0) + i * i
    return sorted(table.values())
"""
# the planted factors of head's commit (n -> factor); the other benchmarks are unchanged
PLANTED = {10000: 1.10, 20000: 1.25, 40000: 2.0}
SUITE = """
import pytest

import lockpkg


@pytest.mark.parametrize("n", [2000, 5000, 10000, 20000, 40000, 80000])
def test_work(benchmark, n):
    benchmark(lockpkg.work, n)
"""
CONFIG = """version: 1
rounds:
  min: 3
  max: 10
harness:
  type: pytest-benchmark
  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=20",
         "--benchmark-max-time=0.1"]
  lockstep: {lockstep}
"""


def project(root: Path) -> Path:
    init = package(root, "lockpkg", PACKAGE.format(planted={}), SUITE)
    init.write_text(PACKAGE.format(planted=PLANTED))
    git(root, "commit", "-qam", "planted")
    return root


def _p25(samples: list[float]) -> float:
    ordered = sorted(samples)
    h = (len(ordered) - 1) * 0.25
    low = math.floor(h)
    return ordered[low] + (h - low) * (ordered[min(low + 1, len(ordered) - 1)] - ordered[low])


def per_round_sd(rounds_dir: Path) -> list[float]:
    """Per benchmark, the sd over rounds of log(head p25 / base p25)."""
    sides = {}
    for side in ("base", "head"):
        by_name: dict[str, list[float]] = {}
        for path in sorted((rounds_dir / side).glob("round-*.json")):
            for bench in json.loads(path.read_text())["benchmarks"]:
                by_name.setdefault(bench["fullname"], []).append(_p25(bench["stats"]["data"]))
        sides[side] = by_name
    sds = []
    for name, base in sides["base"].items():
        head = sides["head"].get(name, [])
        ratios = [math.log(h / b) for b, h in zip(base, head, strict=False)]
        if len(ratios) >= 3:
            sds.append(statistics.stdev(ratios))
    return sds


def one_run(repo: Path, lockstep: bool, schedule: str) -> dict[str, Any]:
    """One `perfgate run`: ``schedule`` is ``fixed`` or ``adaptive`` (an A/A of head's commit,
    `--all`) or ``planted`` (head's commit against its parent)."""
    # the config outside the repository: the working tree is the same in both modes (a
    # changed perfgate.yml would make head's tree another state, reinstalled every run)
    config = repo.parent / f"lockstep-{lockstep}.yml"
    config.write_text(CONFIG.format(lockstep=str(lockstep).lower()))
    rounds_dir = repo / ".perfgate" / "lockstep-runs"
    args = {
        "fixed": ["--base", "HEAD", "--all", "--rounds", "8"],
        "adaptive": ["--base", "HEAD", "--all"],
        "planted": ["--base", "HEAD~1"],
    }[schedule]
    cpu, began = children_cpu(), time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", *args, "--format", "json",
         "--rounds-dir", str(rounds_dir), "--config", str(config)],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    machine, wall = children_cpu() - cpu, time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"exit {done.returncode}\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    widths = [
        b["change"]["ci"][1] / b["change"]["ci"][0] - 1
        for b in report["benchmarks"]
        if b.get("change") and b["change"].get("ci") and b["change"]["ci"][0]
    ]
    slower = {
        int(b["name"].rsplit("[", 1)[1].rstrip("]")): b.get("severity", "none")
        for b in report["benchmarks"]
        if b.get("change", {}).get("direction") == "slower" and b.get("severity", "none") != "none"
    }
    planted = schedule == "planted"
    return {
        "machine": machine,
        "wall": wall,
        "rounds": report.get("rounds_used") or 0,
        "sd": statistics.median(per_round_sd(rounds_dir)),
        "width": statistics.median(widths) if widths else float("nan"),
        "flagged": sum(1 for n in slower if not planted or n not in PLANTED),
        "found": {n: slower.get(n, "-") for n in PLANTED} if planted else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=4, help="runs of each mode and schedule")
    parser.add_argument("--hogs", type=int, default=0)
    args = parser.parse_args()
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    schedules = ("fixed", "adaptive", "planted")
    with tempfile.TemporaryDirectory(prefix="perfgate-lockstep-") as scratch:
        repo = project(Path(scratch) / "proj")
        for schedule in ("fixed", "planted"):  # builds the environments and the map: not counted
            one_run(repo, lockstep=False, schedule=schedule)
        with spinning(args.hogs):
            for run in range(args.runs):
                for schedule in schedules:
                    for lockstep in (run % 2 == 0, run % 2 == 1):  # alternate which goes first
                        found = one_run(repo, lockstep, schedule)
                        print(f"run {run} lockstep={lockstep} {schedule}: {found}",
                              file=sys.stderr, flush=True)  # fmt: skip
                        mode = "lockstep" if lockstep else "one side, then the other"
                        results.setdefault((mode, schedule), []).append(found)
    print(f"\n{args.hogs} CPU hogs, {args.runs} runs of each (medians)\n")
    print("| mode | run | per-round sd of log-ratio | interval width | rounds | machine time | "
          "wall time | unchanged rows flagged | +10% / +25% / 2x found |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for (mode, schedule), runs in sorted(
        results.items(), key=lambda kv: (schedules.index(kv[0][1]), kv[0][0])
    ):
        unchanged = 6 - len(PLANTED) if schedule == "planted" else 6
        recall = (
            " / ".join(
                f"{sum(1 for r in runs if r['found'][n] != '-')} of {len(runs)}" for n in PLANTED
            )
            if schedule == "planted"
            else "-"
        )
        label = {"fixed": "A/A, 8 rounds", "adaptive": "A/A, adaptive", "planted": "planted"}
        print(
            f"| {mode} | {label[schedule]} | "
            f"{statistics.median(r['sd'] for r in runs):.4f} | "
            f"{statistics.median(r['width'] for r in runs):.2%} | "
            f"{statistics.median(r['rounds'] for r in runs):g} | "
            f"{statistics.median(r['machine'] for r in runs):.1f} s | "
            f"{statistics.median(r['wall'] for r in runs):.1f} s | "
            f"{sum(r['flagged'] for r in runs)} of {unchanged * len(runs)} | {recall} |"
        )


if __name__ == "__main__":
    main()
