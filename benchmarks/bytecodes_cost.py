"""What bytecode counts cost and how steady they are (``nox -s bytecodes_cost``).

The suite of ``benchmarks/instructions_cv.py`` (three pure-Python benchmarks, each parametrized
``--copies`` times: 12 by default), head alone:
``perfgate run --rounds R`` with ``metrics: [time]`` and with ``metrics: [time, bytecodes]``,
alternated ``--passes`` times, idle and with two CPU hogs. Per variant: the median wall time of
a run (and the ratio, side by side in one sitting), and the CV across rounds of each
benchmark's count and of its per-round p25 time. Prints a markdown table for
docs/instructions.md.
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

from benchmarks.instructions_cv import CONFIG, cv, make_project


def run(project: Path, metrics: str, rounds: int) -> tuple[float, dict[str, list[float]]]:
    """One run: its wall seconds, and each benchmark's per-round values (p25 time; count)."""
    (project / "perfgate.yml").write_text(
        CONFIG.replace("metrics: [time, instructions]", f"metrics: [{metrics}]")
    )
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", "--rounds", str(rounds), "--format", "json"],
        cwd=project, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(project)},
    )  # fmt: skip
    wall = time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"perfgate run failed: {done.stderr.strip().splitlines()[-1:]}")
    values: dict[str, list[float]] = {}
    for path in sorted((project / ".perfgate" / "run" / "head").glob("*-*.json")):
        for bench in json.loads(path.read_text())["benchmarks"]:
            if path.name.startswith("round-"):
                data = sorted(bench["stats"]["data"])
                values.setdefault(bench["fullname"], []).append(data[len(data) // 4])
            else:
                values.setdefault(bench["name"], []).append(bench["rounds"][0][0])
    return wall, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument(
        "--copies", type=int, default=4, help="each of the 3 benchmarks parametrized this many "
        "times (4: a suite of 12)",
    )  # fmt: skip
    args = parser.parse_args()
    print("| load | variant | median wall s (passes) | x time alone | benchmark | time CV | "
          "count CV | bytecodes per call |")  # fmt: skip
    print("|---|---|---:|---:|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        project = make_project(Path(folder))
        suite = project / "benchmarks" / "test_cv.py"
        copies = f'@pytest.mark.parametrize("copy", range({args.copies}))\ndef test_'
        suite.write_text(
            "import pytest\n" + suite.read_text().replace("def test_", copies)
            .replace("(benchmark)", "(benchmark, copy)")
        )  # fmt: skip
        for label, hogs in (("idle", 0), ("two CPU hogs", 2)):
            busy = [
                subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(hogs)
            ]
            try:
                walls: dict[str, list[float]] = {"time": [], "time, bytecodes": []}
                kept: dict[str, list[float]] = {}
                for _ in range(args.passes):
                    for metrics, seconds in walls.items():  # alternated, side by side
                        wall, values = run(project, metrics, args.rounds)
                        seconds.append(wall)
                        if metrics != "time":
                            kept = values
            finally:
                for hog in busy:
                    hog.kill()
                    hog.wait()
            alone = statistics.median(walls["time"])
            for metrics, seconds in walls.items():
                shown = ", ".join(f"{s:.0f}" for s in seconds)
                ratio = statistics.median(seconds) / alone
                print(f"| {label} | [{metrics}] | {statistics.median(seconds):.1f} ({shown}) | "
                      f"{ratio:.2f} | | | | |")  # fmt: skip
            for name, times in sorted(kept.items()):
                if name.endswith(" (bytecodes)"):
                    continue
                counts = kept.get(f"{name} (bytecodes)", [])
                short = name.rsplit("::", 1)[-1]
                print(f"| {label} | | | | `{short}` | {cv(times):.2%} | {cv(counts):.4%} | "
                      f"{statistics.median(counts):,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
