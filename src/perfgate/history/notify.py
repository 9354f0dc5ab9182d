"""Telling someone: one GitHub issue per regression the history's change points show.

Pure decisions; :func:`perfgate.commands.history.notify_command` talks to GitHub. Each slower
change point has a *key* (its benchmark, unit, machine, environment and first slower commit);
its issue carries the key in a hidden marker, so a later run finds it again: it is updated
when its text changed, left alone when not, and never reopened once closed (closing it is how
a maintainer says it is handled). Everything in an issue that came from imported files
(benchmark, machine and environment names) is escaped: it can neither mention anyone nor
link anywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from perfgate.github.api import Issue
from perfgate.history.findings import Finding
from perfgate.report.cells import display_name
from perfgate.report.markdown import code_span, inert_prose
from perfgate.units import format_value

LABEL = "perfgate-regression"
_MARKER = "<!-- perfgate-regression: {key} -->"
TITLE_LIMIT = 200

Action = Literal["open", "update", "keep", "closed"]


@dataclass(frozen=True)
class Notice:
    key: str
    title: str
    body: str


def key_of(finding: Finding) -> str:
    series = finding.series
    parts = [
        series.name, series.unit, series.machine or "", series.environment or "",
        finding.first_commit or "",
    ]  # fmt: skip
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


def notice(
    finding: Finding,
    metric: str,
    *,
    commit_url: str | None = None,
    site_url: str | None = None,
    mention: str | None = None,
) -> Notice:
    """The issue for one slower change point."""
    series, change = finding.series, finding.change
    after, first = _short(finding.after_commit), _short(finding.first_commit)
    name = display_name(" ".join(series.name.split()), 120)
    title = f"Performance regression: {name} {change.magnitude:+.1%} at {after}..{first}"
    where = "/".join(p for p in (series.machine, series.environment) if p) or "-"
    key = key_of(finding)
    lines = [
        _MARKER.format(key=key),
        f"{code_span(series.name)} on {code_span(where)} became slower by "
        f"**{change.magnitude:+.1%}** between commit "
        f"{_commit(finding.after_commit, commit_url)} (the last at the old level) and "
        f"{_commit(finding.first_commit, commit_url)} (the first at the new one).",
        "",
        f"| {inert_prose(metric)} | value |",
        "|---|---:|",
        f"| before (the level's median) | {format_value(change.before, series.unit)} |",
        f"| after | {format_value(change.after, series.unit)} |",
        f"| change | {change.magnitude:+.1%} |",
        f"| confidence (rank test) | {change.confidence:.3f} |",
        f"| runs in the series | {finding.points} |",
        "",
    ]
    if site_url is not None:
        lines.append(f"Chart: {site_url}")
        lines.append("")
    good, bad = finding.after_commit, finding.first_commit
    if good is not None and bad is not None and _is_hex(good) and _is_hex(bad):
        lines.append(
            f"To find the commit within the range: `perfgate bisect {good[:12]} {bad[:12]}`."
        )
    lines.append(
        "Found by `perfgate history detect` on the default branch; later runs update this "
        "issue. Close it once the regression is handled (or accepted): it is not reopened."
    )
    if mention is not None:
        lines.append(f"\ncc @{mention} (author of {_commit(finding.first_commit, None)})")
    return Notice(key=key, title=title[:TITLE_LIMIT], body="\n".join(lines) + "\n")


def plan(
    notices: Sequence[Notice], existing: Sequence[Issue]
) -> list[tuple[Action, Notice, Issue | None]]:
    """What to do for each notice, given the issues with perfgate's label."""
    by_key: dict[str, Issue] = {}
    for issue in existing:
        for key in _keys_in(issue.body):
            by_key.setdefault(key, issue)  # one issue a key: a copy made by hand is left alone
    steps: list[tuple[Action, Notice, Issue | None]] = []
    for item in notices:
        found = by_key.get(item.key)
        if found is None:
            steps.append(("open", item, None))
        elif found.state == "closed":
            steps.append(("closed", item, found))
        elif found.title == item.title and found.body.strip() == item.body.strip():
            steps.append(("keep", item, found))
        else:
            steps.append(("update", item, found))
    return steps


def _keys_in(body: str) -> list[str]:
    start = "<!-- perfgate-regression: "
    keys = []
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith(start) and line.endswith(" -->"):
            keys.append(line[len(start) : -len(" -->")])
    return keys


def _is_hex(commit: str | None) -> bool:
    return commit is not None and commit != "" and all(c in "0123456789abcdef" for c in commit)


def _short(commit: str | None) -> str:
    """A commit for the issue's title (plain text): a hex id's first 8 characters, "?" for
    anything else (an imported file may name a commit with any text)."""
    return commit[:8] if commit and _is_hex(commit) else "?"


def _commit(commit: str | None, template: str | None) -> str:
    """A commit in the issue's body: an inert code span whatever the text (backticks cannot
    close it), a link only for a hex id."""
    if commit is None:
        return "?"
    if template is None or not _is_hex(commit):
        return code_span(commit[:12])
    return f"[`{commit[:12]}`]({template.replace('{commit}', commit)})"
