"""Bytecode counts (`metrics: [time, bytecodes]`): Python's own instructions, counted by the
plugin (no valgrind, any OS and CPU), on a real pytest-benchmark suite in a two-commit project
while two CPU hogs run: an unchanged benchmark's count is the same to the bytecode, 1.25% more
loop iterations in another are flagged after two rounds, and work inside C is not counted."""

from __future__ import annotations

import gc
import json
import sys
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from perfgate.errors import InputError
from perfgate.formats.native import dumps
from perfgate.harness import instructions
from perfgate.pytest_plugin import perfgate_profiles
from perfgate.pytest_plugin.perfgate_counts import bytecodes_by_function, bytecodes_of
from tests.commands.test_instructions import PACKAGE, SUITE
from tests.helpers import HARNESS, run_cli, two_commit_project, write_config

CONFIG = "version: 1\nmetrics: [time, bytecodes]\n" + HARNESS
# a benchmark whose time is all in C: its bytecodes explain next to none of it, and say so
SUITE_WITH_C = (
    SUITE
    + """

def test_in_c(benchmark):
    data = list(range(200_000, 0, -1))
    benchmark(sorted, data)
"""
)


@pytest.mark.slow
@pytest.mark.usefixtures("two_hogs")
def test_bytecodes_are_exact_and_one_percent_more_work_is_flagged(tmp_path: Path) -> None:
    root = two_commit_project(
        tmp_path / "project",
        "countpkg",
        base=PACKAGE.format(loops=20_000),
        head=PACKAGE.format(loops=20_250),  # 1.25% more iterations
        suite=SUITE_WITH_C,
        config=CONFIG,
    )
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--output", root / "report.json",
        "--output", root / "report.md", cwd=root,
    )  # fmt: skip
    report = json.loads((root / "report.json").read_text())
    rows = {row["name"].rsplit("::", 1)[-1]: row for row in report["benchmarks"]}
    unchanged = rows["test_other (bytecodes)"]
    assert unchanged["unit"] == "bytecodes"
    assert unchanged["ratio"] == 1.0  # the same to the bytecode, hogs or not
    assert unchanged["change"]["direction"] == "unchanged"
    grown = rows["test_work (bytecodes)"]
    assert grown["change"]["direction"] == "slower"
    assert grown["severity"] == "minor"
    assert 1.012 < grown["ratio"] < 1.0126  # the loop's 1.25%, less the call's fixed part
    assert grown["change"]["method"] == "bytecode-counts"
    assert grown["change"]["statistic"] == "bytecodes per call"
    assert grown["head"]["value"] == int(grown["head"]["value"])  # a count, not a timing
    assert rows["test_work"]["unit"] == "s"  # the timing rows are there as ever
    # what share of each one's time the counted Python explains (an estimate), said per row
    assert "its bytecodes explain about" in grown["change"]["note"]
    assert "spent in C" not in grown["change"]["note"]  # a Python loop: mostly explained
    in_c = rows["test_in_c (bytecodes)"]
    assert in_c["ratio"] == 1.0
    assert "most of it is spent in C" in in_c["change"]["note"]
    assert "head bytecodes" in done.stderr
    assert "base bytecodes" in done.stderr
    # the exact why: the flagged count's profile counts each function's bytecodes, and the
    # function that changed comes first (its loop: 250 more iterations)
    functions = grown["profile"]["functions"]
    first = functions[0]
    assert first["function"].startswith("work (countpkg/__init__.py:")
    added = first["bytecodes_head"] - first["bytecodes_base"]
    assert added > 0
    assert added % 250 == 0  # 250 more iterations of the same bytecodes, exactly
    assert all(f.get("bytecodes_base") == f.get("bytecodes_head") for f in functions[1:])
    assert "bytecodes changed:" in (root / "report.md").read_text()


def test_a_call_is_counted_exactly_and_c_work_is_one_bytecode() -> None:
    def loop(n: int) -> int:
        total = 0
        for i in range(n):
            total += i
        return total

    counts = {bytecodes_of(lambda: loop(1000)) for _ in range(5)}
    assert len(counts) == 1  # the same every time
    (one,) = counts
    assert bytecodes_of(lambda: loop(2000)) - one == bytecodes_of(lambda: loop(1000)) - (
        bytecodes_of(lambda: loop(0))
    )  # linear in the Python work

    def sort(n: int) -> None:
        sorted(range(n))

    small, large = bytecodes_of(lambda: sort(10)), bytecodes_of(lambda: sort(100_000))
    assert small == large  # sorting in C: not counted, whatever its size
    before = sys.gettrace()
    bytecodes_of(lambda: loop(10))
    assert sys.gettrace() is before  # another tracer (coverage, a debugger) is put back
    assert gc.isenabled()  # the collector, paused while counting, runs again


def test_counts_a_harness_cannot_make_are_one_line(tmp_path: Path) -> None:
    """Counts: pytest-benchmark and asv suites (tests/commands/test_run_asv.py); a pyperf
    script or a command times itself. Said before anything is built."""
    expected = "a pytest-benchmark suite or an asv suite"
    for harness, metric in (
        ("pyperf\n  args: [bench.py]", "bytecodes"),
        ("command\n  command: [x, '{output}']", "instructions"),
    ):
        config = f"version: 1\nmetrics: [time, {metric}]\nharness:\n  type: {harness}\n"
        write_config(tmp_path, config)
        done = run_cli("run", "--base", "HEAD", cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            f"perfgate: error: metrics: {metric} needs {expected} (harness.type)"
        ]


