"""A runtime monitor for application code: time (and optionally memory) of named operations,
counters, per-operation summaries, budgets checked while the application runs, and export to
perfgate's native result format so that ``perfgate check`` validates application metrics too.

.. code-block:: python

    from perfgate import monitor

    monitor.configure(config="perfgate.yml")          # budgets, optional

    with monitor.measure("load catalogue"):
        load()

    @monitor.timed("render page")
    def render(): ...

    monitor.count("cache miss")
    monitor.summary()["load catalogue"].p95            # seconds
    monitor.export("app-metrics.json")                 # then: perfgate check app-metrics.json

Wall time comes from :func:`time.perf_counter_ns`. With ``memory=True`` a measurement also
records the change in resident memory (RSS, psutil) and the process's peak RSS if it rose
during the block (``getrusage``; the peak of the whole process, so a block's own peak is
seen only when it sets a new high). An exception inside ``measure`` is counted for the
operation and re-raised; its time is recorded as well.

Budgets: a ``budget=`` argument (``"200ms"`` or seconds) or the first perfgate.yml budget whose
pattern matches the operation's name. Each measurement over the target or the warning limit
logs a warning (logger ``perfgate.monitor``); over the critical limit it calls ``on_critical``
(by default: log an error). Thread-safe: measurements from many threads go to one record
(appends are atomic; new names, errors, memory and counters take a lock).
``configure(enabled=False)`` (or ``PERFGATE_MONITOR=0``) makes every call a no-op.

Overhead: about 1.1 us per ``measure()`` block without memory sampling on the 2-core CI VM,
where an empty ``with nullcontext()`` costs 0.27 us (``benchmarks/test_perf.py::
test_monitor_1000_measures`` and its budget in perfgate.yml).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar, overload

if TYPE_CHECKING:
    from perfgate.config import BudgetRule
    from perfgate.model import Benchmark, Run

__all__ = [
    "BudgetEvent",
    "Monitor",
    "OperationSummary",
    "budget_status",
    "configure",
    "count",
    "counters",
    "export",
    "measure",
    "reset",
    "summary",
    "timed",
]

LOG = logging.getLogger("perfgate.monitor")
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class BudgetEvent:
    """One measurement that went over a budget limit."""

    name: str
    seconds: float
    status: str  # "slow", "warning" or "critical"
    limit: float  # the limit it went over, in seconds


@dataclass(frozen=True, kw_only=True)
class OperationSummary:
    """Times in seconds; memory in bytes (None when it was not sampled)."""

    name: str
    count: int
    errors: int
    total: float
    mean: float
    p50: float
    p95: float
    max: float
    rss_delta_max: float | None
    peak_rss: float | None


class _Record:
    __slots__ = ("errors", "peak", "rss", "times")

    def __init__(self) -> None:
        self.times: list[int] = []  # ns
        self.errors = 0
        self.rss: list[int] = []  # bytes
        self.peak: list[int] = []


class Monitor:
    """One record of operations and counters; the module-level functions use a shared one."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}
        self._counters: dict[str, int] = {}
        self._rules: tuple[BudgetRule, ...] = ()
        self._on_critical: Callable[[BudgetEvent], None] = _log_critical
        self._memory = False
        if enabled is None:
            enabled = os.environ.get("PERFGATE_MONITOR", "1") not in ("0", "false", "no")
        self.enabled = enabled

    def configure(
        self,
        *,
        config: str | os.PathLike[str] | None = None,
        enabled: bool | None = None,
        memory: bool | None = None,
        on_critical: Callable[[BudgetEvent], None] | None = None,
    ) -> None:
        """Budgets from ``config`` (a perfgate.yml); ``memory``: sample RSS by default."""
        if config is not None:
            from perfgate.config import load_config  # noqa: PLC0415 - only when asked

            rules = load_config(Path(config)).budgets
            self._rules = tuple(r for r in rules if r.unit in ("s", ""))
        if enabled is not None:
            self.enabled = enabled
        if memory is not None:
            self._memory = memory
        if on_critical is not None:
            self._on_critical = on_critical

    def measure(
        self, name: str, budget: str | float | None = None, *, memory: bool | None = None
    ) -> AbstractContextManager[None]:
        """Time the block (and with ``memory``, its RSS change and peak) as ``name``."""
        if not self.enabled:
            return _NO_OP
        if memory or (memory is None and self._memory):
            return self._measure_memory(name, budget)
        return _Timing(self, name, budget)

    @contextmanager
    def _measure_memory(self, name: str, budget: str | float | None) -> Iterator[None]:
        rss_before, peak_before = _rss(), _peak_rss()
        failed = False
        start = time.perf_counter_ns()
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            elapsed = time.perf_counter_ns() - start
            after, peak_after = _rss(), _peak_rss()
            peak = peak_after if peak_after > peak_before else max(rss_before, after)
            self._add(name, elapsed, failed, after - rss_before, peak)
            self._check(name, elapsed / 1e9, budget)

    @overload
    def timed(self, name: Callable[P, R], budget: None = None) -> Callable[P, R]: ...

    @overload
    def timed(
        self, name: str | None = None, budget: str | float | None = None
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def timed(
        self, name: str | Callable[P, R] | None = None, budget: str | float | None = None
    ) -> Callable[[Callable[P, R]], Callable[P, R]] | Callable[P, R]:
        """``@timed``, ``@timed("name")`` or ``@timed("name", budget="50ms")``: measure every
        call of the function (named by its qualified name unless given)."""
        if callable(name):
            return self._wrap(name, None, None)
        label = name
        return lambda func: self._wrap(func, label, budget)

    def _wrap(
        self, func: Callable[P, R], label: str | None, budget: str | float | None
    ) -> Callable[P, R]:
        op = label or f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.measure(op, budget):
                return func(*args, **kwargs)

        return wrapper

    def count(self, name: str, n: int = 1) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + n

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counters)

    def summary(self) -> dict[str, OperationSummary]:
        import numpy as np  # noqa: PLC0415 - summaries are occasional; measure() stays light

        with self._lock:  # copies: other threads may append meanwhile
            records = {
                k: (list(r.times), r.errors, list(r.rss), list(r.peak))
                for k, r in list(self._records.items())
            }
        out = {}
        for name, (times, errors, rss, peak) in records.items():
            seconds = np.asarray(times, dtype=float) / 1e9
            p50, p95 = (float(v) for v in np.percentile(seconds, [50, 95]))
            out[name] = OperationSummary(
                name=name,
                count=len(times),
                errors=errors,
                total=float(seconds.sum()),
                mean=float(seconds.mean()),
                p50=p50,
                p95=p95,
                max=float(seconds.max()),
                rss_delta_max=float(max(rss)) if rss else None,
                peak_rss=float(max(peak)) if peak else None,
            )
        return out

    def export(self, path: str | os.PathLike[str], *, machine: str | None = None) -> Path:
        """Write every operation (times; RSS changes and peaks when sampled) and counter as a
        native result file, atomically; ``perfgate check`` reads it like any harness's."""
        from perfgate.files import write_text_atomic  # noqa: PLC0415
        from perfgate.formats.native import dumps  # noqa: PLC0415

        target = Path(path)
        write_text_atomic(target, dumps(self.to_run(machine=machine)))
        return target

    def to_run(self, *, machine: str | None = None) -> Run:
        import platform  # noqa: PLC0415
        from datetime import datetime, timezone  # noqa: PLC0415

        from perfgate.model import Metadata, Run  # noqa: PLC0415

        with self._lock:
            records = {
                k: (list(r.times), list(r.rss), list(r.peak))
                for k, r in list(self._records.items())
            }
            counters = dict(self._counters)
        benchmarks = []
        for name, (times, rss, peak) in records.items():
            benchmarks.append(_single(name, "s", [t / 1e9 for t in times]))
            if rss:  # growth: a block that freed memory grew it by 0
                benchmarks.append(_single(f"{name} (rss growth)", "B", [max(0, v) for v in rss]))
                benchmarks.append(_single(f"{name} (peak rss)", "B", peak))
        benchmarks += [_single(f"{k} (count)", "count", [v]) for k, v in counters.items()]
        metadata = Metadata(
            machine=machine or platform.node(),
            python=platform.python_version(),
            timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            harness="perfgate.monitor",
        )
        return Run(metadata=metadata, benchmarks=tuple(benchmarks))

    def reset(self) -> None:
        with self._lock:
            self._records.clear()
            self._counters.clear()

    def _record(self, name: str) -> _Record:
        record = self._records.get(name)
        if record is None:
            with self._lock:
                record = self._records.setdefault(name, _Record())
        return record

    def _add(self, name: str, ns: int, failed: bool, rss: int | None, peak: int | None) -> None:
        # Lock-free on the common path: list.append and dict.get are atomic (the GIL, or the
        # per-object locks of a free-threaded build); a new name and an error take the lock.
        record = self._record(name)
        record.times.append(ns)
        if failed or rss is not None:
            with self._lock:
                record.errors += failed
                if rss is not None and peak is not None:
                    record.rss.append(rss)
                    record.peak.append(peak)

    def _check(self, name: str, seconds: float, budget: str | float | None) -> None:
        limits = self._limits(name, budget)
        if limits is None:
            return
        status, limit = budget_status(seconds, limits)
        if status == "critical":
            self._on_critical(BudgetEvent(name=name, seconds=seconds, status=status, limit=limit))
        elif status is not None:
            LOG.warning("%s took %.3g s, over its %s limit %.3g s", name, seconds, status, limit)

    def _limits(self, name: str, budget: str | float | None) -> tuple[float, float, float] | None:
        if budget is not None:
            target = _seconds(budget)
            return target, 1.2 * target, 1.5 * target
        if not self._rules:
            return None
        from perfgate.decisions.budgets import find_rule  # noqa: PLC0415

        rule = find_rule(name, name, "s", self._rules)
        return None if rule is None else (rule.target, rule.warning, rule.critical)


