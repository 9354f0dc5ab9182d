"""Change points in a benchmark's history: where its level stepped, by how much, how surely.

Pure decisions: a series of values in commit order in, change points out.

The segmentation combines two methods: asv's own step detection (``asv.step_detect``: an L1
piecewise-constant fit whose penalty asv chooses from the data) applied recursively, again
inside every segment it found, and ruptures' PELT with an L1 cost on log values and a penalty
of 3 sigma log n (sigma from successive differences: one rule, not tuned per series). A PELT
boundary more than 5 points from every asv boundary is added; asv's positions are kept where
both agree. Chosen by evaluation on the shared real histories (``nox -s changepoint_f1``:
F1 with a margin of 5 and the segmentation cover, tables in ``docs/changepoints.md``) against
recursive and one-pass asv, PELT (L1, L2), binary segmentation and Apache Otava's E-divisive:
it has the best F1 over all 74 scored series (0.829; PELT-L1 0.824, Otava 0.815, recursive
asv 0.787) and on injected steps (0.890; 0.884, 0.873, 0.845), at the price of more change
points on untouched histories than recursive asv alone (3.7 against 2.4 per 1,000 commits).
On pypdf's weakly labelled improvements every method scores 0.13-0.16, PELT-L2 highest.
``history detect --method`` chooses another.

On top of the segmentation, every method gets the same two filters, so that what is reported
is what a maintainer would act on:

* a **magnitude floor**: a step smaller than ``min_change`` (default 5%) of the level before it
  is not reported (asv's own default regression threshold is 5% as well);
* a **confidence**: a two-sided Mann-Whitney U test between up to ``window`` points on each
  side of the step (1 - p); steps under ``min_confidence`` (default 0.99) are dropped. The test
  is on ranks, so one wild point cannot make a step.

Levels are segment medians; the magnitude is ``after / before - 1``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from perfgate.options import DEFAULT_MIN_CHANGE

DEFAULT_MIN_CONFIDENCE = 0.99
DEFAULT_WINDOW = 20
MIN_SEGMENT = 3
JUMP = 5  # ruptures searches every JUMP-th index; refine() then finds the exact one

Segmenter = Callable[[Sequence[float]], list[int]]
Values = Sequence[float] | npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class ChangePoint:
    index: int  # the first point at the new level
    before: float  # median level of the segment before
    after: float  # median level of the segment after
    magnitude: float  # after / before - 1
    confidence: float  # 1 - p of the rank test across the step
    # points between the two levels just before ``index`` (0: a step; 3: a ramp whose first
    # changed point is ``index - 3``); they belong to neither level
    ramp: int = 0

    @property
    def start(self) -> int:
        """The first point that left the old level."""
        return self.index - self.ramp


def asv_segments(values: Sequence[float]) -> list[int]:
    """Indices where asv's step detection starts a new segment (one pass)."""
    from asv.step_detect import detect_steps  # noqa: PLC0415 - only `history detect` needs asv

    return [int(left) for left, *_rest in detect_steps(list(values))[1:]]


def asv_recursive_segments(values: Sequence[float], depth: int = 8) -> list[int]:
    """asv's step detection, then again inside every segment it found, until no segment
    splits. One pass over a long, noisy history picks a penalty so high that it keeps only the
    largest steps (pypdf: 2 segments in 1,681 commits); refining each segment finds the rest,
    and perfgate's magnitude and confidence filters then drop what is noise."""
    cuts = asv_segments(values)
    if not cuts or depth == 0:
        return cuts
    bounds = [0, *cuts, len(values)]
    found = list(cuts)
    for lo, hi in itertools.pairwise(bounds):
        if hi - lo >= 4 * MIN_SEGMENT:
            found.extend(lo + c for c in asv_recursive_segments(values[lo:hi], depth - 1))
    return sorted(set(found))


