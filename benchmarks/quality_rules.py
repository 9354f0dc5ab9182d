"""The regression rules the quality benchmark puts side by side, each deciding as its tool does.

Where the tool's own code can be called, it is: asv's ``compare`` decision
(:func:`asv.commands.compare._is_result_better`, with asv_runner's ``compute_stats`` for the
result and its 99% interval), and pytest-benchmark's ``--benchmark-compare-fail`` check
(:func:`pytest_benchmark.utils.parse_compare_fail` on its own :class:`Stats`). The rules that
live in services or JavaScript are written out here from their documentation:

* github-action-benchmark: the new value against the previous stored value of the same
  benchmark; an alert when ``current / previous`` exceeds ``alert-threshold`` (default 200%;
  150% is the value its README suggests). Values here are times, so larger is worse.
* the classic stored baseline: the median of the last 10 stored values; 10% warns, 50% fails.
* Bencher's Student's t-test threshold: a t distribution is fitted to the stored window (mean,
  sample standard deviation, n - 1 degrees of freedom); the upper boundary is its 0.99
  quantile, and a new value above it is an alert. The window is the last 64 values (the
  ``--threshold-max-sample-size`` of Bencher's own example), at least 2.

perfgate's rule is its own code: :func:`perfgate.decisions.compare.gather` per benchmark,
:func:`perfgate.decisions.inference.infer` over the suite and
:func:`perfgate.decisions.compare.classify`, the three steps
:func:`perfgate.decisions.compare.assess_changes` runs (a test checks they agree). An
injected slowdown shifts a benchmark's evidence
(:meth:`~perfgate.decisions.inference.Evidence.shifted`):
the same as measuring head's scaled samples, since every decision statistic scales with them.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Sequence
from typing import Any

from perfgate.config import Config
from perfgate.decisions.compare import classify, decision_statistic, gather
from perfgate.decisions.inference import Evidence, infer
from perfgate.model import Benchmark
from perfgate.report.model import Change

Rounds = Sequence[Sequence[float]]

ASV_FACTOR = 1.1
PYTEST_BENCHMARK_FAIL = "mean:10%"
GAB_THRESHOLDS = (1.5, 2.0)
MEDIAN_WINDOW = 10
MEDIAN_THRESHOLDS = (0.10, 0.50)
BENCHER_WINDOW = 64
BENCHER_BOUNDARY = 0.99


def asv_compare(base: Sequence[float], head: Sequence[float], factor: float = ASV_FACTOR) -> bool:
    """``asv compare`` (and ``asv continuous``) marks head as a regression: its result (the
    median) is more than ``factor`` times base's and asv's own test says they differ."""
    from asv.commands.compare import _is_result_better  # noqa: PLC0415
    from asv_runner.statistics import compute_stats  # noqa: PLC0415

    base_result, base_stats = compute_stats(list(base), 1)
    head_result, head_stats = compute_stats(list(head), 1)
    better: Any = _is_result_better(
        base_result, head_result, (base_stats, list(base)), (head_stats, list(head)), factor
    )
    return bool(better)


def pytest_benchmark_fails(
    base: Sequence[float], head: Sequence[float], spec: str = PYTEST_BENCHMARK_FAIL
) -> bool:
    """``pytest --benchmark-compare=BASE --benchmark-compare-fail=mean:10%`` fails."""
    from pytest_benchmark import stats, utils  # noqa: PLC0415

    make: Any = stats.Stats  # pytest-benchmark's own statistics, as its compare stores them
    current, compared = make(), make()
    for value in head:
        current.update(value)
    for value in base:
        compared.update(value)
    check: Any = utils.parse_compare_fail(spec)  # type: ignore[no-untyped-call]
    return check.fails(current.as_dict(), compared.as_dict()) is not None


def gab_alert(previous: float, current: float, threshold: float) -> bool:
    """github-action-benchmark: ``current / previous > alert-threshold`` (times)."""
    return current / previous > threshold


def median_baseline(stored: Sequence[float], current: float, threshold: float) -> bool:
    """The median of the last :data:`MEDIAN_WINDOW` stored values, exceeded by ``threshold``."""
    window = stored[-MEDIAN_WINDOW:]
    return current > statistics.median(window) * (1.0 + threshold)


def bencher_t_test(stored: Sequence[float], current: float) -> bool:
    """Bencher's t-test upper boundary over the last :data:`BENCHER_WINDOW` stored values."""
    import numpy as np  # noqa: PLC0415

    window = np.asarray(stored[-BENCHER_WINDOW:], dtype=float)
    if window.size < 2:
        return False
    limit = float(window.mean()) + _t_quantile(window.size - 1) * float(window.std(ddof=1))
    return current > limit


@functools.cache
def _t_quantile(dof: int) -> float:
    from scipy.special import stdtrit  # noqa: PLC0415

    return float(stdtrit(dof, BENCHER_BOUNDARY))


def perfgate_evidence(name: str, base: Rounds, head: Rounds, config: Config) -> Evidence:
    """One benchmark's evidence, exactly as ``assess_changes`` gathers it."""

    def side(rounds: Rounds) -> Benchmark:
        return Benchmark(
            name=name, short_name=name, unit="s", rounds=tuple(tuple(r) for r in rounds)
        )

    found = gather(side(base), side(head), decision_statistic(config))
    if found is None:
        raise ValueError(f"{name}: nothing to compare")
    return found


def perfgate_decide(
    evidence: Sequence[Evidence], config: Config, direction: str = "lower"
) -> list[Change]:
    """The suite judged together, then perfgate's classification of every estimate."""
    statistic = decision_statistic(config)
    return [
        classify(e, direction, config.regression, statistic)
        for e in infer(evidence, alpha=config.regression.alpha)
    ]


def perfgate_one_changed(
    suite: Sequence[Evidence], index: int, changed: Evidence, config: Config
) -> Change:
    """The verdict on benchmark ``index`` when it alone changed in its suite run: the other
    benchmarks keep their own (unchanged) evidence, so the suite's noise and Holm count it."""
    evidence = list(suite)
    evidence[index] = changed
    return perfgate_decide(evidence, config)[index]
