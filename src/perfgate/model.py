"""The data model: a :class:`Run` of :class:`Benchmark` results, and the native JSON format.

Every harness reader builds these objects; nothing downstream sees a harness's own format.
A benchmark holds one or more *rounds* of raw *samples*: a round is one independent process
run, samples inside a round are correlated (see DESIGN.md, "Vocabulary").
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from perfgate import units
from perfgate.options import Direction, IntervalMethod

# Native result format. Changelog of versions:
#   1 (perfgate 0.1): metadata, benchmarks with rounds of raw samples, failed benchmark names;
#     later an optional "packages" (name -> version), which readers before it ignore.
NATIVE_FORMAT_VERSION = 1
NATIVE_KEY = "perfgate_result"

# One round's raw samples: an array('d') as the readers return them, or any sequence of floats
Samples = Sequence[float]

# Units that measure throughput: a higher value is better for these.
_HIGHER_IS_BETTER_SUFFIXES = ("/s", "/sec", "/second", "per second", "hz", "ops")


def direction_for_unit(unit: str) -> Direction:
    """Lower is better, except throughput-type units (``ops/s``, ``items/sec``, ``Hz``)."""
    text = unit.strip().lower()
    return "higher" if text.endswith(_HIGHER_IS_BETTER_SUFFIXES) else "lower"


@dataclass(frozen=True)
class Interval:
    """A confidence interval of a statistic; ``method`` says what noise it includes."""

    low: float | None  # None: the data cannot bound it from this side
    high: float | None
    method: IntervalMethod


@dataclass(frozen=True, kw_only=True)
class Summary:
    """A benchmark's metric on one side with its interval, and descriptive statistics of its
    samples (made by :func:`perfgate.decisions.stats.summarize`)."""

    name: str
    unit: str
    direction: Direction
    metric: str  # the metric asked for
    value: float
    interval: Interval
    n: int  # raw samples over all rounds (0 when the harness stored only statistics)
    rounds: int
    raw_samples: bool
    few_samples: bool
    min_n: int = 1  # the fewest samples on which ``metric`` is not "few samples"
    metric_used: str  # differs from ``metric`` when only stored statistics were available
    describe: dict[str, float] = field(default_factory=dict)


# Metadata.harness of a base written by `perfgate history baseline` (reports say so)
STORED_BASELINE = "perfgate-history-baseline"


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """Where and how a run was recorded. Every field is optional: harnesses differ."""

    commit: str | None = None
    branch: str | None = None
    machine: str | None = None
    python: str | None = None
    timestamp: str | None = None  # ISO 8601, UTC
    harness: str | None = None
    harness_version: str | None = None
    environment: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metadata:
        known = cls.__dataclass_fields__
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown metadata keys {unknown}")
        for key, value in data.items():
            if value is not None and not isinstance(value, str):
                raise ValueError(f"metadata.{key} must be a string, got {value!r}")
        return cls(**dict(data))


_new = object.__new__
# an empty mapping that is the same object everywhere (a field nobody fills need not be a new
# dict for each of 50,000 benchmarks)
NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class Benchmark:
    """One benchmark's measurements in one run.

    ``rounds`` holds raw samples per round. When the harness stored only statistics
    (``raw_samples`` is False), ``rounds`` is empty and ``stored`` maps perfgate metric names
    (``p50``, ``mean``, ``min``, ``max``, ``p25``, ``p75``, ``stdev``) to the stored values,
    and, where the harness kept them, ``ci99_low``/``ci99_high`` (a 99% interval of the median)
    and ``n`` (how many samples the statistics summarize).
    """

    name: str
    short_name: str
    unit: str
    direction: Direction = "lower"
    params: Mapping[str, str] = field(default_factory=dict)
    group: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    rounds: tuple[Samples, ...] = ()
    stored: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def direct(
        cls,
        *,
        name: str,
        short_name: str,
        unit: str,
        direction: Direction,
        params: Mapping[str, str],
        rounds: tuple[Samples, ...],
        stored: Mapping[str, float],
    ) -> Benchmark:
        """The benchmark ``Benchmark(...)`` makes of these fields (no group, no extra), made
        without the frozen dataclass's ``__init__``, which sets each field through
        ``object.__setattr__`` (1.7 us against 0.7 us a benchmark): readers of large files
        make one per result, 50,000 in a history import of asv files."""
        made = _new(cls)
        fields = made.__dict__  # a frozen dataclass refuses setattr, not its own __dict__
        fields["name"] = name
        fields["short_name"] = short_name
        fields["unit"] = unit
        fields["direction"] = direction
        fields["params"] = params
        fields["group"] = None
        fields["extra"] = NOTHING
        fields["rounds"] = rounds
        fields["stored"] = stored
        return made

    @property
    def raw_samples(self) -> bool:
        return bool(self.rounds)

    @property
    def n(self) -> int:
        """Number of raw samples over all rounds."""
        return sum(len(r) for r in self.rounds)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "short_name": self.short_name,
            "unit": self.unit,
            "direction": self.direction,
            "params": dict(self.params),
            "group": self.group,
            "extra": dict(self.extra),
            "rounds": [list(r) for r in self.rounds],
        }
        if self.stored:
            data["stored"] = dict(self.stored)
        return data


@dataclass(frozen=True, kw_only=True)
class Run:
    """Everything one invocation of a harness recorded for one side."""

    metadata: Metadata = field(default_factory=Metadata)
    benchmarks: tuple[Benchmark, ...] = ()
    failed: tuple[str, ...] = ()  # benchmarks the harness reported as failed (no value)
    source: str | None = None  # the file it was read from, for messages; not serialized
    # the distributions installed where it ran (name -> version; the project itself left out),
    # when perfgate knows them (`run --record`); None: not known
    packages: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            NATIVE_KEY: NATIVE_FORMAT_VERSION,
            "metadata": self.metadata.to_dict(),
            "benchmarks": [b.to_dict() for b in self.benchmarks],
            "failed": list(self.failed),
            **({} if self.packages is None else {"packages": dict(self.packages)}),
        }


# Benchmark.extra key of a peak-memory benchmark: which tracer measured it
MEMORY_BACKEND = "memory_backend"
MEMORY_BACKENDS = ("memray", "tracemalloc")


# Benchmark.extra of a bytecode count: the estimated share of one call's time the counted
# Python explains (its bytecodes at this machine's cost of a plain one, over its time)
COUNTED_SHARE = "perfgate_counted_share"
TIMER = "perfgate_timer"  # Benchmark.extra: the timer when not the wall clock (options.Timer)
# Benchmark.extra: the calibration workload's CPU time (s) in the round that measured it
CALIBRATION = "perfgate_calibration"
# Benchmark.extra: the calibration measured beside each sample (s), in the samples' order over
# all rounds (perfgate's interleaved calibration timer); absent when a round has none
CALIBRATION_SAMPLES = "perfgate_calibration_samples"


def measurement_notes(benchmarks: Iterable[Benchmark]) -> list[str]:
    """What a report says about how its rows were measured: the timer, when it is not the
    wall clock, and the memory tracer."""
    items = list(benchmarks)
    notes = []
    if any(b.extra.get(TIMER) == "cpu" for b in items):
        notes.append(
            "Timed by the process's CPU time (harness.timer: cpu, pytest-benchmark's "
            "time.process_time): other processes on the machine do not inflate it; time spent "
            "sleeping, in I/O or waiting is not counted."
        )
    if any(b.extra.get(TIMER) == "wall-minus-runqueue" for b in items):
        notes.append(
            "Timed by the wall clock less the time spent waiting for a CPU (harness.timer: "
            "wall-minus-runqueue, Linux's schedstat): the slices other processes took are not "
            "counted; time spent sleeping, in I/O or waiting on a lock is."
        )
    return notes + memory_notes(items)


def memory_notes(benchmarks: Iterable[Benchmark]) -> list[str]:
    """What a report says about its peak-memory rows: which tracer measured them, and what
    that one cannot see."""
    used = sorted(
        {str(b.extra.get(MEMORY_BACKEND)) for b in benchmarks if MEMORY_BACKEND in b.extra}
    )
    notes = []
    if "memray" in used:
        notes.append(
            "Peak memory measured with memray: every allocation of the call, C extensions' "
            "included."
        )
    if "tracemalloc" in used:
        notes.append(
            "Peak memory measured with tracemalloc: Python's allocators only (numpy reports "
            "to it; most C extensions do not). Install memray in the benchmark environment "
            "(harness.install) to see native allocations."
        )
    return notes


# No measurement comes near this (1e150 s, B or ops/s); beyond it, squares of deviations
# overflow and a report could not hold its standard deviation.
LARGEST_SAMPLE = 1e150


# from this many samples numpy's per-call cost (some microseconds) is worth paying
_NUMPY_CHECK_FROM = 64


def _plausible(floats: array[float], floor: float) -> bool:
    """Every sample finite, within LARGEST_SAMPLE, and not below ``floor``: checked at C
    speed, by numpy for long arrays and by Python's builtins for short ones (asv keeps ten
    samples a benchmark, and numpy's calls would cost more than the check)."""
    if len(floats) < _NUMPY_CHECK_FROM:
        # the sum is NaN or inf when any sample is (max and min can step over a NaN)
        return math.isfinite(sum(floats)) and max(floats) <= LARGEST_SAMPLE and min(floats) >= floor
    import numpy as np  # noqa: PLC0415 - loaded by every command that reads many samples

    view = np.frombuffer(floats, dtype=np.float64)
    return (
        bool(np.isfinite(view).all())
        and float(view.max()) <= LARGEST_SAMPLE
        and float(view.min()) >= floor
    )