class _Timing:
    """``measure()`` without memory sampling, as a plain class: a generator-based context
    manager costs about twice as much per block, and this path must stay near 1 us."""

    __slots__ = ("_budget", "_monitor", "_name", "_start")

    def __init__(self, monitor: Monitor, name: str, budget: str | float | None) -> None:
        self._monitor, self._name, self._budget = monitor, name, budget
        self._start = 0

    def __enter__(self) -> None:
        self._start = time.perf_counter_ns()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        elapsed = time.perf_counter_ns() - self._start
        monitor = self._monitor
        if kind is None:
            monitor._record(self._name).times.append(elapsed)
        else:
            monitor._add(self._name, elapsed, True, None, None)
        if self._budget is not None or monitor._rules:
            monitor._check(self._name, elapsed / 1e9, self._budget)


_NO_OP = nullcontext()


def budget_status(seconds: float, limits: tuple[float, float, float]) -> tuple[str | None, float]:
    """(status, the limit passed) of one measurement against (target, warning, critical):
    ``slow`` over the target, ``warning`` over the warning limit, ``critical`` over critical."""
    target, warning, critical = limits
    for status, limit in (("critical", critical), ("warning", warning), ("slow", target)):
        if seconds > limit:
            return status, limit
    return None, target


def _single(name: str, unit: str, values: Sequence[float]) -> Benchmark:
    from perfgate.model import Benchmark  # noqa: PLC0415

    return Benchmark(name=name, short_name=name, unit=unit, rounds=(tuple(map(float, values)),))


def _seconds(budget: str | float) -> float:
    if isinstance(budget, str):
        from perfgate.units import parse_duration  # noqa: PLC0415

        return parse_duration(budget)
    if not math.isfinite(budget) or budget <= 0:
        raise ValueError(f"budget must be a positive number of seconds, got {budget!r}")
    return float(budget)


def _log_critical(event: BudgetEvent) -> None:
    LOG.error(
        "%s took %.3g s, over its critical limit %.3g s", event.name, event.seconds, event.limit
    )


def _rss() -> int:
    import psutil  # noqa: PLC0415 - only when memory is sampled

    return int(psutil.Process().memory_info().rss)


def _peak_rss() -> int:
    if sys.platform == "win32":  # pragma: no cover
        import psutil  # noqa: PLC0415

        return int(psutil.Process().memory_info().peak_wset)
    import resource  # noqa: PLC0415

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, else KiB


_DEFAULT = Monitor()
configure = _DEFAULT.configure
measure = _DEFAULT.measure
timed = _DEFAULT.timed
count = _DEFAULT.count
counters = _DEFAULT.counters
summary = _DEFAULT.summary
export = _DEFAULT.export
reset = _DEFAULT.reset
