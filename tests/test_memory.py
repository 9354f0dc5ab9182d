"""Peak memory per pytest-benchmark benchmark (perfgate's pytest plugin), in budgets and in
`perfgate run`'s comparison."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.formats import load
from perfgate.pytest_plugin import FOLDER, MODULE
from tests.harnesses import git
from tests.helpers import run_cli, write_config

MB = 1_000_000

SUITE = """
import pytest


def build(n):
    return bytearray(n)


@pytest.mark.parametrize("mb", [1, 10, 50])
def test_bytearray(benchmark, mb):
    benchmark(build, mb * 1_000_000)


def test_list_of_ints(benchmark):
    # a list of n references: 8 bytes each on a 64-bit build, plus its header
    benchmark(lambda n: [None] * n, 1_000_000)


def test_pedantic_setup_is_not_counted(benchmark):
    def setup():
        return (bytearray(20_000_000),), {}

    benchmark.pedantic(lambda big: bytes(1_000_000), setup=setup, rounds=3)


def test_fixture_attributes_reach_pytest_benchmark(benchmark):
    benchmark.group = "attrs"
    benchmark.extra_info["kept"] = "yes"
    benchmark(sum, range(100))
"""


def run_suite(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--benchmark-max-time=0.01",
            *args,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def suite_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite above run by real pytest-benchmark with the plugin: its JSON file."""
    folder = tmp_path_factory.mktemp("memory")
    (folder / "test_suite.py").write_text(SUITE)
    done = run_suite(folder, "--perfgate-memory", "--benchmark-json=out.json")
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / "out.json"


@pytest.fixture(scope="module")
def measured(suite_output: Path) -> dict[str, list[float]]:
    """Samples by benchmark name (without the file part)."""
    [run] = load(suite_output)
    return {b.name.split("::")[-1]: list(b.rounds[0]) for b in run.benchmarks}


def test_peak_of_a_known_allocation_is_exact_to_a_few_hundred_bytes(
    measured: dict[str, list[float]],
) -> None:
    for mb in (1, 10, 50):
        peaks = measured[f"test_bytearray[{mb}] (peak memory)"]
        assert len(peaks) == 3  # --perfgate-memory-calls defaults to 3
        for peak in peaks:
            assert mb * MB <= peak <= mb * MB + 1024, (mb, peaks)
    for peak in measured["test_list_of_ints (peak memory)"]:
        assert 8 * MB <= peak <= 8 * MB + 1024


def test_pedantic_setup_allocations_are_left_out(measured: dict[str, list[float]]) -> None:
    for peak in measured["test_pedantic_setup_is_not_counted (peak memory)"]:
        assert MB <= peak <= MB + 1024  # the 20 MB the setup made are not in it


def test_timed_benchmarks_are_unchanged_beside_their_memory(suite_output: Path) -> None:
    raw = {b["name"]: b for b in json.loads(suite_output.read_text())["benchmarks"]}
    attrs = raw["test_fixture_attributes_reach_pytest_benchmark"]
    assert attrs["group"] == "attrs"  # the probe passes attribute access through
    assert attrs["extra_info"]["kept"] == "yes"
    [run] = load(suite_output)
    by_name = {b.short_name: b for b in run.benchmarks}
    timed = by_name["test_fixture_attributes_reach_pytest_benchmark"]
    memory = by_name["test_fixture_attributes_reach_pytest_benchmark (peak memory)"]
    assert (timed.unit, timed.extra) == ("s", {"kept": "yes"})
    assert timed.n >= 1
    assert (memory.unit, memory.group, memory.n) == ("B", "attrs", 3)
    assert len(run.benchmarks) == 2 * len(raw)  # one memory row beside every timed one


def test_without_the_flag_nothing_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(SUITE)
    done = run_suite(tmp_path, "--benchmark-json=out.json", "-k", "bytearray")
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(b.unit == "s" for b in load(tmp_path / "out.json")[0].benchmarks)


