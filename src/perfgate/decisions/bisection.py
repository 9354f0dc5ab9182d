"""The decisions of `perfgate bisect`, apart from running anything: what a probe says about a
commit, and which commit to probe next.

A probe is an A/B comparison of a commit (head) against GOOD (base), judged on the *target*
benchmarks: those the first probe (GOOD against BAD) flagged as slower, narrowed by
``--benchmark``. A commit is

* ``bad`` when any target is flagged slower (the gate's own rule: significant across the
  suite and reaching the minor threshold);
* ``good`` when every target is decided and none is slower (its one-sided bound rules out a
  slowdown of the minor threshold);
* ``undecided`` otherwise; the command probes it again with more rounds before giving up.

The search assumes one step between GOOD and BAD, as any bisection does; with several, it finds
the first commit at which some target is slower than at GOOD.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from perfgate.decisions import names
from perfgate.report.model import Report, Row

Outcome = Literal["bad", "good", "undecided"]


def slower(row: Row) -> bool:
    return row.change is not None and row.change.direction == "slower"


def targets(report: Report, pattern: str | None) -> list[str]:
    """The benchmarks GOOD vs BAD flagged as slower, those matching ``pattern`` (a glob
    over the full name, or over the name after its last ``::``) when given."""
    return [
        row.name
        for row in report.rows
        if slower(row) and (pattern is None or names.matches(pattern, names.of(row.name)))
    ]


def judge(report: Report, wanted: Collection[str]) -> Outcome:
    rows = [row for row in report.rows if row.name in wanted and row.change is not None]
    if any(slower(row) for row in rows):
        return "bad"
    if len(rows) == len(wanted) and all(
        row.change is not None
        and row.change.decisive
        and row.change.direction in ("unchanged", "faster")
        for row in rows
    ):
        return "good"
    return "undecided"


@dataclass
class Search:
    """Binary search over ``commits`` (oldest first, GOOD's successors up to BAD): every
    commit up to ``good`` is known good (-1: only GOOD), every one from ``bad`` on is bad."""

    commits: Sequence[str]
    good: int = -1
    bad: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.bad < 0:
            self.bad = len(self.commits) - 1

    def next(self) -> int | None:
        """The index to probe next; None once the first bad commit is known."""
        if self.bad - self.good <= 1:
            return None
        return (self.good + self.bad) // 2

    def record(self, index: int, outcome: Outcome) -> None:
        if outcome == "bad":
            self.bad = min(self.bad, index)
        elif outcome == "good":
            self.good = max(self.good, index)
        else:
            raise ValueError("an undecided probe moves no bound")

    @property
    def first_bad(self) -> str | None:
        return self.commits[self.bad] if self.next() is None else None
