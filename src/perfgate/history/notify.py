"""Telling someone: one GitHub issue per regressing commit the history's change points show.

Pure decisions; :func:`perfgate.commands.history.notify_command` talks to GitHub. The slower
change points are grouped by their *first slower commit* (with the last commit at the old
level): one commit that slows 60 benchmarks is one issue, its benchmarks listed inside (the
worst first, at most :data:`ROWS_SHOWN`, the rest counted). The issue carries two hidden
markers: its *key* (the commit), so a later run finds it again, and a digest of its
*findings* (which benchmarks, and each change to the whole percent), so it is rewritten only
when those change, not on every run on main. Only issues the token's own identity wrote are
ever found or edited: anyone else's issue that carries a marker (a person quoting it, a copy
made by hand) is left alone. A closed issue is never reopened (closing it is how a
maintainer says it is handled). Everything in an issue that came from imported files
(benchmark, machine and environment names, commits) is escaped: it can neither mention
anyone nor link anywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from perfgate.github.api import Issue
from perfgate.history.drift import Drift
from perfgate.history.findings import Finding
from perfgate.report.cells import display_name
from perfgate.report.markdown import code_span, inert_prose
from perfgate.units import format_value

LABEL = "perfgate-regression"
_KEY = "<!-- perfgate-regression: {key} -->"
_FINDINGS = "<!-- perfgate-findings: {digest} -->"
TITLE_LIMIT = 200
ROWS_SHOWN = 25  # benchmarks listed in one issue; the rest are counted

Action = Literal["open", "update", "keep", "closed"]


@dataclass(frozen=True)
class Notice:
    key: str
    title: str
    body: str
    findings: str  # the digest of what was found: the issue is rewritten when it changes


def key_of(finding: Finding) -> str:
    """The issue a finding belongs to: its regressing commit (the first at the new level,
    and the last before it)."""
    parts = [finding.after_commit or "", finding.first_commit or ""]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


def group(findings: Sequence[Finding]) -> list[list[Finding]]:
    """Slower findings by regressing commit, each group worst first, groups in the order
    their commits first appear."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(key_of(finding), []).append(finding)
    return [
        sorted(found, key=lambda f: (-abs(f.change.magnitude), f.series.name))
        for found in groups.values()
    ]


