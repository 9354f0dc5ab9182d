"""`perfgate run` driving asv: one `asv run` per side and round, in perfgate's environments."""

from __future__ import annotations

import json
import platform
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.harnesses import git, make_asv_project
from tests.helpers import run_cli, slow_package_project

SUITE = """
import slowpkg
from slowpkg import cpu


def time_work():
    slowpkg.work(20000)


def time_parse():
    cpu.parse()


def track_items():
    return 10


track_items.unit = "items"


def time_fails():
    raise RuntimeError("fails on both sides, on purpose")
"""

CPU = """
from slowpkg import FACTOR


def parse():
    total = 0
    for i in range(int(20000 * FACTOR)):
        total += i * i
    return total
"""

# asv's own environment type is named to show that `perfgate run` does not use it
ASV_CONF = """{
    // asv reads its config as JSON5: comments and all
    "version": 1,
    "project": "slowpkg",
    "repo": ".",
    "environment_type": "virtualenv",
    "benchmark_dir": "benchmarks",
    "results_dir": "results",
    "html_dir": "html",
    "branches": ["HEAD"],
}
"""

CONFIG = """
version: 1
harness:
  type: asv
  args: ["--attribute", "processes=1", "--attribute", "repeat=40",
         "--attribute", "warmup_time=0"]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A src-layout package with an asv suite; head makes `work` ten times as slow."""
    files = {
        # fixed work that head's FACTOR multiplies: cProfile charges it to parse() itself
        "src/slowpkg/cpu.py": CPU,
        "benchmarks/__init__.py": "",
        "benchmarks/bench.py": SUITE,
        "asv.conf.json": ASV_CONF,
        "perfgate.yml": CONFIG,
    }
    return slow_package_project(tmp_path_factory.mktemp("asvproject"), files)


