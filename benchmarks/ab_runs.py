"""Repeated end-to-end A/B runs: `perfgate run --base main` on a scratch project, as a user runs it.

The project (a package of four fixed-work functions of about 0.2 to 8 ms a call, one
pytest-benchmark test each) has a ``main`` branch and one branch a variant: ``aa`` changes the
code without changing its work (an unused constant), ``slow30`` makes the 8 ms function do 30%
more work and ``slow100`` twice as much. Each run checks a variant's branch out and runs
`perfgate run --base main --format json` with the project's perfgate.yml (``rounds: {min: 3,
max: 10}``, the default statistic, ``harness.timer`` as given); variants and timers alternate run
by run. With ``--hogs N``, N processes spin (``while True: pass``) for the whole measurement.

Counted per variant and timer: how the planted benchmark was graded, runs with any other
benchmark flagged slower (false alarms), runs that failed the gate, median rounds and median
wall time of a run. The first run of each variant builds the environments; later runs reuse them.

Run: ``nox -s ab_runs -- --hogs 2 --runs 20`` (docs/verdict-engine.md has the table).
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
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from perfgate.options import TIMERS  # noqa: E402

FUNCTIONS = {"tiny": 5_000, "small": 20_000, "medium": 60_000, "planted": 200_000}
VARIANTS = {"aa": None, "slow30": 1.3, "slow100": 2.0}
PLANTED = "test_planted"


def _module(factor: float | None) -> str:
    lines = ["FACTOR = 1.0", ""]
    if factor is None:
        lines = ["FACTOR = 1.0", "UNUSED = 42  # a change that does not change the work", ""]
    for name, n in FUNCTIONS.items():
        work = f"int({n} * {factor})" if name == "planted" and factor else str(n)
        lines += [
            f"def {name}():",
            "    total = 0",
            f"    for i in range({work}):",
            "        total += i",
            "    return total",
            "",
        ]
    return "\n".join(lines)


SUITE = "\n".join(
    ["import demo", ""]
    + [f"def test_{name}(benchmark):\n    benchmark(demo.{name})\n" for name in FUNCTIONS]
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def project(root: Path) -> Path:
    (root / "src" / "demo").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "demo"\nversion = "0.1"\n',
        encoding="utf-8",
    )
    (root / "src" / "demo" / "__init__.py").write_text(_module(1.0), encoding="utf-8")
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_bench.py").write_text(SUITE, encoding="utf-8")
    (root / ".gitignore").write_text(".perfgate/\n", encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=p", "-c", "user.email=p@p", "add", "-A")
    _git(root, "-c", "user.name=p", "-c", "user.email=p@p", "commit", "-qm", "base")
    for name, factor in VARIANTS.items():
        _git(root, "checkout", "-q", "-b", name, "main")
        (root / "src" / "demo" / "__init__.py").write_text(_module(factor), encoding="utf-8")
        _git(root, "-c", "user.name=p", "-c", "user.email=p@p", "commit", "-qam", name)
    _git(root, "checkout", "-q", "main")
    return root


def config(timer: str) -> str:
    return (
        "version: 1\nharness:\n  install: ['{tree}', pytest, pytest-benchmark]\n"
        "  args: [benchmarks, --benchmark-only, --benchmark-min-rounds=30, "
        "--benchmark-max-time=0.1, --benchmark-warmup=off]\n"
        f"  timer: {timer}\nrounds:\n  min: 3\n  max: 10\n"
    )


def one_run(repo: Path, variant: str, timer: str) -> dict[str, object]:
    _git(repo, "checkout", "-q", variant)
    (repo / "perfgate.yml").write_text(config(timer), encoding="utf-8")
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", "--base", "main", "--format", "json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CI": "true"},
    )
    seconds = time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"perfgate run failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    rows = {b["name"].rsplit("::", 1)[-1]: b for b in report["benchmarks"]}
    planted = rows[PLANTED]["change"]
    others = [
        r for name, r in rows.items()
        if name != PLANTED and r["change"]["direction"] == "slower"
        and r["change"]["severity"] != "none"
    ]  # fmt: skip
    grade = planted["severity"] if planted["direction"] == "slower" else planted["direction"]
    return {
        "grade": grade,
        "estimate": planted["ratio"],
        "false": len(others),
        "fails": done.returncode == 1,
        "rounds": report["rounds_used"],
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=0)
    parser.add_argument("--runs", type=int, default=20, help="runs of each variant and timer")
    parser.add_argument("--timer", action="append", choices=TIMERS)
    parser.add_argument("--variant", action="append", choices=list(VARIANTS))
    args = parser.parse_args()
    timers = args.timer or ["auto"]
    variants = args.variant or list(VARIANTS)
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)
    ]
    results: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            repo = project(Path(scratch))
            for k in range(args.runs):
                for variant in variants:
                    for timer in timers:
                        result = one_run(repo, variant, timer)
                        results[variant, timer].append(result)
                        print(f"run {k + 1}/{args.runs} {variant} {timer}: {result}", flush=True)
    finally:
        for spinner in spinners:
            spinner.kill()
    print(
        f"\n{args.hogs} CPU hogs, {args.runs} runs of each; {time.monotonic() - began:.0f} s\n\n"
        "| variant | timer | planted benchmark graded | estimates (median) | runs with a false "
        "alarm | runs failing the gate | median rounds | median s a run |\n"
        "|---|---|---|---:|---:|---:|---:|---:|"
    )
    for (variant, timer), runs in results.items():
        grades = Counter(str(r["grade"]) for r in runs)
        shown = ", ".join(f"{g} {n}" for g, n in grades.most_common())
        estimate = statistics.median(float(str(r["estimate"])) for r in runs)
        print(
            f"| {variant} | {timer} | {shown} | {estimate - 1:+.1%} | "
            f"{sum(1 for r in runs if r['false'])} | {sum(1 for r in runs if r['fails'])} | "
            f"{statistics.median(int(str(r['rounds'])) for r in runs):g} | "
            f"{statistics.median(float(str(r['seconds'])) for r in runs):.0f} |"
        )


if __name__ == "__main__":
    main()
