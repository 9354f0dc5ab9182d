"""perfgate's pytest plugin: peak memory of every pytest-benchmark benchmark
(``pytest --perfgate-memory``), and cProfile profiles of chosen ones (``--perfgate-profile``).

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

**Profiles**: ``--perfgate-profile=OUT.json`` calls each benchmarked function
``--perfgate-profile-calls`` more times (20 by default; fewer once the profiled calls have taken
``--perfgate-profile-seconds``) under :mod:`cProfile` and writes, per
function, its calls and self and cumulative time over those calls; perfgate runs this once per
side for the benchmarks its gate flagged, after the measured rounds (with
``--benchmark-disable``: one ordinary call), and ``--perfgate-profile-only NODEID``
(repeatable) runs just those benchmarks, whatever folders the harness arguments name.

**Bytecodes**: ``--perfgate-bytecodes=OUT.json`` counts the Python bytecodes one call of each
benchmark executes in the calling thread (``sys.settrace`` opcode events; one warm-up call,
then one call and 1 + ``--perfgate-bytecodes-calls`` calls, differenced): exact for pure
Python, blind to work inside C.

Only ``benchmark(fn, ...)`` and ``benchmark.pedantic(...)`` are measured (``pedantic``'s setup
runs outside the measurement); ``benchmark.weave`` is not. This module imports only the
standard library and pytest, so it can run in an environment without perfgate.
"""

from __future__ import annotations

import cProfile
import ctypes
import gc
import hashlib
import importlib
import json
import mmap
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Union

import pytest


def _calibration_module() -> ModuleType:
    """The calibration workload's module: top-level in perfgate's rounds (this folder is on
    PYTHONPATH, perfgate is not installed), in the package where perfgate is installed."""
    try:
        return importlib.import_module("perfgate_calibration")
    except ImportError:
        return importlib.import_module("perfgate.pytest_plugin.perfgate_calibration")


_CALIBRATION_MODULE = _calibration_module()
CALIBRATION_VERSION: int = _CALIBRATION_MODULE.VERSION
calibration_seconds: Callable[..., float] = _CALIBRATION_MODULE.calibration_seconds

KEY = "perfgate_peak_memory"
BACKEND_KEY = "perfgate_memory_backend"
PROFILE_FORMAT = 1  # {"perfgate_profile": 1, "benchmarks": {nodeid: {"calls", "functions"}}}
# {"perfgate_instructions": 1, "calls": N, "benchmarks": [nodeid, ...]}: the k-th benchmark's
# callgrind dumps are labelled "perfgate-k-one" (one call) and "perfgate-k-more" (1 + N calls)
INSTRUCTIONS_FORMAT = 1

