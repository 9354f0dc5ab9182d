"""A plain box table for the terminal: short cells, one line a row, no wrapping.

``history show`` prints up to 100 rows of five short cells. rich laid them out in about as
much CPU time as the rest of the command (its import included), for a table that never needs
wrapping or colour; this draws the same heavy-headed box, and rich stays for the tables that
fold long names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence


def width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and full-width characters take two,
    combining marks none."""
    if text.isascii():
        return len(text)
    columns = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        columns += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return columns


def box_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
) -> str:
    """``title`` on its own line, then the table; columns in ``right`` aligned right."""
    widths = [width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))

    def line(cells: Sequence[str], bar: str) -> str:
        padded = []
        for i, cell in enumerate(cells):
            gap = " " * (widths[i] - width(cell))
            padded.append(f" {gap}{cell} " if i in right else f" {cell}{gap} ")
        return bar + bar.join(padded) + bar

    def rule(left: str, fill: str, cross: str, end: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + end

    lines = [
        title,
        rule("┏", "━", "┳", "┓"),
        line(headers, "┃"),
        rule("┡", "━", "╇", "┩"),
        *(line(row, "│") for row in rows),
        rule("└", "─", "┴", "┘"),
    ]
    return "\n".join(lines) + "\n"
