"""CPU cost of starting perfgate: `--help` beside `python -c pass`, and `history show BENCH`
beside `--help` (the goals of issue 21: under 4x and at most 3x).

Run: ``nox -s startup`` (or ``python benchmarks/startup.py``). Prints the table quoted in
docs/performance.md.

The history is written through the store's API: 200 commits x 20 benchmarks, one machine,
a step at commit 100. `history show` prints the terminal table (its last 100 commits) to a
pipe. Each command is a fresh process; the three run interleaved REPEATS times; the table
quotes median CPU time (user + system, ``getrusage(RUSAGE_CHILDREN)``), from bytecode as pip
installs it (``harness.compile_as_installed``).
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import compile_as_installed, write_synthetic_history  # noqa: E402

REPEATS = 15


def cpu_seconds(command: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def write_history(db: Path) -> None:
    def samples(i: int) -> tuple[float, ...]:
        level = 0.002 if i >= 100 else 0.001
        return tuple(level * (1 + 0.01 * k) for k in range(20))

    write_synthetic_history(db, 200, 20, samples)


def main() -> None:
    compile_as_installed()
    perfgate = [sys.executable, "-m", "perfgate"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.sqlite"
        write_history(db)
        commands = {
            "`python -c pass`": [sys.executable, "-c", "pass"],
            "`perfgate --help`": [*perfgate, "--help"],
            "`perfgate history show BENCH`": [
                *perfgate,
                "history",
                "show",
                "bench_7",
                "--db",
                str(db),
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(REPEATS):
            for name, command in commands.items():
                times[name].append(cpu_seconds(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    bare, help_, show = median.values()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {REPEATS} fresh processes of each, interleaved; median "
        "CPU (user + system).\n"
    )
    print("| command | CPU | ratio |")
    print("|---|---:|---:|")
    print(f"| `python -c pass` | {bare * 1000:.1f} ms | 1.00 |")
    print(
        f"| `perfgate --help` | {help_ * 1000:.1f} ms | {help_ / bare:.2f} x `python -c pass` "
        "(goal < 4 x) |"
    )
    print(
        f"| `perfgate history show BENCH` (200 commits x 20 benchmarks) | {show * 1000:.1f} ms | "
        f"{show / help_:.2f} x `--help` (goal <= 3 x) |"
    )


if __name__ == "__main__":
    main()
