"""numpy's ``linear`` quantiles of sorted values, bit for bit, in plain Python.

Kept apart from :mod:`perfgate.decisions.stats` so that what only needs these (the history
importer's per-run summaries) does not load numpy: a history import of asv files never does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = ["lerp", "linear_index", "plan", "sorted_quantiles"]


def sorted_quantiles(ordered: Sequence[float] | Any, qs: Sequence[float]) -> list[float]:
    """numpy's ``linear`` quantiles (``0 <= q <= 1``) of already sorted values, bit for bit as
    ``np.quantile`` computes them (the same virtual index and the same two-sided lerp), without
    its per-call cost of about 50 us: summaries of a large suite make thousands of calls."""
    out = []
    for low, high, g in plan(len(ordered), tuple(qs)):
        a, b = float(ordered[low]), float(ordered[high])
        out.append(b - (b - a) * (1 - g) if g >= 0.5 else a + (b - a) * g)  # lerp, inlined
    return out


@lru_cache(maxsize=1024)
def plan(n: int, qs: tuple[float, ...]) -> tuple[tuple[int, int, float], ...]:
    """For each of ``qs``, :func:`linear_index` of ``n`` sorted values."""
    return tuple(linear_index(n, q) for q in qs)


@lru_cache(maxsize=4096)
def linear_index(n: int, q: float) -> tuple[int, int, float]:
    """The two ranks (from 0) numpy's ``linear`` quantile ``q`` of ``n`` sorted values lies
    between, and its weight on the upper one. Cached: a suite's summaries ask for the same
    few quantiles of the same few sample counts tens of thousands of times."""
    h = (n - 1) * q  # numpy's virtual index for "linear"
    low = min(max(math.floor(h), 0), n - 1)
    return low, min(low + 1, n - 1), 0.0 if h < 0 else h - math.floor(h)


def lerp(a: float, b: float, g: float) -> float:
    """numpy's interpolation between neighbouring order statistics (from the nearer end)."""
    return b - (b - a) * (1 - g) if g >= 0.5 else a + (b - a) * g