def test_a_counts_file_that_is_not_the_plugins_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "counts.json"
    path.write_text(json.dumps({"perfgate_bytecodes": 1, "counts": {"t::a": 120.0}}))
    assert instructions.read_bytecodes(path) == ({"t::a": 120.0}, {})
    document = {"perfgate_bytecodes": 1, "counts": {"t::a": 120.0}, "shares": {"t::a": 0.9}}
    path.write_text(json.dumps(document))
    assert instructions.read_bytecodes(path) == ({"t::a": 120.0}, {"t::a": 0.9})
    for text in ("{}", "[]", '{"perfgate_bytecodes": 1, "counts": {"t::a": -5}}', "x"):
        path.write_text(text)
        with pytest.raises(InputError):
            instructions.read_bytecodes(path)


def test_bytecodes_by_function_join_cprofile_s_names_and_sum_to_the_call() -> None:
    def inner(n: int) -> int:
        return sum(i for i in range(n))

    def outer(n: int) -> int:
        return inner(n) + inner(n)

    by_function = bytecodes_by_function(lambda: outer(100))
    names = {name: count for (_file, _line, name), count in by_function.items()}
    assert set(names) >= {"outer", "inner", "<genexpr>"}
    assert "<lambda>" in names  # this test's own lambda: only the plugin's frames are left out
    assert all(file.endswith(".py") for file, _line, _name in by_function)
    (line,) = {line for (_file, line, name) in by_function if name == "inner"}
    assert line == inner.__code__.co_firstlineno  # the key cProfile gives the function too
    assert sum(by_function.values()) == bytecodes_of(lambda: outer(100))
    genexpr = next(key for key in by_function if key[2] == "<genexpr>")
    counts = [bytecodes_by_function(partial(outer, n))[genexpr] for n in (100, 200, 300)]
    assert counts[2] - counts[1] == counts[1] - counts[0] > 0  # linear in the work, exactly


def test_a_profile_counts_each_python_function_s_bytecodes_and_none_for_built_ins() -> None:
    def work(data: list[int]) -> int:
        total = 0
        for value in sorted(data):  # a built-in: cProfile sees it, it has no bytecodes
            total += value
        return total

    config = SimpleNamespace(stash={})
    step = perfgate_profiles.profile_step(
        cast("pytest.Config", config), "t::work", 2, bytecodes=bytecodes_by_function
    )
    step(lambda: (([3, 1, 2] * 100,), {}), work)
    functions = config.stash[perfgate_profiles._PROFILES]["t::work"]["functions"]
    by_name = {f["name"]: f for f in functions}
    assert by_name["work"]["bytecodes"] > 300  # the loop's 300 iterations, counted
    built_in = [f for f in functions if f["file"] == "~"]
    assert built_in  # sorted(), as cProfile names it
    assert all("bytecodes" not in f for f in built_in)


def test_counts_settle_after_two_rounds_the_same(tmp_path: Path) -> None:
    """instructions.settled: two rounds of the same counts on every side settle them (to the
    counts' tolerance); one round, a count that moved, or a missing file do not."""
    sides = [tmp_path / "base", tmp_path / "head"]

    def write(side: Path, index: int, counts: dict[str, float]) -> None:
        side.mkdir(exist_ok=True)
        run = instructions.as_run(counts, "x", unit="bytecodes")
        (side / f"bytecodes-{index:03d}.json").write_text(dumps(run))

    for side in sides:
        write(side, 0, {"t::a": 1000.0, "t::b": 0.0})
    assert not instructions.settled(sides, "bytecodes", 1)
    for side in sides:
        write(side, 1, {"t::a": 1000.05, "t::b": 0.0})  # within 0.01%
    assert instructions.settled(sides, "bytecodes", 2)
    assert not instructions.settled(sides, "instructions", 2)  # no such files
    write(sides[1], 1, {"t::a": 1100.0, "t::b": 0.0})  # head's count moved
    assert not instructions.settled(sides, "bytecodes", 2)


@pytest.mark.slow
def test_counting_stops_once_two_rounds_agree(tmp_path: Path) -> None:
    """A run of three rounds counts in the first two only: the counts agreed, so the third
    round times without counting, and the grown loop is flagged on its two counts."""
    root = two_commit_project(
        tmp_path / "project", "countpkg",
        base=PACKAGE.format(loops=20_000), head=PACKAGE.format(loops=20_250),
        suite=SUITE, config=CONFIG,
    )  # fmt: skip
    out = root / ".perfgate" / "three"
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "3", "--format", "json", "--rounds-dir", out,
        cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "bytecodes: every count the same in all 2 rounds on every side" in done.stderr
    for side in ("base", "head"):
        assert len(list((out / side).glob("round-*.json"))) == 3
        assert sorted(p.name for p in (out / side).glob("bytecodes-*.json")) == [
            "bytecodes-000.json", "bytecodes-001.json",
        ]  # fmt: skip
    rows = {row["name"].rsplit("::", 1)[-1]: row for row in json.loads(done.stdout)["benchmarks"]}
    grown = rows["test_work (bytecodes)"]
    assert grown["severity"] == "minor"
    assert grown["change"]["rounds"] == 2
    assert rows["test_work"]["change"]["rounds"] == 3
    assert not any(n.startswith("Rounds per benchmark") for n in json.loads(done.stdout)["notes"])
