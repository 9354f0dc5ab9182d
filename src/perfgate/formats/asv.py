"""asv (airspeed velocity) result files, format version 1 (asv < 0.5) and 2 (asv >= 0.5).

Layout: ``results/benchmarks.json`` describes every benchmark (type, unit, parameter names);
``results/<machine>/<commit8>-<env>.json`` holds one commit's results in one environment.
One results file is one round. Version 2 stores each benchmark as a row to be zipped with the
file's ``result_columns``; version 1 stores a dict (or a bare number) per benchmark.

A parametrized benchmark becomes one perfgate benchmark per parameter combination, named
``module.Class.time_x(10, 'a')`` with asv's own representation of the values (the cartesian
product in asv's order). Raw ``samples`` are used when asv recorded them (``--record-samples``);
otherwise a timing's stored median and quartiles are kept as stored statistics and the
benchmark is flagged as having no raw samples. ``mem_``, ``peakmem_`` and ``track_``
benchmarks are single measurements by nature: the value is their one raw sample.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from types import MappingProxyType
from typing import Any

from perfgate import units
from perfgate.model import (
    NOTHING,
    Benchmark,
    Metadata,
    Run,
    Samples,
    as_samples,
    direction_for_unit,
)
from perfgate.options import Direction

# a JSON array: a list, or the float64 array a large file's numbers are streamed into
_ARRAYS = (list, array)

FORMAT = "asv"
SUPPORTED_VERSIONS = (1, 2)
_UNITS = {"seconds": units.SECONDS, "bytes": units.BYTES}
_PREFIX_UNITS = (("time_", units.SECONDS), ("mem_", units.BYTES), ("peakmem_", units.BYTES))


def sniff(data: Any) -> bool:
    return isinstance(data, dict) and "results" in data and "commit_hash" in data


def is_auxiliary(data: Any) -> bool:
    """asv's ``benchmarks.json`` and ``machine.json``: part of a results tree, not results."""
    if not isinstance(data, dict) or "results" in data:
        return False
    if "machine" in data and "version" in data:
        return True
    return "version" in data and all(
        isinstance(v, dict) and "type" in v for k, v in data.items() if k != "version"
    )


def described_near(result_file: Path) -> Mapping[str, Any]:
    """``benchmarks.json`` of a results file: asv keeps it at the results root, one level
    above the machine folder (or beside the file); empty when there is none. One ``stat``
    a candidate finds it and tells whether it changed since it was read."""
    for folder in (result_file.parent.parent, result_file.parent):
        candidate = folder / "benchmarks.json"
        try:
            found = candidate.stat()
        except OSError:
            continue
        if S_ISREG(found.st_mode):
            return _described(str(candidate), found.st_mtime_ns)
    return {}


