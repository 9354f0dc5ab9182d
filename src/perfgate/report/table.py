"""The terminal table, drawn with rich."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfgate.report import _cells
from perfgate.verdicts import Report

_STYLE = {
    "ok": "green",
    "slow": "yellow",
    "warning": "yellow",
    "critical": "bold red",
    "none": "dim",
}


# A terminal shows the worst rows; the full list is in --format markdown/json.
MAX_TERMINAL_ROWS = 100


def render_table(report: Report, width: int | None = None, color: bool = False) -> str:
    buffer = io.StringIO()
    # COLUMNS or the terminal's width; 120 when output is not a terminal (CI logs, pipes)
    console = Console(
        file=buffer,
        width=width or shutil.get_terminal_size(fallback=(120, 24)).columns,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    metric = _cells.metric_header(report)
    verdict = report.verdict.upper()
    table = Table(
        title=f"perfgate check: {verdict}",
        title_justify="left",
        caption=_cells.summary_line(report),
        caption_justify="left",
    )
    longest = max((len(row.name) for row in report.rows), default=10)
    table.add_column("benchmark", overflow="fold", min_width=min(longest, 48))
    table.add_column(metric, justify="right", no_wrap=True)
    table.add_column("95% interval", no_wrap=True)
    table.add_column("n (rounds)", justify="right", no_wrap=True)
    table.add_column("target", no_wrap=True)
    table.add_column("status", no_wrap=True)
    footnotes: list[str] = []
    for row in report.rows[:MAX_TERMINAL_ROWS]:
        status = _cells.STATUS_LABEL[row.status]
        row_notes = _cells.notes(row)
        if row_notes:
            footnotes.append(f"[{len(footnotes) + 1}] {row.name}: " + "; ".join(row_notes))
            status += f" [{len(footnotes)}]"
        table.add_row(
            Text(row.name),
            _cells.value(row),
            _cells.interval(row.head),
            _cells.samples(row.head),
            Text(_cells.budget(row)),
            Text(status, style=_STYLE.get(row.status, "")),
        )
    console.print(table)
    hidden = report.rows[MAX_TERMINAL_ROWS:]
    if hidden:
        statuses = ", ".join(sorted({_cells.STATUS_LABEL[r.status] for r in hidden}))
        console.print(
            Text(
                f"... and {len(hidden)} more rows (status: {statuses}); "
                "--format markdown or json lists them all"
            )
        )
    lines = [*footnotes, *_cells.general_notes(report)]
    if lines:
        console.print(Text("\n".join(lines)))
    if report.failed:
        console.print(Text("failed in the harness: " + ", ".join(report.failed)))
    if report.unused_budgets:
        console.print(
            Text("budgets that matched no benchmark: " + ", ".join(report.unused_budgets))
        )
    return buffer.getvalue()
