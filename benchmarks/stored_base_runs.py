"""Stored base first on this machine: `history.base: stored-first` against the same-job default,
in real `perfgate run`s.

A scratch project (a pure-Python package; a pytest-benchmark suite of 12 CPU-bound benchmarks
of about 0.2-5 ms a call). Main's commit is recorded 5 times with `perfgate run --base auto
--record` (what `nox -s perf` runs on main: nothing to compare there, so head alone, one round,
in the environment an A/B run's head gets). Then two branches
are compared with main, the two modes alternating run by run:

* ``planted``: three benchmarks' work +10%, +25% and 2x (more loop iterations), nine unchanged;
* ``a/a``: a module-level statement that changes no work (every benchmark is reached).

Per run: machine time (the CPU time of perfgate and every process it started), wall time, the
rounds of the same-job comparison, the benchmarks stored base first cleared, unchanged rows
flagged (false alarms), planted rows found. With ``--hogs N``, N processes spin for the whole
measurement, the recording included.

Run: ``nox -s stored_base_runs -- --runs 3 [--hogs 2]`` (docs/ab-gate.md has the table).
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.hogs import spinning  # noqa: E402
from benchmarks.scratch import children_cpu, git, package  # noqa: E402

SIZES = (1000, 2000, 3000, 5000, 7000, 10000, 14000, 20000, 28000, 40000, 56000, 80000)
PACKAGE = """
PLANTED = {planted}  # n -> the factor of its work
{extra}

def work(n):
    table = {{}}
    for i in range(int(n * PLANTED.get(n, 1.0))):
        table[i % 1009] = table.get(i % 1009, 0) + i * i
    return sorted(table.values())
"""
PLANTED = {5000: 1.10, 14000: 1.25, 40000: 2.0}
# the package from the suite's own tree where it is not installed (main's runs, recorded in
# this interpreter); each side's environment has its own
SUITE = f"""
import pathlib
import sys

import pytest

try:
    import sbpkg
except ImportError:
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
    import sbpkg


@pytest.mark.parametrize("n", {list(SIZES)})
def test_work(benchmark, n):
    benchmark(sbpkg.work, n)
"""
CONFIG = """version: 1
rounds:
  min: 3
  max: 10
harness:
  type: pytest-benchmark
  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=20",
         "--benchmark-max-time=0.1"]
history:
  db: {db}
  base: {base}
"""


def project(root: Path) -> Path:
    init = package(root, "sbpkg", PACKAGE.format(planted={}, extra=""), SUITE)
    for branch, text in (
        ("planted", PACKAGE.format(planted=PLANTED, extra="")),
        ("a-a", PACKAGE.format(planted={}, extra="UNUSED = 1  # run at import, no work")),
    ):
        git(root, "checkout", "-q", "-b", branch, "main")
        init.write_text(text)
        git(root, "commit", "-qam", branch)
    git(root, "checkout", "-q", "main")
    return root


def _config(repo: Path, base: str) -> Path:
    # outside the repository: the working tree is the same in both modes
    path = repo.parent / f"{base}.yml"
    path.write_text(CONFIG.format(db=repo.parent / "history.sqlite", base=base))
    return path


def _perfgate(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfgate", *args], cwd=repo, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def record(repo: Path, runs: int) -> None:
    for _ in range(runs):
        done = _perfgate(
            repo, "run", "--base", "auto", "--record", "--config", str(_config(repo, "same-job"))
        )
        if done.returncode:
            raise SystemExit(f"record: exit {done.returncode}\n{done.stderr[-3000:]}")


def one_run(repo: Path, base: str, branch: str) -> dict[str, Any]:
    git(repo, "checkout", "-q", branch)
    cpu, began = children_cpu(), time.monotonic()
    done = _perfgate(
        repo, "run", "--base", "main", "--format", "json", "--config", str(_config(repo, base)),
        "--rounds-dir", str(repo / ".perfgate" / "stored-base-runs"),
    )  # fmt: skip
    machine, wall = children_cpu() - cpu, time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"exit {done.returncode}\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    slower = {
        int(b["name"].rsplit("[", 1)[1].rstrip("]")): b.get("severity", "none")
        for b in report["benchmarks"]
        if b.get("change", {}).get("direction") == "slower" and b.get("severity", "none") != "none"
    }
    planted = branch == "planted"
    cleared = sum(
        f"[{n}] " in note
        for note in report["notes"]
        if note.startswith("Unchanged against the runs stored")
        for n in SIZES
    )
    return {
        "machine": machine,
        "wall": wall,
        "rounds": report.get("rounds_used") or 0,
        "cleared": cleared,
        "flagged": sum(1 for n in slower if not planted or n not in PLANTED),
        "found": {n: slower.get(n, "-") for n in PLANTED} if planted else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs of each mode and branch")
    parser.add_argument("--hogs", type=int, default=0)
    args = parser.parse_args()
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    modes = ("same-job", "stored-first")
    with tempfile.TemporaryDirectory(prefix="perfgate-stored-base-") as scratch:
        repo = project(Path(scratch) / "proj")
        for branch in ("planted", "a-a"):  # builds the environments and the map: not counted
            one_run(repo, "same-job", branch)
        git(repo, "checkout", "-q", "main")
        with spinning(args.hogs):
            record(repo, 5)
            for run in range(args.runs):
                for branch in ("planted", "a-a"):
                    order = modes if run % 2 == 0 else modes[::-1]  # alternate which goes first
                    for base in order:
                        found = one_run(repo, base, branch)
                        print(f"run {run} {base} {branch}: {found}", file=sys.stderr, flush=True)
                        results.setdefault((base, branch), []).append(found)
    print(f"\n{args.hogs} CPU hogs, {args.runs} runs of each (medians)\n")
    print(
        "| base | branch | machine time | wall time | same-job rounds | cleared (of 12) | "
        "unchanged rows flagged | +10% / +25% / 2x found |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for (base, branch), runs in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        unchanged = len(SIZES) - (len(PLANTED) if branch == "planted" else 0)
        recall = (
            " / ".join(
                f"{sum(1 for r in runs if r['found'][n] != '-')} of {len(runs)}" for n in PLANTED
            )
            if branch == "planted"
            else "-"
        )
        print(
            f"| {base} | {branch} | {statistics.median(r['machine'] for r in runs):.1f} s | "
            f"{statistics.median(r['wall'] for r in runs):.1f} s | "
            f"{statistics.median(r['rounds'] for r in runs):g} | "
            f"{statistics.median(r['cleared'] for r in runs):g} | "
            f"{sum(r['flagged'] for r in runs)} of {unchanged * len(runs)} | {recall} |"
        )


if __name__ == "__main__":
    main()
