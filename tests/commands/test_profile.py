"""The profile diff on a real two-commit project with a real pytest-benchmark suite: head
makes one named function ten times the work and calls another twice as often; `perfgate
run` flags the benchmark and says where the time went, in JSON, markdown and the comment;
`perfgate profile` says the same on demand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from perfgate.config import Config, Harness, ProfilePolicy
from perfgate.decisions.compare import compare
from perfgate.github.comment import Context, render_comment
from perfgate.harness.profiling import flagged, node_ids, skipped
from perfgate.model import Benchmark
from perfgate.pytest_plugin import FOLDER, PROFILE_MODULE
from perfgate.report import render
from perfgate.report.document import load_report, report_from_dict
from perfgate.report.model import FunctionChange, Profile, Report
from tests.helpers import HARNESS, gfm_html, live_html, run_cli, two_commit_project, write_config

# Fixed work, not sleep: cProfile charges a sleep to time.sleep, not to the function that
# sleeps. parse() does 10x the loop in head (a factor no load hides: 3x was judged
# inconclusive with two CPU hogs), step() runs 4 times instead of 2
# (a changed call count, and some 50 us): the order is 40 to 1 under any load.
PACKAGE = """
PARSE = {parse}
STEPS = {steps}


def parse():
    total = 0
    for i in range(PARSE):
        total += i * i
    return total


def step():
    total = 0
    for i in range(500):
        total += i
    return total


def work():
    parse()
    for _ in range(STEPS):
        step()
"""

SUITE = """
import profpkg


def test_work(benchmark):
    benchmark(profpkg.work)


def test_other(benchmark):
    benchmark(profpkg.step)
"""

# no time limit: ten calls a side whatever the load; only critical slowdowns profiled, so an
# unchanged benchmark is never profiled for a minor false alarm (a suite of two judges each
# at the family-wise 5%, and CI once saw one)
CONFIG = "version: 1\nprofile:\n  calls: 10\n  seconds: 3600\n  severity: critical\n" + HARNESS


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_commit_project(
        tmp_path_factory.mktemp("profile-project"),
        "profpkg",
        base=PACKAGE.format(parse=40_000, steps=2),
        head=PACKAGE.format(parse=400_000, steps=4),  # parse: 10x the loop; step: twice
        suite=SUITE,
        config=CONFIG,
    )


@pytest.mark.slow
def test_run_says_where_the_time_went(project: Path) -> None:
    reports = project / ".perfgate"
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "5", "--output", reports / "report.json",
        "--output", reports / "report.md", cwd=project,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # test_work slowed down: critical
    assert "profiling 1 benchmark(s) on each side" in done.stderr
    data = json.loads((reports / "report.json").read_text())
    rows = {row["name"].rsplit("::", 1)[-1]: row for row in data["benchmarks"]}
    assert rows["test_work"]["severity"] == "critical"
    assert "profile" not in rows["test_other"]  # unchanged: not profiled
    functions = rows["test_work"]["profile"]["functions"]
    first = functions[0]
    assert first["function"].startswith("parse (profpkg/__init__.py:")
    assert first["head"] > 2 * first["base"]  # ten times the loop
    assert (first["calls_base"], first["calls_head"]) == (1, 1)
    [step] = [f for f in functions if f["function"].startswith("step (")]
    assert (step["calls_base"], step["calls_head"]) == (2, 4)  # counts are exact

    markdown = (reports / "report.md").read_text()
    assert "where the time went (cProfile, at least 10 calls a side)" in markdown
    assert "`parse (profpkg/__init__.py:" in markdown
    assert "changed: 2 \u2192 4" in markdown
    assert "parse (profpkg/__init__.py:" in done.stdout

    page = (reports / "profile.html").read_text()  # the chart, beside the reports
    assert "parse (profpkg/__init__.py:" in page
    assert "<script" not in page
    assert f"wrote {reports / 'profile.html'}" in done.stdout

    comment = render_comment(load_report(reports / "report.json"), Context())
    assert "<summary><code>benchmarks/test_bench.py::test_work</code>: where the time" in comment
    assert "changed: 2 \u2192 4" in comment
    html = gfm_html(comment)
    assert set(live_html(html)) <= {"details", "summary", "sub", "strong"}
    assert "<td><code>parse (profpkg/__init__.py:" in html  # a table GitHub renders


@pytest.mark.slow
@pytest.mark.parametrize("name", ["benchmarks/test_bench.py::test_work", "test_work"])
def test_profile_command_on_demand(project: Path, name: str) -> None:
    """By node id, or by the short name the tables print."""
    done = run_cli("profile", name, "--base", "HEAD~1", cwd=project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "benchmarks/test_bench.py::test_work:"
    assert lines[2].lstrip().startswith("parse (profpkg/__init__.py:")
    assert any("step (" in line and "changed: 2 \u2192 4" in line for line in lines)


def test_a_short_name_means_the_benchmarks_it_ends_and_several_are_said() -> None:
    found = ["a/test_x.py::test_work", "b/test_y.py::test_work", "a/test_x.py::test_other"]
    assert node_ids("test_other", found) == ["a/test_x.py::test_other"]
    assert node_ids("a/test_x.py::test_work", found) == ["a/test_x.py::test_work"]
    assert node_ids("test_work", found) == ["a/test_x.py::test_work", "b/test_y.py::test_work"]
    assert node_ids("work", found) == []


SLEEPY_SUITE = """
import time


