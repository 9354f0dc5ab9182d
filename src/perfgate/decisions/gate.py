"""The gate: every decision about what fails, made once per row and once per report.

For each row: whether it fails the gate under ``fail-on``, the annotation level it deserves
(``error`` exactly when it fails, ``warning`` for any other finding: a slowdown of at least
minor severity or a budget not met; ``notice`` for a row the run could not decide) and the
reasons in words. For the report: the order of the rows (worst first) and the verdict:
``fail`` when a row fails, ``inconclusive`` when a comparison assessed nothing at all (no row
compared and no budget), else ``pass``. ``fail-on: inconclusive`` fails like ``critical`` and
also on every row the run could not decide. Renderers only print what is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from perfgate import units
from perfgate.options import (
    FAIL_ON,
    FAIL_ON_GRADE,
    GRADES,
    SEVERITY_RANK,
    STATUS_RANK,
    BudgetStatus,
    FailOn,
    Kind,
    RowFinding,
    Severity,
    Verdict,
)
from perfgate.report.model import DependencyChange, Gate, Report, Row

# What fails the gate for each `fail-on` setting: budget statuses and slowdown severities.
# (budgets have no grade between warning and critical: a `fail-on` of a slowdown grade fails
# on a critical budget, `warning` on a warning one too)
FAILING_STATUSES: dict[FailOn, frozenset[BudgetStatus]] = {
    fail_on: frozenset()
    if fail_on == "never"
    else frozenset({"warning", "critical"})
    if fail_on == "warning"
    else frozenset({"critical"})
    for fail_on in FAIL_ON
}
FAILING_SEVERITIES: dict[FailOn, frozenset[Severity]] = {
    fail_on: frozenset(
        grade
        for grade in GRADES
        if mildest is not None and SEVERITY_RANK[grade] >= SEVERITY_RANK[mildest]
    )
    for fail_on, mildest in FAIL_ON_GRADE.items()
}


def acceptance(row: Row, accepted: Mapping[str, str]) -> str | None:
    """The reason ``row`` is accepted for (its full name, or the short name tables print: the
    part after the last ``::``), or None."""
    if not accepted:
        return None
    found = accepted.get(row.name)
    return found if found is not None else accepted.get(row.name.rsplit("::", 1)[-1])


def settled_failure(report: Report) -> Row | None:
    """The first row whose failure no further round can undo, or None: a slowdown that fails
    the gate on its own (not accepted; a budget's status may still move) and is settled, its
    interval clear of the threshold that fails the gate. A run may stop there: the check
    fails whatever the rows still undecided would show."""
    failing = FAILING_SEVERITIES[report.fail_on]
    for row in report.rows:
        change = row.change
        if (
            row.gate.fails
            and change is not None
            and change.decisive
            and row.slower
            and row.severity in failing
        ):
            return row
    return None


def finding(row: Row) -> RowFinding | None:
    """What a row shows, the first that applies: a slowdown of a grade, a budget not met, a
    comparison the run could not decide, an improvement of a grade; None: nothing to say.
    Every output reads it from ``row.gate.finding`` (annotation titles, the comment's folding)."""
    if row.slower and row.severity != "none":
        return "slowdown"
    if row.budget is not None and row.budget.status != "ok":
        return "budget"
    if row.inconclusive:
        return "inconclusive"
    if row.faster and row.severity != "none":
        return "improvement"
    return None


def judge(row: Row, fail_on: FailOn, accepted: str | None = None) -> Gate:
    """The gate's decision on one row; ``accepted`` (a reason) passes a row that would fail:
    its findings stay in the reasons, marked accepted."""
    found = finding(row)
    budget_finding = row.budget is not None and row.budget.status != "ok"
    slowdown_finding = found == "slowdown"
    fails = (
        (row.budget is not None and row.budget.status in FAILING_STATUSES[fail_on])
        or (row.slower and row.severity in FAILING_SEVERITIES[fail_on])
        or (row.inconclusive and fail_on == "inconclusive")
    )
    reasons: list[str] = []
    if budget_finding and row.budget is not None:
        value = budget_value(row)
        target = units.format_value(row.budget.target, row.unit)
        reasons.append(f"budget {row.budget.status}: {value} against {target}")
    if slowdown_finding and row.change is not None:
        change = units.format_ratio_interval(row.change.ratio, row.change.low, row.change.high)
        reasons.append(f"{row.severity} slowdown: {change}")
    if row.inconclusive:
        reasons.append(undecided(row))
    if fails and accepted is not None:
        why = f"accepted ({accepted})" if accepted else "accepted"
        return Gate(
            fails=False,
            level="warning",
            reasons=(why, *reasons),
            accepted=accepted,
            finding=found,
        )
    if fails:
        return Gate(
            fails=True,
            level="error",
            reasons=tuple(reasons) or ("fails the gate",),
            finding=found,
        )
    if budget_finding or slowdown_finding:
        return Gate(fails=False, level="warning", reasons=tuple(reasons), finding=found)
    if reasons:
        return Gate(fails=False, level="notice", reasons=tuple(reasons), finding=found)
    return Gate(finding=found)


def undecided(row: Row) -> str:
    """Why a compared row is inconclusive, with the smallest slowdown it could have shown."""
    change = row.change
    if change is None:
        return (
            "inconclusive: not assessed (neither raw samples nor a stored median on both "
            "sides, or a single measurement a side)"
        )
    rounds = f"{change.rounds} round{'s' if change.rounds != 1 else ''} a side"
    return (
        f"inconclusive: a slowdown of {units.format_change(change.upper)} or more is ruled "
        f"out (95%), a smaller one is not measurable with {rounds}"
    )


def order(row: Row) -> tuple[int, int, int, int, str]:
    """Sort key, worst first: slowdowns by severity, budget problems, undecided rows,
    improvements, then by name."""
    slower = SEVERITY_RANK[row.severity] if row.slower else 0
    faster = SEVERITY_RANK[row.severity] if row.faster else 0
    return (-slower, -STATUS_RANK[row.status], -int(row.inconclusive), -faster, row.name)


def budget_value(row: Row) -> str:
    """The value a row's budget judged, with its statistic where the row's columns show
    another (a compare row shows the decision statistic)."""
    budget = row.budget
    if budget is None or budget.value is None:  # a report of before the value was recorded
        value, metric = row.head.value, row.head.metric_used
    else:
        value, metric = budget.value, budget.metric or row.metric
    text = units.format_value(value, row.unit)
    return text if metric == row.metric else f"{text} ({metric})"


def verdict(kind: Kind, rows: Sequence[Row]) -> Verdict:
    """fail if a row fails; a comparison that assessed nothing is inconclusive, never pass."""
    if any(row.gate.fails for row in rows):
        return "fail"
    assessed = any(row.change is not None or row.budget is not None for row in rows)
    if kind == "compare" and not assessed:
        return "inconclusive"
    return "pass"


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
    not_affected: Sequence[str] = (),
    dependencies: Sequence[DependencyChange] = (),
    accepted: Mapping[str, str] | None = None,
) -> Report:
    """The report: rows judged and ordered worst first, and the verdict under ``fail_on``."""
    accepted = accepted or {}
    judged = sorted(
        (replace(row, gate=judge(row, fail_on, acceptance(row, accepted))) for row in rows),
        key=order,
    )
    return Report(
        kind=kind,
        verdict=verdict(kind, judged),
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
        not_affected=tuple(not_affected),
        dependencies=tuple(dependencies),
        accepted=dict(accepted),
    )