@lru_cache(maxsize=8)
def _described(path: str, _stamp: int) -> Mapping[str, Any]:
    """benchmarks.json, read once per version of the file: a results tree of 1,000 files
    shares one (the history importer reads them all)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged description only costs units; names still come from results
    return data if isinstance(data, dict) else {}


def read(data: Mapping[str, Any], source: str, described: Mapping[str, Any]) -> Run:
    """Build a :class:`Run` from one results file; ``described`` is ``benchmarks.json``."""
    for key in ("results", "commit_hash"):
        if key not in data:
            raise KeyError(key)
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersionError(version)
    layout, rows = _rows_v2(data) if version == 2 else _rows_v1(data)
    benchmarks: list[Benchmark] = []
    failed: list[str] = []
    at_params, at_result, at_samples = layout.params, layout.result, layout.samples
    for name, row in rows:
        entry = described.get(name)  # a damaged benchmarks.json only costs units
        entry = entry if isinstance(entry, dict) and entry else _UNDESCRIBED
        # The common row, one combination with its samples kept, is made here; any other
        # goes through _expand, which makes this one the same way. A history has 50,000
        # rows, and the call and its loop were a tenth of reading them.
        length = len(row)
        params = (row[at_params] if at_params < length else None) or ()
        shape = _shape(name, params, entry)
        result = row[at_result] if at_result < length else None
        samples = row[at_samples] if at_samples < length else None
        if (
            shape.combos == 1
            and type(result) is list
            and type(samples) is list
            and len(result) == len(samples) == 1
            and samples[0] is not None
            and result[0] is not None
            and result[0] == result[0]  # not NaN (a failure)
        ):
            label = shape.labels[0]
            benchmarks.append(
                Benchmark.direct(
                    name=label,
                    short_name=shape.short_labels[0],
                    unit=shape.unit,
                    direction=shape.direction,
                    params=shape.params[0],
                    rounds=(as_samples(samples[0], shape.unit, label),),
                    stored=NOTHING,
                )
            )
            continue
        _expand(name, row, layout, shape, out=benchmarks, failed=failed)
    params = data.get("params") or {}
    date = data.get("date")
    metadata = Metadata(
        commit=_str(data.get("commit_hash")),
        machine=_str(params.get("machine")),
        python=_str(data.get("python")),
        timestamp=(
            datetime.fromtimestamp(date / 1000, tz=timezone.utc).isoformat()
            if isinstance(date, (int, float)) and not isinstance(date, bool)
            else None
        ),
        harness=FORMAT,
        environment=_str(data.get("env_name")),
    )
    return Run(metadata=metadata, benchmarks=tuple(benchmarks), failed=tuple(failed), source=source)


class UnsupportedVersionError(ValueError):
    def __init__(self, version: object) -> None:
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        super().__init__(f"asv results format version {version!r} not supported ({supported})")


# a benchmark benchmarks.json does not describe (one object, so that its shape is cached)
_UNDESCRIBED: Mapping[str, Any] = MappingProxyType({})
# a position beyond every row: the column is not in the file
_ABSENT = sys.maxsize


@dataclass(frozen=True)
class _Layout:
    """Where each of a file's columns is in its rows. A row is read in place, not made into a
    dict: a history of 1,000 files has 50,000 rows. asv drops a row's trailing empty
    columns, so a row may stop before a column (which it then does not have)."""

    result: int
    params: int
    samples: int
    columns: Mapping[str, int]

    @classmethod
    def of(cls, columns: Sequence[Any]) -> _Layout:
        where = {column: i for i, column in enumerate(columns)}
        if len(where) != len(columns):
            raise ValueError("result_columns names a column twice")
        found = where.get
        return cls(
            result=found("result", _ABSENT),
            params=found("params", _ABSENT),
            samples=found("samples", _ABSENT),
            columns=where,
        )

    def cell(self, row: Sequence[Any], column: str) -> Any:
        i = self.columns.get(column, _ABSENT)
        return row[i] if i < len(row) else None


Row = Sequence[Any]


def _rows_v2(data: Mapping[str, Any]) -> tuple[_Layout, list[tuple[str, Row]]]:
    columns = data["result_columns"]
    if not isinstance(columns, list):
        raise TypeError("result_columns is not a list")
    results = data["results"]
    if not isinstance(results, dict):
        raise TypeError("results is not an object")
    for name, values in results.items():
        if not isinstance(values, _ARRAYS):
            raise TypeError(f"{name}: result row is not a list")
    return _Layout.of(columns), list(results.items())


# the columns a version 1 entry is brought to
_V1_LAYOUT = _Layout.of(("result", "params", "samples", "stats_q_25", "stats_q_75"))


def _rows_v1(data: Mapping[str, Any]) -> tuple[_Layout, list[tuple[str, Row]]]:
    """Bring a v1 entry (a bare number, or a dict with list or scalar fields) to v2's shape."""
    rows: list[tuple[str, Row]] = []
    results = data["results"]
    if not isinstance(results, dict):
        raise TypeError("results is not an object")
    for name, value in results.items():
        entry = (
            value
            if isinstance(value, dict)
            else {"result": None if value is None else [value], "params": []}
        )
        result = entry.get("result")
        if result is not None and not isinstance(result, _ARRAYS):
            result = [result]
        stats = entry.get("stats")
        if stats is not None and not isinstance(stats, list):
            stats = [stats]
        quartiles = [
            None if stats is None else [s.get(key) if isinstance(s, dict) else None for s in stats]
            for key in ("q_25", "q_75")
        ]
        rows.append((name, [result, entry.get("params") or [], entry.get("samples"), *quartiles]))
    return _V1_LAYOUT, rows


@dataclass(frozen=True)
class _Shape:
    """What a row's name, parameters and description give each of its benchmarks: the
    same in every results file of a history, so it is worked out once (a history of 1,000
    files reads each row 1,000 times)."""

    combos: int
    labels: tuple[str, ...]
    short_labels: tuple[str, ...]
    params: tuple[Mapping[str, str], ...]  # shared by the benchmarks of every file: read only
    unit: str
    direction: Direction


# name -> (its description, its parameters, their shape), for parameters that are lists of
# strings, as asv writes them (1, 1.0 and True would be equal parameters but three labels)
_SHAPES: dict[str, tuple[Mapping[str, Any], Sequence[Any], _Shape]] = {}
_SHAPES_KEPT = 4096