def pelt_segments(values: Sequence[float], model: str = "l1") -> list[int]:
    """ruptures' PELT on log values, with a BIC-like penalty from the robust noise level."""
    import ruptures  # noqa: PLC0415 - only `history detect` and its kin need it

    logs = np.log(np.asarray(values, dtype=float))
    sigma = _robust_sigma(logs)
    penalty = (
        (3 * sigma * math.log(len(logs))) if model == "l1" else (3 * sigma**2 * math.log(len(logs)))
    )
    pelt = ruptures.Pelt(model=model, min_size=MIN_SEGMENT, jump=JUMP)
    found = pelt.fit(logs).predict(pen=penalty)
    return refine(logs, [int(b) for b in found[:-1]], model, penalty)


def binseg_segments(values: Sequence[float]) -> list[int]:
    """ruptures' binary segmentation (L2 on log values), same penalty rule as PELT's."""
    import ruptures  # noqa: PLC0415

    logs = np.log(np.asarray(values, dtype=float))
    penalty = 3 * _robust_sigma(logs) ** 2 * math.log(len(logs))
    binseg = ruptures.Binseg(model="l2", min_size=MIN_SEGMENT, jump=JUMP)
    found = binseg.fit(logs).predict(pen=penalty)
    return refine(logs, [int(b) for b in found[:-1]], "l2", penalty)


def refine(
    logs: npt.NDArray[np.float64], cuts: Sequence[int], model: str, penalty: float
) -> list[int]:
    """The boundaries at the exact index: ruptures searches every JUMP-th index only (every
    index made PELT many times slower: docs/performance.md), which put every change point on a
    multiple of JUMP, up to 4 commits from the step, or split one step in two boundaries
    around it. Two boundaries less than 2 JUMP apart become one where one costs less (with
    the same penalty a boundary costs in the search); then each moves to the best split
    within JUMP - 1 points (the cost of its two neighbouring segments, L1 or L2)."""

    def cost(lo: int, hi: int) -> float:
        return _cost(logs[lo:hi], model)

    def best(lo: int, hi: int, first: int, last: int) -> int:
        first, last = max(first, lo + MIN_SEGMENT), min(last, hi - MIN_SEGMENT)
        if first > last:
            return first if first <= hi - MIN_SEGMENT else last
        return min(range(first, last + 1), key=lambda c: (cost(lo, c) + cost(c, hi), c))

    merged: list[int] = []
    for cut in cuts:
        if merged and cut - merged[-1] < 2 * JUMP:
            lo = merged[-2] if len(merged) > 1 else 0
            hi = next((c for c in cuts if c > cut), len(logs))
            one = best(lo, hi, merged[-1], cut)
            if cost(lo, one) + cost(one, hi) + penalty <= (
                cost(lo, merged[-1]) + cost(merged[-1], cut) + cost(cut, hi)
            ):
                merged[-1] = one
                continue
        merged.append(cut)
    bounds = [0, *merged, len(logs)]
    out: list[int] = []
    for i in range(1, len(bounds) - 1):
        lo, hi = (out[-1] if out else 0), bounds[i + 1]
        out.append(best(lo, hi, bounds[i] - JUMP + 1, bounds[i] + JUMP - 1))
    return out


def _cost(segment: npt.NDArray[np.float64], model: str) -> float:
    if model == "l1":
        return float(np.abs(segment - np.median(segment)).sum())
    return float(((segment - segment.mean()) ** 2).sum())


COMBINE_WITHIN = 5  # points: PELT's boundary this close to asv's is the same step


def combined_segments(values: Sequence[float]) -> list[int]:
    """Recursive asv's boundaries, plus PELT-L1's that are more than ``COMBINE_WITHIN``
    points from any of them (asv places a step exactly; PELT finds more of them): perfgate's
    default until PELT-L1 alone scored as well (docs/changepoints.md)."""
    exact = asv_recursive_segments(values)
    extra = [p for p in pelt_segments(values) if all(abs(p - q) > COMBINE_WITHIN for q in exact)]
    return sorted({*exact, *extra})


