"""``history: {base: stored-first}`` end to end: main's runs recorded with ``perfgate run
--record``, then a branch measured against them first and against a same-job base only where
they cannot clear it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harnesses import git
from tests.helpers import run_cli, two_commit_project

STEADY = 8
PACKAGE = """
import time

FACTOR = {factor}


def steady(n):
    time.sleep(n / 1e6)


def slowed(n):
    time.sleep(FACTOR * n / 1e6)
"""
# where the package is not installed (a run of head alone in this interpreter: what main
# records), it is imported from the tree the suite sits in; each side's environment has its own
SUITE = (
    "import pathlib\nimport sys\n\ntry:\n    import sbpkg\nexcept ImportError:\n"
    "    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'src'))\n"
    "    import sbpkg\n\n"
    + "".join(
        f"\ndef test_steady_{i}(benchmark):\n    benchmark(sbpkg.steady, 2000)\n"
        for i in range(STEADY)
    )
    + "\ndef test_slowed(benchmark):\n    benchmark(sbpkg.slowed, 2000)\n"
)
CONFIG = (
    "version: 1\nrounds:\n  min: 3\n  max: 5\nharness:\n  type: pytest-benchmark\n"
    '  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=20",\n'
    '         "--benchmark-max-time=0.05"]\n'
    "history:\n  base: stored-first\n"
)


@pytest.mark.slow
def test_stored_runs_clear_the_unchanged_and_the_slowdown_is_measured(tmp_path: Path) -> None:
    root = two_commit_project(
        tmp_path / "sb", "sbpkg",
        base=PACKAGE.format(factor=1.0), head=PACKAGE.format(factor=2.0),
        suite=SUITE, config=CONFIG,
    )  # fmt: skip
    git(root, "checkout", "-q", "HEAD~1")  # main, as its runs recorded it
    for _ in range(3):
        done = run_cli("run", "--record", "--rounds", "1", "--format", "json", cwd=root)
        assert done.returncode == 0, done.stderr
    git(root, "checkout", "-q", "-")
    rounds_dir = root / ".perfgate" / "sb"
    done = run_cli(
        "run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", rounds_dir, cwd=root
    )
    assert done.returncode == 1, done.stderr
    assert "stored base first: head alone for one round" in done.stderr
    report = json.loads(done.stdout)
    rows = {b["name"].rsplit("::", 1)[-1]: b for b in report["benchmarks"]}
    assert rows["test_slowed"]["severity"] == "critical"
    (note,) = [n for n in report["notes"] if n.startswith("Unchanged against the runs stored")]
    cleared = {n for n in rows if f"::{n} " in note}
    assert "test_slowed" not in cleared
    # every benchmark is in the report or in the note, never both, never neither
    names = {f"test_steady_{i}" for i in range(STEADY)} | {"test_slowed"}
    assert names == set(rows) | {n for n in names if f"::{n} " in note}
    assert not set(rows) & {n for n in names if f"::{n} " in note}
    assert len(rows) >= 5  # the slowdown and the benchmarks beside it to follow the machine
    # base was measured only for what the stored runs did not clear
    for path in (rounds_dir / "base").glob("round-*.json"):
        measured = {b["name"] for b in json.loads(path.read_text())["benchmarks"]}
        assert not {n for n in names if f"::{n} " in note} & measured


def test_without_a_history_everything_is_measured_against_the_same_job_base(
    tmp_path: Path,
) -> None:
    """stored-first with nothing stored yet (main not recorded): said, then the usual run."""
    root = two_commit_project(
        tmp_path / "none", "sbpkg",
        base=PACKAGE.format(factor=1.0), head=PACKAGE.format(factor=1.0) + "\nX = 1\n",
        suite=SUITE, config=CONFIG,
    )  # fmt: skip
    done = run_cli("run", "--base", "HEAD~1", "--rounds-dir", root / ".perfgate" / "n", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "stored base first: no history to read" in done.stderr
    assert "base measures everything" in done.stderr
