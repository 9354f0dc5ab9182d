"""The gate: each decision made once per row (fails, annotation level, reasons), the order of
the rows and the verdict, for every `fail-on`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from perfgate.decisions import gate
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
            method="paired-rounds", decisive=True, upper=1.64, rounds=5,
        )  # fmt: skip
    elif direction == "slower":  # decided: no slowdown of the minor threshold
        change = Change(
            ratio=1.0, low=0.97, high=1.03, p_value=0.9, p_adjusted=1.0, significant=False,
            direction="unchanged", severity="none", method="paired-rounds", decisive=True,
            upper=1.02, rounds=5,
        )  # fmt: skip
    if direction == "undecided":
        change = Change(
            ratio=1.1, low=0.9, high=1.3, p_value=0.3, p_adjusted=1.0, significant=False,
            direction="inconclusive", severity="none", method="within-process",
            decisive=False, upper=1.25, rounds=1,
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
    (_row(severity="critical"), {"critical", "major", "warning", "inconclusive"}),
    (_row(severity="major"), {"major", "warning"}),
    (_row(severity="minor"), {"warning"}),
    (_row(status="critical"), {"critical", "major", "warning", "inconclusive"}),
    (_row(status="warning"), {"warning"}),
    (_row(status="slow"), set()),
    (_row(status="ok"), set()),
    (_row(severity="critical", direction="faster"), set()),  # improvements never fail
    (_row(direction="undecided"), {"inconclusive"}),  # undecided fails only when asked
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
    notice = "notice" if row.inconclusive else None
    assert decided.level == ("error" if decided.fails else "warning" if finding else notice)
    assert bool(decided.reasons) == (decided.fails or finding or row.inconclusive)


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


def test_undecided_rows_say_what_the_run_could_have_detected() -> None:
    decided = gate.judge(_row(direction="undecided"), "critical")
    assert (decided.fails, decided.level) == (False, "notice")
    assert decided.reasons == (
        "inconclusive: a slowdown of +25.0% or more is ruled out (95%), a smaller one is not "
        "measurable with 1 round a side",
    )


def test_a_comparison_that_assessed_nothing_is_inconclusive_never_pass() -> None:
    row = replace(_row(), change=None)
    assert row.inconclusive
    report = gate.finish("compare", [row], "critical")
    assert report.verdict == "inconclusive"
    assert report.rows[0].gate.reasons[0].startswith("inconclusive: not assessed")
    assert gate.finish("compare", [row], "inconclusive").verdict == "fail"
    budgeted = replace(
        row, budget=Budget(pattern="*", target=1, warning=2, critical=3, status="ok")
    )
    assert gate.finish("compare", [budgeted], "critical").verdict == "pass"  # a budget was


def test_every_severity_is_in_the_fail_on_table() -> None:
    for fail_on in FAIL_ON:
        assert gate.FAILING_SEVERITIES[fail_on] <= set(SEVERITIES)


def test_a_settled_failure_decides_the_verdict_whatever_the_open_rows_show() -> None:
    critical = _row("slow", severity="critical")
    open_row = _row("open", direction="undecided")
    report = gate.finish("compare", [open_row, critical], "critical")
    assert gate.settled_failure(report) is not None
    assert gate.settled_failure(report).name == "slow"  # type: ignore[union-attr]
    # not settled: its interval still straddles the threshold that fails the gate
    assert critical.change is not None
    straddling = replace(critical, change=replace(critical.change, decisive=False))
    assert gate.settled_failure(gate.finish("compare", [open_row, straddling], "critical")) is None
    # a slowdown that does not fail under this fail-on, or one accepted, decides nothing
    assert gate.settled_failure(gate.finish("compare", [open_row, critical], "never")) is None
    major = _row("slow", severity="major")
    assert gate.settled_failure(gate.finish("compare", [open_row, major], "critical")) is None
    assert gate.settled_failure(gate.finish("compare", [open_row, major], "major")) is not None
    accepted = gate.finish("compare", [open_row, critical], "critical", accepted={"slow": ""})
    assert gate.settled_failure(accepted) is None
    # a failing budget may still move with more rounds: it settles nothing
    budget = gate.finish("compare", [open_row, _row("b", status="critical")], "critical")
    assert gate.settled_failure(budget) is None
