"""The sticky PR comment and the job summary: markdown rendered from a JSON report.

Layout: a hidden marker (how the comment is found again), then the markdown report itself
(:func:`perfgate.report.markdown.pieces`, its notes and lists cut short): its headline and
summary, the rows with a finding (slowdowns, budget problems, improvements, undecided rows) in
the gate's order, the others folded in ``<details>``, its footnotes, notes and profile tables;
then the environment and links. Every piece of user text (benchmark names,
units, notes, the environment line) is escaped or put in a code span, so names cannot inject
markdown, HTML or @mentions. The whole text stays under ``limit`` bytes of UTF-8 (GitHub takes
65,536 characters in a comment and 1 MiB in a job summary): rows are dropped from the end
(unchanged ones first) and the comment says how many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfgate.report.markdown import Markdown, code_span, inert_prose, pieces
from perfgate.report.model import Report

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
    made = pieces(report, brief=True)  # the markdown report's own pieces
    # (row, its footnote) in the gate's order: a row with a finding is shown, the others folded
    lines_of = list(zip(made.rows, made.row_footnotes, strict=True))
    shown = [pair for row, pair in zip(report.rows, lines_of, strict=True) if row.gate.finding]
    folded = [pair for row, pair in zip(report.rows, lines_of, strict=True) if not row.gate.finding]
    head = [context.marker, made.headline, "", made.summary + _sides(context), ""]
    charted = any(row.profile and row.profile.functions for row in report.rows)
    tail = _tail(made, context, charted=charted)
    header = list(made.header)

    def compose(kept_shown: int, kept_folded: int, margin: int) -> str:
        lines = list(head)
        if kept_shown:
            lines += [*header, *(row for row, _ in shown[:kept_shown]), ""]
        elif not shown:
            lines += ["No slowdowns, improvements or budget problems.", ""]
        if kept_folded:
            label = "unchanged" if report.compared else "within budget or without one"
            lines += [
                "<details>",
                f"<summary>{len(folded)} benchmarks {label}</summary>",
                "",
                *header,
                *(row for row, _ in folded[:kept_folded]),
                "",
                "</details>",
                "",
            ]
        kept = {note for _, note in (*shown[:kept_shown], *folded[:kept_folded]) if note}
        notes = [note for note in made.footnotes if note in kept]  # in their numbers' order
        if notes:
            lines += [*notes, ""]
        cut = len(shown) - kept_shown + len(folded) - kept_folded
        if cut:
            lines += [
                f"**{cut} of {len(report.rows)} rows are not shown** (the text is limited to "
                f"{limit:,} bytes); the JSON report has them all.",
                "",
            ]
        lines += _profiles(made, limit - _size(lines) - _size(tail) - margin)
        return "\n".join([*lines, *tail]) + "\n"

    # every row when they all fit; else as many as fit beside the line that says so
    text = compose(len(shown), len(folded), 0)
    if len(text.encode()) > limit:
        budget = limit - _size(head) - _size(tail) - 2 * _size(header) - _MARGIN
        text = compose(*_fit(shown, folded, budget), _MARGIN)
    if len(text.encode()) <= limit:
        return text
    # what no row count can fix (a report of thousands of notes or names): the headline only
    return (
        f"{context.marker}\n{made.headline[:2000]}\n\nThe report is too large to show here "
        f"({len(text.encode()):,} bytes, over {limit:,}); the JSON report has it all.\n"
    )


def _profiles(made: Markdown, budget: int) -> list[str]:
    """Each flagged benchmark's folded profile table, worst row first, while they fit in
    ``budget`` bytes; a line says how many did not."""
    kept: list[str] = []
    for count, section in enumerate(made.profiles):
        if _size(kept) + _size([*section, ""]) > budget - 200:  # room for the note below
            left = len(made.profiles) - count
            return [*kept, f"{left} profile table(s) left out (the text is limited); the JSON "
                    "report has them.", ""]  # fmt: skip
        kept += [*section, ""]
    return kept


def _fit(
    shown: list[tuple[str, str | None]], folded: list[tuple[str, str | None]], budget: int
) -> tuple[int, int]:
    """How many notable and folded rows fit in ``budget`` bytes with their footnotes, notable
    ones first."""
    kept = [0, 0]
    for which, rows in enumerate((shown, folded)):
        for text, note in rows:
            cost = len(text.encode()) + 1 + (len(note.encode()) + 1 if note else 0)
            if cost > budget:
                return kept[0], kept[1]
            budget -= cost
            kept[which] += 1
    return kept[0], kept[1]


def _size(lines: list[str]) -> int:
    return sum(len(line.encode()) + 1 for line in lines)


def _sides(context: Context) -> str:
    if context.base and context.head:
        return f"; base {code_span(context.base[:10])} vs head {code_span(context.head[:10])}."
    return "."


def _tail(made: Markdown, context: Context, *, charted: bool) -> list[str]:
    """The notes of the markdown report, then the job's facts and links."""
    lines: list[str] = []
    for paragraph in made.paragraphs:  # one paragraph each: a note cannot join the one before
        lines += [paragraph, ""]
    facts = []
    if context.environment:
        facts.append(inert_prose(context.environment[:200]))
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
