"""perfgate's pytest plugin: what ``perfgate run`` asks of a pytest-benchmark process beyond
pytest-benchmark's timing. Its options and hooks are here; each measurement is a module of
this folder:

- ``perfgate_memory``: peak memory of every benchmark (``--perfgate-memory``);
- ``perfgate_profiles``: cProfile profiles of chosen benchmarks (``--perfgate-profile``);
- ``perfgate_counts``: instruction counts under callgrind (``--perfgate-instructions``) and
  bytecode counts (``--perfgate-bytecodes``);
- ``perfgate_calibration``: the calibration workload's time (``--perfgate-calibrate``);
- ``perfgate_shards``: which benchmarks a shard runs (``--perfgate-shard``);
- ``perfgate_steps``: the stand-in ``benchmark`` fixture that runs those measurements after
  the timing.

Here too: the rounds' selection (``--perfgate-only``, ``--perfgate-profile-only``) and a brief
machine description (``--perfgate-brief-machine-info``). Separate plugins of the folder:
``perfgate_timers`` (timers for ``--benchmark-timer``) and ``perfgate_reach`` (the reach map).

Every module of this folder imports only the standard library and pytest, never perfgate:
``perfgate run`` puts the folder on the benchmark process's ``PYTHONPATH`` and loads this one
with ``-p perfgate_plugin``, so a side's environment needs no perfgate; the siblings are then
top-level modules. Where perfgate is installed, the ``pytest11`` entry point loads it from the
package, and the siblings come from the package too.
"""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import sys
from collections.abc import Generator
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import pytest


def _sibling(name: str) -> ModuleType:
    """A module of this folder: from the package when this one was imported from it, else the
    top-level module of that name (the folder is on ``sys.path``)."""
    return importlib.import_module(f"{__package__}.{name}" if __package__ else name)


if TYPE_CHECKING:
    from perfgate.pytest_plugin import perfgate_calibration as calibration
    from perfgate.pytest_plugin import perfgate_counts as counts
    from perfgate.pytest_plugin import perfgate_memory as memory
    from perfgate.pytest_plugin import perfgate_profiles as profiles
    from perfgate.pytest_plugin import perfgate_shards as shards
    from perfgate.pytest_plugin import perfgate_steps as steps_module
else:
    calibration = _sibling("perfgate_calibration")
    counts = _sibling("perfgate_counts")
    memory = _sibling("perfgate_memory")
    profiles = _sibling("perfgate_profiles")
    shards = _sibling("perfgate_shards")
    steps_module = _sibling("perfgate_steps")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfgate", "perfgate: what perfgate run measures and selects")
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
        "--perfgate-profile-bytecodes",
        action="store_true",
        default=False,
        help="with --perfgate-profile: also count each function's Python bytecodes in one call",
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
        session.config.stash[_CALIBRATION] = [calibration.calibration_seconds()]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """With ``--perfgate-calibrate``, a short calibration before each test: the round's value
    is then the median over the whole session, interleaved with the benchmarks (one
    measurement at the start and the end once read a third off the benchmarks' own speed)."""
    found = item.config.stash.get(_CALIBRATION, None)
    if found is not None:
        found.append(calibration.calibration_seconds(CALLS_BESIDE_EACH))


