"""A GitHub-flavoured markdown report: headline, one table, notes."""

from __future__ import annotations

import re

from perfgate.report import _cells
from perfgate.verdicts import Report

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~@])")


def escape(text: str) -> str:
    """Make user text (benchmark names) inert in a markdown table cell."""
    text = text.replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;")
    return _SPECIAL.sub(r"\\\1", text)


def render_markdown(report: Report) -> str:
    lines: list[str] = []
    icon = "\u274c" if report.verdict == "fail" else "\u2705"
    lines.append(f"### {icon} perfgate: {report.verdict}")
    lines.append("")
    lines.append(_cells.summary_line(report) + f" (fail-on: {report.fail_on})")
    lines.append("")
    metric = _cells.metric_header(report)
    lines.append(f"| benchmark | {metric} | 95% interval | n (rounds) | target | status |")
    lines.append("|---|---:|---|---:|---|---|")
    footnotes: list[str] = []
    for row in report.rows:
        status = _cells.STATUS_LABEL[row.status]
        row_notes = _cells.notes(row)
        if row_notes:
            footnotes.append(f"{len(footnotes) + 1}. `{_code(row.name)}`: " + "; ".join(row_notes))
            status += f" [{len(footnotes)}]"
        cells = [
            f"`{_code(row.name)}`",
            _cells.value(row),
            _cells.interval(row.head),
            _cells.samples(row.head),
            _cells.budget(row),
            status,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if footnotes:
        lines.append("")
        lines.extend(footnotes)
    for note in _cells.general_notes(report):
        lines.append("")
        lines.append(note)
    if report.failed:
        lines.append("")
        lines.append("Failed in the harness: " + ", ".join(f"`{_code(n)}`" for n in report.failed))
    if report.unused_budgets:
        lines.append("")
        lines.append(
            "Budgets that matched no benchmark: "
            + ", ".join(f"`{_code(p)}`" for p in report.unused_budgets)
        )
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    # inside a code span only backticks and pipes (table cells) need care
    return text.replace("\n", " ").replace("`", "'").replace("|", "\\|")
