"""How history reads: change-point reports (table, markdown, JSON), a benchmark's table, and
its trend chart as one self-contained HTML page (inline SVG, no script, no network)."""

from __future__ import annotations

import io
import json
import shutil
import statistics
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TextIO

from perfgate.escaping import html_text
from perfgate.history.explained import SeriesNotes
from perfgate.history.store import Point, SeriesKey
from perfgate.report.boxes import box_table
from perfgate.report.cells import display_name
from perfgate.report.markdown import code_span, escape
from perfgate.units import format_value

if TYPE_CHECKING:
    from rich.table import Table

    from perfgate.history.drift import Drift
    from perfgate.history.findings import Finding

CHANGES_VERSION = 1
_MAX_TERMINAL_ROWS = 100


def _short(commit: str | None) -> str:
    return commit[:8] if commit else "?"


def _where(key: SeriesKey) -> str:
    parts = [p for p in (key.machine, key.environment) if p]
    return "/".join(parts) or "-"


# names, machines and environments come from imported files: the terminal gets them with
# control characters shown as escapes, markdown escaped (units are made safe by format_value)
def _plain(text: str) -> str:
    return display_name(text)


def _cells(finding: Finding) -> list[str]:
    change = finding.change
    unit = finding.series.unit
    return [
        finding.series.name,
        _where(finding.series),
        f"{_short(finding.after_commit)}..{_short(finding.first_commit)}{_over(finding)}",
        format_value(change.before, unit),
        format_value(change.after, unit),
        f"{change.magnitude:+.1%} ({_direction(finding)})",
        f"{change.confidence:.3f}",
    ]


def _direction(finding: Finding) -> str:
    if not finding.slower:
        return "faster"
    return "slower" if finding.accepted is None else "slower, accepted"


def accepted_words(finding: Finding) -> str:
    """Who accepted a slowdown, at which commit, and why (text from the store: made safe by
    the caller)."""
    accepted = finding.accepted
    if accepted is None:
        return ""
    by = f" by {accepted.accepted_by}" if accepted.accepted_by else ""
    why = f": {accepted.reason}" if accepted.reason else ""
    return f"accepted at {_short(accepted.commit)}{by}{why}"


def _over(finding: Finding) -> str:
    """How many commits a ramp took, after its commit range; nothing for a step."""
    return f" (over {finding.change.ramp + 1} commits)" if finding.change.ramp else ""


_HEADERS = ["benchmark", "machine/env", "commits", "before", "after", "change", "confidence"]


def render_findings(
    found: Sequence[Finding],
    series: int,
    metric: str,
    fmt: str,
    *,
    drifts: Sequence[Drift] = (),
    reference: str | None = None,
) -> str:
    """``history detect``'s report: the change points, then the drifts (``reference``: what
    they were measured against, None when the drift check did not run)."""
    if fmt == "json":
        return _findings_json(found, series, metric, drifts, reference)
    return _steps(found, series, metric, fmt) + _drift_text(drifts, reference, fmt)


def _drift_cells(drift: Drift) -> list[str]:
    unit = drift.series.unit
    return [
        drift.series.name,
        _where(drift.series),
        f"{_short(drift.since)}..{_short(drift.latest)} ({drift.commits} commits)",
        format_value(drift.before, unit),
        format_value(drift.after, unit),
        f"{drift.magnitude:+.1%}"
        + (" (change points above)" if drift.explained else " (creeping)"),
        f"{drift.confidence:.3f}",
    ]


