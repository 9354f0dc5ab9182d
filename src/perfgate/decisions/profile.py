"""Where a flagged benchmark's time went: base and head profiles of the same benchmark, as
per-function differences per benchmark call (pure: :mod:`perfgate.formats.profiles` reads
the profiles).

The profiles come from perfgate's pytest plugin (:mod:`perfgate_profiles`): per benchmark, the
functions cProfile saw over ``calls`` calls of the benchmarked function, with their call count,
self time and cumulative time. Functions are matched across the sides by file and name (line
numbers move between commits); head's line is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from perfgate.report.model import FunctionChange, Profile


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