def _shape(name: str, params: Sequence[Any], described: Mapping[str, Any]) -> _Shape:
    hit = _SHAPES.get(name)
    # the same description (the cache holds it, so no other object can have its identity)
    # and equal parameters: the cached ones are lists of strings, which only such lists equal
    if hit is not None and hit[0] is described and hit[1] == params:
        return hit[2]
    given_unit = described.get("unit")
    unit = given_unit if isinstance(given_unit, str) else None  # anything else is no unit
    given = described.get("param_names")
    # benchmarks.json's parameter names; numbered ones where it has none (or is damaged)
    names = tuple(str(k) for k in given) if isinstance(given, (list, tuple)) else ()
    shape = _make_shape(name, params, unit, names)
    if all(type(p) is list and all(type(v) is str for v in p) for p in params):
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        _SHAPES[name] = (described, params, shape)
    return shape


def _make_shape(
    name: str, params: Sequence[Sequence[Any]], unit: str | None, names: tuple[str, ...]
) -> _Shape:
    combos: list[tuple[Any, ...]] = list(itertools.product(*params)) if params else [()]
    keys = names or tuple(f"param{i + 1}" for i in range(len(params)))
    short = name.rsplit(".", 1)[-1]
    found = _unit(name, unit)
    return _Shape(
        combos=len(combos),
        labels=tuple(_label(name, c) for c in combos),
        short_labels=tuple(_label(short, c) for c in combos),
        params=tuple(dict(zip(keys, c, strict=False)) for c in combos),
        unit=found,
        direction=direction_for_unit(found),
    )


def _expand(
    name: str,
    row: Row,
    layout: _Layout,
    shape: _Shape,
    *,
    out: list[Benchmark],
    failed: list[str],
) -> None:
    """One asv row -> one benchmark per parameter combination (names, parameters and unit
    from its ``shape``); failures go to ``failed``."""
    length = len(row)
    count, unit = shape.combos, shape.unit
    result = row[layout.result] if layout.result < length else None
    if result is None:
        failed.extend(shape.labels)
        return
    if not isinstance(result, _ARRAYS) or len(result) != count:
        raise ValueError(f"{name}: {count} parameter combinations but result is {result!r}")
    samples = row[layout.samples] if layout.samples < length else None
    if not isinstance(samples, _ARRAYS) or len(samples) != count:
        samples = (None,) * count
    kept: dict[str, Sequence[Any]] | None = None  # asv's statistics: read only without samples
    labels, short_labels, combos, direction = (
        shape.labels, shape.short_labels, shape.params, shape.direction
    )  # fmt: skip
    timing = unit == units.SECONDS
    make = Benchmark.direct
    for i in range(count):
        value = result[i]
        if value is None or value != value:  # noqa: PLR0124 - asv's null or NaN: failed or skipped
            failed.append(labels[i])
            continue
        raw = samples[i]
        if raw is None and not timing:
            raw = [value]  # memory and track benchmarks measure once: that is the sample
        label = labels[i]
        rounds: tuple[Samples, ...] = ()
        stored: Mapping[str, float] = NOTHING
        if raw is not None:
            rounds = (as_samples(raw, unit, label),)
        else:
            (p50,) = as_samples([value], unit, label)
            stored = {"p50": p50}
            if kept is None:
                kept = {
                    k: _per_combo(layout.cell(row, c), count) for k, c in STORED_COLUMNS.items()
                }
            for key, column in kept.items():
                found = column[i]
                if isinstance(found, (int, float)) and math.isfinite(found) and found > 0:
                    stored[key] = float(found)
        out.append(
            make(
                name=label,
                short_name=short_labels[i],
                unit=unit,
                direction=direction,
                params=combos[i],
                rounds=rounds,
                stored=stored,
            )
        )


# what a timing without raw samples keeps of asv's statistics: the quartiles, the 99% interval
# of the median and the number of samples (``stats_repeat``) - what the compare infers from
STORED_COLUMNS = {
    "p25": "stats_q_25",
    "p75": "stats_q_75",
    "ci99_low": "stats_ci_99_a",
    "ci99_high": "stats_ci_99_b",
    "n": "stats_repeat",
}


def _per_combo(column: Any, count: int) -> Sequence[Any]:
    if isinstance(column, _ARRAYS) and len(column) == count:
        return column
    return [None] * count


def _unit(name: str, unit: object) -> str:
    """benchmarks.json's unit, else the one the name's prefix implies, else none."""
    if isinstance(unit, str) and unit:
        return _UNITS.get(unit, unit)
    short = name.rsplit(".", 1)[-1]
    for prefix, prefix_unit in _PREFIX_UNITS:
        if short.startswith(prefix):
            return prefix_unit
    return ""


def _label(name: str, combo: Sequence[str]) -> str:
    return f"{name}({', '.join(str(c) for c in combo)})" if combo else name


def _str(value: object) -> str | None:
    return None if value is None else str(value)