def _drift_text(drifts: Sequence[Drift], reference: str | None, fmt: str) -> str:
    """The drift check in words and a table (each level the median of ``Drift.values``
    values)."""
    if reference is None:
        return ""
    prefix = "### " if fmt == "markdown" else ""
    if not drifts:
        return f"\n{prefix}No drift: no series is slower than at {reference} by the threshold.\n"
    values = drifts[0].values
    title = (
        f"{len(drifts)} series slower than at {reference} (drift: the median of the last "
        f"{values} values against the {values} up to the reference)"
    )
    rows = [_drift_cells(d) for d in drifts]
    if fmt == "markdown":
        lines = ["", f"### {title}", "", "| " + " | ".join(_HEADERS) + " |", "|---" * 7 + "|"]
        for name, where, *rest in rows:
            cells = [code_span(name), code_span(where), *map(escape, rest)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=title, title_justify="left")
    for header in _HEADERS:
        table.add_column(header, justify="right" if header in ("before", "after") else "left")
    for row in rows[:_MAX_TERMINAL_ROWS]:
        table.add_row(*map(_plain, row))
    return "\n" + _print(table)


def _steps(found: Sequence[Finding], series: int, metric: str, fmt: str) -> str:
    title = (
        f"{len(found)} change point(s) in {series} series "
        f"({metric} per commit; slowdowns first, largest first)"
    )
    if not found:  # a sentence, not an empty table
        prefix = "### " if fmt == "markdown" else ""
        return f"{prefix}No change points in {series} series ({metric} per commit).\n"
    if fmt == "markdown":
        lines = [f"### {title}", "", "| " + " | ".join(_HEADERS) + " |", "|---" * 7 + "|"]
        for finding in found:
            # names and machines as code spans: no markup, link, mention or autolink inside
            name, where, *rest = _cells(finding)
            cells = [code_span(name), code_span(where), *map(escape, rest)]
            lines.append("| " + " | ".join(cells) + " |")
        accepted = [
            f"- {code_span(f.series.name)}: {escape(accepted_words(f))}"
            for f in found
            if f.accepted is not None
        ]
        lines += ["", *accepted] if accepted else []
        return "\n".join(lines) + "\n"
    from rich.table import Table  # noqa: PLC0415 - only the findings table folds long names
    from rich.text import Text  # noqa: PLC0415

    table = Table(title=title, title_justify="left")
    for header in _HEADERS:
        table.add_column(
            header,
            justify="right" if header in ("before", "after") else "left",
            overflow="fold" if header in ("benchmark", "machine/env") else "ellipsis",
            no_wrap=header not in ("benchmark", "machine/env"),
        )
    for finding in found[:_MAX_TERMINAL_ROWS]:
        styled = [Text(_plain(c)) for c in _cells(finding)]
        styled[5].stylize(
            "green" if not finding.slower else "bold red" if finding.accepted is None else "yellow"
        )
        table.add_row(*styled)
    text = _print(table)
    if len(found) > _MAX_TERMINAL_ROWS:
        text += f"... {len(found) - _MAX_TERMINAL_ROWS} more (use --format markdown or json)\n"
    shown = found[:_MAX_TERMINAL_ROWS]
    text += "".join(
        _plain(f"{f.series.name}: {accepted_words(f)}") + "\n"
        for f in shown
        if f.accepted is not None
    )
    return text


def _findings_json(
    found: Sequence[Finding],
    series: int,
    metric: str,
    drifts: Sequence[Drift],
    reference: str | None,
) -> str:
    return (
        json.dumps(
            {
                "perfgate_changes": CHANGES_VERSION,
                # the drift check (added in version 1, absent when --drift 0): each series
                # slower than at the reference by the threshold, its levels medians of 8 values
                **({"drift": _drift_json(drifts, reference)} if reference is not None else {}),
                "metric": metric,
                "series": series,
                "changes": [
                    {
                        "benchmark": f.series.name,
                        "unit": f.series.unit,
                        "machine": f.series.machine,
                        "environment": f.series.environment,
                        "commits": [f.after_commit, f.first_commit],
                        "index": f.change.index,
                        # a change spread over several commits: its first changed commit
                        # and how many commits it took (1 for a step)
                        "first_changed": f.ramp_first or f.first_commit,
                        "spread": f.change.ramp + 1,
                        "points": f.points,
                        "before": f.change.before,
                        "after": f.change.after,
                        "magnitude": f.change.magnitude,
                        "direction": "slower" if f.slower else "faster",
                        "confidence": f.change.confidence,
                        # a slowdown a maintainer called intended (added in version 1)
                        "accepted": None
                        if f.accepted is None
                        else {
                            "commit": f.accepted.commit,
                            "by": f.accepted.accepted_by,
                            "reason": f.accepted.reason,
                        },
                    }
                    for f in found
                ],
            },
            indent=2,
        )
        + "\n"
    )


