"""Change points placed in their stored series: which commits a step lies between."""

from __future__ import annotations

from dataclasses import dataclass

from perfgate.decisions.changepoints import DEFAULT_METHOD, ChangePoint, detect
from perfgate.history.store import Acceptance, Point, SeriesKey
from perfgate.options import DEFAULT_MIN_CHANGE

MIN_POINTS = 8  # fewer commits than this carry no step worth reporting


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A change point placed in its series: between commit ``after_commit`` (the last at the
    old level) and ``first_commit`` (the first at the new level). A ramp (a change spread
    over several commits) names its first changed commit too: ``ramp_first``, the commit
    after ``after_commit``; the change then took ``change.ramp + 1`` commits."""

    series: SeriesKey
    change: ChangePoint
    after_commit: str | None
    first_commit: str | None
    points: int
    ramp_first: str | None = None
    # a slowdown a maintainer called intended (perfgate.history.accepted); None: not accepted
    accepted: Acceptance | None = None

    @property
    def slower(self) -> bool:
        up = self.change.magnitude > 0
        return up if self.series.direction == "lower" else not up


def nonpositive(points: list[Point]) -> int:
    """How many values of a series change-point detection leaves out: steps are relative, so
    a value of 0 or below has no place in them (it is counted and said, not dropped quietly)."""
    return sum(1 for p in points if p.value is not None and p.value <= 0)


def findings_of(
    key: SeriesKey,
    points: list[Point],
    min_change: float = DEFAULT_MIN_CHANGE,
    method: str = DEFAULT_METHOD,
) -> list[Finding]:
    kept = [(p, p.value) for p in points]
    usable = [(p, v) for p, v in kept if v is not None and v > 0]
    if len(usable) < MIN_POINTS:
        return []
    values = [v for _p, v in usable]
    return [
        Finding(
            series=key,
            change=change,
            after_commit=usable[change.start - 1][0].commit,
            first_commit=usable[change.index][0].commit,
            points=len(usable),
            ramp_first=usable[change.start][0].commit if change.ramp else None,
        )
        for change in detect(values, min_change=min_change, method=method)
    ]
