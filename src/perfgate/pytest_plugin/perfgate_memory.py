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

**memray**, where it is installed in the benchmark's environment (``--perfgate-memory-backend``
``auto``, the default; or ``memray`` to insist), measures instead: each measuring call runs
under a ``memray.Tracker`` and its peak is memray's, which sees every ``malloc`` of C extensions
too (an in-memory SQLite database, a C library's buffers) - the truth tracemalloc cannot tell.
``extra_info["perfgate_memory_backend"]`` says which one measured, and perfgate's report says
it too.

Only ``benchmark(fn, ...)`` and ``benchmark.pedantic(...)`` are measured (``pedantic``'s setup
runs outside the measurement); ``benchmark.weave`` is not. This module imports only the
standard library and pytest, so it can run in an environment without perfgate.
"""

from __future__ import annotations

import tempfile
import tracemalloc
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

KEY = "perfgate_peak_memory"
BACKEND_KEY = "perfgate_memory_backend"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfgate", "perfgate: peak memory per benchmark")
    group.addoption(
        "--perfgate-memory",
        action="store_true",
        default=False,
        help="record each benchmark's peak traced memory (tracemalloc) for perfgate",
    )
    group.addoption(
        "--perfgate-memory-backend",
        choices=("auto", "memray", "tracemalloc"),
        default="auto",
        help="auto (default): memray when it is installed, else tracemalloc",
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
    backend = _backend(str(config.getoption("perfgate_memory_backend")))
    pyfuncitem.funcargs["benchmark"] = MemoryProbe(fixture, calls, backend)
    try:
        return (yield)
    finally:
        pyfuncitem.funcargs["benchmark"] = fixture


class MemoryProbe:
    """Stands in for the ``benchmark`` fixture: times through it, then measures memory."""

    def __init__(self, fixture: Any, calls: int, backend: str = "tracemalloc") -> None:
        object.__setattr__(self, "_fixture", fixture)
        object.__setattr__(self, "_calls", calls)
        object.__setattr__(self, "_backend", backend)

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
        peaks: list[int] = []
        if self._backend == "memray":
            for _ in range(self._calls):
                args, kwargs = arguments()
                peaks.append(memray_peak_of(function, args, kwargs))
        else:
            tracing = tracemalloc.is_tracing()
            if not tracing:
                tracemalloc.start()
            try:
                for _ in range(self._calls):
                    args, kwargs = arguments()
                    peaks.append(peak_of(function, args, kwargs))
            finally:
                if not tracing:
                    tracemalloc.stop()
        self._fixture.extra_info[KEY] = peaks
        self._fixture.extra_info[BACKEND_KEY] = self._backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixture, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._fixture, name, value)


def _backend(asked: str) -> str:
    if asked == "tracemalloc":
        return asked
    try:
        import memray  # noqa: F401, PLC0415  # only where the environment has it
    except ImportError:
        if asked == "memray":
            raise pytest.UsageError(
                "--perfgate-memory-backend memray: memray is not installed here"
            ) from None
        return "tracemalloc"
    return "memray"


def memray_peak_of(
    function: Callable[..., object], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> int:
    """The call's peak heap in bytes as memray sees it: every allocator, C extensions' too."""
    import memray  # noqa: PLC0415  # checked by _backend

    with tempfile.TemporaryDirectory(prefix="perfgate-memray-") as folder:
        capture = Path(folder) / "call.bin"
        with memray.Tracker(capture, native_traces=False, follow_fork=False):
            result = function(*args, **kwargs)
            del result
        return int(memray.FileReader(capture).metadata.peak_memory)


def peak_of(function: Callable[..., object], args: Sequence[Any], kwargs: Mapping[str, Any]) -> int:
    """Bytes allocated at the call's peak, above the traced level before it (tracing on)."""
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    result = function(*args, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    del result
    return max(0, peak - before)