def _drift_json(drifts: Sequence[Drift], reference: str) -> dict[str, object]:
    return {
        "reference": reference,
        "series": [
            {
                "benchmark": d.series.name,
                "unit": d.series.unit,
                "machine": d.series.machine,
                "environment": d.series.environment,
                "commits": [d.since, d.latest],
                "spread": d.commits,
                "before": d.before,
                "after": d.after,
                "magnitude": d.magnitude,
                "confidence": d.confidence,
                "explained": d.explained,
            }
            for d in drifts
        ],
    }


def _print(renderable: Table) -> str:
    from rich.console import Console  # noqa: PLC0415

    buffer = io.StringIO()
    width = shutil.get_terminal_size(fallback=(120, 24)).columns
    Console(file=buffer, width=width, no_color=True, highlight=False).print(renderable)
    return buffer.getvalue()


def _date(point: Point) -> str:
    if point.date is None:
        return "?"
    return datetime.fromtimestamp(point.date, tz=timezone.utc).strftime("%Y-%m-%d")


_SERIES_HEADERS = ("commit", "date", "value", "n", "rounds")
_STAND_IN = (
    "(mean): the run stored no {metric}, only statistics without samples (pytest-benchmark's "
    ".benchmarks/, data.js): its mean is shown in its place"
)


def _series_title(key: SeriesKey, metric: str, points: Sequence[Point]) -> str:
    return f"{key.name} [{_where(key)}]: {metric} per commit, {len(points)} run(s)"


def _series_cells(key: SeriesKey, point: Point) -> list[str]:
    value = point.value
    shown = "-" if value is None else format_value(value, key.unit)
    return [
        _short(point.commit),
        _date(point),
        f"{shown} (mean)" if point.mean_stands_in else shown,
        str(point.n) if point.n else "stored",
        str(point.rounds),
    ]


def series_table(
    series: Sequence[tuple[SeriesKey, list[Point]]],
    metric: str,
    out: TextIO,
    notes: Mapping[SeriesKey, SeriesNotes] | None = None,
) -> None:
    headers = [metric if header == "value" else header for header in _SERIES_HEADERS]
    for key, points in series:
        shown = points[-_MAX_TERMINAL_ROWS:]
        rows = [[_plain(cell) for cell in _series_cells(key, point)] for point in shown]
        title = _plain(_series_title(key, metric, points))
        out.write(box_table(title, headers, rows, right=(2, 3, 4)))
        if len(points) > len(shown):
            out.write(f"(the last {len(shown)} of {len(points)}; --chart draws them all)\n")
        if metric != "mean" and any(p.mean_stands_in for p in shown):
            out.write(_STAND_IN.format(metric=metric) + "\n")
        out.writelines(_plain(line) + "\n" for line in _notes_of(notes, key).lines())


def _notes_of(notes: Mapping[SeriesKey, SeriesNotes] | None, key: SeriesKey) -> SeriesNotes:
    return (notes or {}).get(key) or SeriesNotes()


def series_markdown(
    series: Sequence[tuple[SeriesKey, list[Point]]],
    metric: str,
    notes: Mapping[SeriesKey, SeriesNotes] | None = None,
) -> str:
    """Every point of each series as a markdown table (names and values escaped)."""
    lines: list[str] = []
    for key, points in series:
        headers = [metric if h == "value" else h for h in _SERIES_HEADERS]
        title = f"{code_span(key.name)} {code_span(_where(key))}: {escape(metric)} per commit"
        lines += [f"### {title}, {len(points)} run(s)", ""]
        lines += ["| " + " | ".join(headers) + " |", "|---|---|---:|---:|---:|"]
        lines += ["| " + " | ".join(map(escape, _series_cells(key, p))) + " |" for p in points]
        if metric != "mean" and any(p.mean_stands_in for p in points):
            lines += ["", _STAND_IN.format(metric=metric)]
        explained = _notes_of(notes, key).lines()
        lines += ["", *(f"- {escape(line)}" for line in explained)] if explained else []
        lines.append("")
    return "\n".join(lines)


