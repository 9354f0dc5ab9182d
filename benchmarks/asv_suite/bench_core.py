"""perfgate's core operations at realistic sizes, for asv (history on main).

Workloads come from ``benchmarks.workloads``; only the asv wiring (params, setup) is here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, ClassVar

from benchmarks import workloads
from benchmarks.harness import run_pytest_benchmark, wide_suite_source


class ReadPytestBenchmark:
    """Reading a real pytest-benchmark JSON file of 10 and 1,000 benchmarks."""

    params: ClassVar[list[Any]] = [10, 1000]
    param_names: ClassVar[list[str]] = ["benchmarks"]
    timeout = 300

    def setup_cache(self) -> dict[int, str]:
        folder = Path(tempfile.mkdtemp(prefix="perfgate-asv-"))
        return {
            n: str(run_pytest_benchmark(folder / str(n), wide_suite_source(n), min_rounds=100))
            for n in self.params
        }

    def time_load(self, files: dict[int, str], n: int) -> None:
        workloads.load(Path(files[n]))

    def peakmem_load(self, files: dict[int, str], n: int) -> None:
        workloads.load(Path(files[n]))


class Statistics:
    """p95 with its interval: one round of 1,000 samples, and 10 rounds (bootstrap)."""

    params: ClassVar[list[Any]] = ["1x1000", "10x100"]
    param_names: ClassVar[list[str]] = ["rounds x samples"]

    def setup(self, shape: str) -> None:
        rounds, samples = (int(part) for part in shape.split("x"))
        self.benches = workloads.synthetic_benchmarks(20, samples, rounds=rounds)

    def time_summarize(self, _shape: str) -> None:
        workloads.summarize_all(self.benches)


class Compare:
    """``compare`` of head with base over 10 and 500 benchmarks, 5 rounds each."""

    params: ClassVar[list[Any]] = [10, 500]
    param_names: ClassVar[list[str]] = ["benchmarks"]
    timeout = 300

    def setup(self, n: int) -> None:
        self.base = workloads.synthetic_benchmarks(n, 50, rounds=5, seed=1)
        self.head = workloads.synthetic_benchmarks(n, 50, rounds=5, seed=2)
        self.config = workloads.budget_config(n)

    def time_compare(self, _n: int) -> None:
        workloads.compare_suite(self.base, self.head, self.config)

    def peakmem_compare(self, _n: int) -> None:
        workloads.compare_suite(self.base, self.head, self.config)


class ChangePoints:
    """Change-point detection over a 100- and a 10,000-point history."""

    params: ClassVar[list[Any]] = [100, 10_000]
    param_names: ClassVar[list[str]] = ["points"]
    timeout = 300

    def setup(self, n: int) -> None:
        self.values = workloads.stepped_series(n)

    def time_detect(self, _n: int) -> None:
        workloads.detect_steps(self.values)

    def peakmem_detect(self, _n: int) -> None:
        workloads.detect_steps(self.values)


class Render:
    """Rendering a 500-row report as markdown (and the terminal table)."""

    params: ClassVar[list[Any]] = ["markdown", "table"]
    param_names: ClassVar[list[str]] = ["format"]

    def setup(self, _fmt: str) -> None:
        self.report = workloads.check_suite(
            workloads.synthetic_benchmarks(500, 100), workloads.budget_config(500)
        )

    def time_render_500_rows(self, fmt: str) -> None:
        workloads.render_report(self.report, fmt)


class History:
    """The history store: inserting 200 commits x 20 benchmarks, and one series' query."""

    timeout = 300

    def setup(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="perfgate-asv-history-"))
        self.runs = workloads.history_runs(200, 20)
        self.store: Any = workloads.history_insert(self.folder / "query.sqlite", self.runs)
        self.count = 0

    def teardown(self) -> None:
        self.store.close()

    def time_insert(self) -> None:
        self.count += 1
        workloads.history_insert(self.folder / f"insert-{self.count}.sqlite", self.runs).close()

    def time_query(self) -> None:
        workloads.history_query(self.store, "suite/test_ops.py::test_op[7]")
