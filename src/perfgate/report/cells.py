"""Text for the cells of a report row, shared by the terminal table and markdown."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from perfgate import units
from perfgate.escaping import printable
from perfgate.model import Summary
from perfgate.options import GRADES_WORST_FIRST
from perfgate.report.model import Change, FunctionChange, Report, Row

STATUS_LABEL = {
    "ok": "ok",
    "slow": "slow",
    "warning": "warning",
    "critical": "CRITICAL",
    "none": "-",
}


NAME_LIMIT = 200


def display_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A benchmark name as reports show it: printable, at most ``limit`` characters (the JSON
    and JUnit reports keep the full name)."""
    text = printable(name)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_SEPARATORS = ("::", "/", ".")


def common_prefix(names: Sequence[str]) -> str:
    """What every name starts with, up to and including its last separator (``::``, ``/`` or
    ``.``), such as ``benchmarks/test_perf.py::``; empty for fewer than two names or when the
    names share no such start. Every name keeps something after it."""
    if len(names) < 2:
        return ""
    shared = os.path.commonprefix(list(names))  # noqa: RUF071  # characters, not paths
    cut = max((shared.rfind(sep) + len(sep) if sep in shared else 0) for sep in _SEPARATORS)
    prefix = shared[:cut]
    return prefix if all(len(name) > len(prefix) for name in names) else ""


def title(report: Report) -> str:
    decided = decided_phrase(report)
    text = f"perfgate {report.kind}: {report.verdict.upper()}"
    return f"{text} ({decided})" if decided else text


def decided_phrase(report: Report) -> str | None:
    """How much of a comparison was decided, when not all of it was: a pass with most rows
    undecided is not the pass of a suite that was measured through."""
    compared = [row for row in report.rows if row.change is not None]
    undecided = sum(1 for row in compared if row.inconclusive)
    if not report.compared or not undecided:
        return None
    return f"{len(compared) - undecided} of {len(compared)} decided, {undecided} inconclusive"


def findings_phrase(report: Report) -> str:
    """What the headline says after the verdict: the slowdowns by grade, the budgets not met,
    the accepted slowdowns and how much was decided; else that nothing was found."""
    said = [
        f"{n} {severity} slowdown{'s' if n != 1 else ''}"
        for severity in GRADES_WORST_FIRST
        if (n := report.count_severity(severity))
    ]
    said += [
        f"{n} over {status} budget"
        for status in ("critical", "warning")
        if (n := report.count(status))
    ]
    if accepted := sum(1 for row in report.rows if row.gate.accepted is not None):
        said.append(f"{accepted} accepted")
    if decided := decided_phrase(report):
        said.append(decided)
    if said:
        return ", ".join(said)
    if report.compared:
        return "no slowdowns"
    return "all budgets met" if any(r.budget for r in report.rows) else "no budgets set"


def icon_verdict(report: Report) -> str:
    """The headline's mark: a tick only for a pass with nothing flagged and nothing left
    undecided; a warning sign for a pass with findings or undecided rows."""
    if report.verdict == "fail":
        return "fail"
    findings = any(
        (row.slower and row.severity != "none")
        or row.status in ("warning", "critical")
        or row.inconclusive
        for row in report.rows
    )
    return "inconclusive" if report.verdict == "inconclusive" or findings else "pass"


@dataclass(frozen=True)
class Column:
    """A column of the table: its role (what it holds), header and alignment."""

    role: Literal[
        "name", "base", "head", "change", "severity", "samples", "value", "interval", "target",
        "status",
    ]  # fmt: skip
    header: str
    numeric: bool = False


def columns(report: Report) -> list[Column]:
    metric = metric_header(report)
    if report.compared:
        return [
            Column("name", "benchmark"),
            Column("base", f"base {metric}", numeric=True),
            Column("head", f"head {metric}", numeric=True),
            Column("change", change_header(report), numeric=True),
            Column("severity", "severity"),
            Column("samples", "n (rounds)", numeric=True),
            Column("status", "budget"),
        ]
    return [
        Column("name", "benchmark"),
        Column("value", metric, numeric=True),
        Column("interval", "95% interval"),
        Column("samples", "n (rounds)", numeric=True),
        Column("target", "target"),
        Column("status", "status"),
    ]