def _calibrated_timer(config: pytest.Config) -> calibration.Calibrated | None:
    """The run's timer when it is an interleaved calibration's (``--benchmark-timer=
    perfgate_calibration.NAME``), else None."""
    # the option is the timer's dotted name, which pytest-benchmark imports: the same object
    # here (where perfgate is installed, this plugin may be the package's module while the
    # timer's is perfgate run's folder's)
    module, _, name = str(config.getoption("benchmark_timer", "")).rpartition(".")
    found = getattr(sys.modules.get(module), name, None)
    if type(found).__name__ != calibration.Calibrated.__name__:
        return None
    return cast("calibration.Calibrated", found)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """With an interleaved calibration's timer: the calibration beside each sample of the
    test's benchmark, in its ``extra_info`` (``perfgate_calibration_samples``, one value a
    sample)."""
    timer = _calibrated_timer(item.config)
    if timer is None:
        return (yield)
    timer.reset()
    try:
        return (yield)
    finally:
        fixture = getattr(item, "funcargs", {}).get("benchmark")
        measured = getattr(fixture, "stats", None)  # pytest-benchmark's Metadata, once run
        samples = getattr(getattr(measured, "stats", None), "data", None)
        if fixture is not None and measured is not None and samples:
            found = calibration.per_sample(timer, samples, int(measured.iterations))
            if found is not None:
                fixture.extra_info[calibration.SAMPLES_KEY] = found


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(
    config: pytest.Config, machine_info: dict[str, Any]
) -> None:
    """With ``--perfgate-calibrate``: the calibration workload's CPU time, the median of its
    measurements at the start, before each test and at the end (the machine's speed for this
    round, which budgets are scaled by), and how many there were. In lockstep, the turns this
    side took (``perfgate_turns``)."""
    timer = _calibrated_timer(config)
    # the turns of the timer's module (where perfgate is installed, this plugin's sibling may
    # be another copy of it)
    turns = getattr(sys.modules.get(type(timer).__module__), "TURNS", None) if timer else None
    if getattr(turns, "given", False):
        machine_info[calibration.TURNS_KEY] = getattr(turns, "taken", 0)
    if not config.getoption("perfgate_calibrate"):
        return
    found = [*config.stash.get(_CALIBRATION, []), calibration.calibration_seconds()]
    machine_info[CALIBRATION_KEY] = {
        "version": calibration.VERSION,
        "seconds": statistics.median(found),
        "measurements": len(found),
        "spread": [min(found), max(found)],
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = set(config.getoption("perfgate_profile_only"))
    only = set(config.getoption("perfgate_only"))
    shard = config.getoption("perfgate_shard")
    assigned = shards.shard_map(config.getoption("perfgate_shard_map"))
    keep = [
        item
        for item in items
        if (not wanted or item.nodeid in wanted or item.nodeid.rsplit("::", 1)[-1] in wanted)
        and (not only or item.nodeid in only)
        and (not shard or shards.in_shard(item.nodeid, shard, assigned))
    ]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    config = pyfuncitem.config
    fixture = pyfuncitem.funcargs.get("benchmark")
    steps: list[steps_module.Step] = []
    if fixture is not None and config.getoption("perfgate_memory"):
        calls = max(1, int(config.getoption("perfgate_memory_calls")))
        backend = memory.backend(str(config.getoption("perfgate_memory_backend")))
        steps.append(memory.memory_step(fixture, calls, backend))
    if fixture is not None and config.getoption("perfgate_profile"):
        calls = max(1, int(config.getoption("perfgate_profile_calls")))
        seconds = config.getoption("perfgate_profile_seconds")
        by_function = (
            counts.bytecodes_by_function if config.getoption("perfgate_profile_bytecodes") else None
        )
        steps.append(
            profiles.profile_step(config, pyfuncitem.nodeid, calls, seconds, bytecodes=by_function)
        )
    if fixture is not None and config.getoption("perfgate_instructions"):
        calls = max(1, int(config.getoption("perfgate_instructions_calls")))
        steps.append(counts.instructions_step(config, pyfuncitem.nodeid, calls))
    if fixture is not None and config.getoption("perfgate_bytecodes"):
        calls = max(1, int(config.getoption("perfgate_bytecodes_calls")))
        steps.append(counts.bytecodes_step(config, pyfuncitem.nodeid, calls))
    if not steps:
        return (yield)
    pyfuncitem.funcargs["benchmark"] = steps_module.Probe(fixture, steps)
    try:
        return (yield)
    finally:
        pyfuncitem.funcargs["benchmark"] = fixture


def pytest_configure(config: pytest.Config) -> None:
    counts.prepare_instructions(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    profiles.write_profiles(session.config)
    counts.write_counts(session.config)
