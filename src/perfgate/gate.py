"""The gate: every decision about what fails, made once per row and once per report.

For each row: whether it fails the gate under ``fail-on``, the annotation level it deserves
(``error`` exactly when it fails, ``warning`` for any other finding: a slowdown of at least
minor severity or a budget not met) and the reasons in words. For the report: the order of the
rows (worst first) and the verdict. Renderers only print what is decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from perfgate import units
from perfgate.options import (
    SEVERITY_RANK,
    STATUS_RANK,
    BudgetStatus,
    FailOn,
    Kind,
    Severity,
)
from perfgate.report.model import Gate, Report, Row

# What fails the gate for each `fail-on` setting: budget statuses and slowdown severities.
FAILING_STATUSES: dict[FailOn, frozenset[BudgetStatus]] = {
    "critical": frozenset({"critical"}),
    "major": frozenset({"critical"}),  # budgets have no `major`: critical, like `critical`
    "warning": frozenset({"warning", "critical"}),
    "never": frozenset(),
}
FAILING_SEVERITIES: dict[FailOn, frozenset[Severity]] = {
    "critical": frozenset({"critical"}),
    "major": frozenset({"major", "critical"}),
    "warning": frozenset({"minor", "major", "critical"}),
    "never": frozenset(),
}


def judge(row: Row, fail_on: FailOn) -> Gate:
    """The gate's decision on one row."""
    budget_finding = row.budget is not None and row.budget.status != "ok"
    slowdown_finding = row.slower and row.severity != "none"
    fails = (row.budget is not None and row.budget.status in FAILING_STATUSES[fail_on]) or (
        row.slower and row.severity in FAILING_SEVERITIES[fail_on]
    )
    reasons: list[str] = []
    if budget_finding and row.budget is not None:
        value = units.format_value(row.head.value, row.unit)
        if row.head.metric_used != row.metric:
            value += f" ({row.head.metric_used})"
        target = units.format_value(row.budget.target, row.unit)
        reasons.append(f"budget {row.budget.status}: {value} against {target}")
    if slowdown_finding and row.change is not None:
        change = units.format_ratio_interval(row.change.ratio, row.change.low, row.change.high)
        reasons.append(f"{row.severity} slowdown: {change}")
    if fails:
        return Gate(fails=True, level="error", reasons=tuple(reasons) or ("fails the gate",))
    if reasons:
        return Gate(fails=False, level="warning", reasons=tuple(reasons))
    return Gate()


def order(row: Row) -> tuple[int, int, int, str]:
    """Sort key, worst first: slowdowns by severity, budget problems, improvements, name."""
    slower = SEVERITY_RANK[row.severity] if row.slower else 0
    faster = SEVERITY_RANK[row.severity] if row.faster else 0
    return (-slower, -STATUS_RANK[row.status], -faster, row.name)


def finish(
    kind: Kind,
    rows: Sequence[Row],
    fail_on: FailOn,
    *,
    unused_budgets: Sequence[str] = (),
    failed: Sequence[str] = (),
    sources: Sequence[str] = (),
    config: str | None = None,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
    rounds_used: int | None = None,
    notes: Sequence[str] = (),
) -> Report:
    """The report: rows judged and ordered worst first, and the verdict under ``fail_on``."""
    judged = sorted((replace(row, gate=judge(row, fail_on)) for row in rows), key=order)
    return Report(
        kind=kind,
        verdict="fail" if any(row.gate.fails for row in judged) else "pass",
        fail_on=fail_on,
        rows=tuple(judged),
        failed=tuple(failed),
        unused_budgets=tuple(unused_budgets),
        config=config,
        sources=tuple(sources),
        added=tuple(added),
        removed=tuple(removed),
        rounds_used=rounds_used,
        notes=tuple(notes),
    )


def rejudge(report: Report, fail_on: FailOn) -> Report:
    """The same report under another ``fail-on``."""
    return finish(
        report.kind,
        report.rows,
        fail_on,
        unused_budgets=report.unused_budgets,
        failed=report.failed,
        sources=report.sources,
        config=report.config,
        added=report.added,
        removed=report.removed,
        rounds_used=report.rounds_used,
        notes=report.notes,
    )