def test_plugin_loads_from_its_folder_without_perfgate(tmp_path: Path) -> None:
    """How `perfgate run` loads it in a side's environment: PYTHONPATH and ``-p``, with
    perfgate itself unimportable (the entry point under the same name is then skipped)."""
    (tmp_path / "test_suite.py").write_text(SUITE)
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'perfgate':\n"
        "            raise ImportError('perfgate is not installed here')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pytest\n"
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:randomly', "
        f"'-p', '{MODULE}', '--perfgate-memory', '--benchmark-max-time=0.01', "
        "'--benchmark-json=out.json', '-k', 'bytearray and 1]']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(FOLDER)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [raw] = json.loads((tmp_path / "out.json").read_text())["benchmarks"]
    assert len(raw["extra_info"]["perfgate_peak_memory"]) == 3


def test_memory_budget_in_megabytes_fails_the_check(suite_output: Path) -> None:
    write_config(
        suite_output.parent,
        "version: 1\nbudgets:\n"
        "  '*test_bytearray?50? (peak memory)':\n    target: 20MB\n    metric: max\n"
        "  '*test_bytearray?10? (peak memory)':\n    target: 500MB\n    metric: max\n"
        "  '*test_bytearray?1?':\n    target: 1s\n",
    )
    checked = run_cli("check", "out.json", "--format", "json", cwd=suite_output.parent)
    assert checked.returncode == 1, checked.stderr
    rows = {b["name"].split("::")[-1]: b for b in json.loads(checked.stdout)["benchmarks"]}
    assert rows["test_bytearray[50] (peak memory)"]["budget"]["status"] == "critical"
    assert rows["test_bytearray[10] (peak memory)"]["budget"]["status"] == "ok"
    assert rows["test_bytearray[1]"]["budget"]["status"] == "ok"  # the time budget, in seconds
    assert "budget" not in rows["test_bytearray[1] (peak memory)"]  # no memory rule for it


PACKAGE = """
FACTOR = {factor}


def build(n):
    return [None] * int(n * FACTOR)
"""

RUN_SUITE = """
import growpkg


def test_build(benchmark):
    benchmark(growpkg.build, 200_000)
"""

RUN_CONFIG = """
version: 1
harness:
  type: pytest-benchmark
  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=20",
         "--benchmark-max-time=0.05"]
  memory: true
"""


