"""How steady are instruction counts next to timings? (``nox -s instructions_cv``)

Makes a scratch project with three pytest-benchmark benchmarks (a Python loop, a sort with a
key function, a dict build), runs ``perfgate run --rounds N`` on it with
``metrics: [time, instructions]`` (head alone: every round a fresh process, timed, then
counted under valgrind), idle and again with two CPU hogs, and writes the coefficient of
variation across rounds of each benchmark's per-round p25 time and of its instruction count
to docs/instructions.md.
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

ROOT = Path(__file__).resolve().parent.parent

PACKAGE = """
def loop():
    total = 0
    for i in range(20_000):
        total += i * i
    return total


def keyed_sort():
    return sorted(range(5_000), key=lambda i: (i * 7919) % 5_003)


def build_dict():
    return {str(i): i for i in range(5_000)}
"""

SUITE = """
import cvpkg


def test_loop(benchmark):
    benchmark(cvpkg.loop)


def test_keyed_sort(benchmark):
    benchmark(cvpkg.keyed_sort)


def test_build_dict(benchmark):
    benchmark(cvpkg.build_dict)
"""

CONFIG = """
version: 1
metrics: [time, instructions]
harness:
  type: pytest-benchmark
  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=30",
         "--benchmark-max-time=0.1"]
"""


def make_project(folder: Path) -> Path:
    (folder / "cvpkg.py").write_text(PACKAGE)
    (folder / "benchmarks").mkdir()
    (folder / "benchmarks" / "test_cv.py").write_text(SUITE)
    (folder / "perfgate.yml").write_text(CONFIG)
    return folder


def cv(values: list[float]) -> float:
    return statistics.stdev(values) / statistics.mean(values) if len(values) > 1 else 0.0


def measure(project: Path, rounds: int, hogs: int) -> tuple[dict[str, tuple[float, float]], float]:
    """Per benchmark: (CV of the per-round p25 time, CV of the count); and the wall seconds."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(hogs)]
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "perfgate", "run", "--rounds", str(rounds), "--format", "json"],
            cwd=project, capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONPATH": str(project)},  # `import cvpkg`
        )  # fmt: skip
    finally:
        for hog in busy:
            hog.kill()
            hog.wait()
    wall = time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"perfgate run failed: {done.stderr.strip().splitlines()[-1:]}")
    folder = project / ".perfgate" / "run" / "head"
    times: dict[str, list[float]] = {}
    counts: dict[str, list[float]] = {}
    for path in sorted(folder.glob("round-*.json")):
        for bench in json.loads(path.read_text())["benchmarks"]:
            data = sorted(bench["stats"]["data"])
            times.setdefault(bench["name"], []).append(data[len(data) // 4])
    for path in sorted(folder.glob("instructions-*.json")):
        for bench in json.loads(path.read_text())["benchmarks"]:
            name = bench["name"].removesuffix(" (instructions)")
            counts.setdefault(name, []).append(bench["rounds"][0][0])
    return {name: (cv(times[name]), cv(counts.get(name, []))) for name in times}, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "instructions.md")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        project = make_project(Path(folder))
        for label, hogs in (("idle", 0), ("two CPU hogs", 2)):
            print(f"{label}: {args.rounds} rounds ...", file=sys.stderr, flush=True)
            results[label] = measure(project, args.rounds, hogs)
    write(args.out, results, args.rounds)
    print(f"wrote {args.out}", file=sys.stderr)


def write(out: Path, results: dict[str, tuple[dict[str, tuple[float, float]], float]],
          rounds: int) -> None:  # fmt: skip
    lines = [
        "# Counts beside timings: instructions and bytecodes",
        "",
        "`metrics: [time, instructions]` in perfgate.yml adds, to every round of `perfgate run`,",
        "a run of each side's suite under valgrind (callgrind) that counts each benchmark's",
        "instructions per call: the plugin toggles collection around the benchmarked calls",
        "only, counts one call and then six, and keeps the difference divided by five, so",
        "start-up, fixtures and the counting's own cost cancel; `PYTHONHASHSEED=0` makes a",
        "CPython process repeat itself almost to the instruction (a few dozen instructions a",
        "call can differ with the heap's state: 0.0015% once in CI, inside the counts' 0.01%",
        "tolerance). The rows are `NAME (instructions)`,",
        "unit `instructions`, judged exactly: the median of the per-round ratios, the range of",
        "those ratios (widened by 0.01%) as the interval, minor at 1%, major at 5%, critical at",
        "20% (decisions.compare.COUNT_THRESHOLDS). An unchanged benchmark compares as 1.0000x; a",
        "1.25% change is flagged after two rounds (`tests/commands/test_instructions.py`, with",
        "two CPU hogs running).",
        "",
        f"## How steady: coefficient of variation across {rounds} rounds",
        "",
        "Head alone, every round a fresh process; time is each round's p25 of",
        "pytest-benchmark's samples, the count is the round's instructions per call. Made by",
        f"`nox -s instructions_cv` (`python -m benchmarks.instructions_cv --rounds {rounds}`)",
        "on this machine.",
        "",
        "| benchmark | time CV, idle | count CV, idle | time CV, 2 hogs | count CV, 2 hogs |",
        "|---|---:|---:|---:|---:|",
    ]
    idle, busy = results["idle"][0], results["two CPU hogs"][0]
    for name in idle:
        short = name.rsplit("::", 1)[-1]
        a, b = idle[name]
        c, d = busy.get(name, (float("nan"), float("nan")))
        lines.append(f"| `{short}` | {a:.2%} | {b:.4%} | {c:.2%} | {d:.4%} |")
    lines += [
        "",
        f"Wall time of the whole run ({rounds} rounds, timing and counting): "
        f"{results['idle'][1]:.0f} s idle, {results['two CPU hogs'][1]:.0f} s with two hogs. "
        "Valgrind runs Python some 50 times slower, and pytest's own start-up is most of a "
        "counting run: expect about half a minute per side and round on top of the timing.",
        "",
        "## What instructions miss, and when to trust time instead",
        "",
        "An instruction count is blind to everything that costs time without executing more",
        "instructions: cache and TLB misses (the same work on data laid out worse), branch",
        "mispredictions, memory bandwidth, I/O and sleeping, waiting for locks or other",
        "threads (and work done in other threads or processes is not counted unless it runs",
        "in the benchmark's own thread), page faults and the allocator's system calls, and",
        "the speed of C libraries that use other instruction sets at run time. Trust time",
        "for I/O-bound, memory-bound, multi-threaded or native-library benchmarks; use counts",
        "to see small CPU-bound changes on a noisy runner, where time needs many rounds.",
        "Counting needs valgrind and an x86-64 machine (the client requests are x86-64 code).",
        "",
    ]
    kept = ""  # the bytecodes section (benchmarks/bytecodes_cost.py) is not this script's
    if out.is_file() and "\n## Bytecodes" in (text := out.read_text()):
        kept = "\n" + text[text.index("\n## Bytecodes") :].lstrip("\n")
    out.write_text("\n".join(lines).rstrip("\n") + "\n" + kept)


if __name__ == "__main__":
    main()
