"""Session-wide fixtures: real harness output, produced once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import harnesses

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The fast lane (`nox -s tests -- -m "not slow"`) leaves out the end-to-end tests: these modules
# run perfgate, a harness or git as processes, a server, a browser or a fuzzer; so does any test
# that asks for a session fixture made by running a harness.
END_TO_END = (
    "commands/", "github/", "history/test_history.py", "history/test_postgresql.py",
    "history/test_site.py", "history/test_asv_site.py", "history/test_notify.py",
    "history/test_accepted.py", "harness/test_environments.py",
    "test_fuzz.py", "test_memory.py", "test_own_suite.py",
    "test_quality.py", "test_timers.py", "test_cli.py", "test_bad_input.py", "test_secrets.py",
    "test_exact_bootstrap.py", "test_monitor.py",
)  # fmt: skip
HARNESS_FIXTURES = {
    "bench_json", "bench_rounds", "asv_project", "asv_results", "asv_results_no_samples",
    "asv_v1_results",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        where = item.path.relative_to(tests).as_posix()
        fixtures = set(getattr(item, "fixturenames", ()))
        if where.startswith(END_TO_END) or fixtures & HARNESS_FIXTURES:
            item.add_marker(pytest.mark.slow)


PYTEST_BENCHMARK_SUITE = """
import time

import pytest


@pytest.mark.parametrize("n", [10, 1000])
def test_parse_sum(benchmark, n):
    benchmark.extra_info["size"] = n
    benchmark(sum, range(n))


@pytest.mark.benchmark(group="sorting")
def test_sort(benchmark):
    benchmark(sorted, list(range(200, 0, -1)))


def test_sleep_2ms(benchmark):
    benchmark(time.sleep, 0.002)
"""


@pytest.fixture(scope="session")
def bench_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ``pytest --benchmark-json`` file: 4 benchmarks, >= 100 raw samples each."""
    folder = tmp_path_factory.mktemp("pytest-benchmark")
    return harnesses.run_pytest_benchmark(folder, PYTEST_BENCHMARK_SUITE)


@pytest.fixture(scope="session")
def bench_rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of 3 round files: the same suite run in 3 separate processes."""
    rounds = tmp_path_factory.mktemp("rounds")
    for i in range(3):
        out = harnesses.run_pytest_benchmark(
            tmp_path_factory.mktemp(f"round{i}"), PYTEST_BENCHMARK_SUITE, min_rounds=60
        )
        shutil.copy(out, rounds / f"round-{i}.json")
    return rounds


@pytest.fixture(scope="session")
def asv_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return harnesses.make_asv_project(tmp_path_factory.mktemp("asv-project"))


@pytest.fixture(scope="session")
def asv_results(asv_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """asv >= 0.6 results (format v2) with raw samples: the ``results`` directory."""
    project = tmp_path_factory.mktemp("asv-v2")
    shutil.copytree(asv_project, project, dirs_exist_ok=True)
    return harnesses.run_asv(
        harnesses.asv_executable(), project, "--record-samples", "-a", "repeat=12"
    )


@pytest.fixture(scope="session")
def asv_results_no_samples(asv_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """asv results without ``--record-samples``: only stored statistics for timings."""
    project = tmp_path_factory.mktemp("asv-v2-nosamples")
    shutil.copytree(asv_project, project, dirs_exist_ok=True)
    return harnesses.run_asv(harnesses.asv_executable(), project, "-a", "repeat=5")


@pytest.fixture(scope="session")
def asv_v1_results(
    asv_project: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Path:
    """asv 0.4.2 results (format v1). The legacy asv install is cached across sessions."""
    assert pytestconfig.cache is not None
    venv_dir = pytestconfig.cache.mkdir("asv-0.4.2-venv")
    asv = harnesses.legacy_asv(venv_dir)
    project = tmp_path_factory.mktemp("asv-v1")
    shutil.copytree(asv_project, project, dirs_exist_ok=True)
    return harnesses.run_asv(asv, project, "--record-samples", "-a", "repeat=12")


def result_files(results: Path) -> list[Path]:
    """asv result files under a results directory (not benchmarks.json/machine.json)."""
    return [p for p in sorted(results.glob("*/*.json")) if p.name != "machine.json"]


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA
