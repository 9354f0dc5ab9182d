"""Peak memory of every pytest-benchmark benchmark (``pytest --perfgate-memory``), a feature
of perfgate's pytest plugin (perfgate_plugin).

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
runs outside the measurement); ``benchmark.weave`` is not.
"""

from __future__ import annotations

import tempfile
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfgate.pytest_plugin.perfgate_steps import Arguments, Step

KEY = "perfgate_peak_memory"  # extra_info: the peak of each measuring call, in bytes
BACKEND_KEY = "perfgate_memory_backend"  # extra_info: memray or tracemalloc


def memory_step(fixture: Any, calls: int, backend: str) -> Step:
    def measure(arguments: Arguments, function: Callable[..., Any]) -> None:
        peaks: list[int] = []
        if backend == "memray":
            for _ in range(calls):
                args, kwargs = arguments()
                peaks.append(memray_peak_of(function, args, kwargs))
        else:
            tracing = tracemalloc.is_tracing()
            if not tracing:
                tracemalloc.start()
            try:
                for _ in range(calls):
                    args, kwargs = arguments()
                    peaks.append(peak_of(function, args, kwargs))
            finally:
                if not tracing:
                    tracemalloc.stop()
        fixture.extra_info[KEY] = peaks
        fixture.extra_info[BACKEND_KEY] = backend

    return measure


def backend(asked: str) -> str:
    if asked == "tracemalloc":
        return asked
    try:
        import memray  # noqa: F401, PLC0415  # only where the environment has it
    except ImportError:
        if asked == "memray":
            import pytest  # noqa: PLC0415  # perfgate's reader imports this module's keys

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
