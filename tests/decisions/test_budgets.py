from __future__ import annotations

import pytest

from perfgate.config import BudgetRule
from perfgate.decisions.budgets import evaluate, find_rule
from perfgate.model import Interval, Summary


def rule(
    pattern: str = "*", target: float = 1.0, unit: str = "s", direction: str = "lower"
) -> BudgetRule:
    higher = direction == "higher"
    return BudgetRule(
        pattern=pattern,
        target=target,
        warning=target / 1.2 if higher else target * 1.2,
        critical=target / 1.5 if higher else target * 1.5,
        unit=unit,
        metric="p95",
        direction=direction,  # type: ignore[arg-type]
    )


def summary(
    value: float,
    low: float | None,
    high: float | None,
    method: str = "within-process",
    direction: str = "lower",
) -> Summary:
    return Summary(
        name="b",
        unit="s",
        direction=direction,  # type: ignore[arg-type]
        metric="p95",
        value=value,
        interval=Interval(low, high, method),  # type: ignore[arg-type]
        n=100,
        rounds=1,
        raw_samples=True,
        few_samples=False,
        metric_used="p95",
    )


@pytest.mark.parametrize(
    ("value", "low", "high", "status"),
    [
        (0.9, 0.85, 0.95, "ok"),
        (1.1, 1.05, 1.15, "slow"),
        (1.3, 1.25, 1.35, "warning"),
        (1.6, 1.55, 1.65, "critical"),  # the whole interval is over 1.5
        (1.6, 1.45, 1.65, "warning"),  # over 1.5, but the interval reaches back: possibly
        (1.6, None, None, "warning"),  # unbounded interval: cannot be sure
    ],
)
def test_lower_is_better(value: float, low: float | None, high: float | None, status: str) -> None:
    verdict = evaluate(summary(value, low, high), rule())
    assert verdict.status == status
    if (value, low) == (1.6, 1.45):
        assert verdict.note is not None
        assert verdict.note == (
            "possibly critical: 1.60 s is past the critical limit 1.50 s, but its 95% interval "
            "extends back to 1.45 s, inside it"
        )


def test_no_interval_judged_on_value() -> None:
    verdict = evaluate(summary(1.6, None, None, method="none"), rule())
    assert verdict.status == "critical"
    assert verdict.note is not None


@pytest.mark.parametrize(
    ("value", "high", "status"),
    [
        (1200.0, 1250.0, "ok"),
        (900.0, 950.0, "slow"),
        (700.0, 750.0, "warning"),
        (600.0, 650.0, "critical"),  # below target / 1.5 = 666.7, interval too
        (600.0, 700.0, "warning"),  # interval reaches above the critical limit
    ],
)
def test_higher_is_better(value: float, high: float, status: str) -> None:
    verdict = evaluate(
        summary(value, value * 0.95, high, direction="higher"),
        rule(target=1000.0, unit="", direction="higher"),
    )
    assert verdict.status == status


def test_first_matching_rule_with_fitting_unit_wins() -> None:
    rules = [rule("*peakmem_*", unit="B"), rule("bench.*", target=2.0), rule("*", target=3.0)]
    assert find_rule("bench.peakmem_x", "peakmem_x", "B", rules) is rules[0]
    assert find_rule("bench.time_x", "time_x", "s", rules) is rules[1]
    # a time budget does not apply to memory: the memory benchmark falls through to none
    assert find_rule("other.mem_x", "mem_x", "B", rules[1:]) is None
    assert (
        find_rule("pkg/test_a.py::test_load", "test_load", "s", [rule("test_load")]) is not None
    )  # matched by the short name
    # a parametrized name is itself, not a glob whose [1000] would match one character
    full = "pkg/test_a.py::test_parse[1000]"
    assert find_rule(full, "test_parse[1000]", "s", [rule("test_parse[1000]")]) is not None
    assert find_rule(full, "test_parse[1000]", "s", [rule(full)]) is not None
    assert find_rule(full, "test_parse[1000]", "s", [rule("test_parse[10]")]) is None


def test_instruction_counts_take_budgets_as_bare_numbers() -> None:
    """`target: 2000000` on an instruction row: judged on the exact count (its min), with no
    "few samples" note, and the table shows it in instructions."""
    from perfgate.config import Config  # noqa: PLC0415
    from perfgate.decisions.check import check  # noqa: PLC0415
    from perfgate.model import Benchmark  # noqa: PLC0415
    from perfgate.report import render  # noqa: PLC0415

    rule = BudgetRule(
        pattern="*(instructions)", target=2e6, warning=2.4e6, critical=3e6, unit="", metric="p95"
    )
    counted = Benchmark(
        name="suite::test_parse (instructions)",
        short_name="test_parse (instructions)",
        unit="instructions",
        rounds=((2.5e6,), (2.5e6,)),
    )
    report = check([counted], Config(budgets=(rule,)))
    [row] = report.rows
    assert row.status == "warning"  # 2.5 M: over 2.4 M, under 3 M
    assert not row.head.few_samples
    assert "2.50M instructions" in render(report, "table", width=200)
