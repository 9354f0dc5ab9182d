"""The gate: each decision made once per row (fails, annotation level, reasons), the order of
the rows and the verdict, for every `fail-on`."""

from __future__ import annotations

import pytest

from perfgate import gate
from perfgate.model import Interval, Summary
from perfgate.options import FAIL_ON, SEVERITIES, BudgetStatus, FailOn, Severity
from perfgate.report.model import Budget, Change, Row


def _summary(value: float) -> Summary:
    return Summary(
        name="b", unit="s", direction="lower", metric="p95", value=value,
        interval=Interval(value, value, "round-bootstrap"), n=100, rounds=5, raw_samples=True,
        few_samples=False, metric_used="p95",
    )  # fmt: skip


def _row(
    name: str = "b",
    *,
    severity: Severity = "none",
    direction: str = "slower",
    status: BudgetStatus | None = None,
) -> Row:
    change = None
    if severity != "none" or direction != "slower":
        change = Change(
            ratio=1.6, low=1.55, high=1.65, p_value=0.001, p_adjusted=0.001, significant=True,
            direction="slower" if direction == "slower" else "faster", severity=severity,
            method="paired-rounds", decisive=True,
        )  # fmt: skip
    budget = None
    if status is not None:
        budget = Budget(pattern="*", target=0.1, warning=0.12, critical=0.15, status=status)
    return Row(
        name=name, metric="p95", unit="s", direction="lower", head=_summary(0.2),
        base=_summary(0.125), change=change, budget=budget,
    )  # fmt: skip


# (what the row shows, the fail-on settings under which it fails the gate)
CASES: list[tuple[Row, set[FailOn]]] = [
    (_row(severity="critical"), {"critical", "major", "warning"}),
    (_row(severity="major"), {"major", "warning"}),
    (_row(severity="minor"), {"warning"}),
    (_row(status="critical"), {"critical", "major", "warning"}),
    (_row(status="warning"), {"warning"}),
    (_row(status="slow"), set()),
    (_row(status="ok"), set()),
    (_row(severity="critical", direction="faster"), set()),  # improvements never fail
]


@pytest.mark.parametrize(("row", "failing"), CASES)
@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_each_row_fails_exactly_under_its_fail_on(
    row: Row, failing: set[FailOn], fail_on: FailOn
) -> None:
    decided = gate.judge(row, fail_on)
    assert decided.fails == (fail_on in failing)
    # error exactly when it fails; a finding that does not fail is a warning
    slowdown = row.slower and row.severity != "none"
    finding = slowdown or row.status in ("slow", "warning", "critical")
    assert decided.level == ("error" if decided.fails else "warning" if finding else None)
    assert bool(decided.reasons) == (decided.fails or finding)


def test_reasons_name_the_budget_and_the_slowdown() -> None:
    decided = gate.judge(_row(severity="critical", status="critical"), "critical")
    assert decided.reasons == (
        "budget critical: 200 ms against 100 ms",
        "critical slowdown: +60.0% [+55.0%, +65.0%]",
    )


def test_never_fails_but_still_warns() -> None:
    decided = gate.judge(_row(severity="critical"), "never")
    assert (decided.fails, decided.level) == (False, "warning")


def test_finish_orders_worst_first_and_reaches_the_verdict() -> None:
    rows = [
        _row("a-faster", severity="critical", direction="faster"),
        _row("b-minor", severity="minor"),
        _row("c-budget", status="warning"),
        _row("d-critical", severity="critical"),
        _row("e-plain"),
    ]
    report = gate.finish("compare", rows, "critical")
    assert [r.name for r in report.rows] == [
        "d-critical",
        "b-minor",
        "c-budget",
        "a-faster",
        "e-plain",
    ]
    assert report.verdict == "fail"
    assert [r.gate.fails for r in report.rows] == [True, False, False, False, False]
    assert gate.finish("compare", rows, "never").verdict == "pass"
    assert gate.finish("compare", rows[:3], "critical").verdict == "pass"
    assert gate.finish("compare", rows[:3], "warning").verdict == "fail"


def test_every_severity_is_in_the_fail_on_table() -> None:
    for fail_on in FAIL_ON:
        assert gate.FAILING_SEVERITIES[fail_on] <= set(SEVERITIES)