def cells(row: Row, report: Report, columns_: Sequence[Column], prefix: str = "") -> list[str]:
    """The text of a row's cells for ``columns_`` (the report's :func:`columns`, made once per
    report: they look at every row), without any footnote marker; the name without
    ``prefix`` (a :func:`common_prefix` the table states once)."""
    text = {
        "name": lambda: display_name(row.name.removeprefix(prefix)),
        "base": lambda: side_value(row, row.base, metric_header(report)),
        "head": lambda: side_value(row, row.head, metric_header(report)),
        "change": lambda: change(row),
        "severity": lambda: severity(row),
        "samples": lambda: compared_samples(row) if report.compared else samples(row.head),
        "value": lambda: value(row),
        "interval": lambda: interval(row.head),
        "target": lambda: budget(row),
        "status": lambda: budget_status(row, compared=report.compared),
    }
    return [text[column.role]() for column in columns_]


def side_value(row: Row, summary: Summary | None, header: str) -> str:
    """A side's value; with its statistic when that is not the one the header names."""
    if summary is None:
        return "-"
    text = units.format_value(summary.value, row.unit)
    return text if summary.metric_used == header else f"{text} ({summary.metric_used})"


def change(row: Row) -> str:
    c = row.change
    if c is None:
        return "-"
    return units.format_ratio_interval(c.ratio, c.low, c.high)


def severity(row: Row) -> str:
    label = _severity(row)
    return f"{label} (accepted)" if row.gate.accepted is not None else label


def _severity(row: Row) -> str:
    c = row.change
    if c is None:
        return "not assessed"
    if c.direction == "unchanged":
        return "unchanged"
    if c.direction == "inconclusive":
        return inconclusive_label(c)
    if c.direction == "faster":
        return "faster" if c.severity == "none" else f"faster ({c.severity})"
    if c.severity == "none":
        return "slower (< minor)"
    return c.severity.upper() if c.severity == "critical" else c.severity


def inconclusive_label(c: Change) -> str:
    """An undecided row's label, in words: the slowdown its interval still allows (the
    interval's upper end, the same one-sided 95% bound)."""
    return f"inconclusive: up to {units.format_change(c.upper)} not ruled out"


def budget_status(row: Row, *, compared: bool) -> str:
    """A budget's status; beside a comparison or when scaled by the calibration, with the
    value it judged (its own statistic, not the decision statistic the sides show), e.g.
    ``CRITICAL (p95 4.85 ms)`` or ``ok (p95 1.10 ms scaled x0.52, 2.12 ms raw)``."""
    label = STATUS_LABEL[row.status]
    budget = row.budget
    if budget is None or budget.value is None or not (compared or budget.scale is not None):
        return label
    judged = f"{budget.metric or row.metric} {units.format_value(budget.value, row.unit)}"
    if budget.scale is not None and budget.raw is not None:
        raw = units.format_value(budget.raw, row.unit)
        judged += f" scaled x{budget.scale:.2f}, {raw} raw"
    return f"{label} ({judged})"


def compared_samples(row: Row) -> str:
    base, head = row.base, row.head
    if base is None:
        return samples(head)
    rounds = base.rounds if base.rounds == head.rounds else f"{base.rounds}/{head.rounds}"
    return f"{base.n:,}/{head.n:,} ({rounds})"


def change_header(report: Report) -> str:
    """The change column names the statistic it compares, which may not be the table's."""
    used = {row.change.statistic for row in report.rows if row.change and row.change.statistic}
    return f"change in {used.pop()} [95% CI]" if len(used) == 1 else "change [95% CI]"


def metric_header(report: Report) -> str:
    """The statistic the value columns name: the rows' most common one (a row showing
    another says so in its cells)."""
    counts = Counter(row.metric for row in report.rows)
    return counts.most_common(1)[0][0] if counts else "value"


def value(row: Row) -> str:
    text = units.format_value(row.head.value, row.unit)
    if row.head.metric_used != row.metric:
        text += f" ({row.head.metric_used})"
    return text


def interval(summary: Summary) -> str:
    iv = summary.interval
    if iv.method == "none":
        return "-"
    low = "-inf" if iv.low is None else units.format_value(iv.low, summary.unit)
    high = "+inf" if iv.high is None else units.format_value(iv.high, summary.unit)
    return f"[{low}, {high}]"


def samples(summary: Summary) -> str:
    rounds = f"{summary.rounds} round" + ("s" if summary.rounds != 1 else "")
    if not summary.raw_samples:
        return f"stored ({rounds})"
    return f"{summary.n:,} ({rounds})"


def budget(row: Row) -> str:
    if row.budget is None:
        return "-"
    return units.format_value(row.budget.target, row.unit)


