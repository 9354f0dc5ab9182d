"""The terminal table, drawn with rich."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfgate.report import _cells
from perfgate.report.model import Report, Row

_STYLE = {
    "ok": "green",
    "slow": "yellow",
    "warning": "yellow",
    "critical": "bold red",
    "none": "dim",
}

# A terminal shows the worst rows; the full list is in --format markdown/json.
MAX_TERMINAL_ROWS = 100


def render_table(report: Report, *, width: int | None = None, color: bool = False) -> str:
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
    table = Table(
        title=_cells.title(report),
        title_justify="left",
        caption=_cells.summary_line(report),
        caption_justify="left",
    )
    longest = max((len(_cells.display_name(row.name)) for row in report.rows), default=10)
    columns = _cells.columns(report)
    for column in columns:
        if column.role == "name":
            cap = 24 if report.compared else 48  # compare has more columns to fit
            table.add_column(column.header, overflow="fold", min_width=min(longest, cap))
        else:
            table.add_column(
                column.header, justify="right" if column.numeric else "left", no_wrap=True
            )
    footnotes: list[str] = []
    for row in report.rows[:MAX_TERMINAL_ROWS]:
        texts = _cells.cells(row, report, columns)
        row_notes = _cells.notes(row)
        if row_notes:
            name = _cells.display_name(row.name)
            footnotes.append(f"[{len(footnotes) + 1}] {name}: " + "; ".join(row_notes))
            texts[-1] += f" [{len(footnotes)}]"
        table.add_row(
            *[Text(t, style=_style(row, c.role)) for c, t in zip(columns, texts, strict=True)]
        )
    console.print(table)
    hidden = report.rows[MAX_TERMINAL_ROWS:]
    if hidden:
        console.print(
            Text(f"... and {len(hidden)} more rows; --format markdown or json lists them all")
        )
    lines = [*footnotes, *_cells.general_notes(report)]
    lines.extend(
        f"{label}: {', '.join(map(_cells.display_name, names))}"
        for label, names in _cells.name_lists(report)
    )
    if lines:
        console.print(Text("\n".join(lines)))
    return buffer.getvalue()


def _style(row: Row, role: str) -> str:
    if role == "severity" and row.change is not None and row.slower:
        return _STYLE.get(row.change.severity, "")
    if role == "status":
        return _STYLE.get(row.status, "")
    return ""
