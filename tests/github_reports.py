"""Real JSON reports for the GitHub tests: pytest-benchmark runs compared by `perfgate compare`.

Benchmark names come from pytest parametrize ids chosen to be hostile (markdown, HTML,
@mentions, backticks, pipes, very long text); pytest-benchmark writes them as it would for
any project.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.harnesses import run_pytest_benchmark
from tests.helpers import run_cli

HOSTILE_IDS = [
    "<img src=x onerror=alert(1)>",
    "@octocat-please-look",
    "pipe | and `tick` and **bold**",
    "[link](https://evil.example) <!-- hidden -->",
    "plain",
    "z" * 300,
]

SLOWING_SUITE = """
import time

import pytest

FACTOR = {factor}
IDS = {ids!r}


@pytest.mark.parametrize("case", range(len(IDS)), ids=IDS)
def test_work(benchmark, case):
    # the first two sleep FACTOR times as long; the rest the same on both sides (sleeps: no
    # load on the machine fakes or hides the difference)
    benchmark(time.sleep, 0.0005 * (FACTOR if case < 2 else 1.0))
"""

WIDE_SUITE = """
import pytest


IDS = [f"case_{{i:03d}}_" + "w" * 240 for i in range({count})]


@pytest.mark.parametrize("case", range({count}), ids=IDS)
def test_case(benchmark, case):
    benchmark(sum, range(case % 50))
"""


def compared_report(folder: Path, suite: str, rounds: int, min_rounds: int, **fmt: object) -> Path:
    """Run ``suite`` ``rounds`` times per side (head with ``factor``), compare, return the JSON
    report's path."""
    for side in ("base", "head"):
        (folder / side).mkdir(parents=True)
    for i in range(rounds):  # interleaved, as `perfgate run` pairs them
        for side in ("base", "head"):
            factor = fmt.get(f"{side}_factor", 1.0)
            source = suite.format(factor=factor, ids=HOSTILE_IDS, count=fmt.get("count", 0))
            out = run_pytest_benchmark(folder / f"work-{side}-{i}", source, min_rounds=min_rounds)
            shutil.copy(out, folder / side / f"round-{i:03d}.json")
    report = folder / "report.json"
    # the median: these reports are about names and layout, and must not hang on load spikes
    (folder / "perfgate.yml").write_text("version: 1\nmetric: p50\n")
    done = run_cli("compare", "base", "head", "--format", "json", "--output", report, cwd=folder)
    assert done.returncode in (0, 1), done.stderr
    return report


def slowdown_report(folder: Path) -> Path:
    """Six hostile names, two of them sleeping 10x as long in head: a critical, failing
    report whatever else loads the machine."""
    return compared_report(folder, SLOWING_SUITE, rounds=5, min_rounds=80, head_factor=10.0)


def wide_report(folder: Path, count: int = 200) -> Path:
    """``count`` benchmarks with 250-character names: a comment that must be cut to fit."""
    return compared_report(folder, WIDE_SUITE, rounds=2, min_rounds=5, count=count)