def series_json(
    series: Sequence[tuple[SeriesKey, list[Point]]],
    found: Sequence[Finding],
    metric: str,
    notes: Mapping[SeriesKey, SeriesNotes] | None = None,
) -> str:
    return (
        json.dumps(
            {
                "perfgate_history": CHANGES_VERSION,
                "metric": metric,
                "series": [
                    {
                        "benchmark": key.name,
                        "unit": key.unit,
                        "machine": key.machine,
                        "environment": key.environment,
                        "points": [
                            {
                                "commit": p.commit,
                                "date": p.date,
                                "value": p.value,
                                "value_is_mean": p.mean_stands_in,
                                "n": p.n,
                                "rounds": p.rounds,
                            }
                            for p in points
                        ],
                        "changes": [
                            {"index": f.change.index, "magnitude": f.change.magnitude}
                            for f in found
                            if f.series == key
                        ],
                        # where the packages changed, and the slowdowns accepted (version 1)
                        **_notes_of(notes, key).to_dict(),
                    }
                    for key, points in series
                ],
            },
            indent=2,
        )
        + "\n"
    )


_W, _H, _PAD = 960, 320, 56


def chart_html(
    series: Sequence[tuple[SeriesKey, list[Point]]], found: Sequence[Finding], metric: str
) -> str:
    """One SVG chart per series: the metric per commit, each point titled with its commit,
    date and value (hover), change points as dashed lines labelled with their magnitude."""
    name = series[0][0].name
    body = [
        f"<h1>{html_text(name)}</h1>",
        f"<p>{html_text(metric)} per commit, oldest left. Dashed lines: change points "
        "(perfgate history detect). Hover a point for its commit.</p>",
    ]
    for key, points in series:
        body.append(_svg(key, points, [f for f in found if f.series == key], metric))
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{html_text(name)}: history</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        "svg{background:#fafafa;border:1px solid #ddd;margin-bottom:1.5em}"
        ".pt{fill:#2b6cb0}.pt:hover{fill:#c05621;r:5}.line{fill:none;stroke:#90cdf4}"
        ".cp{stroke:#c53030;stroke-dasharray:4 3}.ramp{fill:#fed7d7;opacity:.6}"
        ".slow{fill:#c53030}.fast{fill:#2f855a}"
        "text{font-size:12px}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _svg(key: SeriesKey, points: list[Point], found: Sequence[Finding], metric: str) -> str:
    values = [(i, p, p.value) for i, p in enumerate(points)]
    usable = [(i, p, v) for i, p, v in values if v is not None and v > 0]  # as detect sees it
    caption = html_text(f"{_where(key)} ({metric} in {key.unit}, {len(points)} runs)")
    if not usable:
        return f"<p>{caption}: no values</p>"
    low, high = chart_range([v for _i, _p, v in usable])
    span = high - low
    last = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return _PAD + (_W - 2 * _PAD) * i / last

    def y(v: float) -> float:
        return _H - _PAD - (_H - 2 * _PAD) * (v - low) / span

    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, _p, v in usable)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'role="img" aria-label="{caption}">',
        f'<text x="{_PAD}" y="20">{caption}</text>',
        f'<text x="4" y="{y(high) + 4:.1f}">{html_text(format_value(high, key.unit))}</text>',
        f'<text x="4" y="{y(low) + 4:.1f}">{html_text(format_value(low, key.unit))}</text>',
        f'<polyline class="line" points="{path}"/>',
        *_commit_ticks(points, x),
    ]
    usable_index = [i for i, _p, _v in usable]
    for finding in found:
        at = x(usable_index[finding.change.index])
        css = "slow" if finding.slower else "fast"
        where = _short(finding.first_commit)
        if finding.change.ramp:  # the commits the change spread over, shaded
            begin = x(usable_index[finding.change.start])
            where = f"{_short(finding.ramp_first)}..{where} ({finding.change.ramp + 1} commits)"
            parts.append(
                f'<rect class="ramp" x="{begin:.1f}" y="30" width="{at - begin:.1f}" '
                f'height="{_H - 60}"/>'
            )
        label = html_text(f"{finding.change.magnitude:+.1%} at {where}")
        parts.append(f'<line class="cp" x1="{at:.1f}" x2="{at:.1f}" y1="30" y2="{_H - 30}"/>')
        parts.append(f'<text class="{css}" x="{at + 4:.1f}" y="40">{label}</text>')
    for i, point, value in usable:
        tip = html_text(
            f"{_short(point.commit)} {_date(point)}: {format_value(value, key.unit)}"
            f"{' (mean)' if point.mean_stands_in else ''} ({_counted(point)})"
        )
        parts.append(
            f'<circle class="pt" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3"><title>{tip}</title>'
            "</circle>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


# A chart spans at least this share of its series' median level: a flat series (20.08 to
# 20.12 ms) is drawn flat, not stretched over the full height as if it were noise.
MIN_SPAN_SHARE = 0.2
COMMIT_TICKS = 8  # commits labelled along the x axis


def chart_range(values: Sequence[float]) -> tuple[float, float]:
    """The value range a chart draws: the data's, widened about its middle to at least
    :data:`MIN_SPAN_SHARE` of the median level."""
    low, high = min(values), max(values)
    level = abs(statistics.median(values)) or abs(high) or 1.0
    least = MIN_SPAN_SHARE * level
    if high - low >= least:
        return low, high
    middle = (low + high) / 2
    return middle - least / 2, middle + least / 2


def _commit_ticks(points: Sequence[Point], x: Callable[[int], float]) -> list[str]:
    """Up to :data:`COMMIT_TICKS` commits labelled under the x axis, evenly spread, the
    first and the last always."""
    if not points:
        return []
    count = min(COMMIT_TICKS, len(points))
    chosen = sorted({round(k * (len(points) - 1) / max(count - 1, 1)) for k in range(count)})
    return [
        f'<text class="tick" x="{x(i):.1f}" y="{_H - _PAD + 18}" text-anchor="middle">'
        f"{html_text(_short(points[i].commit))}</text>"
        for i in chosen
    ]


def _counted(point: Point) -> str:
    """What a point summarizes: its samples and rounds, or that it was imported as stored
    statistics (no samples kept)."""
    if point.n:
        return f"n={point.n}, {point.rounds} round{'s' if point.rounds != 1 else ''}"
    return "stored statistics, no samples"


def site_html(
    series: Sequence[tuple[SeriesKey, list[Point]]],
    found: Sequence[Finding],
    metric: str,
    commit_url: str | None,
    drifts: Sequence[Drift] = (),
) -> str:
    """The history site: one self-contained page (no script, no request at view time) with an
    index of every series (latest value, runs, change points, newest first) and each series'
    chart, its change points listed with links to their commits (``commit_url``: a template
    with ``{commit}``)."""
    index = [
        "<table><thead><tr><th>benchmark</th><th>machine/env</th><th>runs</th>"
        f"<th>latest {html_text(metric)}</th><th>change points</th></tr></thead><tbody>"
    ]
    sections = []
    for number, (key, points) in enumerate(series):
        mine = [f for f in found if f.series == key]
        latest = next((p.value for p in reversed(points) if p.value is not None), None)
        shown = "-" if latest is None else format_value(latest, key.unit)
        steps = ", ".join(
            f'<span class="{"slow" if f.slower else "fast"}">{f.change.magnitude:+.1%}</span>'
            for f in mine
        )
        drift = next((d for d in drifts if d.series == key), None)
        if drift is not None:
            steps = (steps + ", " if steps else "") + (
                f'<span class="slow">drift {drift.magnitude:+.1%}</span>'
            )
        index.append(
            f'<tr><td><a href="#s{number}">{html_text(_plain(key.name))}</a></td>'
            f"<td>{html_text(_plain(_where(key)))}</td><td>{len(points)}</td>"
            f"<td>{html_text(shown)}</td><td>{steps or '-'}</td></tr>"
        )
        items = "".join(_change_item(f, key, commit_url) for f in mine)
        items += "" if drift is None else _drift_item(drift, commit_url)
        sections.append(
            f'<section id="s{number}"><h2>{html_text(_plain(key.name))}</h2>'
            + _svg(key, points, mine, metric)
            + (f"<ul>{items}</ul>" if items else "<p>No change point.</p>")
            + "</section>"
        )
    index.append("</tbody></table>")
    stepped = len({f.series for f in found})
    intro = (
        f"<p>{len(series)} series, {html_text(metric)} per commit (oldest left); "
        f"{len(found)} change point(s) in {stepped} series (perfgate history detect)"
        + (
            f"; {len(drifts)} series drifted slower since {html_text(drifts[0].reference)}"
            if drifts
            else ""
        )
        + ". Hover a point for its commit.</p>"
    )
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<title>perfgate: benchmark history</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        "svg{background:#fafafa;border:1px solid #ddd;margin-bottom:.5em}"
        "table{border-collapse:collapse;margin-bottom:2em}td,th{padding:2px 10px;"
        "border-bottom:1px solid #eee;text-align:left}"
        ".pt{fill:#2b6cb0}.pt:hover{fill:#c05621;r:5}.line{fill:none;stroke:#90cdf4}"
        ".cp{stroke:#c53030;stroke-dasharray:4 3}.ramp{fill:#fed7d7;opacity:.6}"
        ".slow{fill:#c53030;color:#c53030}"
        ".fast{fill:#2f855a;color:#2f855a}text{font-size:12px}</style></head><body>\n"
        "<h1>Benchmark history</h1>\n"
        + intro
        + "\n"
        + "\n".join(index)
        + "\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


def _change_item(finding: Finding, key: SeriesKey, commit_url: str | None) -> str:
    change = finding.change
    css = "slow" if finding.slower else "fast"
    return (
        f"<li>{_commit_link(finding.after_commit, commit_url)}.."
        f"{_commit_link(finding.first_commit, commit_url)}: "
        f"{html_text(format_value(change.before, key.unit))} &rarr; "
        f"{html_text(format_value(change.after, key.unit))} "
        f'<span class="{css}">{change.magnitude:+.1%}</span> '
        f"(confidence {change.confidence:.3f}){html_text(_ramp_words(finding))}"
        + (f"; {html_text(accepted_words(finding))}" if finding.accepted is not None else "")
        + "</li>"
    )


def _drift_item(drift: Drift, commit_url: str | None) -> str:
    unit = drift.series.unit
    return (
        f"<li>drift since {html_text(drift.reference)}: "
        f"{_commit_link(drift.since, commit_url)}..{_commit_link(drift.latest, commit_url)} "
        f"({drift.commits} commits): {html_text(format_value(drift.before, unit))} &rarr; "
        f"{html_text(format_value(drift.after, unit))} "
        f'<span class="slow">{drift.magnitude:+.1%}</span> '
        f"(median of {drift.values} values at each end; confidence {drift.confidence:.3f})</li>"
    )


def _ramp_words(finding: Finding) -> str:
    """A ramp, in words: its first changed commit and how many commits it took."""
    if not finding.change.ramp:
        return ""
    return (
        f"; spread over {finding.change.ramp + 1} commits, the first changed "
        f"{_short(finding.ramp_first)}"
    )


def _commit_link(commit: str | None, template: str | None) -> str:
    text = html_text(_short(commit))
    if commit is None or template is None or not all(c in "0123456789abcdef" for c in commit):
        return f"<code>{text}</code>"
    url = html_text(template.replace("{commit}", commit), quote=True)
    return f'<a href="{url}"><code>{text}</code></a>'
