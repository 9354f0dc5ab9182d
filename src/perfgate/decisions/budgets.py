"""Budget decisions: which budget applies to a benchmark, and its status.

How noise enters the verdict: a measured metric comes with a 95% interval (see
:mod:`perfgate.decisions.stats`). ``critical`` -- the only status that fails the gate by default
-- is given only when the whole interval lies beyond the critical limit. When the point estimate
is beyond it but the interval reaches back across it, the status is ``warning`` with the note
"possibly critical", so noise alone cannot fail a build. ``slow`` and ``warning`` are judged on
the point estimate: they do not fail the gate. Without any interval (a single measurement such
as asv's ``peakmem_``, stored statistics only, or ``min``/``max`` of one round) the point
estimate decides, and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from perfgate import units
from perfgate.config import BudgetRule
from perfgate.decisions import names
from perfgate.model import Interval, Summary
from perfgate.options import BudgetStatus
from perfgate.report.model import Budget


def find_rule(
    name: str, short_name: str, unit: str, rules: Sequence[BudgetRule]
) -> BudgetRule | None:
    """The first budget in file order whose glob matches the full or short name and whose
    unit fits the benchmark (a time budget never applies to a memory benchmark)."""
    answers = names.of(name, short_name)
    fitting = (rule for rule in rules if rule.unit in ("", unit))
    return next((rule for rule in fitting if names.matches(rule.pattern, answers)), None)


def scaled(summary: Summary, scale: float) -> Summary:
    """``summary`` on the machine the budgets were set on: its value and interval times
    ``scale`` (reference calibration / this round's; a time in a slower machine's round
    shrinks back to what it would have been there)."""
    iv = summary.interval
    return replace(
        summary,
        value=summary.value * scale,
        interval=Interval(
            None if iv.low is None else iv.low * scale,
            None if iv.high is None else iv.high * scale,
            iv.method,
        ),
    )


def evaluate(summary: Summary, rule: BudgetRule, *, scale: float | None = None) -> Budget:
    """The budget's status for ``summary``; with ``scale``, judged on the scaled summary
    (:func:`scaled`), and the budget records the raw value and the scale beside it."""
    raw = summary.value
    if scale is not None:
        summary = scaled(summary, scale)
    higher = summary.direction == "higher"
    value = summary.value

    def beyond(limit: float, x: float) -> bool:
        return x < limit if higher else x > limit

    note = None
    if beyond(rule.critical, value):
        interval = summary.interval
        near = interval.high if higher else interval.low  # the interval's end nearest the limit
        if interval.method == "none":
            status: BudgetStatus = "critical"
            note = "no interval (a single measurement or no raw samples): judged on the value alone"
        elif near is not None and beyond(rule.critical, near):
            status = "critical"
        else:
            status = "warning"
            shown = "unbounded" if near is None else units.format_value(near, summary.unit)
            limit = units.format_value(rule.critical, summary.unit)
            note = (
                f"possibly critical: {units.format_value(value, summary.unit)} is past the "
                f"critical limit {limit}, but its 95% interval extends back to {shown}, inside it"
            )
    elif beyond(rule.warning, value):
        status = "warning"
    elif beyond(rule.target, value):
        status = "slow"
    else:
        status = "ok"
    return Budget(
        pattern=rule.pattern,
        target=rule.target,
        warning=rule.warning,
        critical=rule.critical,
        status=status,
        note=note,
        value=value,
        metric=summary.metric_used,
        raw=None if scale is None else raw,
        scale=scale,
    )
