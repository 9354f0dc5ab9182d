"""Creeping slowdowns: a benchmark's current level on main against a reference level, flagged
when the total passes a threshold even where no single step did.

A slowdown split over many small commits (+3% each, say) passes every pull request's gate and
can pass change-point detection too (each step under ``--min-change``). The drift check
compares two levels instead of looking for steps: the median of the last :data:`LEVEL_POINTS`
values of a series and the median of the :data:`LEVEL_POINTS` values ending at the reference
commit. The reference is a release tag with stored runs when the repository has one, else
:data:`DEFAULT_COMMITS_BACK` commits back (or the start of the history). A drift is reported
when the later level is slower by at least the threshold *and* the two levels are told apart
by the same rank test as change points (confidence >= 0.99: with 8 values a level, one
outlier on either side still passes, noise alone does not), so noise alone does not drift.

Pure decisions: :mod:`perfgate.commands.history` reads the store, resolves the reference and
renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from perfgate.decisions.changepoints import DEFAULT_MIN_CONFIDENCE, rank_confidence
from perfgate.history.findings import Finding
from perfgate.history.store import Point, SeriesKey

LEVEL_POINTS = 8  # values that make a level at each end
DEFAULT_COMMITS_BACK = 50  # the reference without a release tag: this many commits back


@dataclass(frozen=True)
class Reference:
    """What the current level is compared with: a commit (a release tag's), or a number of
    commits back; ``label`` says which, in words (``tag v1.2``, ``50 commits back``)."""

    label: str
    commit: str | None = None
    commits_back: int = DEFAULT_COMMITS_BACK


@dataclass(frozen=True, kw_only=True)
class Drift:
    """A series whose latest level is slower than its reference level by ``magnitude``.
    ``since`` is the last commit of the reference level, ``latest`` the last stored commit;
    ``explained``: the slower change points between them make all of it but less than the
    threshold (their own findings say it, so notify leaves the drift to them)."""

    series: SeriesKey
    reference: str
    since: str | None
    latest: str | None
    before: float
    after: float
    magnitude: float
    confidence: float
    commits: int  # stored commits after ``since`` up to ``latest``
    values: int  # values in each level (their median is the level)
    explained: bool


def drift_of(
    key: SeriesKey,
    points: list[Point],
    reference: Reference,
    threshold: float,
    findings: list[Finding] | None = None,
) -> Drift | None:
    """The drift of one series, or None (no slowdown of ``threshold`` told apart from noise,
    too few values, or no stored run at the reference commit)."""
    usable = [(p, p.value) for p in points if p.value is not None and p.value > 0]
    n = len(usable)
    if threshold <= 0 or n < 2 * LEVEL_POINTS:
        return None
    if reference.commit is not None:
        ends = [i for i, (p, _v) in enumerate(usable) if p.commit == reference.commit]
        if not ends:
            return None
        end = ends[-1]
    else:
        end = max(LEVEL_POINTS - 1, n - 1 - reference.commits_back)
    first = max(0, end - LEVEL_POINTS + 1)
    end = first + LEVEL_POINTS - 1
    if end >= n - LEVEL_POINTS:  # the two levels would share values
        return None
    earlier = [v for _p, v in usable[first : end + 1]]
    later = [v for _p, v in usable[n - LEVEL_POINTS :]]
    before, after = median(earlier), median(later)
    up = after / before - 1.0
    slower = up if key.direction == "lower" else before / after - 1.0
    if slower < threshold:
        return None
    confidence = rank_confidence(earlier, later)
    if confidence < DEFAULT_MIN_CONFIDENCE:
        return None
    since = usable[end][0].commit
    after_since = {p.commit for p, _v in usable[end + 1 :]}
    stepped = 1.0  # how much of the slowdown the change points since the reference make
    for f in findings or ():
        if f.series == key and f.slower and f.first_commit in after_since:
            step = f.change.after / f.change.before
            stepped *= step if key.direction == "lower" else 1.0 / step
    explained = (1.0 + slower) / stepped - 1.0 < threshold
    return Drift(
        series=key,
        reference=reference.label,
        since=since,
        latest=usable[-1][0].commit,
        before=before,
        after=after,
        magnitude=up,
        confidence=confidence,
        commits=n - 1 - end,
        values=LEVEL_POINTS,
        explained=explained,
    )


def tag_reference(tags: list[tuple[str, str]], order: dict[str, int]) -> Reference | None:
    """The last release: of ``tags`` ((name, commit)), the one whose commit comes latest in
    the history's commit order (``order``: commit -> position; a tag on a commit without
    stored runs is passed over)."""
    stored = [(order[commit], name, commit) for name, commit in tags if commit in order]
    if not stored:
        return None
    _position, name, commit = max(stored)
    return Reference(label=f"tag {name}", commit=commit)
