"""Pure inference for base/head comparisons: the ratio head/base with rounds as the unit.

The independent unit is the *round* (one process): samples inside a process are correlated,
so treating them as independent is badly over-confident on shared runners (DESIGN.md §2).

* Both sides with 2+ rounds, paired (rounds interleaved: round k of base and of head ran back
  to back): the metric is computed per round, and the per-round log-ratios
  ``log(head_k / base_k)`` get a Student-t interval and a paired t-test. Pairing removes the
  slow drift of a shared runner, which hits both members of a pair alike.
* Both sides with 2+ rounds, different counts (not paired): Welch's t on the per-round log
  metrics.
* A side with a single round: nothing measures the noise between processes. The interval
  comes from a bootstrap of samples within the process (labelled ``within-process``), and
  :mod:`perfgate.compare` caps the severity it can lead to.

Ratios are geometric: the point estimate is ``exp(mean log-ratio)``; with one round per side,
the ratio of the pooled metric. Suite-wide false alarms are controlled with Holm's method
(:func:`holm`): it bounds the chance of *any* false alarm in a suite run (the family-wise
error rate) at alpha under any dependence between benchmarks, which is what a maintainer
experiences as "this PR failed for nothing"; Benjamini-Hochberg would bound only the expected
fraction of false alarms among the alarms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from perfgate.stats import Array, statistic, statistic_rows

Method = Literal["paired-rounds", "unpaired-rounds", "within-process"]
BOOTSTRAP_RESAMPLES = 1000
WITHIN_PROCESS_CAP = 2048


@dataclass(frozen=True, kw_only=True)
class RatioEstimate:
    """head/base of a metric (> 1: head is larger), with a two-sided interval and p-value."""

    ratio: float
    low: float
    high: float
    p_value: float
    method: Method
    rounds: int = 0  # the fewer rounds of the two sides (0: not known)


def per_round(rounds: Sequence[Sequence[float]], metric: str) -> Array:
    arrays = [np.asarray(r, dtype=float) for r in rounds]
    if len(arrays) > 1 and len({a.size for a in arrays}) == 1:  # one call for all rounds
        return statistic_rows(np.stack(arrays), metric)
    return np.array([statistic(a, metric) for a in arrays])


def estimate_ratio(
    base: Sequence[Sequence[float]],
    head: Sequence[Sequence[float]],
    metric: str,
    *,
    paired: bool,
    confidence: float,
    seed: int = 0,
) -> RatioEstimate:
    """Compare two sides given as rounds of raw samples."""
    if len(base) >= 2 and len(head) >= 2:
        b = np.log(_positive(per_round(base, metric)))
        h = np.log(_positive(per_round(head, metric)))
        if paired and len(b) == len(h):
            estimate = _t_interval(h - b, confidence, "paired-rounds")
        else:
            estimate = _welch(b, h, confidence)
    else:
        estimate = _within_process(base, head, metric, confidence, seed)
    return replace(estimate, rounds=min(len(base), len(head)))


def _positive(values: Array) -> Array:
    # a metric of exactly 0 (a memory delta, a counter) has no log: nudge to the smallest float
    return np.maximum(values, np.finfo(float).tiny)


def _t_interval(diffs: Array, confidence: float, method: Method) -> RatioEstimate:
    from scipy.special import stdtr, stdtrit  # noqa: PLC0415 - keep CLI start-up light

    count = diffs.size
    mean = float(diffs.mean())
    sd = float(diffs.std(ddof=1))
    if sd == 0.0:
        return _degenerate(mean, method)
    se = sd / math.sqrt(count)
    half = float(stdtrit(count - 1, 0.5 + confidence / 2)) * se
    p_value = float(2.0 * stdtr(count - 1, -abs(mean) / se))
    return RatioEstimate(
        ratio=math.exp(mean),
        low=math.exp(mean - half),
        high=math.exp(mean + half),
        p_value=p_value,
        method=method,
    )


def _welch(b: Array, h: Array, confidence: float) -> RatioEstimate:
    from scipy.special import stdtr, stdtrit  # noqa: PLC0415

    mean = float(h.mean() - b.mean())
    vb, vh = float(b.var(ddof=1)) / b.size, float(h.var(ddof=1)) / h.size
    se = math.sqrt(vb + vh)
    if se == 0.0:
        return _degenerate(mean, "unpaired-rounds")
    # Welch-Satterthwaite degrees of freedom
    dof = (vb + vh) ** 2 / (vb**2 / (b.size - 1) + vh**2 / (h.size - 1))
    half = float(stdtrit(dof, 0.5 + confidence / 2)) * se
    p_value = float(2.0 * stdtr(dof, -abs(mean) / se))
    return RatioEstimate(
        ratio=math.exp(mean),
        low=math.exp(mean - half),
        high=math.exp(mean + half),
        p_value=p_value,
        method="unpaired-rounds",
    )


def _within_process(
    base: Sequence[Sequence[float]],
    head: Sequence[Sequence[float]],
    metric: str,
    confidence: float,
    seed: int,
) -> RatioEstimate:
    """Bootstrap samples (as if independent) within the pooled rounds of each side."""
    from scipy.special import ndtr  # noqa: PLC0415

    b = np.concatenate([np.asarray(r, dtype=float) for r in base])
    h = np.concatenate([np.asarray(r, dtype=float) for r in head])
    point = math.log(max(statistic(h, metric), 1e-300)) - math.log(
        max(statistic(b, metric), 1e-300)
    )
    if b.size < 2 or h.size < 2:
        return _degenerate(point, "within-process", p_value=1.0)
    rng = np.random.default_rng(seed)
    # at most WITHIN_PROCESS_CAP samples per side: more would only narrow an interval that
    # already leaves out the noise between processes, at a high cost for 10,000-sample rounds
    if b.size > WITHIN_PROCESS_CAP:
        b = rng.choice(b, WITHIN_PROCESS_CAP, replace=False)
    if h.size > WITHIN_PROCESS_CAP:
        h = rng.choice(h, WITHIN_PROCESS_CAP, replace=False)
    b_stats = _resampled(b, metric, rng)
    h_stats = _resampled(h, metric, rng)
    logs = np.log(_positive(h_stats)) - np.log(_positive(b_stats))
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(logs, [alpha, 1.0 - alpha])
    sd = float(logs.std(ddof=1))
    # normal approximation of the bootstrap distribution: a continuous p-value, so Holm's
    # smallest thresholds (alpha / number of benchmarks) stay reachable
    p_value = (
        1.0
        if sd == 0.0 and point == 0.0
        else (0.0 if sd == 0.0 else float(2.0 * ndtr(-abs(point) / sd)))
    )
    low, high = min(float(low), point), max(float(high), point)
    return RatioEstimate(
        ratio=math.exp(point),
        low=math.exp(low),
        high=math.exp(high),
        p_value=p_value,
        method="within-process",
    )


def _resampled(values: Array, metric: str, rng: np.random.Generator) -> Array:
    out = np.empty(BOOTSTRAP_RESAMPLES)
    chunk = max(1, 2_000_000 // values.size)
    for start in range(0, BOOTSTRAP_RESAMPLES, chunk):
        stop = min(start + chunk, BOOTSTRAP_RESAMPLES)
        picks = rng.integers(0, values.size, size=(stop - start, values.size))
        out[start:stop] = statistic_rows(values[picks], metric)
    return out


def _degenerate(log_ratio: float, method: Method, p_value: float | None = None) -> RatioEstimate:
    """No variation at all between rounds: the interval is the point."""
    if p_value is None:
        p_value = 1.0 if log_ratio == 0.0 else 0.0
    ratio = math.exp(log_ratio)
    return RatioEstimate(ratio=ratio, low=ratio, high=ratio, p_value=p_value, method=method)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (step-down, monotone, capped at 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    count = len(p_values)
    adjusted = [1.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
