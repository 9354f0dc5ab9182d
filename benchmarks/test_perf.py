"""The pytest-benchmark suite of perfgate's own operations (`nox -s perf` runs it).

Workloads come from :mod:`benchmarks.workloads` (the asv suite in benchmarks/asv_suite runs
the same ones at their large sizes); names are what perfgate.yml's budgets match. Sizes here
are small so that each benchmark gets 75+ samples (enough for a bounded p95) in about a
second or two: this suite runs in every round of every comparison.
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
    """A real pytest-benchmark file: 50 benchmarks x 1,000 samples."""
    folder = tmp_path_factory.mktemp("pb-50x1000")
    return run_pytest_benchmark(folder, wide_suite_source(50), min_rounds=1000)


def test_load_pytest_benchmark_50x1000(benchmark: Any, pytest_benchmark_file: Path) -> None:
    runs = benchmark(workloads.load, pytest_benchmark_file)
    assert len(runs[0].benchmarks) == 50


def test_summarize_100x1000_one_round(benchmark: Any) -> None:
    benches = workloads.synthetic_benchmarks(100, 1000)
    summaries = benchmark(workloads.summarize_all, benches)
    assert all(s.interval.method == "within-process" for s in summaries)


def test_summarize_2x10_rounds_bootstrap(benchmark: Any) -> None:
    benches = workloads.synthetic_benchmarks(2, 100, rounds=10)
    summaries = benchmark(workloads.summarize_all, benches)
    assert all(s.interval.method == "round-bootstrap" for s in summaries)


def test_check_100_budgets(benchmark: Any) -> None:
    benches = workloads.synthetic_benchmarks(100, 100)
    report = benchmark(workloads.check_suite, benches, workloads.budget_config(100))
    assert len(report.rows) == 100


@pytest.mark.parametrize("fmt", ["markdown", "table", "json"])
def test_render_500_rows(benchmark: Any, fmt: str) -> None:
    report = workloads.check_suite(
        workloads.synthetic_benchmarks(500, 100), workloads.budget_config(500)
    )
    text = benchmark(workloads.render_report, report, fmt)
    # the terminal table shows the worst 100 rows and says how many more there are
    assert ("400 more rows" if fmt == "table" else "test_op[499]") in text


def test_compare_3_benchmarks_5_rounds(benchmark: Any) -> None:
    base = workloads.synthetic_benchmarks(3, 50, rounds=5, seed=1)
    head = workloads.synthetic_benchmarks(3, 50, rounds=5, seed=2)
    report = benchmark(workloads.compare_suite, base, head, workloads.budget_config(3))
    assert all(row.change is not None for row in report.rows)


def test_detect_steps_300_points(benchmark: Any) -> None:
    found = benchmark(workloads.detect_steps, workloads.stepped_series(300))
    assert found >= 1  # the 20% step two thirds of the way along


def test_history_insert_20_commits(benchmark: Any, tmp_path: Path) -> None:
    runs = workloads.history_runs(20, 20)
    paths = (tmp_path / f"insert-{i}.sqlite" for i in range(1_000_000))
    benchmark(lambda: workloads.history_insert(next(paths), runs).close())


def test_history_query_200_commits(benchmark: Any, tmp_path: Path) -> None:
    store = workloads.history_insert(tmp_path / "query.sqlite", workloads.history_runs(200, 20))
    try:
        points = benchmark(workloads.history_query, store, "suite/test_ops.py::test_op[7]")
    finally:
        store.close()
    assert points == 200


def test_monitor_1000_measures(benchmark: Any) -> None:
    # perfgate.monitor's overhead: p95 / 1000 is the cost of one measure() (target <= 2 us)
    assert benchmark(workloads.monitor_measures, 1000) == 1000


def test_load_config(benchmark: Any) -> None:
    config = benchmark(workloads.load_config_file, ROOT / "perfgate.yml")
    assert config.budgets
