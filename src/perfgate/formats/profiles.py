"""Reading profiles: the pytest plugin's profile file (:mod:`perfgate_profiles`) and asv's
marshalled pstats tables, as :class:`~perfgate.decisions.profile.BenchmarkProfile` for the
profile diff."""

from __future__ import annotations

import marshal
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from perfgate.decisions.profile import BenchmarkProfile, FunctionStats
from perfgate.errors import InputError
from perfgate.formats.json_reader import read_json

PLUGIN_FORMAT = 1


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
