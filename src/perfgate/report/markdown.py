"""A GitHub-flavoured markdown report: headline, one table, notes."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

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


# A cell perfgate wrote is numbers, units and words; one that holds anything else (a unit or a
# metric name from an untrusted report) is escaped whole. Brackets alone make no link here:
# the notes, where a link reference could be defined, are escaped; `<` is HTML only before a
# non-space, `>` a quote only at a line's start, which no cell or footnote text is.
_PLAIN_CELL = re.compile(r"[^\W_]|[ .,%+\-:/()=\[\]\u00b1\u2192\u2026\u00d7\u2265\u2264<>]")


def plain_cell(text: str) -> str:
    """A table cell's text as it is when it can hold no markup, else inert like a note."""
    lowered = text.lower()
    if (
        all(_PLAIN_CELL.fullmatch(c) for c in text)
        and "](" not in text
        and "://" not in text
        and "www." not in lowered
        and not re.search(r"<\S", text)
    ):
        return text
    return inert_prose(text)


ICONS = {"fail": "\u274c", "pass": "\u2705", "inconclusive": "\u26a0\ufe0f"}
BRIEF_NAMES = 20  # names a brief list shows (the PR comment); the JSON report has them all
BRIEF_NOTE = 500  # characters of a note a brief rendering keeps
BRIEF_NOTES = 10  # notes on many rows a brief rendering keeps


@dataclass(frozen=True)
class Markdown:
    """A report's markdown in pieces, the one rendering of it: :func:`render_markdown` joins
    them; the PR comment folds the rows that show no finding and fits the whole to GitHub's
    limit, and adds nothing else but its marker and the job's links."""

    headline: str
    summary: str
    header: tuple[str, ...]  # the table's two header lines
    rows: tuple[str, ...]  # a line per report row, in the report's (the gate's) order
    row_footnotes: tuple[str | None, ...]  # each row's numbered footnote, if it has one
    paragraphs: tuple[str, ...]  # the notes on many rows, then the lists of names
    profiles: tuple[tuple[str, ...], ...]  # a folded table per profiled row

    @property
    def footnotes(self) -> tuple[str, ...]:
        return tuple(note for note in self.row_footnotes if note is not None)


def pieces(report: Report, *, brief: bool = False) -> Markdown:
    """``brief``: each note cut to ``BRIEF_NOTE`` characters, the notes on many rows to
    ``BRIEF_NOTES`` and each list of names to ``BRIEF_NAMES`` (a PR comment, whose size is
    limited)."""

    def cut(text: str) -> str:
        return text[: BRIEF_NOTE - 1] + "\u2026" if brief and len(text) > BRIEF_NOTE else text

    icon = ICONS[cells.icon_verdict(report)]
    columns = cells.columns(report)
    rows: list[str] = []
    footnotes: list[str | None] = []
    numbered = 0
    for row in report.rows:
        texts = [plain_cell(text) for text in cells.cells(row, report, columns)]
        texts[0] = f"`{_code(cells.display_name(row.name))}`"
        # perfgate's words, with units and statistics' names from a report that may be a fork's
        row_notes = [plain_cell(cut(note)) for note in cells.notes(row, accepted=False)]
        if (said := cells.accepted_note(row)) is not None:
            row_notes.append(inert_prose(cut(said)))  # the reason is the user's text
        footnotes.append(None)
        if row_notes:
            numbered += 1
            name = _code(cells.display_name(row.name))
            footnotes[-1] = f"{numbered}. `{name}`: " + "; ".join(row_notes)
            texts[-1] += f" [{numbered}]"
        rows.append("| " + " | ".join(texts) + " |")
    general = cells.general_notes(report)
    kept = general[:BRIEF_NOTES] if brief else general
    paragraphs = [inert_prose(cut(note)) for note in kept]
    if len(kept) < len(general):
        paragraphs.append(f"{len(general) - len(kept)} more notes: the JSON report has them.")
    for label, names in cells.name_lists(report):
        shown = names[:BRIEF_NAMES] if brief else names
        more = f" and {len(names) - len(shown)} more" if len(shown) < len(names) else ""
        listed = ", ".join(f"`{_code(cells.display_name(n))}`" for n in shown)
        paragraphs.append(f"{label}: {listed}{more}")
    return Markdown(
        headline=f"### {icon} perfgate {report.kind}: {report.verdict} \u2014 "
        + cells.findings_phrase(report),
        summary=cells.summary_line(report) + f" (fail-on: {report.fail_on})",
        header=(
            "| " + " | ".join(plain_cell(c.header) for c in columns) + " |",
            "|" + "|".join("---:" if c.numeric else "---" for c in columns) + "|",
        ),
        rows=tuple(rows),
        row_footnotes=tuple(footnotes),
        paragraphs=tuple(paragraphs),
        profiles=tuple(tuple(profile_section(row)) for row in cells.profiled(report)),
    )


def render_markdown(report: Report, *, width: int | None = None) -> str:  # noqa: ARG001
    made = pieces(report)
    lines = [made.headline, "", made.summary, "", *made.header, *made.rows]
    if made.footnotes:
        lines += ["", *made.footnotes]
    for paragraph in made.paragraphs:
        lines += ["", paragraph]
    for section in made.profiles:
        lines += ["", *section]
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
