"""Where a flagged benchmark's time went: base and head profiles of the same benchmark, as
per-function differences per benchmark call (pure: the profiles are read, not made, here).

The profiles come from perfgate's pytest plugin (:mod:`perfgate_profile`): per benchmark, the
functions cProfile saw over ``calls`` calls of the benchmarked function, with their call count,
self time and cumulative time. Functions are matched across the sides by file and name (line
numbers move between commits); head's line is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.errors import InputError
from perfgate.formats._json import read_json
from perfgate.report.model import FunctionChange, Profile

PLUGIN_FORMAT = 1


@dataclass(frozen=True, kw_only=True)
class FunctionStats:
    line: int
    calls: int
    self_time: float  # seconds over all profiled calls
    cumulative: float


@dataclass(frozen=True, kw_only=True)
class BenchmarkProfile:
    calls: int  # profiled calls of the benchmarked function
    functions: Mapping[tuple[str, str], FunctionStats]  # (file, name) -> stats


def read_profiles(path: Path) -> dict[str, BenchmarkProfile]:
    """The plugin's file: benchmark node id -> its profile. InputError when unreadable."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("perfgate_profile") != PLUGIN_FORMAT:
        raise InputError(str(path), f"not a perfgate profile (format {PLUGIN_FORMAT})")
    found: dict[str, BenchmarkProfile] = {}
    try:
        for nodeid, entry in data["benchmarks"].items():
            found[str(nodeid)] = _benchmark(entry)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(str(path), f"not a valid perfgate profile: {exc}") from None
    return found


def _benchmark(entry: Mapping[str, Any]) -> BenchmarkProfile:
    functions: dict[tuple[str, str], FunctionStats] = {}
    for item in entry["functions"]:
        key = (str(item["file"]), str(item["name"]))
        old = functions.get(key)
        stats = FunctionStats(
            line=int(item["line"]),
            calls=int(item["calls"]),
            self_time=float(item["self"]),
            cumulative=float(item["cumulative"]),
        )
        if old is not None:  # two functions of one name in a file (methods of two classes)
            stats = FunctionStats(
                line=min(old.line, stats.line),
                calls=old.calls + stats.calls,
                self_time=old.self_time + stats.self_time,
                cumulative=old.cumulative + stats.cumulative,
            )
        functions[key] = stats
    calls = int(entry["calls"])
    if calls < 1:
        raise ValueError("calls must be at least 1")
    return BenchmarkProfile(calls=calls, functions=functions)


def diff(base: BenchmarkProfile, head: BenchmarkProfile, top: int = 10) -> Profile:
    """The ``top`` functions by self time added per benchmark call (head minus base), then by
    the change in calls; a function only one side called has None on the other."""
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
            )
        )
    changes.sort(key=lambda f: (-f.added, -abs((f.calls_head or 0) - (f.calls_base or 0))))
    return Profile(functions=tuple(changes[:top]), calls=min(base.calls, head.calls))