Arguments = Callable[[], tuple[Sequence[Any], Mapping[str, Any]]]
Step = Callable[[Arguments, Callable[..., Any]], None]  # what runs after pytest-benchmark's call


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
    profile = parser.getgroup("perfgate-profile", "perfgate: profiles of chosen benchmarks")
    profile.addoption(
        "--perfgate-profile",
        default=None,
        metavar="OUT.json",
        help="profile each benchmark's function with cProfile and write the stats to OUT.json",
    )
    profile.addoption(
        "--perfgate-profile-calls",
        type=int,
        default=20,
        metavar="N",
        help="profiled calls per benchmark (default 20)",
    )
    profile.addoption(
        "--perfgate-profile-seconds",
        type=float,
        default=None,
        metavar="S",
        help="stop profiling a benchmark once its profiled calls took S seconds (default: none)",
    )
    profile.addoption(
        "--perfgate-instructions",
        default=None,
        metavar="OUT.json",
        help="count each benchmark's instructions (run pytest under valgrind --tool=callgrind "
        "--collect-atstart=no); the benchmarks' order goes to OUT.json",
    )
    profile.addoption(
        "--perfgate-instructions-calls",
        type=int,
        default=5,
        metavar="N",
        help="counted calls per benchmark beyond the first (default 5)",
    )
    profile.addoption(
        "--perfgate-bytecodes",
        default=None,
        metavar="OUT.json",
        help="count the Python bytecodes one call of each benchmark runs (sys.settrace opcode "
        "events, the calling thread) into OUT.json",
    )
    profile.addoption(
        "--perfgate-bytecodes-calls",
        type=int,
        default=5,
        metavar="N",
        help="counted calls per benchmark beyond the first (default 5)",
    )
    profile.addoption(
        "--perfgate-shard",
        default=None,
        metavar="K/N",
        help="run only shard K of N (1 <= K <= N): the benchmarks whose node id's BLAKE2b "
        "hash modulo N is K-1; the same on every side and run",
    )
    profile.addoption(
        "--perfgate-shard-map",
        default=None,
        metavar="FILE",
        help="JSON {node id: shard number} that --perfgate-shard follows for the benchmarks it "
        "names (balanced by their known durations); the hash rule for the rest",
    )
    group.addoption(
        "--perfgate-only",
        action="append",
        default=[],
        metavar="NODEID",
        help="run only this benchmark (repeatable): perfgate's later rounds run only the "
        "benchmarks still undecided",
    )
    group.addoption(
        "--perfgate-calibrate",
        action="store_true",
        default=False,
        help="measure perfgate's calibration workload before and after the benchmarks and "
        "record it in --benchmark-json (machine_info.perfgate_calibration)",
    )
    group.addoption(
        "--perfgate-brief-machine-info",
        action="store_true",
        default=False,
        help="describe the machine in --benchmark-json without py-cpuinfo (perfgate's rounds)",
    )
    profile.addoption(
        "--perfgate-profile-only",
        action="append",
        default=[],
        metavar="NODEID",
        help="run (and profile) only this benchmark; repeatable",
    )


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_benchmark_generate_machine_info(config: pytest.Config) -> dict[str, Any] | None:
    """pytest-benchmark's description of the machine, less its ``cpu`` and ``processor``,
    with ``--perfgate-brief-machine-info`` (perfgate's rounds); pytest-benchmark's own
    otherwise.

    Its ``cpu`` comes from py-cpuinfo, which starts a Python process and several commands (file,
    uname, lscpu, sysctl, dmesg): about 0.15 s of every round on perfgate's 2-core test
    machine, more than the whole of some benchmarks. perfgate reads only ``node`` and
    ``python_version`` from it, and ``perfgate run`` records the machine itself. With the flag
    this answers first, so a conftest's own implementation of this hook is not asked in
    perfgate's rounds (``pytest_benchmark_update_machine_info`` still runs)."""
    if not config.getoption("perfgate_brief_machine_info"):
        return None  # the next implementation answers: pytest-benchmark's, or the user's
    return {
        "node": platform.node(),
        "machine": platform.machine(),
        "python_compiler": platform.python_compiler(),
        "python_implementation": platform.python_implementation(),
        "python_implementation_version": platform.python_version(),
        "python_version": platform.python_version(),
        "python_build": platform.python_build(),
        "release": platform.release(),
        "system": platform.system(),
        "cpu": {"count": os.cpu_count()},
    }


_CALIBRATION = pytest.StashKey[list[float]]()
CALIBRATION_KEY = "perfgate_calibration"
CALLS_BESIDE_EACH = 5  # calibration calls before each test: interleaved with the benchmarks


