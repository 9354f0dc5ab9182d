"""Stored base first: which benchmarks head's own rounds already show unchanged against main's
stored runs, so that the same-job base is measured only for the others.

A stored run comes from another job, often another machine of the same class, so it carries
job-to-job noise a same-job base does not (docs/quality.md: 29% p95 between django's GitHub
jobs, 4% within one). It therefore never *flags* anything here: it only *clears*. A benchmark is
cleared when an equivalence test (two one-sided tests) puts head's value within ``margin`` of
the stored runs' on both sides, with the spread the stored runs themselves show from run to run
(job, machine and round noise together) as the noise of head's one new run. Everything else,
including every benchmark with fewer than :data:`MIN_STORED` stored runs, is measured against
a same-job base as usual, where the suite-wide inference decides it.

No speed factor is removed: a change that slows every benchmark alike looks like a slower
machine, and taking it out would clear it. A machine slower than the stored runs therefore
clears less, which costs time, never a missed slowdown.

Each run is one value: the decision statistic of its samples pooled (head: of its rounds
here; a stored run: of the samples the history keeps), on a log scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from perfgate.decisions.inference import fit_prior, small_suite_prior
from perfgate.decisions.names import bare
from perfgate.decisions.stats import statistic
from perfgate.model import Benchmark
from perfgate.units import SECONDS

MIN_STORED = 3  # stored runs a benchmark needs before it can be cleared
ALPHA = 0.05  # each one-sided test's level: a slowdown of ``margin`` is cleared at most this often


@dataclass(frozen=True, kw_only=True)
class Cleared:
    """One benchmark cleared against the stored runs: head/stored and the equivalence
    interval's bounds (ratios), over ``runs`` stored runs."""

    name: str
    ratio: float
    low: float
    high: float
    runs: int


@dataclass(frozen=True, kw_only=True)
class Triage:
    cleared: tuple[Cleared, ...]
    measure: tuple[str, ...]  # to compare against a same-job base, in head's order
    margin: float


def split(
    triaged: Triage,
    rows: Sequence[tuple[str, float]],
    budgeted: Callable[[str], bool],
    followers: int,
) -> tuple[list[str], list[str], Triage]:
    """Which benchmarks are cleared and which measured, by benchmark (the harness selects a
    benchmark, not one of its rows): ``rows`` are head's (row name, seconds it took). A
    benchmark is cleared when every row of it is and none has a budget (a budget is judged on
    the same rounds as always); a narrowed suite keeps the cheapest cleared ones beside the
    rest, up to ``followers``, to follow the machine's speed. (cleared, measured, the triage
    with only the cleared benchmarks' rows.)"""
    cleared_rows = {c.name for c in triaged.cleared}
    members: dict[str, list[str]] = {}
    cost: dict[str, float] = {}
    for name, seconds in rows:
        members.setdefault(bare(name), []).append(name)
        cost[bare(name)] = cost.get(bare(name), 0.0) + seconds
    clear = [
        bench
        for bench, row_names in members.items()
        if all(n in cleared_rows and not budgeted(n) for n in row_names)
    ]
    measure = [bench for bench in members if bench not in clear]
    if measure and len(measure) < followers:
        beside = sorted(clear, key=lambda bench: cost[bench])[: followers - len(measure)]
        measure += beside
        clear = [bench for bench in clear if bench not in beside]
    kept = {n for bench in clear for n in members[bench]}
    return (
        clear,
        measure,
        replace(triaged, cleared=tuple(c for c in triaged.cleared if c.name in kept)),
    )


def timed_logs(rows: Sequence[Benchmark], metric: str) -> dict[str, float]:
    """Head's log value of each timed row (unit ``s``), from its rounds' samples pooled. Only
    time is compared with stored runs: a count is exact and has thresholds of its own (1%),
    which a 5% margin would hide, and a memory row is not time; rows of other units are never
    cleared, so their benchmark is always measured (:func:`split`)."""
    found = {}
    for bench in rows:
        if bench.unit == SECONDS:
            value = log_value([x for r in bench.rounds for x in r], metric)
            if value is not None:
                found[bench.name] = value
    return found


def log_value(samples: Sequence[float], metric: str) -> float | None:
    """A run's value on the log scale: the statistic of its samples (None: no usable one)."""
    values = np.asarray([x for x in samples if x > 0 and math.isfinite(x)], dtype=float)
    if values.size == 0:
        return None
    value = statistic(values, metric)
    return math.log(value) if value > 0 else None


def triage(
    stored: Mapping[str, Sequence[float]],
    head: Mapping[str, float],
    margin: float,
    *,
    alpha: float = ALPHA,
) -> Triage:
    """``stored``: each benchmark's stored runs' log values; ``head``: head's log value of each
    benchmark (its order is kept); ``margin``: the relative change (0.05 = 5%) within which a
    benchmark counts as unchanged."""
    prior = suite_prior(stored, head)
    cleared = [
        found
        for name in head
        if (found := clear(name, stored.get(name, ()), head[name], prior, margin, alpha=alpha))
    ]
    done = {c.name for c in cleared}
    return Triage(
        cleared=tuple(cleared), measure=tuple(n for n in head if n not in done), margin=margin
    )


def suite_prior(stored: Mapping[str, Sequence[float]], names: Iterable[str]) -> tuple[float, float]:
    """The prior (degrees of freedom, variance) for the stored runs' variances of ``names``:
    limma's fit for 5 or more benchmarks, the pooled variance for fewer (as the paired test
    does)."""
    usable = [stored[n] for n in names if len(stored.get(n, ())) >= MIN_STORED]
    variances = [float(np.var(v, ddof=1)) for v in usable]
    dofs = [len(v) - 1 for v in usable]
    if len(variances) >= 5:
        return fit_prior(variances, dofs)
    return small_suite_prior(variances, dofs)


def clear(
    name: str,
    stored: Sequence[float],
    head: float,
    prior: tuple[float, float],
    margin: float,
    *,
    alpha: float = ALPHA,
) -> Cleared | None:
    """The benchmark cleared (head within ``margin`` of its stored runs), or None."""
    from scipy.stats import t as student_t  # noqa: PLC0415

    runs = len(stored)
    if runs < MIN_STORED:
        return None
    var, dof = float(np.var(stored, ddof=1)), runs - 1
    d0, s0 = prior
    # the stored runs' spread as one new run's noise: moderated toward the suite's, but never
    # below the benchmark's own (clearing a noisy benchmark is the costly mistake)
    total = dof + d0
    moderated = s0 if math.isinf(d0) else (d0 * s0 + dof * var) / total
    pooled, df = (moderated, min(total, 1e6)) if moderated >= var else (var, dof)
    se = math.sqrt(pooled * (1 + 1 / runs))
    t = float(student_t.ppf(1 - alpha, df))
    diff = head - float(np.mean(stored))
    bound = math.log1p(margin)
    if diff + t * se > bound or diff - t * se < -bound:
        return None
    return Cleared(
        name=name,
        ratio=math.exp(diff),
        low=math.exp(diff - t * se),
        high=math.exp(diff + t * se),
        runs=runs,
    )