def as_samples(values: object, unit: str, where: str) -> Samples:
    """Validate raw samples and return them as an array of doubles (8 bytes a sample, and
    numpy reads it without a copy); ValueError names ``where`` (the benchmark) and the first
    bad value.

    Time and memory cannot be negative. A large file holds millions of samples, so the
    common case is checked at C speed (``array``, ``sum``, ``min``) and only a file with a
    problem is walked value by value to name it.
    """
    floor = 0.0 if unit in _NOT_NEGATIVE else -LARGEST_SAMPLE
    if (
        type(values) is list
        and 0 < len(values) < _NUMPY_CHECK_FROM
        and set(map(type, values)) <= _JSON_NUMBERS
        # bounded first: a sum of bounded values is finite unless one is NaN
        and max(values) <= LARGEST_SAMPLE
        and min(values) >= floor
        and math.isfinite(sum(values))
    ):
        return array("d", values)  # a parser's short list of numbers: asv's ten samples
    if not isinstance(values, (list, tuple, array)) or not values:
        raise ValueError(f"{where}: samples must be a non-empty list of numbers")
    try:
        floats = array("d", values)
        # the types present, gathered at C speed: array("d") would take True for 1.0
        numeric = bool not in set(map(type, values))
    except (TypeError, OverflowError):  # OverflowError: an integer beyond any double
        numeric = False
    if numeric and _plausible(floats, floor):
        return floats
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: sample {value!r} is not a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{where}: sample {value!r} is not a finite number")
        if abs(value) > LARGEST_SAMPLE:
            raise ValueError(f"{where}: sample {value!r} is beyond {LARGEST_SAMPLE:g}")
        if value < floor:
            raise ValueError(f"{where}: sample {value!r} is negative")
    return floats