def notes(row: Row, *, accepted: bool = True) -> list[str]:
    """A row's footnotes; ``accepted=False`` leaves out :func:`accepted_note` (user text, which
    the markdown renderer escapes on its own)."""
    out: list[str] = []
    head = row.head
    if not head.raw_samples:
        out.append(f"no raw samples: the harness's stored {head.metric_used} is shown")
    elif head.n == 1:
        out.append("a single measurement")
    elif head.few_samples:
        out.append(f"few samples: {row.metric} needs >= {head.min_n}, has {head.n}")
    if row.budget is not None and row.budget.note:
        out.append(row.budget.note)
    if row.change is not None and row.change.note:
        out.append(row.change.note)
    said = accepted_note(row) if accepted else None
    return [*out, said] if said else out


def accepted_note(row: Row) -> str | None:
    """What ``--accept NAME=REASON`` made of the row, with the user's reason."""
    if row.gate.accepted is None:
        return None
    reason = f": {row.gate.accepted}" if row.gate.accepted else " (no reason given)"
    return f"accepted{reason}; passes the gate"


def general_notes(report: Report) -> list[str]:
    """Notes that concern many rows at once, said once under the table: the report's notes
    with the rounds count (perfgate's own words; benchmark names are listed by the renderers,
    each escaping them its own way)."""
    notes = list(report.every_note())
    if report.rounds_used is not None:
        notes.insert(len(report.notes), f"{report.rounds_used} interleaved rounds per side.")
    return notes


def name_lists(report: Report) -> list[tuple[str, tuple[str, ...]]]:
    """Lists of names shown under the table: (label, names), only the non-empty ones."""
    lists = [
        ("Only in head (added)", report.added),
        ("Only in base (removed)", report.removed),
        ("Failed in the harness", report.failed),
        ("Budgets that matched no benchmark", report.unused_budgets),
    ]
    return [(label, names) for label, names in lists if names]


def summary_line(report: Report) -> str:
    if report.compared:
        slower = [
            f"{report.count_severity(s)} {s}"
            for s in GRADES_WORST_FIRST
            if report.count_severity(s)
        ]
        faster = sum(
            1
            for r in report.rows
            if r.change and r.change.direction == "faster" and r.change.severity != "none"
        )
        parts = [f"{len(report.rows)} benchmarks compared"]
        parts.append("slowdowns: " + (", ".join(slower) if slower else "none"))
        undecided = sum(1 for r in report.rows if r.inconclusive)
        if undecided:
            parts.append(f"{undecided} inconclusive")
        if faster:
            parts.append(f"{faster} improvements")
        budgets = [f"{report.count(s)} {s}" for s in ("critical", "warning") if report.count(s)]
        if budgets:
            parts.append("budgets: " + ", ".join(budgets))
        return ", ".join(parts)
    counts = [
        f"{report.count(s)} {s}" for s in ("critical", "warning", "slow", "ok") if report.count(s)
    ]
    unbudgeted = report.count("none")
    if unbudgeted:
        counts.append(f"{unbudgeted} without budget")
    parts = [f"{len(report.rows)} benchmarks", *counts]
    if report.failed:
        parts.append(f"{len(report.failed)} failed in the harness")
    return ", ".join(parts)


PROFILE_HEADERS = (
    "function",
    "base self/call",
    "head self/call",
    "change",
    "calls base \u2192 head",
)


def profiled(report: Report) -> list[Row]:
    """The rows that carry a profile diff (or say why they have none), in report order."""
    return [row for row in report.rows if row.profile is not None]


def profile_title(row: Row) -> str:
    """What the profile table is, without the benchmark's name (each renderer escapes it)."""
    assert row.profile is not None  # noqa: S101 - callers pass profiled rows only
    calls = row.profile.calls
    # the sides' counts may differ (a time limit stops the slower side sooner): the smaller
    return (
        f"where the time went (cProfile, at least {calls} call{'s' if calls != 1 else ''} a side)"
    )


def profile_cells(change: FunctionChange) -> list[str]:
    """function, base and head self time per call, the change, calls per call base -> head
    (a call count that changed is marked: it is deterministic, so strong evidence)."""

    def seconds(value: float | None) -> str:
        return "-" if value is None else units.format_value(value, units.SECONDS)

    def count(value: float | None) -> str:
        return "0" if value is None else f"{value:,.6g}"

    added = change.added
    sign = "+" if added >= 0 else "-"
    calls = f"{count(change.calls_base)} \u2192 {count(change.calls_head)}"
    calls = f"changed: {calls}" if change.calls_changed else calls
    if change.bytecodes_base is not None or change.bytecodes_head is not None:
        counted = f"{count(change.bytecodes_base)} \u2192 {count(change.bytecodes_head)}"
        changed = "changed: " if change.bytecodes_added else ""
        calls += f"; bytecodes {changed}{counted}"
    return [
        change.function,
        seconds(change.base),
        seconds(change.head),
        f"{sign}{units.format_value(abs(added), units.SECONDS)}",
        calls,
    ]
