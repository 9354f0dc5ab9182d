"""What counts cost an asv suite, and how steady they are (``nox -s asv_counts_cost``).

A scratch asv suite of 10 pure-Python ``time_`` benchmarks (two functions, each at 5 parameter
values), head alone: ``perfgate run --rounds R`` with ``metrics: [time]``, ``[time,
bytecodes]`` and ``[time, instructions]``, alternated ``--passes`` times (``--hogs N``: N CPU
hogs spin for the whole measurement). Per variant: the median wall time of a run and its ratio
to ``[time]`` (side by side in one sitting), and the largest CV across rounds of a count. Prints
a markdown table for docs/instructions.md.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.hogs import spinning
from benchmarks.scratch import git

SUITE = """
SIZES = [1000, 2000, 4000, 8000, 16000]


def time_loop(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


time_loop.params = SIZES


def time_table(n):
    table = {}
    for i in range(n):
        table[i % 101] = table.get(i % 101, 0) + i
    return sorted(table.items())


time_table.params = SIZES
"""
ASV_CONF = (
    '{"version": 1, "project": "scratch", "repo": ".", "environment_type": "existing", '
    '"benchmark_dir": "benchmarks", "results_dir": "results", "html_dir": "html", '
    '"branches": ["main"]}'
)
CONFIG = """version: 1
metrics: [{metrics}]
harness:
  type: asv
  args: ["--attribute", "processes=1", "--attribute", "repeat=10", "--attribute", "warmup_time=0"]
"""
VARIANTS = ("time", "time, bytecodes", "time, instructions")


def make_project(root: Path) -> Path:
    (root / "benchmarks").mkdir(parents=True)
    (root / "benchmarks" / "__init__.py").write_text("")
    (root / "benchmarks" / "bench.py").write_text(SUITE)
    (root / "asv.conf.json").write_text(ASV_CONF)
    (root / ".gitignore").write_text(".perfgate/\nresults/\nhome/\nperfgate.yml\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "suite")
    (root / "home").mkdir()
    return root


def run(project: Path, metrics: str, rounds: int) -> tuple[float, list[float]]:
    """One run: its wall seconds, and each counted row's CV across rounds."""
    (project / "perfgate.yml").write_text(CONFIG.format(metrics=metrics))
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", "--rounds", str(rounds), "--format", "json"],
        cwd=project, capture_output=True, text=True, check=False,
        env={**os.environ, "HOME": str(project / "home")},
    )  # fmt: skip
    wall = time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"perfgate run failed: {done.stderr.strip().splitlines()[-3:]}")
    values: dict[str, list[float]] = {}
    for path in sorted((project / ".perfgate" / "run" / "head").glob("*-*.json")):
        if not path.name.startswith("round-"):
            for bench in json.loads(path.read_text())["benchmarks"]:
                values.setdefault(bench["name"], []).append(bench["rounds"][0][0])
    if metrics != "time" and len(values) != 10:
        raise SystemExit(f"{metrics}: {len(values)} counted rows, not 10")
    cvs = [statistics.pstdev(v) / statistics.mean(v) for v in values.values()]
    return wall, cvs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--hogs", type=int, default=0)
    args = parser.parse_args()
    walls: dict[str, list[float]] = {}
    cvs: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="perfgate-asv-counts-") as scratch:
        project = make_project(Path(scratch) / "proj")
        run(project, "time", 1)  # asv's machine file and first-run work: not counted
        with spinning(args.hogs):
            for passed in range(args.passes):
                order = VARIANTS if passed % 2 == 0 else VARIANTS[::-1]
                for metrics in order:
                    wall, found = run(project, metrics, args.rounds)
                    walls.setdefault(metrics, []).append(wall)
                    cvs.setdefault(metrics, []).extend(found)
                    print(f"pass {passed} [{metrics}]: {wall:.1f} s", file=sys.stderr, flush=True)
    base = statistics.median(walls["time"])
    print(f"\n{args.hogs} CPU hogs, {args.rounds} rounds, {args.passes} passes\n")
    print("| metrics | median wall s (passes) | x [time] | largest count CV across rounds |")
    print("|---|---:|---:|---:|")
    for metrics in VARIANTS:
        median = statistics.median(walls[metrics])
        shown = ", ".join(f"{w:.0f}" for w in walls[metrics])
        largest = f"{max(cvs[metrics]):.4%}" if cvs[metrics] else "-"
        print(f"| [{metrics}] | {median:.1f} ({shown}) | {median / base:.2f} | {largest} |")


if __name__ == "__main__":
    main()
