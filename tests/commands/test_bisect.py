"""`perfgate bisect` on a real git history: 16 commits after GOOD, one of them ten times as
slow (sleep-based, so no load on the machine can hide or fake it)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from perfgate.decisions.bisection import Search
from perfgate.formats.native import dumps
from perfgate.model import Benchmark, Metadata, Run
from tests.harnesses import git
from tests.helpers import PACKAGE, RUN_CONFIG, RUN_SUITE, run_cli, slow_package_project

COMMITS = 16
SLOW_AT = 11  # the 11th commit after GOOD makes `work` ten times as slow


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("bisect")
    slow_package_project(root, {"benchmarks/test_bench.py": RUN_SUITE, "perfgate.yml": RUN_CONFIG})
    git(root, "reset", "-q", "--hard", "HEAD~1")  # GOOD: the fast package
    package = root / "src" / "slowpkg" / "__init__.py"
    commits = []
    for number in range(1, COMMITS + 1):
        (root / "NOTES.txt").write_text(f"change {number}\n")
        if number == SLOW_AT:
            package.write_text(PACKAGE.format(factor=10.0))
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"change {number}")
        commits.append(git(root, "rev-parse", "HEAD"))
    return root, commits


@pytest.mark.slow
def test_bisect_names_the_commit_that_made_it_slower(history: tuple[Path, list[str]]) -> None:
    root, commits = history
    # the history already shows the step (stored runs of every fourth commit): a bisect's
    # probes must leave what detection finds there unchanged
    stored_runs = _every_fourth_commit(root, commits, root.parent / "stored-runs")
    assert run_cli("history", "import", stored_runs, cwd=root).returncode == 0
    before = run_cli("history", "detect", "--format", "json", cwd=root)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["changes"]
    done = run_cli(
        "bisect", f"HEAD~{COMMITS}", "HEAD", "--rounds", "4", "--format", "json", cwd=root
    )
    assert done.returncode == 0, done.stderr
    after = run_cli("history", "detect", "--format", "json", cwd=root)
    assert json.loads(after.stdout) == json.loads(before.stdout)
    result = json.loads(done.stdout)
    assert result["first_bad"] == commits[SLOW_AT - 1]
    assert result["commits"] == COMMITS
    assert len(result["probes"]) <= 6  # log2(16) = 4 steps after the first probe
    assert sorted(result["benchmarks"]) == [
        "benchmarks/test_bench.py::test_work[20000]",
        "benchmarks/test_bench.py::test_work[50000]",
    ]
    by_commit = {probe["commit"]: probe for probe in result["probes"]}
    assert by_commit[commits[SLOW_AT - 1]]["outcome"] == "bad"
    for row in by_commit[commits[SLOW_AT - 1]]["rows"]:
        assert row["direction"] == "slower"
        assert row["severity"] == "critical"
    # the probes went into the history, each run under the commit it measured
    with sqlite3.connect(root / ".perfgate" / "history.sqlite") as db:
        stored = {row[0] for row in db.execute("SELECT DISTINCT commit_hash FROM runs")}
    assert {probe["commit"] for probe in result["probes"]} <= stored
    assert git(root, "rev-parse", f"HEAD~{COMMITS}") in stored
    assert "bisecting 16 commit(s)" in done.stderr


@pytest.mark.slow
def test_bisect_says_so_when_there_is_no_slowdown(history: tuple[Path, list[str]]) -> None:
    root, commits = history
    done = run_cli("bisect", commits[0], commits[3], "--rounds", "4", cwd=root)
    assert done.returncode == 1, done.stderr
    assert "no slowdown between GOOD" in done.stdout


def test_bisect_refuses_a_bad_that_does_not_descend_from_good(
    history: tuple[Path, list[str]],
) -> None:
    root, commits = history
    done = run_cli("bisect", commits[5], commits[2], cwd=root)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"perfgate: error: BAD {commits[2]!r} does not descend from GOOD {commits[5]!r}"
    ]


def test_search_takes_log2_steps_to_any_commit() -> None:
    commits = [f"c{i}" for i in range(16)]
    for slow in range(16):
        search, steps = Search(commits), 0
        while (index := search.next()) is not None:
            search.record(index, "bad" if index >= slow else "good")
            steps += 1
        assert search.first_bad == commits[slow]
        assert steps <= 4


@pytest.mark.slow
def test_history_detect_bisect_finds_the_commit_inside_a_stored_step(
    history: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """The history measured every fourth commit (three runs each): detect sees the step
    between commits 8 and 12, and --bisect names commit 11 within that range."""
    root, commits = history
    folder = _every_fourth_commit(root, commits, tmp_path / "runs")
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", folder, "--db", db, cwd=root).returncode == 0
    done = run_cli("history", "detect", "--db", db, "--bisect", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "--bisect: benchmarks/test_bench.py::test_work[" in done.stderr
    assert f"{commits[7][:10]}..{commits[11][:10]}" in done.stderr
    assert f"first bad commit: {commits[SLOW_AT - 1]}" in done.stdout


def _every_fourth_commit(root: Path, commits: list[str], folder: Path) -> Path:
    """Native runs as a history would hold them: every fourth commit, three runs each, the
    step between commits 8 and 12."""
    good = git(root, "rev-parse", f"HEAD~{COMMITS}")
    measured = [good, commits[3], commits[7], commits[11], commits[15]]
    folder.mkdir()
    for i, commit in enumerate(measured):
        slow = commit in (commits[11], commits[15])
        for k in range(3):
            run = Run(
                metadata=Metadata(
                    commit=commit, machine="ci", timestamp=f"2025-01-{i + 1:02d}T0{k}:00:00+00:00"
                ),
                benchmarks=tuple(
                    Benchmark(
                        name=f"benchmarks/test_bench.py::test_work[{n}]",
                        short_name=f"test_work[{n}]",
                        unit="s",
                        rounds=(tuple(n / 1e7 * (10 if slow else 1) * (1 + 0.01 * j)
                                      for j in range(10)),),
                    )
                    for n in (20000, 50000)
                ),
            )  # fmt: skip
            (folder / f"run-{i}-{k}.json").write_text(dumps(run))
    return folder


def test_bisect_benchmark_takes_the_names_the_table_prints() -> None:
    """`--benchmark` takes the full id, the short name the table prints (after the last
    `::`), a glob over either, and a parametrized name as itself (its [...] is not a glob)."""
    from perfgate.decisions.names import matches, of  # noqa: PLC0415

    full = "benchmarks/test_x.py::test_parse[1000]"
    for pattern in (full, "test_parse[1000]", "test_parse*", "*::test_parse[[]1000]"):
        assert matches(pattern, of(full)), pattern
    for pattern in ("test_parse", "test_parse[10]", "other*"):
        assert not matches(pattern, of(full)), pattern
