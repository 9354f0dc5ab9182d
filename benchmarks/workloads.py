"""perfgate's core operations at realistic sizes: the one source of workloads for every suite
that measures perfgate itself (the pytest-benchmark suite `nox -s perf` runs, and asv's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perfgate import formats
from perfgate.config import BudgetRule, Config, load_config
from perfgate.decisions.changepoints import detect
from perfgate.decisions.check import check
from perfgate.decisions.compare import compare
from perfgate.decisions.stats import summarize
from perfgate.history.importer import summary
from perfgate.history.store import Store, open_store
from perfgate.model import Benchmark, Metadata, Run, Summary
from perfgate.report import render
from perfgate.report.model import Report


def synthetic_benchmarks(
    count: int, samples: int, rounds: int = 1, seed: int = 0
) -> list[Benchmark]:
    """Benchmarks with log-normal timings around 1 us .. 10 ms, like a real suite's spread."""
    rng = np.random.default_rng(seed)
    centres = 10.0 ** rng.uniform(-6, -2, size=count)
    return [
        Benchmark(
            name=f"suite/test_ops.py::test_op[{i}]",
            short_name=f"test_op[{i}]",
            unit="s",
            rounds=tuple(
                tuple(float(v) for v in centre * rng.lognormal(0.0, 0.05, samples))
                for _ in range(rounds)
            ),
        )
        for i, centre in enumerate(centres)
    ]


def budget_config(count: int) -> Config:
    """A config whose budgets match every synthetic benchmark (and a few that match none)."""
    rules = [
        BudgetRule(
            pattern=f"*test_op[[]{i}[]]",
            target=5e-3,
            warning=6e-3,
            critical=7.5e-3,
            unit="s",
            metric="p95",
        )
        for i in range(0, count, 2)
    ]
    rules.append(
        BudgetRule(
            pattern="*", target=1e-2, warning=1.2e-2, critical=1.5e-2, unit="s", metric="p95"
        )
    )
    return Config(budgets=tuple(rules))


def load(path: Path) -> list[Run]:
    return formats.load(path)


def load_config_file(path: Path) -> Config:
    return load_config(path)


def summarize_all(benchmarks: list[Benchmark], metric: str = "p95") -> list[Summary]:
    return [summarize(b, metric) for b in benchmarks]


def check_suite(benchmarks: list[Benchmark], config: Config) -> Report:
    return check(benchmarks, config)


def render_report(report: Report, fmt: str) -> str:
    return render(report, fmt, width=120)


def compare_suite(base: list[Benchmark], head: list[Benchmark], config: Config) -> Report:
    return compare(base, head, config)


def stepped_series(length: int, seed: int = 0) -> list[float]:
    """A noisy history with a 20% step two thirds of the way along."""
    rng = np.random.default_rng(seed)
    values = 1e-3 * rng.lognormal(0.0, 0.03, length)
    values[2 * length // 3 :] *= 1.2
    return [float(v) for v in values]


def detect_steps(values: list[float]) -> int:
    return len(detect(values))


def history_runs(commits: int, benchmarks: int) -> list[Run]:
    """``commits`` runs of ``benchmarks`` benchmarks each, one per commit."""
    series = synthetic_benchmarks(benchmarks, 20)
    return [
        Run(
            metadata=Metadata(
                commit=f"{i:040x}", machine="bench", timestamp="2026-01-01T00:00:00+00:00"
            ),
            benchmarks=tuple(series),
        )
        for i in range(commits)
    ]


def history_insert(path: Path, runs: list[Run]) -> Store:
    store = open_store(path, create=True)
    for run in runs:
        store.add_run(run, [summary(b) for b in run.benchmarks])
    store.set_positions([str(r.metadata.commit) for r in runs])
    return store


def history_query(store: Store, name: str) -> int:
    return sum(len(points) for _key, points in store.series(name, "p95"))


def monitor_measures(count: int) -> int:
    """``count`` empty ``measure()`` blocks (no memory sampling) on a fresh monitor: the
    monitor's own overhead per measurement is the time divided by ``count``."""
    from perfgate.monitor import Monitor  # noqa: PLC0415

    m = Monitor(enabled=True)
    for _ in range(count):
        with m.measure("op"):
            pass
    return count
