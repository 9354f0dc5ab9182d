"""Which stored change points a maintainer accepted as intended (`history detect` marks
them, `notify` opens no issue for them).

An acceptance (:class:`perfgate.history.store.Acceptance`) names a commit and a benchmark. It
covers a slowdown of that benchmark whose step lies between the last commit at the old level
and the first at the new one: the accepted commit is one of the series' commits there, or
(where git can tell) an ancestor of the first slow commit that the last fast one does not
contain, as a merged pull request's head is, or a commit with the first slow commit's tree, as a
squash merge of an up-to-date pull request has. Another benchmark's step, or a later step of
the same benchmark, is not covered: an acceptance never silences the next regression.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from perfgate.history.findings import Finding
from perfgate.history.store import Acceptance, Point


def mark(
    findings: Sequence[Finding],
    acceptances: Sequence[Acceptance],
    series_commits: Callable[[Finding], Sequence[str | None]],
    repo: Path | None,
) -> list[Finding]:
    """``findings`` with ``accepted`` set on each slowdown an acceptance covers (the latest
    such acceptance). ``series_commits(f)``: the series' commits from the first changed one to
    the first at the new level; ``repo``: where git can answer ancestry and trees (None: the
    commits alone decide)."""
    if not acceptances:
        return list(findings)
    by_name: dict[str, list[Acceptance]] = {}
    for acceptance in acceptances:
        by_name.setdefault(acceptance.benchmark, []).append(acceptance)
    git = _Git(repo) if repo is not None else None
    marked = []
    for finding in findings:
        candidates = by_name.get(finding.series.name, []) if finding.slower else []
        covering = [a for a in candidates if _covers(a, finding, series_commits, git)]
        marked.append(replace(finding, accepted=covering[-1]) if covering else finding)
    return marked


def _covers(
    acceptance: Acceptance,
    finding: Finding,
    series_commits: Callable[[Finding], Sequence[str | None]],
    git: _Git | None,
) -> bool:
    if acceptance.commit in series_commits(finding):
        return True
    first, after = finding.first_commit, finding.after_commit
    if git is None or first is None:
        return False
    if acceptance.tree is not None and acceptance.tree == git.tree(first):
        return True
    return git.is_ancestor(acceptance.commit, first) is True and (
        after is None or git.is_ancestor(acceptance.commit, after) is False
    )


class _Git:
    """Ancestry and trees from the repository, each asked once; None where git cannot say
    (not a repository, an unknown commit)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.tree = cache(self._tree)
        self.is_ancestor = cache(self._is_ancestor)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str] | None:
        try:
            return subprocess.run(
                ["git", *args], cwd=self.repo, capture_output=True, check=False,
                encoding="utf-8", errors="replace",
            )  # fmt: skip
        except OSError:
            return None

    def _tree(self, commit: str) -> str | None:
        done = self._run("rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}")
        return done.stdout.strip() if done is not None and done.returncode == 0 else None

    def _is_ancestor(self, commit: str, of: str) -> bool | None:
        done = self._run("merge-base", "--is-ancestor", commit, of)
        if done is None or done.returncode not in (0, 1):
            return None
        return done.returncode == 0


def commits_of_step(points: Sequence[Point], finding: Finding) -> list[str | None]:
    """The series' commits a step took: from its first changed commit (a ramp's first) to the
    first at the new level."""
    commits = [p.commit for p in points]
    last = finding.first_commit
    first = finding.ramp_first or last
    if first not in commits or last not in commits:
        return [last]
    return commits[commits.index(first) : commits.index(last) + 1]
