"""pytest-benchmark ``--benchmark-json`` files (and its ``.benchmarks/`` storage files).

One file is one round: pytest-benchmark runs every benchmark in a single process. The raw
``stats.data`` (one value per round of the harness, already divided by its iterations) become
the samples. Files saved without ``--benchmark-save-data`` carry only statistics: those are
kept as stored values and the benchmark is flagged as having no raw samples.

A benchmark measured with perfgate's pytest plugin (``--perfgate-memory``) carries its peak
memory per measuring call in ``extra_info``: it becomes a second benchmark, ``NAME (peak
memory)``, in bytes, with the same params and group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from perfgate import units
from perfgate.decisions import names
from perfgate.model import (
    CALIBRATION,
    CALIBRATION_SAMPLES,
    MEMORY_BACKEND,
    MEMORY_BACKENDS,
    TIMER,
    Benchmark,
    Metadata,
    Run,
    Samples,
    as_samples,
    sample_calibrations,
)
from perfgate.pytest_plugin.perfgate_calibration import SAMPLES_KEY
from perfgate.pytest_plugin.perfgate_memory import BACKEND_KEY
from perfgate.pytest_plugin.perfgate_memory import KEY as MEMORY_KEY

FORMAT = "pytest-benchmark"

# pytest-benchmark statistic -> perfgate metric name
_STORED = {
    "median": "p50",
    "mean": "mean",
    "min": "min",
    "max": "max",
    "q1": "p25",
    "q3": "p75",
    "stddev": "stdev",
}


def sniff(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("benchmarks"), list)
        and ("machine_info" in data or "commit_info" in data)
    )


def read(data: Mapping[str, Any], source: str) -> Run:
    """Build a :class:`Run`; raises ValueError/KeyError/TypeError on malformed content."""
    benchmarks: list[Benchmark] = []
    seen: set[str] = set()
    calibration = _calibration(data.get("machine_info"))
    for index, entry in enumerate(data["benchmarks"]):
        name = entry.get("fullname") or entry["name"]
        if not isinstance(name, str):
            raise ValueError(f"benchmarks[{index}].name is not a string: {name!r}")
        if name in seen:
            raise ValueError(f"duplicate benchmark name {name!r}")
        seen.add(name)
        timed = _benchmark(entry, name, calibration)
        timed = _with_sample_calibrations(timed, entry.get("extra_info"))
        benchmarks.append(timed)
        memory = _memory(timed, entry.get("extra_info"))
        if memory is not None:
            benchmarks.append(memory)
    commit = data.get("commit_info") or {}
    machine = data.get("machine_info") or {}
    metadata = Metadata(
        commit=_str(commit.get("id")),
        branch=_str(commit.get("branch")),
        machine=_str(machine.get("node")),
        python=_str(machine.get("python_version")),
        timestamp=_str(data.get("datetime")),
        harness=FORMAT,
        harness_version=_str(data.get("version")),
    )
    return Run(metadata=metadata, benchmarks=tuple(benchmarks), source=source)


def _calibration(machine: object) -> dict[str, tuple[float, ...]]:
    """``{CALIBRATION: (seconds,)}`` from perfgate's plugin's record of the calibration workload
    (``machine_info.perfgate_calibration``) when it is of this perfgate's workload, else
    nothing."""
    from perfgate.pytest_plugin.perfgate_calibration import VERSION  # noqa: PLC0415

    found = machine.get("perfgate_calibration") if isinstance(machine, dict) else None
    if not isinstance(found, dict) or found.get("version") != VERSION:
        return {}
    seconds = found.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return {}
    return {CALIBRATION: (float(seconds),)} if 0 < seconds < 60 else {}


def _with_sample_calibrations(timed: Benchmark, extra: object) -> Benchmark:
    """The benchmark with the calibration beside each sample (perfgate's interleaved timer,
    ``extra_info.perfgate_calibration_samples``) when there is one a sample, else without."""
    kept = {k: v for k, v in timed.extra.items() if k not in (SAMPLES_KEY, CALIBRATION_SAMPLES)}
    found = extra.get(SAMPLES_KEY) if isinstance(extra, dict) else None
    if isinstance(found, list) and timed.rounds:
        candidate = replace(timed, extra={**kept, CALIBRATION_SAMPLES: tuple(found)})
        if sample_calibrations(candidate) is not None:
            return candidate
    return replace(timed, extra=kept)


def _benchmark(
    entry: Mapping[str, Any], name: str, calibration: Mapping[str, Any] | None = None
) -> Benchmark:
    stats = entry["stats"]
    if not isinstance(stats, dict):
        raise TypeError(f"{name}: stats is not an object")
    data = stats.get("data")
    rounds: tuple[Samples, ...] = ()
    stored: dict[str, float] = {}
    if data is not None:
        rounds = (as_samples(data, units.SECONDS, name),)
    else:
        for key, metric in _STORED.items():
            value = stats.get(key)
            if value is not None:
                (stored[metric],) = as_samples([value], units.SECONDS, f"{name}: stats.{key}")
        if "p50" not in stored:
            raise ValueError(f"{name}: neither stats.data nor stats.median is recorded")
    params = entry.get("params") or {}
    return Benchmark(
        name=name,
        short_name=str(entry.get("name") or name),
        unit=units.SECONDS,
        direction="lower",
        params={str(k): str(v) for k, v in params.items()},
        group=_str(entry.get("group")),
        extra={
            **{
                k: v
                for k, v in (entry.get("extra_info") or {}).items()
                if k not in (MEMORY_KEY, BACKEND_KEY)
            },
            **_timer(entry.get("options")),
            **(calibration or {}),
        },
        rounds=rounds,
        stored=stored,
    )


def _timer(options: object) -> dict[str, str]:
    """``{TIMER: "cpu"}`` for a benchmark timed by the process's CPU time and ``{TIMER:
    "wall-minus-runqueue"}`` for perfgate's run-queue timer (pytest-benchmark records the
    timer's name in ``options.timer``), else nothing: the wall clock."""
    name = options.get("timer") if isinstance(options, dict) else None
    if not isinstance(name, str):
        return {}
    if "process_time" in name:
        return {TIMER: "cpu"}
    return {TIMER: "wall-minus-runqueue"} if "wall_minus_runqueue" in name else {}


def _memory(timed: Benchmark, extra: object) -> Benchmark | None:
    if not isinstance(extra, dict) or MEMORY_KEY not in extra:
        return None
    label = f"{timed.name}: extra_info.{MEMORY_KEY}"
    backend = extra.get(BACKEND_KEY, "tracemalloc")  # perfgate 0.1's plugin had no other
    return Benchmark(
        name=names.beside(timed.name, names.MEMORY),
        short_name=names.beside(timed.short_name, names.MEMORY),
        unit=units.BYTES,
        direction="lower",
        params=timed.params,
        group=timed.group,
        rounds=(as_samples(extra[MEMORY_KEY], units.BYTES, label),),
        extra={MEMORY_BACKEND: str(backend) if backend in MEMORY_BACKENDS else "unknown"},
    )


def _str(value: object) -> str | None:
    return None if value is None else str(value)
