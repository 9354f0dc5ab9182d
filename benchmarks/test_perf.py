"""The pytest-benchmark suite of perfgate's own operations (`nox -s perf` runs it).

Workloads come from :mod:`benchmarks.workloads`; names are what perfgate.yml's budgets match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks import workloads
from benchmarks.harness import run_pytest_benchmark, wide_suite_source

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def pytest_benchmark_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real pytest-benchmark file: 100 benchmarks x 1,000 samples."""
    folder = tmp_path_factory.mktemp("pb-100x1000")
    return run_pytest_benchmark(folder, wide_suite_source(100), min_rounds=1000)


def test_load_pytest_benchmark_100x1000(benchmark: Any, pytest_benchmark_file: Path) -> None:
    runs = benchmark(workloads.load, pytest_benchmark_file)
    assert len(runs[0].benchmarks) == 100


def test_summarize_100x1000_one_round(benchmark: Any) -> None:
    benches = workloads.synthetic_benchmarks(100, 1000)
    summaries = benchmark(workloads.summarize_all, benches)
    assert all(s.interval.method == "within-process" for s in summaries)


def test_summarize_20x10_rounds_bootstrap(benchmark: Any) -> None:
    benches = workloads.synthetic_benchmarks(20, 100, rounds=10)
    summaries = benchmark(workloads.summarize_all, benches)
    assert all(s.interval.method == "round-bootstrap" for s in summaries)


def test_check_500_budgets(benchmark: Any) -> None:
    benches = workloads.synthetic_benchmarks(500, 100)
    report = benchmark(workloads.check_suite, benches, workloads.budget_config(500))
    assert len(report.rows) == 500


@pytest.mark.parametrize("fmt", ["markdown", "table", "json"])
def test_render_500_rows(benchmark: Any, fmt: str) -> None:
    report = workloads.check_suite(
        workloads.synthetic_benchmarks(500, 100), workloads.budget_config(500)
    )
    text = benchmark(workloads.render_report, report, fmt)
    # the terminal table shows the worst 100 rows and says how many more there are
    assert ("400 more rows" if fmt == "table" else "test_op[499]") in text


def test_load_config(benchmark: Any) -> None:
    config = benchmark(workloads.load_config_file, ROOT / "perfgate.yml")
    assert config.budgets