SEGMENTERS: dict[str, Segmenter] = {
    "asv-recursive+pelt-l1": combined_segments,
    "asv-recursive": asv_recursive_segments,
    "asv": asv_segments,
    "pelt-l1": pelt_segments,
    "pelt-l2": lambda values: pelt_segments(values, model="l2"),
    "binseg-l2": binseg_segments,
}
# PELT-L1 alone: the best F1 of the methods compared on two draws of the evaluation windows,
# with the fewest change points of the PELT family and a third of the combined method's time
# (docs/changepoints.md, 2026-12-07); the combined method before that
DEFAULT_METHOD = "pelt-l1"


def min_commits(confidence: float = DEFAULT_MIN_CONFIDENCE) -> int:
    """The fewest commits (both sides of a step together) in which a step can reach
    ``confidence``: the rank test of perfectly separated sides, at its best split (10 at
    0.99: 5 and 5, or 4 and 6)."""
    total = 2 * MIN_SEGMENT
    while True:
        for before in range(MIN_SEGMENT, total - MIN_SEGMENT + 1):
            lower = [1.0 + i * 1e-9 for i in range(before)]
            upper = [2.0 + i * 1e-9 for i in range(total - before)]
            if rank_confidence(lower, upper) >= confidence:
                return total
        total += 1


def detect(
    values: Sequence[float],
    *,
    method: str = DEFAULT_METHOD,
    min_change: float = DEFAULT_MIN_CHANGE,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    window: int = DEFAULT_WINDOW,
) -> list[ChangePoint]:
    """The change points of ``values`` (positive numbers in commit order). A change spread
    over a few commits (a ramp, or a step with a commit that measured a middle value) is one
    change point from the first point that left the old level to the first at the new one
    (:func:`transitions`); its points belong to neither level."""
    if len(values) < 2 * MIN_SEGMENT:
        return []
    y = np.asarray(values, dtype=float)
    starts = sorted({s for s in SEGMENTERS[method](values) if 0 < s < len(y)})
    starts = one_level(y, starts, min_change)
    found = []
    for lo, first, index, hi in transitions(y, starts):
        before_seg, after_seg = y[lo:first], y[index:hi]
        before, after = float(np.median(before_seg)), float(np.median(after_seg))
        if before <= 0:
            continue
        magnitude = after / before - 1
        if abs(magnitude) < min_change:
            continue
        confidence = rank_confidence(before_seg[-window:], after_seg[:window])
        if confidence < min_confidence:
            continue
        found.append(
            ChangePoint(
                index=index,
                before=before,
                after=after,
                magnitude=magnitude,
                confidence=confidence,
                ramp=index - first,
            )
        )
    return found


def one_level(y: npt.NDArray[np.float64], starts: Sequence[int], min_change: float) -> list[int]:
    """The boundaries left once neighbouring segments whose medians differ by less than
    ``min_change`` are one level (the closest pair first, again until none is left): such a
    boundary is never reported, and it cut a level short (a ramp's new level, then too
    short to test; a step's rank-test window)."""
    bounds = [0, *starts, len(y)]
    while len(bounds) > 2:
        medians = [float(np.median(y[a:b])) for a, b in itertools.pairwise(bounds)]
        gaps = [
            (abs(after / before - 1) if before > 0 else math.inf, k)
            for k, (before, after) in enumerate(itertools.pairwise(medians), start=1)
        ]
        gap, k = min(gaps)
        if gap >= min_change:
            break
        del bounds[k]
    return bounds[1:-1]


# A change that takes at most this many points between its two levels is one change (a
# ramp); a longer drift is not a change point (the segments between are levels of their own).
RAMP_MAX = 6
# A point is between two levels when it is farther than this many noise sigmas from both,
# and between them by more than this share of the distance on each side.
_BETWEEN_SIGMAS = 2.0
_BETWEEN_SHARE = 0.12