def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.getoption("perfgate_calibrate"):
        session.config.stash[_CALIBRATION] = [calibration_seconds()]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """With ``--perfgate-calibrate``, a short calibration before each test: the round's value
    is then the median over the whole session, interleaved with the benchmarks (one
    measurement at the start and the end once read a third off the benchmarks' own speed)."""
    found = item.config.stash.get(_CALIBRATION, None)
    if found is not None:
        found.append(calibration_seconds(CALLS_BESIDE_EACH))


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(
    config: pytest.Config, machine_info: dict[str, Any]
) -> None:
    """With ``--perfgate-calibrate``: the calibration workload's CPU time, the median of its
    measurements at the start, before each test and at the end (the machine's speed for this
    round, which budgets are scaled by), and how many there were."""
    if not config.getoption("perfgate_calibrate"):
        return
    found = [*config.stash.get(_CALIBRATION, []), calibration_seconds()]
    machine_info[CALIBRATION_KEY] = {
        "version": CALIBRATION_VERSION,
        "seconds": statistics.median(found),
        "measurements": len(found),
        "spread": [min(found), max(found)],
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = set(config.getoption("perfgate_profile_only"))
    only = set(config.getoption("perfgate_only"))
    shard = config.getoption("perfgate_shard")
    assigned = _shard_map(config.getoption("perfgate_shard_map"))
    keep = [
        item
        for item in items
        if (not wanted or item.nodeid in wanted or item.nodeid.rsplit("::", 1)[-1] in wanted)
        and (not only or item.nodeid in only)
        and (not shard or in_shard(item.nodeid, shard, assigned))
    ]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


def _shard_map(path: str | None) -> dict[str, int]:
    """The shard map perfgate wrote (empty when there is none: the hash rule for all)."""
    if not path or not Path(path).is_file():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def in_shard(nodeid: str, shard: str, assigned: Mapping[str, int] | None = None) -> bool:
    """Whether benchmark ``nodeid`` belongs to shard ``K/N``: as ``assigned`` says when it
    names it, else by hash (perfgate.shards.in_shard is the same rule)."""
    index, count = (int(part) for part in shard.split("/"))
    if assigned and nodeid in assigned:
        return assigned[nodeid] == index
    digest = hashlib.blake2b(nodeid.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count == index - 1


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    config = pyfuncitem.config
    fixture = pyfuncitem.funcargs.get("benchmark")
    steps: list[Step] = []
    if fixture is not None and config.getoption("perfgate_memory"):
        calls = max(1, int(config.getoption("perfgate_memory_calls")))
        backend = _backend(str(config.getoption("perfgate_memory_backend")))
        steps.append(_memory_step(fixture, calls, backend))
    if fixture is not None and config.getoption("perfgate_profile"):
        calls = max(1, int(config.getoption("perfgate_profile_calls")))
        seconds = config.getoption("perfgate_profile_seconds")
        steps.append(_profile_step(config, pyfuncitem.nodeid, calls, seconds))
    if fixture is not None and config.getoption("perfgate_instructions"):
        calls = max(1, int(config.getoption("perfgate_instructions_calls")))
        steps.append(_instructions_step(config, pyfuncitem.nodeid, calls))
    if fixture is not None and config.getoption("perfgate_bytecodes"):
        calls = max(1, int(config.getoption("perfgate_bytecodes_calls")))
        steps.append(_bytecodes_step(config, pyfuncitem.nodeid, calls))
    if not steps:
        return (yield)
    pyfuncitem.funcargs["benchmark"] = Probe(fixture, steps)
    try:
        return (yield)
    finally:
        pyfuncitem.funcargs["benchmark"] = fixture


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    out = config.getoption("perfgate_profile")
    found = config.stash.get(_PROFILES, None)
    if out and found is not None:
        document = {"perfgate_profile": PROFILE_FORMAT, "benchmarks": found}
        Path(out).write_text(json.dumps(document), encoding="utf-8")
    out = config.getoption("perfgate_bytecodes")
    bytecodes = config.stash.get(_BYTECODES, None)
    if out and bytecodes is not None:
        shares = config.stash.get(_SHARES, {})
        document = {"perfgate_bytecodes": BYTECODES_FORMAT, "counts": bytecodes, "shares": shares}
        Path(out).write_text(json.dumps(document), encoding="utf-8")
    out = config.getoption("perfgate_instructions")
    counted = config.stash.get(_COUNTED, None)
    if out and counted is not None:
        document = {
            "perfgate_instructions": INSTRUCTIONS_FORMAT,
            "calls": max(1, int(config.getoption("perfgate_instructions_calls"))),
            "benchmarks": counted,
        }
        Path(out).write_text(json.dumps(document), encoding="utf-8")


_PROFILES = pytest.StashKey[dict[str, Any]]()
_BYTECODES = pytest.StashKey[dict[str, float]]()
_SHARES = pytest.StashKey[dict[str, float]]()
_PER_BYTECODE = pytest.StashKey[float]()
# what sys.settrace takes: a function of (frame, event, arg) returning the frame's local tracer
TraceFunction = Callable[[FrameType, str, Any], Union["TraceFunction", None]]
# {"perfgate_bytecodes": 1, "counts": {nodeid: bytecodes per call}, "shares": {nodeid: the
# estimated share of one call's time its bytecodes explain}}
BYTECODES_FORMAT = 1
_COUNTED = pytest.StashKey[list[str]]()
_REQUEST = pytest.StashKey[Callable[..., int]]()


class Probe:
    """Stands in for the ``benchmark`` fixture: times through it, then runs each step (a
    memory measurement, a profile) on the same function and arguments."""

    def __init__(self, fixture: Any, steps: Sequence[Step]) -> None:
        object.__setattr__(self, "_fixture", fixture)
        object.__setattr__(self, "_steps", tuple(steps))

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = self._fixture(function, *args, **kwargs)
        for step in self._steps:
            step(lambda: (args, kwargs), function)
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

        for step in self._steps:
            step(arguments, target)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixture, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._fixture, name, value)


def _memory_step(fixture: Any, calls: int, backend: str) -> Step:
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


def _profile_step(
    config: pytest.Config, nodeid: str, calls: int, seconds: float | None = None
) -> Step:
    """``calls`` profiled calls, fewer if they have taken ``seconds`` (at least one call): a
    slow function says where its time goes in a few calls."""

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
        found = config.stash.setdefault(_PROFILES, {})
        found[nodeid] = {"calls": made, "functions": functions_of(profiler)}

    return profile


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("perfgate_instructions", None):  # a usage error before any test runs
        config.stash[_REQUEST] = _client_request()


def _instructions_step(config: pytest.Config, nodeid: str, calls: int) -> Step:
    request = config.stash[_REQUEST]
    counted = config.stash.setdefault(_COUNTED, [])

    def count(arguments: Arguments, function: Callable[..., Any]) -> None:
        index = len(counted)
        counted.append(nodeid)
        args, kwargs = arguments()
        function(*args, **kwargs)  # a warm-up: first-call work (imports, caches) left out
        for label, repeat in (("one", 1), ("more", 1 + calls)):
            made = [arguments() for _ in range(repeat)]  # setup outside the count
            request(_ZERO_STATS)
            request(_TOGGLE_COLLECT)
            for args, kwargs in made:
                function(*args, **kwargs)
            request(_TOGGLE_COLLECT)
            name = ctypes.create_string_buffer(f"perfgate-{index}-{label}".encode())
            request(_DUMP_STATS_AT, ctypes.addressof(name))

    return count


def _bytecodes_step(config: pytest.Config, nodeid: str, calls: int) -> Step:
    """One warm-up call, then the bytecodes of one call and of 1 + ``calls`` calls: their
    difference over ``calls`` is one call's, with set-up and the tracing's own edges gone."""
    found = config.stash.setdefault(_BYTECODES, {})

    def count(arguments: Arguments, function: Callable[..., Any]) -> None:
        args, kwargs = arguments()
        function(*args, **kwargs)  # a warm-up: first-call work (imports, caches) left out
        totals = []
        for repeat in (1, 1 + calls):
            made = [arguments() for _ in range(repeat)]  # setup outside the count

            def run(made: list[tuple[Sequence[Any], Mapping[str, Any]]] = made) -> None:
                for args, kwargs in made:
                    function(*args, **kwargs)

            totals.append(bytecodes_of(run))
        per_call = (totals[1] - totals[0]) / calls
        found[nodeid] = per_call
        seconds = []
        for _ in range(3):  # one untraced call's time, the least of three
            args, kwargs = arguments()
            began = time.perf_counter()
            function(*args, **kwargs)
            seconds.append(time.perf_counter() - began)
        shares = config.stash.setdefault(_SHARES, {})
        shares[nodeid] = per_call * _seconds_per_bytecode(config) / max(min(seconds), 1e-9)

    return count


def _reference_loop() -> int:
    total = 0
    for i in range(20_000):
        total += i % 7
    return total


def _seconds_per_bytecode(config: pytest.Config) -> float:
    """What one bytecode of plain Python costs on this machine, now: a fixed loop's least time
    of five over its bytecodes (measured once a session). A benchmark's bytecodes at this cost,
    over its own time, estimate the share of its time that the counted Python explains."""
    known = config.stash.get(_PER_BYTECODE, None)
    if known is None:
        seconds = []
        for _ in range(5):
            began = time.perf_counter()
            _reference_loop()
            seconds.append(time.perf_counter() - began)
        known = min(seconds) / max(1, bytecodes_of(_reference_loop))
        config.stash[_PER_BYTECODE] = known
    return known


def bytecodes_of(run: Callable[[], object]) -> int:
    """The bytecodes ``run`` executes in this thread (opcode trace events of every frame it
    enters; C code is not traced), with the garbage collector paused. Another tracer (a
    debugger, coverage) is put back after."""
    executed = 0

    def opcode(_frame: FrameType, event: str, _arg: object) -> TraceFunction:
        nonlocal executed
        if event == "opcode":
            executed += 1
        return opcode

    def enter(frame: FrameType, _event: str, _arg: object) -> TraceFunction:
        frame.f_trace_opcodes = True
        return opcode

    # a garbage collection during the call would run finalizers of whatever earlier code left
    # (pytest's, another benchmark's) and count their bytecodes: collected before, paused during
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        run()
    finally:
        sys.settrace(previous)
        if collecting:
            gc.enable()
    return executed


# Valgrind client requests (valgrind.h, callgrind.h) without a compiler: the amd64 "special
# instruction" preamble (rdi rotated by 128 bits: unchanged) and `xchg rbx, rbx`, with the
# request's words at [rax] and the answer in rdx, as machine code in an executable page.
_AMD64_REQUEST = bytes.fromhex(
    "4889f8"  # mov rax, rdi: the request's six words
    "31d2"  # xor edx, edx: the answer when not under valgrind (0)
    "48c1c70348c1c70d48c1c73d48c1c733"  # rol rdi, 3; 13; 61; 51
    "4887db"  # xchg rbx, rbx: the request
    "4889d0"  # mov rax, rdx
    "c3"  # ret
)
_CALLGRIND = (ord("C") << 24) | (ord("T") << 16)
_DUMP_STATS_AT, _ZERO_STATS, _TOGGLE_COLLECT = _CALLGRIND + 3, _CALLGRIND + 1, _CALLGRIND + 2
_RUNNING_ON_VALGRIND = 0x1001


_PAGES: list[mmap.mmap] = []


def is_x86_64_userland() -> bool:
    """Whether this Python is a 64-bit x86 process: the kernel's machine name alone passes a
    32-bit userland on a 64-bit kernel, which the request sequence would crash."""
    return (
        platform.machine().lower() in ("x86_64", "amd64")
        and sys.maxsize > 2**32
        and platform.architecture()[0] == "64bit"
    )


def executable_page(code: bytes) -> int:
    """The address of a page holding ``code``, never writable and executable at once (W^X):
    written while read-write, then made read-execute. One line (pytest's UsageError) where
    the kernel refuses executable memory."""
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    page.write(code)
    _PAGES.append(page)  # the code must outlive every call: kept for the process
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    if libc.mprotect(address, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
        problem = os.strerror(ctypes.get_errno())
        raise pytest.UsageError(
            f"--perfgate-instructions: this system does not let a process make a page "
            f"executable ({problem}): instructions cannot be counted here"
        )
    return address


def _client_request() -> Callable[..., int]:
    """``request(code, arg)``: one valgrind client request. UsageError where there can be
    none (not amd64, or not running under valgrind)."""
    if not is_x86_64_userland():
        raise pytest.UsageError(
            "--perfgate-instructions: valgrind client requests are built for x86-64 only "
            f"(this is {platform.machine()}, {platform.architecture()[0]} Python)"
        )
    address = executable_page(_AMD64_REQUEST)
    call = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64))(address)

    def request(code: int, argument: int = 0) -> int:
        words = (ctypes.c_uint64 * 6)(code, argument, 0, 0, 0, 0)
        return int(call(words))

    if not request(_RUNNING_ON_VALGRIND):
        raise pytest.UsageError(
            "--perfgate-instructions: run pytest under valgrind --tool=callgrind "
            "--collect-atstart=no (perfgate run does, with metrics: [time, instructions])"
        )
    return request


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
