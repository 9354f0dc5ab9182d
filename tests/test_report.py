"""Renderers against golden files: the exact output for fixed samples, at a pinned width."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from perfgate.check import check
from perfgate.config import BudgetRule, Config
from perfgate.model import Benchmark
from perfgate.report import render
from perfgate.report.markdown import escape

GOLDEN = Path(__file__).parent / "golden"


def _rule(pattern: str, target: float, unit: str = "s") -> BudgetRule:
    return BudgetRule(
        pattern=pattern,
        target=target,
        warning=target * 1.2,
        critical=target * 1.5,
        unit=unit,
        metric="p95",
    )


def _report_input() -> tuple[list[Benchmark], Config]:
    def samples(base: float, count: int) -> tuple[float, ...]:
        return tuple(base * (1 + (i % 10) / 100) for i in range(count))

    benchmarks = [
        Benchmark(
            name="suite::test_fast", short_name="test_fast", unit="s", rounds=(samples(1e-5, 100),)
        ),
        Benchmark(
            name="suite::test_slow",
            short_name="test_slow",
            unit="s",
            rounds=tuple(samples(0.05, 40) for _ in range(3)),
        ),
        Benchmark(
            name="suite::test_few", short_name="test_few", unit="s", rounds=(samples(2e-3, 12),)
        ),
        Benchmark(
            name="bench.peakmem_load", short_name="peakmem_load", unit="B", rounds=((2.5e7,),)
        ),
        Benchmark(
            name="bench.time_stored", short_name="time_stored", unit="s", stored={"p50": 0.3}
        ),
    ]
    config = Config(
        budgets=(
            _rule("*test_fast", 1e-3),
            _rule("*test_slow", 0.03),
            _rule("*peakmem_*", 5e7, "B"),
            _rule("nothing_*", 1.0),
        ),
        source="perfgate.yml",
    )
    return benchmarks, config


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_golden(fmt: str) -> None:
    benchmarks, config = _report_input()
    report = check(benchmarks, config, failed=["bench.time_broken"], sources=["results.json"])
    text = render(report, fmt, width=100)
    golden = GOLDEN / f"check.{ {'table': 'txt', 'markdown': 'md', 'json': 'json'}[fmt] }"
    if os.environ.get("PERFGATE_REGENERATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_verdict_follows_fail_on() -> None:
    benchmarks, config = _report_input()
    # test_slow's p95 (~0.054 s) is clearly over its critical limit (0.045 s)
    assert check(benchmarks, config).verdict == "fail"
    relaxed = Config(budgets=config.budgets, fail_on="never")
    assert check(benchmarks, relaxed).verdict == "pass"
    report = json.loads(render(check(benchmarks, config), "json"))
    assert report["benchmarks"][0]["name"] == "suite::test_slow"  # worst first


def test_markdown_escapes_user_text() -> None:
    assert escape("a|b <img src=x> @team *x*") == r"a\|b \<img src=x\> \@team \*x\*"
