"""cProfile profiles of chosen benchmarks, a feature of perfgate's pytest plugin
(perfgate_plugin).

**Profiles**: ``--perfgate-profile=OUT.json`` calls each benchmarked function
``--perfgate-profile-calls`` more times (20 by default; fewer once the profiled calls have taken
``--perfgate-profile-seconds``) under :mod:`cProfile` and writes, per
function, its calls and self and cumulative time over those calls; perfgate runs this once per
side for the benchmarks its gate flagged, after the measured rounds (with
``--benchmark-disable``: one ordinary call), and ``--perfgate-profile-only NODEID``
(repeatable) runs just those benchmarks, whatever folders the harness arguments name.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from perfgate.pytest_plugin.perfgate_steps import Arguments, Step

PROFILE_FORMAT = 1  # {"perfgate_profile": 1, "benchmarks": {nodeid: {"calls", "functions"}}}
_PROFILES = pytest.StashKey[dict[str, Any]]()


def profile_step(
    config: pytest.Config,
    nodeid: str,
    calls: int,
    seconds: float | None = None,
    *,
    bytecodes: Callable[[Callable[[], object]], dict[tuple[str, int, str], int]] | None = None,
) -> Step:
    """``calls`` profiled calls, fewer if they have taken ``seconds`` (at least one call): a
    slow function says where its time goes in a few calls. ``bytecodes`` (the counter of
    ``perfgate_counts``): then one more call whose bytecodes it counts per function (exact, so
    one call is enough), put beside each function's times."""

    def profile(arguments: Arguments, function: Callable[..., Any]) -> None:
        profiler = cProfile.Profile()
        spent, made = 0.0, 0
        while made < calls and (seconds is None or made == 0 or spent < seconds):
            args, kwargs = arguments()  # setup outside the profile
            start = time.perf_counter()
            profiler.enable()
            try:
                function(*args, **kwargs)
            finally:
                profiler.disable()
                spent += time.perf_counter() - start
            made += 1
        functions = functions_of(profiler)
        if bytecodes is not None:
            args, kwargs = arguments()
            counted = bytecodes(lambda: function(*args, **kwargs))
            for item in functions:
                if item["file"] != "~":  # cProfile's built-ins: C, no bytecodes to count
                    item["bytecodes"] = counted.pop((item["file"], item["line"], item["name"]), 0)
            functions += [  # run but not seen by cProfile (none expected): counts kept anyway
                {"file": file, "line": line, "name": name, "calls": 0, "self": 0.0,
                 "cumulative": 0.0, "bytecodes": count}
                for (file, line, name), count in counted.items()
            ]  # fmt: skip
        found = config.stash.setdefault(_PROFILES, {})
        found[nodeid] = {"calls": made, "functions": functions}

    return profile


def functions_of(profile: cProfile.Profile) -> list[dict[str, Any]]:
    """Per function: its file (as Python knows it; perfgate makes it relative), line, name,
    calls, self time and cumulative time in seconds, over all profiled calls."""
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = pstats.Stats(
        profile
    ).stats  # type: ignore[attr-defined]  # pstats keeps its table in an untyped attribute
    return [
        {"file": file, "line": line, "name": name, "calls": calls, "self": own, "cumulative": cum}
        for (file, line, name), (_primitive, calls, own, cum, _callers) in stats.items()
        if "_lsprof.Profiler" not in name  # the profiler's own disable()
    ]


def write_profiles(config: pytest.Config) -> None:
    """The profiles of this session to ``--perfgate-profile``'s file, if any were made."""
    out = config.getoption("perfgate_profile")
    found = config.stash.get(_PROFILES, None)
    if out and found is not None:
        document = {"perfgate_profile": PROFILE_FORMAT, "benchmarks": found}
        Path(out).write_text(json.dumps(document), encoding="utf-8")
