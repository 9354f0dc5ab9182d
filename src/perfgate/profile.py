"""Where a flagged benchmark's time went: base and head profiles of the same benchmark, as
per-function differences per benchmark call (pure: the profiles are read, not made, here).

The profiles come from perfgate's pytest plugin (:mod:`perfgate_profiles`): per benchmark, the
functions cProfile saw over ``calls`` calls of the benchmarked function, with their call count,
self time and cumulative time. Functions are matched across the sides by file and name (line
numbers move between commits); head's line is shown.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.errors import InputError
from perfgate.formats.json_reader import read_json
from perfgate.report.model import FunctionChange, Profile

PLUGIN_FORMAT = 1


@dataclass(frozen=True, kw_only=True)
class FunctionStats:
    line: int
    calls: int
    self_time: float  # seconds over all profiled calls
    cumulative: float
    bytecodes: int | None = None  # its bytecodes in one call, when counted (exact)


@dataclass(frozen=True, kw_only=True)
class BenchmarkProfile:
    calls: int  # profiled calls of the benchmarked function
    functions: Mapping[tuple[str, str], FunctionStats]  # (file, name) -> stats


def read_profiles(path: Path, root: Path) -> dict[str, BenchmarkProfile]:
    """The plugin's file: benchmark node id -> its profile, file names relative to ``root``
    (where the suite ran) or to site-packages. InputError when unreadable."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("perfgate_profile") != PLUGIN_FORMAT:
        raise InputError(str(path), f"not a perfgate profile (format {PLUGIN_FORMAT})")
    found: dict[str, BenchmarkProfile] = {}
    try:
        for nodeid, entry in data["benchmarks"].items():
            found[str(nodeid)] = benchmark_profile(entry, root)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(str(path), f"not a valid perfgate profile: {exc}") from None
    return found


def pstats_functions(stats: Mapping[tuple[str, int, str], Any]) -> list[dict[str, Any]]:
    """A :mod:`pstats` table (``Stats.stats``: as asv stores a profile) in the plugin's form."""
    return [
        {"file": file, "line": line, "name": name, "calls": calls, "self": own, "cumulative": cum}
        for (file, line, name), (_primitive, calls, own, cum, _callers) in stats.items()
        if "_lsprof.Profiler" not in name  # the profiler's own disable()
    ]


def where(filename: str, root: Path) -> str:
    """A function's file as reports show it: relative to ``root`` (the project), or to
    site-packages (an installed package, the same on both sides); built-ins as they are."""
    if filename == "~" or filename.startswith("<"):
        return filename
    marker = f"{os.sep}site-packages{os.sep}"
    if marker in filename:
        return filename.split(marker, 1)[1]
    try:
        relative = os.path.relpath(filename, root)
    except ValueError:  # another drive (Windows)
        return filename
    return filename if relative.startswith("..") else relative


def from_pstats(data: bytes, root: Path) -> BenchmarkProfile:
    """asv's profile of one run of a benchmark (a marshalled pstats table, made by asv in the
    side's own run of the suite, never read from elsewhere)."""
    stats = marshal.loads(data)  # noqa: S302 - written by this run's asv, not by a user
    if not isinstance(stats, dict):
        raise ValueError("not a pstats table")
    return benchmark_profile({"calls": 1, "functions": pstats_functions(stats)}, root)


def benchmark_profile(entry: Mapping[str, Any], root: Path) -> BenchmarkProfile:
    """One benchmark's profile from the plugin's form (``calls`` and ``functions``)."""
    functions: dict[tuple[str, str], FunctionStats] = {}
    for item in entry["functions"]:
        key = (where(str(item["file"]), root), str(item["name"]))
        old = functions.get(key)
        counted = item.get("bytecodes")
        stats = FunctionStats(
            line=int(item["line"]),
            calls=int(item["calls"]),
            self_time=float(item["self"]),
            cumulative=float(item["cumulative"]),
            bytecodes=None if counted is None else int(counted),
        )
        if old is not None:  # two functions of one name in a file (methods of two classes)
            both = [b for b in (old.bytecodes, stats.bytecodes) if b is not None]
            stats = FunctionStats(
                line=min(old.line, stats.line),
                calls=old.calls + stats.calls,
                self_time=old.self_time + stats.self_time,
                cumulative=old.cumulative + stats.cumulative,
                bytecodes=sum(both) if both else None,
            )
        functions[key] = stats
    calls = int(entry["calls"])
    if calls < 1:
        raise ValueError("calls must be at least 1")
    return BenchmarkProfile(calls=calls, functions=functions)


def diff(base: BenchmarkProfile, head: BenchmarkProfile, top: int = 10) -> Profile:
    """The ``top`` functions: those whose bytecodes per call changed first, most changed first
    (counts are exact: the change itself), then by self time added per benchmark call (head
    minus base), then by the change in calls; a function only one side called has None on the
    other."""
    changes = []
    for key in sorted(set(base.functions) | set(head.functions)):
        old, new = base.functions.get(key), head.functions.get(key)
        file, name = key
        line = new.line if new is not None else old.line if old is not None else 0
        changes.append(
            FunctionChange(
                function=f"{name} ({file}:{line})" if line else f"{name} ({file})",
                base=None if old is None else old.self_time / base.calls,
                head=None if new is None else new.self_time / head.calls,
                calls_base=None if old is None else old.calls / base.calls,
                calls_head=None if new is None else new.calls / head.calls,
                cumulative_base=None if old is None else old.cumulative / base.calls,
                cumulative_head=None if new is None else new.cumulative / head.calls,
                bytecodes_base=None if old is None else old.bytecodes,
                bytecodes_head=None if new is None else new.bytecodes,
            )
        )
    changes.sort(
        key=lambda f: (
            -f.bytecodes_added,
            -f.added,
            -abs((f.calls_head or 0) - (f.calls_base or 0)),
        )
    )
    return Profile(functions=tuple(changes[:top]), calls=min(base.calls, head.calls))