def test_nap(benchmark):
    benchmark(time.sleep, 0.06)
"""


@pytest.mark.parametrize(("limit", "calls"), [(None, {3}), (0.1, {1, 2})])
def test_profiling_stops_once_its_calls_took_the_time_limit(
    tmp_path: Path, limit: float | None, calls: set[int]
) -> None:
    # 0.06 s a call: a 0.1 s limit stops after the second call (the first, if load made it
    # last 0.1 s); without one, every call of --perfgate-profile-calls is made
    (tmp_path / "test_nap.py").write_text(SLEEPY_SUITE)
    out = tmp_path / "profile.json"
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", PROFILE_MODULE,
        "--benchmark-disable", f"--perfgate-profile={out}", "--perfgate-profile-calls=3",
        *([f"--perfgate-profile-seconds={limit}"] if limit is not None else []),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(FOLDER)}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [entry] = json.loads(out.read_text())["benchmarks"].values()
    assert entry["calls"] in calls


@pytest.mark.slow
def test_profile_seconds_reaches_the_profiling_runs(project: Path, tmp_path: Path) -> None:
    # 1 ms: every call of parse() takes longer, so each side stops after its first call
    config = write_config(tmp_path, CONFIG.replace("seconds: 3600", "seconds: 0.001"))
    done = run_cli(
        "profile", "benchmarks/test_bench.py::test_work", "--base", "HEAD~1",
        "--config", config, cwd=project,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "cProfile, at least 1 calls a side" in done.stdout
    assert "changed: 2 \u2192 4" in done.stdout  # one call is enough to count step()'s calls


def test_profile_command_needs_a_pytest_benchmark_suite(tmp_path: Path) -> None:
    write_config(tmp_path, "version: 1\nharness:\n  type: asv\n")
    done = run_cli("profile", "x", "--base", "HEAD", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "perfgate: error: perfgate profile needs a pytest-benchmark suite (harness.type)"
    ]


def _flagged_report(count: int = 3) -> Report:
    def bench(name: str, level: float) -> Benchmark:
        rounds = tuple(
            tuple(level * (1 + 0.01 * ((i + r) % 5)) for i in range(40)) for r in range(4)
        )
        return Benchmark(name=name, short_name=name, unit="s", rounds=rounds)

    base = [bench(f"suite::test_{i}", 1e-3) for i in range(count)] + [bench("suite::same", 1e-3)]
    head = [bench(f"suite::test_{i}", 1e-3 * (1.15 + i)) for i in range(count)]
    return compare(base, [*head, bench("suite::same", 1e-3)], Config())


def test_what_is_profiled_follows_the_policy() -> None:
    report = _flagged_report()
    severities = {row.name: row.severity for row in report.rows}
    assert severities["suite::test_0"] == "minor"
    names = {row.name for row in flagged(report, Config())}
    assert names == {"suite::test_0", "suite::test_1", "suite::test_2"}  # not "same"
    major = Config(profile=ProfilePolicy(severity="major"))
    assert {row.name for row in flagged(report, major)} == {"suite::test_1", "suite::test_2"}
    assert flagged(report, Config(profile=ProfilePolicy(severity="off"))) == []
    assert len(flagged(report, Config(harness=Harness(type="asv")))) == 3
    command = Config(harness=Harness(type="command"))
    assert flagged(report, command) == []  # a command harness has nothing to profile with


def test_a_spent_time_budget_skips_profiling_and_says_so() -> None:
    report = _flagged_report()
    rows = flagged(report, Config())
    done = skipped(report, rows, "the time budget is spent")
    notes = {row.name: row.profile.note for row in done.rows if row.profile is not None}
    assert set(notes) == {row.name for row in rows}
    assert set(notes.values()) == {"no profile diff: the time budget is spent"}
    assert "no profile diff: the time budget is spent" in render(done, "markdown")
    again = report_from_dict(json.loads(render(done, "json")))
    assert [r.profile for r in again.rows] == [r.profile for r in done.rows]


def test_profile_tables_are_cut_to_fit_the_comment() -> None:
    report = _flagged_report(120)
    functions = tuple(
        FunctionChange(function=f"f{i} (" + "x" * 150 + ".py:1)", base=1e-3, head=2e-3,
                       calls_base=1, calls_head=1)
        for i in range(10)
    )  # fmt: skip
    with_profiles = replace(
        report,
        rows=tuple(replace(row, profile=Profile(functions=functions, calls=20))
                   for row in report.rows),
    )  # fmt: skip
    text = render_comment(with_profiles, Context())
    assert len(text.encode()) <= 65_536
    assert "profile table(s) left out (the text is limited)" in text
    assert "where the time went" in text  # the worst rows' tables are there


@pytest.mark.slow
def test_profile_of_no_such_benchmark_is_one_line(project: Path) -> None:
    done = run_cli(
        "profile", "benchmarks/test_bench.py::test_nope", "--base", "HEAD~1", cwd=project
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("perfgate: error:")]
    assert len(errors) == 1, done.stderr
    assert "pytest found none of these benchmarks in the suite" in errors[0]
    assert "(BENCH is a pytest node id, or its part after the last ::" in errors[0]
    assert "Traceback" not in done.stderr
