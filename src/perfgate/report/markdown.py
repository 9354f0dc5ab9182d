"""A GitHub-flavoured markdown report: headline, one table, notes."""

from __future__ import annotations

import html
import re

from perfgate.escaping import printable
from perfgate.report import cells
from perfgate.report.model import Report, Row

# What can be markup inside a line of GitHub's markdown: emphasis, code, links and images
# (`[`; a `(` or `!` is markup only beside one), HTML and autolinks (`<`), tables, strikethrough,
# issue references (`#`), mentions (`@`, made inert in prose by a zero-width space too); `_` only
# at a word's edge (GFM never reads `test_parse_large` as emphasis). Parentheses and plus signs
# stay as they are: escaping them made every note noisy in the raw file reviewers diff.
_SPECIAL = re.compile(r"[\\`*\[\]<>#|~@]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def escape(text: str) -> str:
    """Make user text (benchmark names) inert in a markdown table cell."""
    text = printable(text.replace("\r", " ").replace("\n", " "))
    text = text.replace("&", "&amp;")
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text)


# GitHub links `www.x`, `https://x` and `a@b.c` in plain text and notifies `@user`, whatever
# backslashes say; a zero-width space after the `@`, inside `www.` and `://` stops all four
# and reads the same
_LINKISH = re.compile(r"(?i)(?<=@)|(?<=www)(?=\\?\.)|(?<=:)(?=//)")
_BLOCK_START = re.compile(r"^(\s*(?:\d+)?)([-=.)+])")


def inert_prose(text: str) -> str:
    """Untrusted sentences (a report's notes, an artifact's environment) as one inert line of
    markdown: escaped like :func:`escape`, no autolink, mention, list, rule or heading."""
    text = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escape(text), count=1)
    return _LINKISH.sub("\u200b", text)


ICONS = {"fail": "\u274c", "pass": "\u2705", "inconclusive": "\u26a0\ufe0f"}


def render_markdown(report: Report, *, width: int | None = None) -> str:  # noqa: ARG001
    icon = ICONS[cells.icon_verdict(report)]
    decided = cells.decided_phrase(report)
    lines = [
        f"### {icon} perfgate {report.kind}: {report.verdict}"
        + (f" \u2014 {decided}" if decided else ""),
        "",
        cells.summary_line(report) + f" (fail-on: {report.fail_on})",
        "",
    ]
    columns = cells.columns(report)
    lines.append("| " + " | ".join(c.header for c in columns) + " |")
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in columns) + "|")
    footnotes: list[str] = []
    for row in report.rows:
        texts = cells.cells(row, report, columns)
        texts[0] = f"`{_code(cells.display_name(row.name))}`"
        row_notes = cells.notes(row, accepted=False)
        if (said := cells.accepted_note(row)) is not None:
            row_notes.append(inert_prose(said))  # the reason is the user's text
        if row_notes:
            name = _code(cells.display_name(row.name))
            footnotes.append(f"{len(footnotes) + 1}. `{name}`: " + "; ".join(row_notes))
            texts[-1] += f" [{len(footnotes)}]"
        lines.append("| " + " | ".join(texts) + " |")
    if footnotes:
        lines.append("")
        lines.extend(footnotes)
    for note in cells.general_notes(report):
        lines.append("")
        lines.append(inert_prose(note))
    for label, names in cells.name_lists(report):
        lines.append("")
        lines.append(f"{label}: " + ", ".join(f"`{_code(cells.display_name(n))}`" for n in names))
    for row in cells.profiled(report):
        lines += ["", *profile_section(row)]
    return "\n".join(lines) + "\n"


def profile_section(row: Row) -> list[str]:
    """A flagged benchmark's profile diff as a folded table (or why there is none)."""
    profile = row.profile
    assert profile is not None  # noqa: S101 - callers pass profiled rows only
    name = code_span(row.name)
    if not profile.functions:
        return [f"{name}: {inert_prose(profile.note or 'no profile diff')}"]
    header = "| " + " | ".join(cells.PROFILE_HEADERS) + " |"
    # inside <summary> markdown is not read: the name is HTML-escaped, not a code span
    summary = html.escape(cells.display_name(row.name), quote=False)
    lines = [
        "<details>",
        f"<summary><code>{summary}</code>: {cells.profile_title(row)}</summary>",
        "",
        header,
        "|---|---:|---:|---:|---:|",
    ]
    for change in profile.functions:
        function, *rest = cells.profile_cells(change)
        lines.append("| " + " | ".join([code_span(function), *map(escape, rest)]) + " |")
    return [*lines, "", "</details>"]


def _code(text: str) -> str:
    # inside a code span only backticks and pipes (table cells) need care, and control
    # characters (newlines, escape sequences, bidi marks) are shown as their escapes
    return printable(text).replace("`", "'").replace("|", "\\|")


def code_span(text: str, limit: int = 200) -> str:
    """User text as an inert code span for a table cell, at most ``limit`` characters
    (markdown, HTML and @mentions do nothing inside a code span)."""
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return f"`{_code(text)}`"
