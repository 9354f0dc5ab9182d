"""The sticky PR comment and the job summary: markdown rendered from a JSON report.

Layout: a hidden marker (how the comment is found again), a headline verdict, the notable
benchmarks (slowdowns, budget problems, improvements) in the gate's order, the others folded in
``<details>``, then rounds, environment and links. Every piece of user text (benchmark names,
units, notes, the environment line) is escaped or put in a code span, so names cannot inject
markdown, HTML or @mentions. The whole text stays under ``limit`` bytes of UTF-8 (GitHub takes
65,536 characters in a comment and 1 MiB in a job summary): rows are dropped from the end
(unchanged ones first) and the comment says how many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfgate import units
from perfgate.model import Summary
from perfgate.options import GRADES_WORST_FIRST
from perfgate.report.cells import (
    accepted_note,
    budget_status,
    change_header,
    decided_phrase,
    icon_verdict,
    inconclusive_label,
    metric_header,
    name_lists,
    profiled,
)
from perfgate.report.markdown import ICONS, code_span, escape, inert_prose, profile_section
from perfgate.report.model import Report, Row

COMMENT_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
COMMENT_LIMIT = 65_536
SUMMARY_LIMIT = 1024 * 1024
_MARGIN = 512  # room for the line that says rows were cut


@dataclass(frozen=True, kw_only=True)
class Context:
    """What the comment says besides the report."""

    marker: str = "<!-- perfgate-comment -->"
    run_url: str | None = None
    asv_url: str | None = None
    environment: str | None = None  # e.g. "Linux X64, CPython 3.12.4"
    base: str | None = None  # commit hashes
    head: str | None = None


def marker_for(key: str) -> str:
    """The hidden marker of the sticky comment; ``key`` tells apart several perfgate jobs on
    one pull request (up to 64 letters, digits, ``-``, ``_`` and ``.``)."""
    if not COMMENT_KEY.match(key):
        raise ValueError(f"comment key {key!r}: use up to 64 letters, digits, -, _ and .")
    return f"<!-- perfgate-comment:{key} -->"


def render_comment(report: Report, context: Context, limit: int = COMMENT_LIMIT) -> str:
    entries = report.rows  # in the gate's order, worst first
    shown = [e for e in entries if e.gate.finding is not None]
    folded = [e for e in entries if e.gate.finding is None]
    head = [context.marker, _headline(report), "", _summary(report, context), ""]
    tail = _tail(report, context)
    header = _table_header(report)
    shown_rows, folded_rows = [_row(e, report) for e in shown], [_row(e, report) for e in folded]

    def compose(kept_shown: int, kept_folded: int, margin: int) -> str:
        lines = list(head)
        if kept_shown:
            lines += [*header, *shown_rows[:kept_shown], ""]
        elif not shown:
            lines += ["No slowdowns, improvements or budget problems.", ""]
        if kept_folded:
            label = "unchanged" if report.compared else "within budget or without one"
            lines += [
                "<details>",
                f"<summary>{len(folded)} benchmarks {label}</summary>",
                "",
                *header,
                *folded_rows[:kept_folded],
                "",
                "</details>",
                "",
            ]
        cut = len(shown) - kept_shown + len(folded) - kept_folded
        if cut:
            lines += [
                f"**{cut} of {len(entries)} rows are not shown** (the text is limited to "
                f"{limit:,} bytes); the JSON report has them all.",
                "",
            ]
        lines += _profiles(report, limit - _size(lines) - _size(tail) - margin)
        return "\n".join([*lines, *tail]) + "\n"

    # every row when they all fit; else as many as fit beside the line that says so
    text = compose(len(shown_rows), len(folded_rows), 0)
    if len(text.encode()) > limit:
        budget = limit - _size(head) - _size(tail) - 2 * _size(header) - _MARGIN
        text = compose(*_fit(shown_rows, folded_rows, budget), _MARGIN)
    if len(text.encode()) <= limit:
        return text
    # what no row count can fix (a report of thousands of notes or names): the headline only
    return (
        f"{context.marker}\n{_headline(report)[:2000]}\n\nThe report is too large to show here "
        f"({len(text.encode()):,} bytes, over {limit:,}); the JSON report has it all.\n"
    )


def _profiles(report: Report, budget: int) -> list[str]:
    """Each flagged benchmark's folded profile table, worst row first, while they fit in
    ``budget`` bytes; a line says how many did not."""
    sections = [[*profile_section(row), ""] for row in profiled(report)]
    kept: list[str] = []
    for count, section in enumerate(sections):
        if _size(kept) + _size(section) > budget - 200:  # room for the note below
            left = len(sections) - count
            return [*kept, f"{left} profile table(s) left out (the text is limited); the JSON "
                    "report has them.", ""]  # fmt: skip
        kept += section
    return kept


def _fit(shown: list[str], folded: list[str], budget: int) -> tuple[int, int]:
    """How many notable and folded rows fit in ``budget`` bytes, notable ones first."""
    kept = [0, 0]
    for which, rows in enumerate((shown, folded)):
        for text in rows:
            cost = len(text.encode()) + 1
            if cost > budget:
                return kept[0], kept[1]
            budget -= cost
            kept[which] += 1
    return kept[0], kept[1]


def _size(lines: list[str]) -> int:
    return sum(len(line.encode()) + 1 for line in lines)


def _headline(report: Report) -> str:
    icon = ICONS[icon_verdict(report)]
    slower = [
        f"{n} {severity} slowdown{'s' if n != 1 else ''}"
        for severity in GRADES_WORST_FIRST
        if (n := report.count_severity(severity))
    ]
    budgets = [
        f"{n} over {status} budget"
        for status in ("critical", "warning")
        if (n := report.count(status))
    ]
    accepted = sum(1 for row in report.rows if row.gate.accepted is not None)
    if accepted:
        budgets.append(f"{accepted} accepted")
    decided = decided_phrase(report)
    if decided:
        budgets.append(decided)
    findings = ", ".join([*slower, *budgets]) or (
        "no slowdowns" if report.compared else "all budgets met"
    )
    return f"### {icon} perfgate: {report.verdict} \u2014 {findings}"


def _summary(report: Report, context: Context) -> str:
    metrics = sorted({e.metric for e in report.rows})
    what = f"{len(report.rows)} benchmarks" + (
        f", metric {', '.join(code_span(m, 20) for m in metrics[:5])}"
        + (f" and {len(metrics) - 5} more" if len(metrics) > 5 else "")
        if metrics
        else ""
    )
    if context.base and context.head:
        what += f", base {code_span(context.base[:10])} vs head {code_span(context.head[:10])}"
    return f"{what}; the gate fails on {report.fail_on}."


def _table_header(report: Report) -> list[str]:
    if report.compared:
        return [
            f"| benchmark | base {code_span(metric_header(report), 20)} | head "
            f"{code_span(metric_header(report), 20)} | {change_header(report)} | severity | "
            "budget |",
            "|---|---:|---:|---:|---|---|",
        ]
    return ["| benchmark | value | budget target | budget |", "|---|---:|---:|---|"]


def _row(entry: Row, report: Report) -> str:
    name = code_span(entry.name)
    status = escape(budget_status(entry, compared=report.compared))
    header = metric_header(report)
    head = _side(entry.head, entry, header)
    if not report.compared:
        target = "-" if entry.budget is None else _value(entry.budget.target, entry.unit)
        return f"| {name} | {head} | {target} | {status} |"
    base = "-" if entry.base is None else _side(entry.base, entry, header)
    return f"| {name} | {base} | {head} | {_change(entry)} | {_severity(entry)} | {status} |"


def _side(side: Summary, entry: Row, header: str) -> str:
    text = _value(side.value, entry.unit)
    if side.metric_used and side.metric_used != header:
        text += f" ({code_span(side.metric_used, 20)})"
    samples = f"n={side.n:,}, {side.rounds} round{'s' if side.rounds != 1 else ''}"
    return f"{text} <sub>{samples}</sub>"


def _value(value: float, unit: str) -> str:
    return escape(units.format_value(value, unit))


def _change(entry: Row) -> str:
    c = entry.change
    return "-" if c is None else units.format_ratio_interval(c.ratio, c.low, c.high)


def _severity(entry: Row) -> str:
    c = entry.change
    if c is None:
        return "not assessed"
    if c.direction == "inconclusive":
        return inconclusive_label(c)
    if c.severity == "none":
        return {"slower": "slower (< minor)"}.get(c.direction, c.direction)
    label = "**CRITICAL**" if c.severity == "critical" else c.severity
    said = f"{label} slower" if c.direction == "slower" else f"{label} faster"
    return f"{said} (accepted)" if entry.gate.accepted is not None else said


def _tail(report: Report, context: Context) -> list[str]:
    lines: list[str] = []
    for label, names in name_lists(report):  # the lists the table and markdown show
        if names:
            shown = ", ".join(code_span(n) for n in names[:20])
            more = f" and {len(names) - 20} more" if len(names) > 20 else ""
            lines += [f"{label}: {shown}{more}", ""]
    for row in report.rows:  # who accepted what, and why: the user's words, inert
        said = accepted_note(row)
        if said is not None:
            lines += [f"{code_span(row.name)}: {inert_prose(said[:500])}", ""]
    for note in report.every_note()[:10]:  # one paragraph each: a note cannot join the one before
        lines += [inert_prose(note[:500]), ""]
    facts = []
    if report.rounds_used is not None:
        facts.append(f"{report.rounds_used} interleaved rounds per side")
    if context.environment:
        facts.append(inert_prose(context.environment[:200]))
    charted = any(row.profile and row.profile.functions for row in report.rows)
    if charted and context.run_url and safe_url(context.run_url):
        lines += [
            f"The profile diff as a chart: the `perfgate-profile` artifact of the "
            f"[workflow run]({context.run_url}).",
            "",
        ]
    for label, url in (("workflow run", context.run_url), ("asv site", context.asv_url)):
        if url and safe_url(url):
            facts.append(f"[{label}]({url})")
    if facts:
        lines += ["", "<sub>" + " \u00b7 ".join(facts) + "</sub>"]
    return lines


def safe_url(url: str) -> bool:
    """An http(s) URL that cannot break out of a markdown link."""
    return url.startswith(("https://", "http://")) and not any(
        c in url for c in " \t\r\n()<>[]\"'`\\"
    )
