"""Text for the cells of a report row, shared by the terminal table and markdown."""

from __future__ import annotations

from perfgate import units
from perfgate.stats import Summary, min_samples
from perfgate.verdicts import Report, Row

STATUS_LABEL = {
    "ok": "ok",
    "slow": "slow",
    "warning": "warning",
    "critical": "CRITICAL",
    "none": "-",
}


def metric_header(report: Report) -> str:
    metrics = {row.metric for row in report.rows}
    return metrics.pop() if len(metrics) == 1 else "value"


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
    return units.format_value(row.budget.rule.target, row.unit)


def notes(row: Row) -> list[str]:
    out: list[str] = []
    head = row.head
    if not head.raw_samples:
        out.append(f"no raw samples: the harness's stored {head.metric_used} is shown")
    elif head.n == 1:
        out.append("a single measurement")
    elif head.few_samples:
        out.append(f"few samples: {row.metric} needs >= {min_samples(row.metric)}, has {head.n}")
    if row.budget is not None and row.budget.note:
        out.append(row.budget.note)
    return out


def general_notes(report: Report) -> list[str]:
    """Notes that concern many rows at once, said once under the table."""
    within = sum(1 for row in report.rows if row.head.interval.method == "within-process")
    if not within:
        return []
    return [
        f"{within} of {len(report.rows)} intervals come from 1-2 rounds and are within-process "
        "only: they leave out the noise between processes (give more rounds for that)."
    ]


def summary_line(report: Report) -> str:
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
