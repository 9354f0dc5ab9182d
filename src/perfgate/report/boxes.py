"""A plain box table for the terminal: one column may fold, no colour.

rich drew perfgate's terminal tables until it cost more CPU time than the rest of a small
``compare`` (its import and the layout of 100 rows: about 60 ms, a quarter of the command).
The tables never use colour and only the name column ever wraps, so this draws rich's
heavy-headed box itself: the name column folds at a given width, every other cell stays on
one line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping, Sequence


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


def fold(text: str, limit: int) -> list[str]:
    """``text`` cut into lines of at most ``limit`` terminal columns (a wide character that
    would not fit starts the next line)."""
    if width(text) <= limit:
        return [text]
    lines, line, used = [], "", 0
    for char in text:
        size = width(char)
        if used + size > limit and line:
            lines.append(line)
            line, used = "", 0
        line += char
        used += size
    return [*lines, line]


def box_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
    folds: Mapping[int, int] | None = None,
    caption: str | None = None,
) -> str:
    """``title`` on its own line, then the table, then ``caption``; columns in ``right``
    aligned right; a column in ``folds`` folds its cells at that many columns, its row's other
    cells on the row's first line."""
    folds = folds or {}
    lines_of = [
        [fold(cell, folds[i]) if i in folds else [cell] for i, cell in enumerate(row)]
        for row in rows
    ]
    widths = [width(h) for h in headers]
    for row in lines_of:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *map(width, cell))

    def line(cells: Sequence[str], bar: str) -> str:
        padded = []
        for i, cell in enumerate(cells):
            gap = " " * (widths[i] - width(cell))
            padded.append(f" {gap}{cell} " if i in right else f" {cell}{gap} ")
        return bar + bar.join(padded) + bar

    def rule(left: str, fill: str, cross: str, end: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + end

    body = []
    for row in lines_of:
        for k in range(max(map(len, row))):
            body.append(line([cell[k] if k < len(cell) else "" for cell in row], "│"))
    lines = [
        title,
        rule("┏", "━", "┳", "┓"),
        line(headers, "┃"),
        rule("┡", "━", "╇", "┩"),
        *body,
        rule("└", "─", "┴", "┘"),
        *([caption] if caption is not None else []),
    ]
    return "\n".join(lines) + "\n"