def _digest(findings: Sequence[Finding]) -> str:
    """Which benchmarks (name, unit, machine, environment) and each change to the whole
    percent: more runs on main move the medians a little and must not rewrite the issue."""
    lines = sorted(
        "\0".join(
            (
                f.series.name,
                f.series.unit,
                f.series.machine or "",
                f.series.environment or "",
                f"{round(100 * f.change.magnitude)}",
            )
        )
        for f in findings
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def notice(
    findings: Sequence[Finding],
    metric: str,
    *,
    commit_url: str | None = None,
    site_url: str | None = None,
    mention: str | None = None,
) -> Notice:
    """The issue for one regressing commit: every slower change point it starts (a group of
    :func:`group`, worst first)."""
    worst = findings[0]
    after, first = _short(worst.after_commit), _short(worst.first_commit)
    name = display_name(" ".join(worst.series.name.split()), 100)
    others = len(findings) - 1
    more = f" and {others} more benchmark{'s' if others != 1 else ''}" if others else ""
    title = (
        f"Performance regression at {after}..{first}: {name} {worst.change.magnitude:+.1%}{more}"
    )
    key = key_of(worst)
    digest = _digest(findings)
    count = f"{len(findings)} benchmark{'s' if len(findings) != 1 else ''}"
    lines = [
        _KEY.format(key=key),
        _FINDINGS.format(digest=digest),
        f"{count} became slower between commit "
        f"{_commit(worst.after_commit, commit_url)} (the last at the old level) and "
        f"{_commit(worst.first_commit, commit_url)} (the first at the new one)"
        + (
            f", spread over {worst.change.ramp + 1} commits from "
            f"{_commit(worst.ramp_first, commit_url)} on (a ramp: each commit added a part)."
            if worst.change.ramp
            else "."
        ),
        "",
        f"| benchmark | machine / environment | before ({inert_prose(metric)}, the level's "
        "median) | after | change | confidence (rank test) | runs |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for finding in findings[:ROWS_SHOWN]:
        series, change = finding.series, finding.change
        where = "/".join(p for p in (series.machine, series.environment) if p) or "-"
        lines.append(
            f"| {code_span(series.name)} | {code_span(where)} | "
            f"{format_value(change.before, series.unit)} | "
            f"{format_value(change.after, series.unit)} | **{change.magnitude:+.1%}** | "
            f"{change.confidence:.3f} | {finding.points} |"
        )
    if len(findings) > ROWS_SHOWN:
        lines.append(f"\n{len(findings) - ROWS_SHOWN} more benchmarks are not listed here.")
    lines.append("")
    if site_url is not None:
        lines.append(f"Chart: {site_url}")
        lines.append("")
    good, bad = worst.after_commit, worst.first_commit
    if good is not None and bad is not None and _is_hex(good) and _is_hex(bad):
        lines.append(
            f"To find the commit within the range: `perfgate bisect {good[:12]} {bad[:12]}`."
        )
    lines.append(
        "Found by `perfgate history detect` on the default branch; later runs update this "
        "issue when what they find changes. Close it once the regression is handled (or "
        "accepted): it is not reopened."
    )
    if mention is not None:
        lines.append(f"\ncc @{mention} (author of {_commit(worst.first_commit, None)})")
    return Notice(key=key, title=title[:TITLE_LIMIT], body="\n".join(lines) + "\n", findings=digest)


def drift_notice(
    drifts: Sequence[Drift],
    metric: str,
    *,
    commit_url: str | None = None,
    site_url: str | None = None,
) -> Notice:
    """The one issue for the creeping slowdowns since a reference (drifts that no single
    change point explains; a step has its own issue): keyed by the reference, so a rolling
    "50 commits back" keeps one issue that later runs update, and each release tag gets its
    own."""
    reference = drifts[0].reference
    key = hashlib.sha256(f"drift\0{reference}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
    lines_found = sorted(
        "\0".join((d.series.name, d.series.unit, d.series.machine, d.series.environment))
        + f"\0{round(100 * d.magnitude)}"
        for d in drifts
    )
    digest = hashlib.sha256("\n".join(lines_found).encode("utf-8", "surrogatepass")).hexdigest()
    worst = drifts[0]
    name = display_name(" ".join(worst.series.name.split()), 100)
    others = len(drifts) - 1
    more = f" and {others} more benchmark{'s' if others != 1 else ''}" if others else ""
    title = f"Creeping slowdown since {reference}: {name} {worst.magnitude:+.1%}{more}"
    lines = [
        _KEY.format(key=key),
        _FINDINGS.format(digest=digest[:16]),
        f"{len(drifts)} benchmark{'s' if len(drifts) != 1 else ''} became slower since "
        f"{inert_prose(reference)} over several commits, with no single change point as large "
        f"as the total: each level is the median of {worst.values} values (the {worst.values} "
        f"up to the reference, the last {worst.values} stored).",
        "",
        f"| benchmark | machine / environment | at the reference ({inert_prose(metric)}) | "
        "now | change | commits | confidence (rank test) |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for drift in drifts[:ROWS_SHOWN]:
        series = drift.series
        where = "/".join(p for p in (series.machine, series.environment) if p) or "-"
        lines.append(
            f"| {code_span(series.name)} | {code_span(where)} | "
            f"{format_value(drift.before, series.unit)} | "
            f"{format_value(drift.after, series.unit)} | **{drift.magnitude:+.1%}** | "
            f"{_commit(drift.since, commit_url)}..{_commit(drift.latest, commit_url)} "
            f"({drift.commits}) | {drift.confidence:.3f} |"
        )
    if len(drifts) > ROWS_SHOWN:
        lines.append(f"\n{len(drifts) - ROWS_SHOWN} more benchmarks are not listed here.")
    lines.append("")
    if site_url is not None:
        lines += [f"Chart: {site_url}", ""]
    lines.append(
        "Found by `perfgate history notify` (the drift check, `--drift`) on the default branch; "
        "later runs update this issue when what they find changes. Close it once handled: it "
        "is not reopened."
    )
    return Notice(
        key=key, title=title[:TITLE_LIMIT], body="\n".join(lines) + "\n", findings=digest[:16]
    )


def plan(
    notices: Sequence[Notice], existing: Sequence[Issue], me: str
) -> list[tuple[Action, Notice, Issue | None]]:
    """What to do for each notice, given the issues with perfgate's label; only issues whose
    author is ``me`` (the token's identity) count, the oldest first for a key."""
    by_key: dict[str, Issue] = {}
    for issue in sorted(existing, key=lambda i: i.number):
        if issue.author != me:
            continue  # a person's issue, or another bot's: never edited, never ours
        for key in _marked(issue.body, _KEY):
            by_key.setdefault(key, issue)
    steps: list[tuple[Action, Notice, Issue | None]] = []
    for item in notices:
        found = by_key.get(item.key)
        if found is None:
            steps.append(("open", item, None))
        elif found.state == "closed":
            steps.append(("closed", item, found))
        elif item.findings in _marked(found.body, _FINDINGS):
            steps.append(("keep", item, found))
        else:
            steps.append(("update", item, found))
    return steps


def _marked(body: str, template: str) -> list[str]:
    start, end = template.split("{", 1)[0], " -->"
    values = []
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith(start) and line.endswith(end):
            values.append(line[len(start) : -len(end)])
    return values


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
