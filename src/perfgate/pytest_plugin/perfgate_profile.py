"""A cProfile of chosen pytest-benchmark benchmarks: ``pytest --perfgate-profile=OUT.json``.

perfgate runs this in one extra round per side for the benchmarks the gate flagged, after the
measured rounds (so profiling never slows a timed call). For each selected benchmark the
plugin lets pytest-benchmark call the function as usual (perfgate passes
``--benchmark-disable``: one call), then calls it ``--perfgate-profile-calls`` more times under
:mod:`cProfile` and writes, per function, its calls and its self and cumulative time summed
over those calls. perfgate divides by the number of calls, so base and head compare per
benchmark call, and makes the file names relative (to the project, or to site-packages).

``--perfgate-profile-only NODEID`` (repeatable) runs just those benchmarks: the others are
deselected, whatever folders the harness arguments name. This module imports only the
standard library and pytest, so it runs in an environment without perfgate.
"""

from __future__ import annotations

import cProfile
import json
import pstats
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

FORMAT_VERSION = 1  # {"perfgate_profile": 1, "benchmarks": {nodeid: {"calls", "functions"}}}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfgate-profile", "perfgate: profile of flagged benchmarks")
    group.addoption(
        "--perfgate-profile",
        default=None,
        metavar="OUT.json",
        help="profile each benchmark's function with cProfile and write the stats to OUT.json",
    )
    group.addoption(
        "--perfgate-profile-calls",
        type=int,
        default=20,
        metavar="N",
        help="profiled calls per benchmark (default 20)",
    )
    group.addoption(
        "--perfgate-profile-only",
        action="append",
        default=[],
        metavar="NODEID",
        help="profile (and run) only this benchmark; repeatable",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = set(config.getoption("perfgate_profile_only"))
    if not wanted:
        return
    keep = [item for item in items if item.nodeid in wanted]
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    config = pyfuncitem.config
    fixture = pyfuncitem.funcargs.get("benchmark")
    out = config.getoption("perfgate_profile")
    if fixture is None or not out:
        return (yield)
    calls = max(1, int(config.getoption("perfgate_profile_calls")))
    probe = ProfileProbe(fixture, calls)
    pyfuncitem.funcargs["benchmark"] = probe
    try:
        return (yield)
    finally:
        pyfuncitem.funcargs["benchmark"] = fixture
        if probe.functions is not None:
            _store(config, pyfuncitem.nodeid, calls, probe.functions)


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = session.config.getoption("perfgate_profile")
    found = session.config.stash.get(_RESULTS, None)
    if not out or found is None:
        return
    document = {"perfgate_profile": FORMAT_VERSION, "benchmarks": found}
    Path(out).write_text(json.dumps(document), encoding="utf-8")


_RESULTS = pytest.StashKey[dict[str, Any]]()


def _store(config: pytest.Config, nodeid: str, calls: int, functions: list[dict[str, Any]]) -> None:
    results = config.stash.setdefault(_RESULTS, {})
    results[nodeid] = {"calls": calls, "functions": functions}


class ProfileProbe:
    """Stands in for the ``benchmark`` fixture: calls through it, then profiles."""

    def __init__(self, fixture: Any, calls: int) -> None:
        object.__setattr__(self, "_fixture", fixture)
        object.__setattr__(self, "_calls", calls)
        object.__setattr__(self, "functions", None)

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = self._fixture(function, *args, **kwargs)
        self._profile(lambda: (args, kwargs), function)
        return result

    def pedantic(
        self,
        target: Callable[..., Any],
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        **options: Any,
    ) -> Any:
        result = self._fixture.pedantic(target, args=args, kwargs=kwargs, setup=setup, **options)

        def arguments() -> tuple[Sequence[Any], Mapping[str, Any]]:
            made = setup() if setup is not None else None
            return made if made is not None else (args, kwargs or {})

        self._profile(arguments, target)
        return result

    def _profile(
        self,
        arguments: Callable[[], tuple[Sequence[Any], Mapping[str, Any]]],
        function: Callable[..., Any],
    ) -> None:
        profile = cProfile.Profile()
        for _ in range(self._calls):
            args, kwargs = arguments()  # setup outside the profile
            profile.enable()
            try:
                function(*args, **kwargs)
            finally:
                profile.disable()
        object.__setattr__(self, "functions", functions_of(profile))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixture, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._fixture, name, value)


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