@pytest.mark.slow
def test_run_base_with_asv_finds_the_slowdown(project: Path) -> None:
    home = project / ".perfgate" / "home"  # asv keeps its machine file in $HOME
    home.mkdir(parents=True)
    out = project / ".perfgate" / "asv-run"
    done = run_cli(
        "run",
        "--base",
        "HEAD~1",
        "--rounds",
        "5",
        "--format",
        "json",
        "--rounds-dir",
        out,
        cwd=project,
        env={"HOME": str(home)},
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["rounds_used"] == 5
    assert report["failed"] == ["bench.time_fails"]  # `run --base` dropped the list
    rows = {bench["name"]: bench for bench in report["benchmarks"]}
    slow = rows["bench.time_work"]
    assert slow["severity"] == "critical"
    assert slow["change"]["method"] == "paired-rounds"
    assert slow["ratio"] > 1.5  # direction and severity, not the size of a real timing
    assert slow["base"]["rounds"] == slow["head"]["rounds"] == 5
    # a track_ benchmark is one value per round, the same on both sides
    assert rows["bench.track_items"]["severity"] == "none"
    # the flagged benchmark was profiled with asv's own --profile, once per side: the added
    # time is in the sleep that `work` calls ten times as long, and `work` is in the list
    functions = slow["profile"]["functions"]
    assert functions[0]["function"].startswith("<built-in method time.sleep>")
    assert functions[0]["head"] > 5 * functions[0]["base"]
    [work] = [f for f in functions if f["function"].startswith("work (slowpkg/__init__.py:")]
    assert (work["calls_base"], work["calls_head"]) == (1, 1)
    assert "profile" not in rows["bench.track_items"]
    # a named function doing ten times the work comes first by added time
    parsed = rows["bench.time_parse"]["profile"]["functions"]
    assert parsed[0]["function"].startswith("parse (slowpkg/cpu.py:")
    assert (parsed[0]["calls_base"], parsed[0]["calls_head"]) == (1, 1)
    # one asv results file per side and round, with asv's benchmarks.json beside them
    for side in ("base", "head"):
        assert len(list((out / side).glob("round-*.json"))) == 5
        assert (out / side / "benchmarks.json").is_file()
        recorded = json.loads((out / side / "round-000.json").read_text())
        assert recorded["env_name"].startswith("existing")
    # asv wrote into perfgate's private copy of its config, never into the project's results
    assert not (project / "results").exists()
    assert (home / ".asv-machine.json").is_file()


@pytest.mark.slow
def test_run_with_asv_checks_head_and_lists_failures(tmp_path: Path) -> None:
    project = make_asv_project(tmp_path / "demo")
    (project / "perfgate.yml").write_text(
        "version: 1\nharness:\n  type: asv\n  args: ['--attribute', 'repeat=5']\n"
        "budgets:\n  '*time_simple':\n    target: 10s\n"
    )
    done = run_cli(
        "run", "--rounds", "2", "--format", "json", cwd=project, env={"HOME": str(tmp_path)}
    )
    # asv exits 2 for the benchmark that fails on purpose; perfgate reads the rest
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    names = {bench["name"] for bench in report["benchmarks"]}
    assert "bench.time_simple" in names
    assert "bench.TimeSuite.time_range(10, 'a')" in names
    assert report["failed"] == ["bench.time_fails"]
    simple = next(b for b in report["benchmarks"] if b["name"] == "bench.time_simple")
    assert simple["head"]["rounds"] == 2
    assert simple["budget"]["status"] == "ok"


def test_missing_asv_config_and_empty_repository_are_one_line(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "perfgate.yml").write_text(
        "version: 1\nharness:\n  type: asv\n  asv-config: conf/asv.json\n"
    )
    done = run_cli("run", cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr == f"perfgate: error: {tmp_path} has no commit yet (HEAD does not exist)\n"
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "config")
    done = run_cli("run", cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        "conf/asv.json: no such file (set harness.asv-config in perfgate.yml)"
    )
    assert len(done.stderr.splitlines()) == 1
    # nothing was asked of asv yet: its machine file is written only when a run can start
    assert not (tmp_path / ".asv-machine.json").exists()


@pytest.mark.slow
def test_run_base_with_asv_counts_bytecodes(project: Path, tmp_path: Path) -> None:
    """metrics: [time, bytecodes] on an asv suite: a counting run per side and round in the
    side's environment; the loop with ten times the iterations is critical on its count, the
    sleeping benchmark's count is exactly the same on both sides, and the rows go into a
    history like any round's."""
    out, rows = _counted_run(project, tmp_path, "bytecodes")
    parse = rows["bench.time_parse (bytecodes)"]
    work = rows["bench.time_work (bytecodes)"]
    assert work["ratio"] == 1.0  # the same Python on both sides: the sleep is C
    assert work["severity"] == "none"
    db = tmp_path / "history.sqlite"
    imported = run_cli("history", "import", out / "head", "--db", db)
    assert imported.returncode == 0, imported.stderr
    shown = run_cli(
        "history", "show", "bench.time_parse (bytecodes)", "--db", db, "--format", "json"
    )
    assert shown.returncode == 0, shown.stderr
    (series,) = json.loads(shown.stdout)["series"]
    assert (series["benchmark"], series["unit"]) == ("bench.time_parse (bytecodes)", "bytecodes")
    # a point per round file, each the same exact count
    assert [p["value"] for p in series["points"]] == [parse["head"]["value"]] * 2


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("valgrind") is None or platform.machine().lower() not in ("x86_64", "amd64"),
    reason="needs valgrind on x86-64 (.ci/run installs it on Debian)",
)
def test_run_base_with_asv_counts_instructions(project: Path, tmp_path: Path) -> None:
    """metrics: [time, instructions] on an asv suite: the counting run under callgrind in the
    side's environment; ten times the loop is critical on its instruction count, and the
    sleeping benchmark's count moves by far less than the loop's."""
    _out, rows = _counted_run(project, tmp_path, "instructions")
    assert rows["bench.time_work (instructions)"]["ratio"] < 1.5  # the sleep is not counted


def _counted_run(project: Path, tmp_path: Path, metric: str) -> tuple[Path, dict[str, Any]]:
    """`perfgate run --base HEAD~1 --rounds 2` with ``metric`` counted beside time: the
    rounds folder and the report's rows, after what both counts must show: the loop with ten
    times the iterations critical on its count, a count file per side and round, and no count
    for a benchmark that is not timed or that fails."""
    config = tmp_path / "counts.yml"  # outside the project: its working tree stays head's
    config.write_text(CONFIG + f"metrics: [time, {metric}]\n")
    home = tmp_path / "home"
    home.mkdir()
    out = project / ".perfgate" / f"asv-{metric}"
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--format", "json", "--rounds-dir", out,
        "--config", config, cwd=project, env={"HOME": str(home)},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = {bench["name"]: bench for bench in json.loads(done.stdout)["benchmarks"]}
    parse = rows[f"bench.time_parse ({metric})"]
    assert parse["unit"] == metric
    assert parse["severity"] == "critical"
    assert parse["ratio"] > 5  # ten times the loop's iterations, counted exactly
    assert not any(n.startswith(("bench.track_items (", "bench.time_fails (")) for n in rows)
    for side in ("base", "head"):
        files = sorted(p.name for p in (out / side).glob(f"{metric}-*.json"))
        assert files == [f"{metric}-000.json", f"{metric}-001.json"]
    return out, rows