_NOT_NEGATIVE = frozenset((units.SECONDS, units.BYTES))
_JSON_NUMBERS = frozenset((float, int))


def calibrations(bench: Benchmark) -> tuple[float, ...]:
    """The calibration workload's CPU time in each round that recorded it."""
    found = bench.extra.get(CALIBRATION)
    if not isinstance(found, (list, tuple)):
        return ()
    return tuple(float(v) for v in found if isinstance(v, (int, float)) and v > 0)


def sample_calibrations(bench: Benchmark) -> tuple[float, ...] | None:
    """The calibration beside each of the benchmark's samples (pooled over its rounds, in
    order), or None when some sample has none."""
    found = bench.extra.get(CALIBRATION_SAMPLES)
    if not isinstance(found, (list, tuple)) or len(found) != sum(len(r) for r in bench.rounds):
        return None
    values = tuple(float(v) for v in found if isinstance(v, (int, float)) and v > 0)
    return values if values and len(values) == len(found) else None


def _combined_extra(first: Mapping[str, Any], later: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first round's extra, with every round's calibration kept: the per-sample ones only
    while every round has them."""
    combined = dict(first)
    if CALIBRATION in later:
        combined[CALIBRATION] = (*(first.get(CALIBRATION) or ()), *later[CALIBRATION])
    if CALIBRATION_SAMPLES in first and CALIBRATION_SAMPLES in later:
        combined[CALIBRATION_SAMPLES] = (*first[CALIBRATION_SAMPLES], *later[CALIBRATION_SAMPLES])
    else:
        combined.pop(CALIBRATION_SAMPLES, None)
    return combined


def combine(runs: Iterable[Run]) -> tuple[list[Benchmark], list[str]]:
    """Merge the runs of one side: the same benchmark in several runs becomes several rounds.

    Returns the benchmarks in first-seen order and the names reported as failed in any run.
    Raises ValueError when one name has different units in different runs.
    """
    merged: dict[str, Benchmark] = {}
    sources: dict[str, str] = {}
    failed: list[str] = []
    for run in runs:
        for bench in run.benchmarks:
            seen = merged.get(bench.name)
            if seen is None:
                merged[bench.name] = bench
                sources[bench.name] = run.source or "?"
                continue
            if seen.unit != bench.unit:
                raise ValueError(
                    f"benchmark {bench.name!r} is in {seen.unit!r} in {sources[bench.name]} "
                    f"but in {bench.unit!r} in {run.source or '?'}"
                )
            stored = seen.stored if seen.raw_samples or not bench.stored else bench.stored
            merged[bench.name] = replace(
                seen,
                rounds=seen.rounds + bench.rounds,
                stored=stored,
                extra=_combined_extra(seen.extra, bench.extra),
            )
        failed.extend(name for name in run.failed if name not in failed)
    return list(merged.values()), failed
