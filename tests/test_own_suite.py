"""This repository's perfgate.yml and its perf suite agree: every benchmark of
benchmarks/test_perf.py has a budget, and every budget is some benchmark's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from perfgate.config import load_config
from perfgate.decisions.budgets import find_rule

ROOT = Path(__file__).resolve().parent.parent


def test_every_perf_benchmark_has_exactly_the_budget_meant_for_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly",
         "benchmarks/test_perf.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    names = [line for line in done.stdout.splitlines() if "::" in line]
    assert len(names) >= 12
    config = load_config(ROOT / "perfgate.yml")
    used = set()
    for name in names:
        rule = find_rule(name, name.split("::")[-1], "s", config.budgets)
        assert rule is not None, f"{name} has no budget in perfgate.yml"
        used.add(rule.pattern)
    assert used == {rule.pattern for rule in config.budgets}  # no budget left over
    assert config.harness.args[0] == "benchmarks/test_perf.py"
