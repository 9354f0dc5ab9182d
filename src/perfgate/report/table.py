"""The terminal table: a plain box (:mod:`.boxes`) whose name column folds on a narrow
terminal; every other cell stays on one line."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence

from perfgate.escaping import printable
from perfgate.report import cells
from perfgate.report.boxes import box_table
from perfgate.report.model import Profile, Report

# A terminal shows the worst rows; the full list is in --format markdown/json.
MAX_TERMINAL_ROWS = 100
WIDE = 400  # the width of a table that is not on a terminal


def render_table(report: Report, *, width: int | None = None) -> str:
    rows = report.rows[:MAX_TERMINAL_ROWS]
    prefix = cells.common_prefix([row.name for row in report.rows])
    columns = cells.columns(report)
    texts = [cells.cells(row, report, columns, prefix=prefix) for row in rows]
    name_index = next(i for i, c in enumerate(columns) if c.role == "name")
    name_width, needed = _name_width(width or _width(), columns, texts, name_index)
    # never narrower than the numbers and 24 characters of name: on a narrow terminal the
    # lines wrap, and nothing is cut to an ellipsis
    line_width = max(width or _width(), needed)
    footnotes: list[str] = []
    for row, row_texts in zip(rows, texts, strict=True):
        row_notes = cells.notes(row)
        if row_notes:
            name = cells.display_name(row.name.removeprefix(prefix))
            footnotes.append(f"[{len(footnotes) + 1}] {name}: " + "; ".join(row_notes))
            row_texts[-1] += f" [{len(footnotes)}]"
    title = cells.title(report)
    if prefix:
        title += f" (benchmark names after {cells.display_name(prefix)})"
    text = box_table(
        title,
        [column.header for column in columns],
        texts,
        right={i for i, column in enumerate(columns) if column.numeric},
        folds={name_index: name_width},
        caption=cells.summary_line(report),
    )
    hidden = report.rows[MAX_TERMINAL_ROWS:]
    if hidden:
        text += f"... and {len(hidden)} more rows; --format markdown or json lists them all\n"
    lines = [*footnotes, *map(printable, cells.general_notes(report))]
    lines.extend(
        f"{label}: {', '.join(map(cells.display_name, names))}"
        for label, names in cells.name_lists(report)
    )
    lines.extend(_profile_lines(report, prefix))
    for line in lines:  # words wrapped at the table's width, long names left whole
        wrapped = textwrap.wrap(line, line_width, break_long_words=False, break_on_hyphens=False)
        text += "\n".join(wrapped or [""]) + "\n"
    return text


def _profile_lines(report: Report, prefix: str, top: int = 3) -> list[str]:
    """Under the table: each flagged benchmark's top functions by added time."""
    lines = []
    for row in cells.profiled(report):
        assert row.profile is not None  # noqa: S101 - profiled() returns these only
        name = cells.display_name(row.name.removeprefix(prefix))
        if not row.profile.functions:
            lines.append(f"{name}: {printable(row.profile.note or 'no profile diff')}")
            continue
        lines.append(f"{name}: {cells.profile_title(row)}:")
        for change in row.profile.functions[:top]:
            function, base, head, added, calls = cells.profile_cells(change)
            lines.append(
                f"  {cells.display_name(function)}: self {base} \u2192 {head} a call ({added}), "
                f"calls {calls}"
            )
    return lines


def _width() -> int:
    """COLUMNS, else the terminal's width; a CI log or a pipe has no width to keep to, so
    rows there are drawn whole (up to :data:`WIDE` characters)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return WIDE


def _name_width(
    width: int, columns: Sequence[cells.Column], texts: Sequence[Sequence[str]], name: int
) -> tuple[int, int]:
    """The name column's width: the room the other columns leave in ``width``, at least 24
    characters (or the longest name, if shorter); and the least width the table needs."""
    longest = max(len(columns[name].header), *(len(row[name]) for row in texts))
    others = sum(
        max(len(columns[i].header), *(len(row[i]) for row in texts)) + 3  # padding, border
        for i in range(len(columns))
        if i != name
    )
    least = min(longest, 24)
    return min(longest, max(least, width - others - 4)), others + least + 4


def render_profiles(diffs: Mapping[str, Profile]) -> str:
    """``perfgate profile``'s output: per benchmark, its functions by added time."""
    lines = []
    for name, profile in diffs.items():
        lines.append(f"{cells.display_name(name)}:")
        if not profile.functions:
            lines.append(f"  {printable(profile.note or 'no profile diff')}")
            continue
        width = max(len(cells.display_name(f.function, 80)) for f in profile.functions)
        lines.append(
            f"  cProfile, at least {profile.calls} calls a side; self time a call, base \u2192 head"
        )
        for change in profile.functions:
            function, base, head, added, calls = cells.profile_cells(change)
            shown = cells.display_name(function, 80).ljust(width)
            lines.append(f"  {shown}  {base:>9} \u2192 {head:>9}  {added:>10}  calls {calls}")
    return "\n".join(lines) + "\n"
