"""Peak memory of every pytest-benchmark benchmark: ``pytest --perfgate-memory``.

After pytest-benchmark has timed a benchmark, the plugin calls the benchmarked function a few
more times (``--perfgate-memory-calls``, 3 by default) with :mod:`tracemalloc` tracing, and
stores the peak of each call, in bytes above the level before the call, in the benchmark's
``extra_info["perfgate_peak_memory"]``. perfgate's reader turns that into a second benchmark,
``NAME (peak memory)``, in bytes, which budgets (``500MB``) and comparisons treat like any other.

Why tracemalloc and not RSS: the process's peak RSS only ever grows, so in a process that runs
many benchmarks it says nothing about the later ones, and RSS moves in pages and arenas that
the allocator keeps. tracemalloc counts every block the call allocates through Python's
allocators (objects, ``bytes``, ``list`` storage, and numpy arrays, which numpy reports to
tracemalloc), exactly, at any point in a run. What it does not see: memory a C extension takes
with plain ``malloc`` or ``mmap`` without telling tracemalloc, and the allocator's own overhead.
The measuring calls run after the timing, so tracing never slows the timed calls.

Only ``benchmark(fn, ...)`` and ``benchmark.pedantic(...)`` are measured (``pedantic``'s setup
runs outside the measurement); ``benchmark.weave`` is not. This module imports only the
standard library and pytest, so it can run in an environment without perfgate.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import pytest

KEY = "perfgate_peak_memory"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfgate", "perfgate: peak memory per benchmark")
    group.addoption(
        "--perfgate-memory",
        action="store_true",
        default=False,
        help="record each benchmark's peak traced memory (tracemalloc) for perfgate",
    )
    group.addoption(
        "--perfgate-memory-calls",
        type=int,
        default=3,
        metavar="N",
        help="measuring calls per benchmark after the timing (default 3)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    config = pyfuncitem.config
    fixture = pyfuncitem.funcargs.get("benchmark")
    if fixture is None or not config.getoption("perfgate_memory"):
        return (yield)
    calls = max(1, int(config.getoption("perfgate_memory_calls")))
    pyfuncitem.funcargs["benchmark"] = MemoryProbe(fixture, calls)
    try:
        return (yield)
    finally:
        pyfuncitem.funcargs["benchmark"] = fixture


class MemoryProbe:
    """Stands in for the ``benchmark`` fixture: times through it, then measures memory."""

    def __init__(self, fixture: Any, calls: int) -> None:
        object.__setattr__(self, "_fixture", fixture)
        object.__setattr__(self, "_calls", calls)

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = self._fixture(function, *args, **kwargs)
        self._record(lambda: (args, kwargs), function)
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

        self._record(arguments, target)
        return result

    def _record(
        self,
        arguments: Callable[[], tuple[Sequence[Any], Mapping[str, Any]]],
        function: Callable[..., Any],
    ) -> None:
        tracing = tracemalloc.is_tracing()
        if not tracing:
            tracemalloc.start()
        peaks: list[int] = []
        try:
            for _ in range(self._calls):
                args, kwargs = arguments()
                peaks.append(peak_of(function, args, kwargs))
        finally:
            if not tracing:
                tracemalloc.stop()
        self._fixture.extra_info[KEY] = peaks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixture, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._fixture, name, value)


def peak_of(function: Callable[..., object], args: Sequence[Any], kwargs: Mapping[str, Any]) -> int:
    """Bytes allocated at the call's peak, above the traced level before it (tracing on)."""
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    result = function(*args, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    del result
    return max(0, peak - before)
