"""pyperf's JSON (CPython's and pyperformance's benchmark tool; ``python bench.py -o
out.json``, ``python -m pyperf timeit ... -o out.json``, format version 1.0).

A file holds a suite: ``{"version": "1.0", "metadata": {...}, "benchmarks": [{"metadata":
{"name": ..., "unit": ...}, "runs": [...]}]}``. Each run is one worker process; its
``values`` are the times of one loop iteration (pyperf divides by the loops), its
``warmups`` are left out, and a run without values (pyperf's calibration run) is skipped. So a
benchmark's runs are perfgate's rounds: the per-process spread pyperf records is what
perfgate's per-round inference judges. Metadata may sit on the benchmark or on the suite (a
key common to every benchmark is moved there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfgate import units
from perfgate.model import Benchmark, Metadata, Run, Samples, as_samples

FORMAT = "pyperf"
UNITS = {"second": units.SECONDS, "byte": units.BYTES, "integer": ""}


def sniff(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        return False
    benchmarks = data.get("benchmarks")
    return (
        isinstance(benchmarks, list)
        and bool(benchmarks)
        and all(isinstance(b, dict) and "runs" in b for b in benchmarks[:3])
    )


def read(data: Mapping[str, Any], source: str) -> Run:
    """Build a :class:`Run`; raises ValueError/KeyError/TypeError on malformed content."""
    version = data["version"]
    if not str(version).startswith("1."):
        raise ValueError(f"pyperf format version {version!r} is not 1.x")
    suite = _mapping(data.get("metadata"), "metadata")
    benchmarks = []
    seen: set[str] = set()
    for index, entry in enumerate(data["benchmarks"]):
        where = f"benchmarks[{index}]"
        meta = {**suite, **_mapping(_mapping(entry, where).get("metadata"), f"{where}.metadata")}
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{where}: no name in its metadata or the suite's")
        if name in seen:
            raise ValueError(f"duplicate benchmark name {name!r}")
        seen.add(name)
        unit = meta.get("unit", "second")
        if unit not in UNITS:
            raise ValueError(f"{name}: unit {unit!r} is not one of {', '.join(UNITS)}")
        rounds = _rounds(entry["runs"], name, UNITS[unit])
        if not rounds:
            raise ValueError(f"{name}: no run has values")
        benchmarks.append(
            Benchmark(
                name=name, short_name=name, unit=UNITS[unit], direction="lower", rounds=rounds
            )
        )
    metadata = Metadata(
        machine=_text(suite.get("hostname")),
        python=_text(suite.get("python_version")),
        timestamp=_date(suite, data["benchmarks"]),
        harness=FORMAT,
        harness_version=_text(suite.get("perf_version")),
    )
    return Run(metadata=metadata, benchmarks=tuple(benchmarks), source=source)


def _rounds(runs: object, name: str, unit: str) -> tuple[Samples, ...]:
    if not isinstance(runs, list):
        raise TypeError(f"{name}: runs is not a list")
    rounds = []
    for k, run in enumerate(runs):
        values = _mapping(run, f"{name}: runs[{k}]").get("values")
        if values:  # the calibration run has warmups only
            rounds.append(as_samples(values, unit, f"{name}: runs[{k}].values"))
    return tuple(rounds)


def _date(suite: Mapping[str, Any], benchmarks: list[Any]) -> str | None:
    """When the suite ran: its own ``date``, else its first run's (pyperf dates each worker
    run), as ISO 8601 (pyperf writes a space between date and time)."""
    date = suite.get("date")
    if not isinstance(date, str):
        runs = benchmarks[0].get("runs") if benchmarks else None
        first = runs[0] if isinstance(runs, list) and runs else None
        meta = first.get("metadata") if isinstance(first, dict) else None
        date = meta.get("date") if isinstance(meta, dict) else None
    return date.replace(" ", "T", 1) if isinstance(date, str) else None


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{where} is not an object")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