@pytest.mark.slow
def test_run_compares_memory_beside_time(tmp_path: Path) -> None:
    """A head that builds lists 3x as long: the peak-memory row says 3.0x, critical."""
    root = tmp_path / "project"
    (root / "src" / "growpkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "growpkg"\nversion = "0.1"\n'
    )
    (root / "src" / "growpkg" / "__init__.py").write_text(PACKAGE.format(factor=1.0))
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_bench.py").write_text(RUN_SUITE)
    (root / "perfgate.yml").write_text(RUN_CONFIG)
    (root / ".gitignore").write_text(".perfgate/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "src" / "growpkg" / "__init__.py").write_text(PACKAGE.format(factor=3.0))
    git(root, "commit", "-qam", "head: three times the memory")
    done = run_cli("run", "--base", "HEAD~1", "--rounds", "3", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    rows = {b["name"].split("::")[-1]: b for b in json.loads(done.stdout)["benchmarks"]}
    memory = rows["test_build (peak memory)"]
    assert memory["unit"] == "B"
    assert memory["severity"] == "critical"
    assert 2.95 < memory["ratio"] < 3.05  # tracemalloc counts bytes: no noise to speak of
    assert "test_build" in rows  # the time row is in the same report
    notes = json.loads(done.stdout)["notes"]
    assert any(note.startswith("Peak memory measured with tracemalloc") for note in notes)


NATIVE_PACKAGE = """
import sqlite3

MEGABYTES = {megabytes}


def build():
    # SQLite allocates its pages with plain malloc: tracemalloc never sees them
    con = sqlite3.connect(":memory:")
    con.execute("create table t (b)")
    con.execute("insert into t values (zeroblob(?))", (MEGABYTES * 1_000_000,))
    con.close()
"""

NATIVE_SUITE = """
import nativepkg


def test_native(benchmark):
    benchmark(nativepkg.build)
"""


@pytest.mark.slow
def test_memray_sees_native_allocations_and_the_gate_flags_their_growth(tmp_path: Path) -> None:
    """25 MB -> 50 MB of SQLite pages (plain malloc): memray, installed in the sides'
    environments, measures about 50 MB where tracemalloc sees a few kB, and the gate flags the
    2x growth; the report says memray measured."""
    root = tmp_path / "project"
    (root / "src" / "nativepkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "nativepkg"\nversion = "0.1"\n'
    )
    package = root / "src" / "nativepkg" / "__init__.py"
    package.write_text(NATIVE_PACKAGE.format(megabytes=25))
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_bench.py").write_text(NATIVE_SUITE)
    (root / "perfgate.yml").write_text(
        RUN_CONFIG.replace("  memory: true", "  memory: true\n  install: "
                           '["{tree}", "pytest", "pytest-benchmark", "memray"]')
    )  # fmt: skip
    (root / ".gitignore").write_text(".perfgate/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    package.write_text(NATIVE_PACKAGE.format(megabytes=50))
    git(root, "commit", "-qam", "head: twice the native memory")
    done = run_cli("run", "--base", "HEAD~1", "--rounds", "3", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    rows = {b["name"].split("::")[-1]: b for b in report["benchmarks"]}
    memory = rows["test_native (peak memory)"]
    assert 45 * MB <= memory["head"]["value"] <= 60 * MB  # SQLite's 50 MB, seen
    assert memory["severity"] == "critical"
    assert 1.8 < memory["ratio"] < 2.2
    assert any(note.startswith("Peak memory measured with memray") for note in report["notes"])

    # the same suite where memray is not installed (this environment): tracemalloc, blind
    folder = tmp_path / "fallback"
    folder.mkdir()
    (folder / "nativepkg.py").write_text(NATIVE_PACKAGE.format(megabytes=50))
    (folder / "test_suite.py").write_text(NATIVE_SUITE)
    args = ["--perfgate-memory", "--benchmark-json=out.json"]
    if importlib.util.find_spec("memray") is not None:  # a machine that has it after all
        args.append("--perfgate-memory-backend=tracemalloc")
    ran = run_suite(folder, *args)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [run] = load(folder / "out.json")
    [peak] = [b for b in run.benchmarks if b.name.endswith("(peak memory)")]
    assert peak.extra["memory_backend"] == "tracemalloc"
    assert max(peak.rounds[0]) < 1 * MB  # the pages are invisible to it


def test_brief_machine_info_leaves_out_py_cpuinfo_and_keeps_what_perfgate_reads(
    tmp_path: Path,
) -> None:
    """perfgate's rounds ask for the brief description (py-cpuinfo costs every round a
    Python process and several commands); without the flag pytest-benchmark's own stands."""
    import platform  # noqa: PLC0415

    (tmp_path / "test_suite.py").write_text(SUITE)
    brief = run_suite(
        tmp_path, "--perfgate-brief-machine-info", "--benchmark-json=brief.json", "-k", "ints"
    )
    assert brief.returncode == 0, brief.stdout + brief.stderr
    full = run_suite(tmp_path, "--benchmark-json=full.json", "-k", "ints")
    assert full.returncode == 0, full.stdout + full.stderr
    described = json.loads((tmp_path / "brief.json").read_text())["machine_info"]
    assert described["cpu"] == {"count": os.cpu_count()}
    assert "processor" not in described
    own = json.loads((tmp_path / "full.json").read_text())["machine_info"]
    assert "cpuinfo_version" in own["cpu"]  # py-cpuinfo's, as pytest-benchmark makes it
    assert {k: v for k, v in own.items() if k not in ("cpu", "processor")} == {
        k: v for k, v in described.items() if k != "cpu"
    }
    [run] = load(tmp_path / "brief.json")
    assert (run.metadata.machine, run.metadata.python) == (
        platform.node(),
        platform.python_version(),
    )
