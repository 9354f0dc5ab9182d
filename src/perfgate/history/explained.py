"""What explains a step in a stored series, as `history show` says under it: where the
installed packages changed (each run's set, stored by `run --record`), and the slowdowns a
maintainer accepted (:mod:`perfgate.history.accepted`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from perfgate.harness.environments import dependency_changes
from perfgate.history.store import Acceptance


@dataclass(frozen=True, kw_only=True)
class PackageChange:
    """Where the installed packages changed in a series: at ``commit`` (the first run with the
    new set; ``before``: the run before it), each (name, old version, new version), None for a
    package that was not there."""

    commit: str | None
    before: str | None
    changes: tuple[tuple[str, str | None, str | None], ...]


def package_changes(runs: Sequence[tuple[str | None, Mapping[str, str]]]) -> list[PackageChange]:
    """Each change of the installed packages between consecutive runs (in commit order)."""
    found = []
    for (before, old), (commit, new) in pairwise(runs):
        if old != new:
            changes = tuple(dependency_changes(old, new))
            found.append(PackageChange(commit=commit, before=before, changes=changes))
    return found


def change_words(changes: Sequence[tuple[str, str | None, str | None]], most: int = 8) -> str:
    """``numpy 1.26.4 -> 2.0.0, tomli 2.0.1 removed, rich 13.7.1 added`` (and how many more)."""
    words = [
        f"{name} {old} removed" if new is None
        else f"{name} {new} added" if old is None
        else f"{name} {old} -> {new}"
        for name, old, new in changes[:most]
    ]  # fmt: skip
    more = f" and {len(changes) - most} more" if len(changes) > most else ""
    return ", ".join(words) + more


@dataclass(frozen=True, kw_only=True)
class SeriesNotes:
    """What `history show` says under a series: where its environment's packages changed and
    which of its commits a maintainer accepted a slowdown at."""

    packages: tuple[PackageChange, ...] = ()
    accepted: tuple[Acceptance, ...] = ()

    def lines(self, most: int = 10) -> list[str]:
        """A line each, the latest ``most`` of each kind (names from the store: the caller
        makes them safe for its output)."""
        found = [
            f"packages changed at {_short(c.commit)}: {change_words(c.changes)}"
            for c in self.packages[-most:]
        ]
        for a in self.accepted[-most:]:
            by = f" by {a.accepted_by}" if a.accepted_by else ""
            found.append(f"slowdown accepted at {_short(a.commit)}{by}: {a.reason or 'no reason'}")
        return found

    def to_dict(self) -> dict[str, object]:
        return {
            "package_changes": [
                {
                    "commit": c.commit,
                    "after": c.before,
                    "changes": [{"name": n, "before": b, "after": a} for n, b, a in c.changes],
                }
                for c in self.packages
            ],
            "accepted": [
                {"commit": a.commit, "by": a.accepted_by, "reason": a.reason, "date": a.date}
                for a in self.accepted
            ],
        }


def _short(commit: str | None) -> str:
    return commit[:12] if commit else "(no commit)"