def transitions(
    y: npt.NDArray[np.float64], starts: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """Each change as (start of the level before, first point that left it, first point at
    the new level, end of the new level). Boundaries with only short segments between them
    (at most :data:`RAMP_MAX` points each) whose levels move one way are one change (the
    segmenters cut a ramp in pieces, each too short to test); then the points either side of
    it that lie between the two levels join the ramp (a segmenter may cut a ramp once, in its
    middle)."""
    bounds = [0, *starts, len(y)]
    medians = [float(np.median(y[a:b])) for a, b in itertools.pairwise(bounds)]
    logs = np.log(np.maximum(y, np.finfo(float).tiny))
    sigma = _robust_sigma(logs)
    out: list[tuple[int, int, int, int]] = []
    k = 1
    while k < len(bounds) - 1:
        j = k  # bounds[k] .. bounds[j]: the short segments between the two levels
        while (
            j + 1 < len(bounds) - 1
            and bounds[j + 1] - bounds[k] <= RAMP_MAX
            and _one_way(medians[k - 1], medians[k : j + 1], medians[j + 1])
        ):
            j += 1
        lo, first, index, hi = bounds[k - 1], bounds[k], bounds[j], bounds[j + 1]
        first, index = _widen(logs, (lo, first, index, hi), sigma)
        out.append((lo, first, index, hi))
        k = j + 1
    return out


def _one_way(before: float, middle: Sequence[float], after: float) -> bool:
    levels = [before, *middle, after]
    steps = [b - a for a, b in itertools.pairwise(levels)]
    return all(d > 0 for d in steps) or all(d < 0 for d in steps)


def _widen(
    logs: npt.NDArray[np.float64], cut: tuple[int, int, int, int], sigma: float
) -> tuple[int, int]:
    """The ramp's exact ends: its end points that sit at a level (a segmenter's cut among
    noise) go back to that level, then the neighbouring points that lie between the two
    levels join it, each level keeping at least MIN_SEGMENT points and the ramp at most
    RAMP_MAX."""
    lo, first, index, hi = cut
    old = float(np.median(logs[lo:first][: max(MIN_SEGMENT, first - lo - RAMP_MAX)]))
    new = float(np.median(logs[index:hi][-max(MIN_SEGMENT, hi - index - RAMP_MAX) :]))
    gap = new - old
    if gap == 0:
        return first, index
    far = _BETWEEN_SIGMAS * sigma

    def share(at: int) -> float:
        return float((logs[at] - old) / gap)

    def between(at: int) -> bool:
        return (
            _BETWEEN_SHARE < share(at) < 1 - _BETWEEN_SHARE
            and abs(logs[at] - old) > far
            and abs(logs[at] - new) > far
        )

    while index > first and not between(index - 1) and share(index - 1) >= 0.5:
        index -= 1
    while first < index and not between(first) and share(first) < 0.5:
        first += 1
    while index - first < RAMP_MAX and first - 1 - lo >= MIN_SEGMENT and between(first - 1):
        first -= 1
    while index - first < RAMP_MAX and hi - index - 1 >= MIN_SEGMENT and between(index):
        index += 1
    return first, index


def rank_confidence(before: Values, after: Values) -> float:
    """1 - p of a two-sided Mann-Whitney U test (0 when either side is too short)."""
    if len(before) < 2 or len(after) < 2:
        return 0.0
    from scipy.stats import mannwhitneyu  # noqa: PLC0415

    p = float(mannwhitneyu(before, after, alternative="two-sided").pvalue)
    return 1.0 - p


def _robust_sigma(logs: npt.NDArray[np.float64]) -> float:
    """Noise level from successive differences (MAD), unaffected by the steps themselves."""
    diffs = np.abs(np.diff(logs))
    sigma = float(np.median(diffs)) / 0.6745 / math.sqrt(2) if diffs.size else 0.0
    return sigma if sigma > 0 else 1e-6
