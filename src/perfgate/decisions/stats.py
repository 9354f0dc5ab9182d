"""Pure statistics over a benchmark's samples: percentiles, intervals, the too-few-samples rule.

Percentile definition: numpy's default ``linear`` method, Hyndman & Fan's type 7 (the same as
R's default and Excel's PERCENTILE.INC): for sorted samples ``x[0..n-1]`` the p-th percentile is
``x[h]`` interpolated linearly at ``h = (n - 1) * p / 100``. Samples of all rounds are pooled.

Confidence intervals (95% by default), chosen by what the data can support:

* three or more rounds: a *round bootstrap*: rounds are resampled with replacement (a cluster
  bootstrap), so between-process noise is in the interval; the round is the independent unit;
* one or two rounds, for percentiles: the distribution-free *order-statistic* interval from the
  binomial distribution of ranks; it holds for independent samples, so it sees only the noise
  inside one process and is labelled ``within-process``;
* one or two rounds, for the mean: a Student-t interval over the samples, also within-process;
* ``min``/``max`` of a single round, a single measurement (asv's ``mem_``, ``peakmem_``,
  ``track_``), or stored statistics without raw samples: no interval.

Too few samples: a percentile p "rests on too few samples" when its 95% interval cannot be
bounded on both sides, that is with fewer than ``ceil(log(0.025) / log(max(p, 1 - p)))``
samples: below that even the sample maximum is not a 97.5% upper bound of the true p95. That is
72 samples for p95 (the issue's "roughly 60" is the one-sided version, 59), 368 for p99, 6 for
p50. The rule follows the confidence level in use.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from perfgate.decisions.quantiles import linear_index, sorted_quantiles
from perfgate.model import Benchmark, Interval, Summary
from perfgate.options import METRICS

PERCENTILE_METHOD: Literal["linear"] = "linear"
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 1000
MIN_ROUNDS_FOR_BOOTSTRAP = 3

Array = npt.NDArray[np.float64]


def percent(metric: str) -> float | None:
    """``"p95" -> 95.0``; None for metrics that are not percentiles."""
    if len(metric) > 1 and metric[0] == "p" and metric[1:].isdigit():
        return float(metric[1:])
    return None


def min_samples(metric: str, confidence: float = CONFIDENCE) -> int:
    """Fewest samples on which ``metric`` is not flagged as resting on too few samples."""
    p = percent(metric)
    if p is None:
        return 2 if metric == "mean" else 1
    tail = max(p, 100.0 - p) / 100.0
    if tail >= 1.0:
        return 1
    return math.ceil(math.log((1.0 - confidence) / 2.0) / math.log(tail))


def percentile(values: Sequence[float] | Array, p: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), p, method=PERCENTILE_METHOD))


def statistic(values: Array, metric: str) -> float:
    p = percent(metric)
    if p is not None:
        return float(np.percentile(values, p, method=PERCENTILE_METHOD))
    if metric == "mean":
        return float(np.mean(values))
    if metric == "min":
        return float(np.min(values))
    if metric == "max":
        return float(np.max(values))
    raise ValueError(f"unknown metric {metric!r} (choose from {', '.join(METRICS)})")


def sorted_statistic(ordered: Array, values: Array, metric: str) -> float:
    """:func:`statistic` from the values and the same values sorted (the mean from the
    unsorted ones, so that its summation order, hence its last bit, is numpy's)."""
    p = percent(metric)
    if p is not None:
        return sorted_quantiles(ordered, [p / 100])[0]
    return statistic(values, metric) if metric == "mean" else statistic(ordered, metric)


def describe(values: Array, ordered: Array | None = None) -> dict[str, float]:
    """The descriptive statistics every report can show (``ordered``: the values sorted)."""
    if ordered is None:
        ordered = np.sort(values)
    p25, p50, p75, p95, p99 = sorted_quantiles(ordered, [0.25, 0.50, 0.75, 0.95, 0.99])
    return {
        "min": float(ordered[0]),
        "p25": p25,
        "p50": p50,
        "p75": p75,
        "p95": p95,
        "p99": p99,
        "max": float(ordered[-1]),
        "mean": float(values.mean()),
        "stdev": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "iqr": p75 - p25,
    }


def summarize(bench: Benchmark, metric: str, confidence: float = CONFIDENCE) -> Summary:
    """Summarize one benchmark for ``metric``."""
    if not bench.raw_samples:
        return _summarize_stored(bench, metric)
    rounds = [np.asarray(r, dtype=float) for r in bench.rounds]
    pooled = np.concatenate(rounds) if len(rounds) > 1 else rounds[0]
    ordered = np.sort(pooled)
    value = sorted_statistic(ordered, pooled, metric)
    if pooled.size == 1:
        # a single measurement (asv's mem_/peakmem_/track_): there is nothing to resample
        interval = Interval(None, None, "none")
    elif len(rounds) >= MIN_ROUNDS_FOR_BOOTSTRAP:
        seed = zlib.crc32(bench.name.encode("utf-8", "surrogatepass"))
        interval = round_bootstrap(rounds, metric, confidence, seed)
    else:
        interval = within_process_interval(pooled, metric, confidence, ordered)
    interval = _containing(interval, value)
    return Summary(
        name=bench.name,
        unit=bench.unit,
        direction=bench.direction,
        metric=metric,
        value=value,
        interval=interval,
        n=int(pooled.size),
        rounds=len(rounds),
        raw_samples=True,
        few_samples=pooled.size < min_samples(metric, confidence),
        min_n=min_samples(metric, confidence),
        metric_used=metric,
        describe=describe(pooled, ordered),
    )


def _summarize_stored(bench: Benchmark, metric: str) -> Summary:
    # Without raw samples only what the harness stored can be shown; a missing percentile
    # falls back to the median, then the mean (pytest-benchmark's and github-action-benchmark's
    # stored statistic), and the summary says so (metric_used).
    used = next((m for m in (metric, "p50", "mean") if m in bench.stored), None)
    if used is None:
        raise ValueError(
            f"{bench.name}: no raw samples, and none of {metric}, p50 or mean stored "
            f"(it holds {', '.join(sorted(bench.stored)) or 'nothing'})"
        )
    return Summary(
        name=bench.name,
        unit=bench.unit,
        direction=bench.direction,
        metric=metric,
        value=bench.stored[used],
        interval=Interval(None, None, "none"),
        n=0,
        rounds=1,
        raw_samples=False,
        few_samples=True,
        min_n=min_samples(metric),
        metric_used=used,
        describe=dict(bench.stored),
    )


def within_process_interval(
    values: Array, metric: str, confidence: float, ordered: Array | None = None
) -> Interval:
    """Interval treating every sample as independent (true only within one process);
    ``ordered``: the values sorted, if the caller has them."""
    p = percent(metric)
    if p is not None:
        low_rank, high_rank = order_statistic_ranks(values.size, p / 100.0, confidence)
        if ordered is None:
            ordered = np.sort(values)
        low = None if low_rank is None else float(ordered[low_rank - 1])
        high = None if high_rank is None else float(ordered[high_rank - 1])
        return Interval(low, high, "within-process")
    if metric == "mean" and values.size > 1:
        # scipy.special, not scipy.stats: same functions, a tenth of the import time
        from scipy.special import stdtrit  # noqa: PLC0415

        half = float(
            stdtrit(values.size - 1, 0.5 + confidence / 2)
            * values.std(ddof=1)
            / math.sqrt(values.size)
        )
        mean = float(values.mean())
        return Interval(mean - half, mean + half, "within-process")
    return Interval(None, None, "none")


@lru_cache(maxsize=4096)
def order_statistic_ranks(n: int, q: float, confidence: float) -> tuple[int | None, int | None]:
    """1-based ranks ``(l, u)`` with ``P(x_(l) <= true q-quantile <= x_(u)) >= confidence``.

    The count of samples below the true quantile is Binomial(n, q). A side the data cannot
    bound at this confidence (too few samples) is None.
    """
    from scipy.special import bdtr  # noqa: PLC0415 - binomial CDF

    alpha = (1.0 - confidence) / 2.0
    cdf = bdtr(np.arange(n + 1), n, q)  # cdf[k] = P(Binomial(n, q) <= k)
    # the binomial quantile function: the smallest k with cdf[k] >= level
    low = int(np.searchsorted(cdf, alpha - 1e-12))
    high = int(np.searchsorted(cdf, 1.0 - alpha - 1e-12)) + 1
    return (low if low >= 1 else None, high if high <= n else None)


def round_bootstrap(rounds: list[Array], metric: str, confidence: float, seed: int) -> Interval:
    """Percentile interval of ``metric`` over resamples of whole rounds (a cluster bootstrap).

    A resample draws ``count`` rounds with replacement and pools their samples. Pooling is
    never done: a resample is the vector of how often it drew each round, and its statistic
    comes from those counts and the rounds sorted once (:func:`resampled_statistic`), exactly
    as if the pooled samples had been built.
    """
    rng = np.random.default_rng(seed)
    rounds = [_sketch(r) for r in rounds]
    count = len(rounds)
    picks = rng.integers(0, count, size=(BOOTSTRAP_RESAMPLES, count))
    offsets = (np.arange(BOOTSTRAP_RESAMPLES) * count)[:, None]
    draws = np.bincount((picks + offsets).ravel(), minlength=BOOTSTRAP_RESAMPLES * count)
    estimates = resampled_statistic(rounds, draws.reshape(BOOTSTRAP_RESAMPLES, count), metric)
    alpha = (1.0 - confidence) / 2.0
    low, high = sorted_quantiles(np.sort(estimates), [alpha, 1.0 - alpha])
    return Interval(float(low), float(high), "round-bootstrap")


def resampled_statistic(
    rounds: Sequence[Array], draws: npt.NDArray[np.int64], metric: str
) -> Array:
    """``metric`` of each resample's pooled samples, where ``draws[b, k]`` is how often
    resample ``b`` drew round ``k``."""
    lengths = np.array([r.size for r in rounds], dtype=np.int64)
    if metric == "mean":
        sums = np.array([float(r.sum()) for r in rounds])
        return np.asarray((draws @ sums) / (draws @ lengths), dtype=np.float64)
    if metric in ("min", "max"):
        ends = np.array([float(r.min() if metric == "min" else r.max()) for r in rounds])
        absent = np.inf if metric == "min" else -np.inf
        masked = np.where(draws > 0, ends[None, :], absent)
        return np.asarray(masked.min(axis=1) if metric == "min" else masked.max(axis=1))
    p = percent(metric)
    if p is None:
        raise ValueError(f"unknown metric {metric!r} (choose from {', '.join(METRICS)})")
    return _weighted_percentiles(rounds, lengths, draws, p / 100.0)


def _weighted_percentiles(
    rounds: Sequence[Array], lengths: npt.NDArray[np.int64], draws: npt.NDArray[np.int64], q: float
) -> Array:
    """numpy's ``linear`` percentile of each resample, from the rounds' values sorted once.

    In resample ``b`` every value of round ``k`` occurs ``draws[b, k]`` times, so the ``j``-th
    value of the pooled sorted sample is the first sorted value whose cumulative weight exceeds
    ``j``. The sorted values are cut into cells of about sqrt(n)/3: one matrix product gives each
    resample's weight before every cell, which finds the cell holding rank ``j``; a cumulative
    sum over that cell and the next finds the value and its successor. Work per resample:
    about sqrt(n), not n.
    """
    total = (draws @ lengths).astype(np.int64)
    h = (total - 1) * q  # numpy's virtual index for the linear method
    below = np.floor(h).astype(np.int64)
    gamma = h - below
    after = np.minimum(below + 1, total - 1)
    pooled = _WeightedSorted.build(rounds, lengths, draws, (below / total, after / total))
    a, b = pooled.values_at_ranks(below, after)
    return np.asarray(np.where(gamma >= 0.5, b - (b - a) * (1 - gamma), a + (b - a) * gamma))


@dataclass(frozen=True)
class _WeightedSorted:
    values: Array  # every round's values, sorted, then the largest again (2 cells' worth)
    size: int  # how many values there are (without that padding)
    owner: npt.NDArray[np.int64]  # the round each sorted value came from (padding: none)
    weights: Array  # [b, k]: draws as floats (exact below 2**53), for BLAS's products
    counts: npt.NDArray[np.int32]  # [b, k]: draws, and a last column of 0 for the padding
    weight_before: Array  # [b, c]: pooled values of resample b before cell first_cell + c
    step: int  # values per cell
    first_cell: int  # cells before it hold no rank asked for, in any resample

    @classmethod
    def build(
        cls,
        rounds: Sequence[Array],
        lengths: npt.NDArray[np.int64],
        draws: npt.NDArray[np.int64],
        levels: tuple[Array, Array],
    ) -> _WeightedSorted:
        """``levels``: the ranks that will be asked for (lowest, highest), as shares of each
        resample's pooled size. Only the cells that can hold them get weights: a resample's
        pooled sample is a mixture of its rounds, so the share of it before a cell lies between
        the smallest and the largest share of a round before that cell. Where the rounds agree
        (the usual case) that leaves a few cells of the sqrt(n) / 3."""
        count = len(rounds)
        values = np.concatenate(rounds)
        order = np.argsort(values, kind="stable")
        owner = np.repeat(np.arange(count), lengths)[order]
        size = values.size
        # cells of sqrt(n) / 3 values: the search over cells is a cheap comparison, the work
        # inside a cell a gather and a cumulative sum (measured fastest from /1 to /6)
        step = max(1, math.isqrt(size) // 3)
        cells = -(-size // step)
        per_cell = np.bincount(
            np.arange(size) // step * count + owner, minlength=cells * count
        ).reshape(cells, count)
        starts = (np.cumsum(per_cell, axis=0) - per_cell).astype(np.float64)
        shares = starts / lengths  # [c, k]: share of round k before cell c
        # the last cell before which every resample has at most the lowest rank asked for,
        # and the first before which every one has more than the highest
        low = int(np.searchsorted(shares.max(axis=1), float(levels[0].min()), side="right")) - 1
        high = int(np.searchsorted(shares.min(axis=1), float(levels[1].max()), side="right"))
        first, last = max(low, 0), min(max(high, low + 1), cells)
        weights = draws.astype(np.float64)
        ordered = values[order]
        # two cells of padding: a look past the last value reads weight 0 and the largest value
        pad = 2 * step
        counts = np.zeros((draws.shape[0], count + 1), dtype=np.int32)
        counts[:, :count] = draws
        return cls(
            values=np.concatenate([ordered, np.full(pad, ordered[-1])]),
            size=size,
            owner=np.concatenate([owner, np.full(pad, count)]),
            weights=weights,
            counts=counts,
            weight_before=weights @ starts[first:last].T,
            step=step,
            first_cell=first,
        )

    def values_at_ranks(
        self, rank: npt.NDArray[np.int64], next_rank: npt.NDArray[np.int64]
    ) -> tuple[Array, Array]:
        """The ``rank[b]``-th and ``next_rank[b]``-th (from 0; ``rank <= next_rank <= rank +
        1``) values of each resample's pooled sorted sample, from one cumulative sum over the
        cell holding ``rank`` and the next; rows whose ``next_rank`` lies further on (the next
        cell drew nothing) are looked up on their own."""
        step = self.step
        rows = np.arange(rank.size)
        cell, start, cum = self._cumulative(rows, rank, 2 * step)
        first = cell * step
        a: Array = self.values[first + _at_most(cum, rank - start)]
        offset = _at_most(cum, next_rank - start)
        b: Array = self.values[first + offset]
        beyond = (offset == 2 * step) & (first + 2 * step < self.size)
        if beyond.any():
            rows = rows[beyond]
            cell, start, cum = self._cumulative(rows, next_rank[beyond], step)
            b[beyond] = self.values[cell * step + _at_most(cum, next_rank[beyond] - start)]
        return a, b

    def _cumulative(
        self, rows: npt.NDArray[np.int64], rank: npt.NDArray[np.int64], width: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """For resamples ``rows``: the cell holding ``rank``, the resample's weight before it,
        and its cumulative weight through the ``width`` sorted values from the cell's start
        (small whole numbers: summed as int32, four times as fast as doubles)."""
        full = rows.size == self.weight_before.shape[0]  # every resample: no copies needed
        before = self.weight_before if full else self.weight_before[rows]
        column = (before <= rank[:, None]).sum(axis=1) - 1
        cell = column + self.first_cell
        owners = self.owner[cell[:, None] * self.step + np.arange(width)]
        columns = self.counts.shape[1]
        inside = self.counts.ravel()[(rows * columns)[:, None] + owners]
        start = before[np.arange(rows.size), column].astype(np.int64)  # whole numbers, exact
        return cell, start, np.cumsum(inside, axis=1, dtype=np.int32)


def _at_most(
    cumulative: npt.NDArray[np.int32], limit: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """In each row, how many of the cumulative weights are at most that row's ``limit``."""
    return np.asarray((cumulative <= limit.astype(np.int32)[:, None]).sum(axis=1))


SKETCH_SIZE = 256


def _sketch(values: Array) -> Array:
    """A round's values, or for a large round its SKETCH_SIZE evenly spaced quantiles.

    The bootstrap resamples whole rounds, so only each round's distribution matters; 256
    quantiles keep any percentile of the pooled resample within half a quantile step (0.2
    percentile points) and cut the work for 10,000-sample rounds by 40x.
    """
    if values.size <= SKETCH_SIZE:
        return values
    return sorted_quantile_array(np.sort(values), _SKETCH_POINTS)


_SKETCH_POINTS = np.linspace(0.0, 1.0, SKETCH_SIZE)


def sorted_quantile_array(ordered: Array, qs: Array) -> Array:
    """:func:`sorted_quantiles` for many quantiles at once (``np.quantile``'s result bit for
    bit: numpy partitions once per requested rank, which for many ranks costs far more than
    one sort: docs/performance.md)."""
    n = ordered.size
    h = (n - 1) * qs
    low = np.clip(np.floor(h), 0, n - 1).astype(np.intp)
    high = np.minimum(low + 1, n - 1)
    g = h - np.floor(h)
    a, b = ordered[low], ordered[high]
    diff = b - a
    out = a + diff * g
    np.subtract(b, diff * (1 - g), out=out, where=g >= 0.5)
    return np.asarray(out, dtype=np.float64)


def statistic_rows(block: Array, metric: str) -> Array:
    """``metric`` of each row of ``block``; percentiles bit for bit ``np.percentile``'s, from
    one sort of the block (numpy's own call costs more than the work per block:
    docs/performance.md)."""
    p = percent(metric)
    if p is not None:
        ordered = np.sort(block, axis=1)
        low, high, g = linear_index(ordered.shape[1], p / 100.0)
        a, b = ordered[:, low], ordered[:, high]
        rows = b - (b - a) * (1 - g) if g >= 0.5 else a + (b - a) * g
    elif metric == "mean":
        rows = block.mean(axis=1)
    elif metric == "min":
        rows = block.min(axis=1)
    else:
        rows = block.max(axis=1)
    return np.asarray(rows, dtype=np.float64)


def _containing(interval: Interval, value: float) -> Interval:
    """Widen an interval to contain its point estimate (a resampling artefact otherwise)."""
    low = None if interval.low is None else min(interval.low, value)
    high = None if interval.high is None else max(interval.high, value)
    return Interval(low, high, interval.method)


# Two groups of samples are told apart when Ashman's D of their logs passes this (2 is the
# usual bound for a clean separation; 3 leaves out the long right tail every timing has)
TWO_GROUPS_D = 3.0
TWO_GROUPS_SHARE = 0.1  # each group holds at least this share of the samples


@dataclass(frozen=True)
class TwoGroups:
    """Samples that fall into two groups: a benchmark that takes one of two paths per call
    (a cache hit or miss, a resize, two speed modes of the machine)."""

    low: float  # the fast group's median
    high: float  # the slow group's median
    share: float  # the slow group's share of the samples
    edge: float  # the value that splits them


def two_groups(values: Sequence[float] | Array) -> TwoGroups | None:
    """The split of positive samples into two groups by 2-means on their logs (the split of
    least within-group variance), when the groups are clearly apart (Ashman's D >=
    :data:`TWO_GROUPS_D`) and each holds :data:`TWO_GROUPS_SHARE` of them; else None."""
    data = np.asarray(values, dtype=float)
    data = np.sort(data[data > 0])
    n = data.size
    if n < 20:
        return None
    logs = np.log(data)
    first, last = (
        max(2, math.ceil(TWO_GROUPS_SHARE * n)),
        min(n - 2, int((1 - TWO_GROUPS_SHARE) * n)),
    )
    if first > last:
        return None
    cumsum, cumsq = np.cumsum(logs), np.cumsum(logs**2)
    total, total_sq = cumsum[-1], cumsq[-1]
    splits = np.arange(first, last + 1)  # the first `k` samples form the fast group
    left_sum, left_sq = cumsum[splits - 1], cumsq[splits - 1]
    right_sum, right_sq = total - left_sum, total_sq - left_sq
    within = (left_sq - left_sum**2 / splits) + (right_sq - right_sum**2 / (n - splits))
    k = int(splits[int(np.argmin(within))])
    fast, slow = logs[:k], logs[k:]
    spread = math.sqrt(float(fast.var() + slow.var()))
    gap = float(slow.mean() - fast.mean())
    if spread <= 0 or math.sqrt(2) * gap / spread < TWO_GROUPS_D:
        return None
    return TwoGroups(
        low=float(np.median(data[:k])),
        high=float(np.median(data[k:])),
        share=(n - k) / n,
        edge=float(math.sqrt(data[k - 1] * data[k])),
    )
