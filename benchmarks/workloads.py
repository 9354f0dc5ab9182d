"""perfgate's core operations at realistic sizes: the one source of workloads for every suite
that measures perfgate itself (the pytest-benchmark suite `nox -s perf` runs, and asv's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perfgate import formats
from perfgate.check import check
from perfgate.config import BudgetRule, Config, load_config
from perfgate.model import Benchmark, Run
from perfgate.report import render
from perfgate.stats import Summary, summarize
from perfgate.verdicts import Report


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
