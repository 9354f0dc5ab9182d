"""Measure `perfgate check` on a real pytest-benchmark file of 1,000 benchmarks x 1,000 samples,
and `perfgate --help` start-up, side by side with reference commands in the same run.

Run: ``nox -s loadbench`` (or ``python benchmarks/load_1000x1000.py``). Prints a markdown table
for docs/performance.md. Each command runs REPEATS times, interleaved, in fresh processes; the
table quotes medians, and ratios to the reference measured in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import run_pytest_benchmark, wide_suite_source  # noqa: E402

REPEATS = 7
CACHE = ROOT / ".perfgate" / "cache" / "pytest-benchmark-1000x1000"


def generate() -> Path:
    out = CACHE / "results.json"
    if not out.exists():
        print("generating 1,000 x 1,000 with pytest-benchmark ...", file=sys.stderr)
        run_pytest_benchmark(CACHE, wide_suite_source(1000), min_rounds=1000)
    data = json.loads(out.read_text())
    counts = {len(b["stats"]["data"]) for b in data["benchmarks"]}
    assert len(data["benchmarks"]) == 1000, len(data["benchmarks"])
    assert min(counts) >= 1000, counts
    return out


def timed(command: list[str]) -> float:
    """Wall seconds of one fresh process."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss_mb(command: list[str], *, accept: tuple[int, ...] = (0,)) -> float:
    """Peak RSS of ``command``, measured by a wrapper process whose only child it is; an exit
    code outside ``accept`` is an error."""
    code = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)\n"
        "if str(done.returncode) not in sys.argv[1].split(','): sys.exit(done.returncode)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    accepted = ",".join(map(str, accept))
    done = subprocess.run(
        [sys.executable, "-c", code, accepted, *command], check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip()) / 1024  # Linux reports KiB


def main() -> None:
    results = generate()
    size_mb = results.stat().st_size / 1e6
    perfgate = [sys.executable, "-m", "perfgate"]
    out = CACHE / "report.json"
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "perfgate --help": [*perfgate, "--help"],
        "json.load(file) only": [
            sys.executable,
            "-c",
            f"import json; json.load(open({str(results)!r}))",
        ],
        "perfgate check FILE --format json": [
            *perfgate,
            "check",
            str(results),
            "--format",
            "json",
            "--output",
            str(out),
        ],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEATS):
        for name, command in commands.items():
            walls[name].append(timed(command))
    peak = {
        name: peak_rss_mb(commands[name])
        for name in ("json.load(file) only", "perfgate check FILE --format json")
    }
    median = {name: statistics.median(values) for name, values in walls.items()}
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; file: {size_mb:.1f} MB, 1,000 benchmarks x "
        f">= 1,000 raw samples; {REPEATS} runs each, interleaved.\n"
    )
    print("| command | median wall | ratio |")
    print("|---|---:|---:|")
    print(f"| `python -c pass` | {median['python -c pass'] * 1000:.0f} ms | 1.00 |")
    ratio = median["perfgate --help"] / median["python -c pass"]
    print(
        f"| `perfgate --help` | {median['perfgate --help'] * 1000:.0f} ms | {ratio:.2f} "
        "x `python -c pass` |"
    )
    base = median["json.load(file) only"]
    print(f"| `json.load` of the file | {base:.2f} s | 1.00 |")
    check = median["perfgate check FILE --format json"]
    print(
        f"| `perfgate check FILE --format json` | {check:.2f} s | {check / base:.2f} x "
        f"`json.load` |"
    )
    print(
        f"\nPeak RSS: `perfgate check` {peak['perfgate check FILE --format json']:.0f} MB, "
        f"`json.load` alone {peak['json.load(file) only']:.0f} MB."
    )


if __name__ == "__main__":
    main()
