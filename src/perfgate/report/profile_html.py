"""The profile diff as one self-contained HTML page: per flagged benchmark, its functions as
paired bars (base and head self time per call), widest added time first. Inline SVG and CSS,
no script, no network: it opens from a CI artifact as it is.

Not a flame graph: cProfile records each function's callers, not whole stacks, so the page
shows where self time was added, function by function, which is what the table says too.
"""

from __future__ import annotations

from perfgate.escaping import html_text
from perfgate.report import cells
from perfgate.report.model import FunctionChange, Report, Row
from perfgate.units import SECONDS, format_value

_BAR = 480  # pixels for the largest self time of a benchmark
_ROW = 22


def render_profile_html(report: Report) -> str | None:
    """The page, or None when no row carries a profile diff."""
    rows = [row for row in cells.profiled(report) if row.profile and row.profile.functions]
    if not rows:
        return None
    sections = "\n".join(_section(row) for row in rows)
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<title>perfgate: where the time went</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        "h2{font-size:16px;margin-top:2em}code{font:12px ui-monospace,monospace}"
        ".base{fill:#8aa9d6}.head{fill:#d9534f}text{font:12px ui-monospace,monospace}</style>"
        "<h1>perfgate: where the time went</h1>"
        "<p>Self time per benchmark call, cProfile, base "
        "<svg width=12 height=12><rect class=base width=12 height=12/></svg> and head "
        "<svg width=12 height=12><rect class=head width=12 height=12/></svg>; functions by "
        "added time. Call counts are exact; a count that changed is marked.</p>"
        f"{sections}</html>\n"
    )


def _section(row: Row) -> str:
    assert row.profile is not None  # noqa: S101 - filtered by the caller
    functions = row.profile.functions
    largest = max(max(f.base or 0.0, f.head or 0.0) for f in functions) or 1.0
    label_width = 9 * max(len(_label(f)) for f in functions) + 10
    height = _ROW * 2 * len(functions) + 10
    bars = "\n".join(_bars(change, i, largest, label_width) for i, change in enumerate(functions))
    title = html_text(cells.display_name(row.name))
    return (
        f"<h2><code>{title}</code>: {html_text(cells.profile_title(row))}</h2>"
        f'<svg width="{label_width + _BAR + 200}" height="{height}" role="img" '
        f'aria-label="profile diff of {title}">{bars}</svg>'
    )


def _label(change: FunctionChange) -> str:
    return cells.display_name(change.function, 90)


def _bars(change: FunctionChange, index: int, largest: float, left: int) -> str:
    y = index * 2 * _ROW + 4
    out = [f'<text x="0" y="{y + 14}">{html_text(_label(change))}</text>']
    for offset, (css, value) in enumerate((("base", change.base), ("head", change.head))):
        width = 0 if value is None else max(1, round(_BAR * value / largest))
        top = y + offset * (_ROW - 4)
        shown = "-" if value is None else format_value(value, SECONDS)
        out.append(f'<rect class="{css}" x="{left}" y="{top}" width="{width}" height="16"/>')
        out.append(f'<text x="{left + width + 6}" y="{top + 13}">{css} {html_text(shown)}')
        if css == "head" and (change.calls_changed or change.bytecodes_added):
            calls = cells.profile_cells(change)[-1]
            out[-1] += f" ({html_text(calls)})"
        out[-1] += "</text>"
    return "\n".join(out)
