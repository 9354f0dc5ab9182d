"""perfgate's reach map: which Python functions each benchmark runs
(``pytest -p perfgate_reach --perfgate-reach=OUT.json``, with ``--benchmark-disable``).

A profile hook (:func:`sys.setprofile`, and :func:`threading.setprofile` for threads started
later) records every Python function called, by its code's file and first line, under the
benchmark whose test call is running, or under "outside" for everything else: imports at
collection, fixtures, setup and teardown. perfgate intersects the map with the functions a
change touches (``perfgate.decisions.reach.affected``) and measures only the benchmarks that
run one.

What the hook cannot see is marked so that perfgate measures it anyway: a benchmark that starts
a process that may run Python (``fork``, ``posix_spawn``, ``system``, ``exec*``, and
``subprocess`` unless it runs a program that is neither a Python interpreter nor a Python
script: ``uname``, ``git`` and ``file`` run by the standard library or a tool are no work of the
project's),
or that begins while a child process is alive (a pool a fixture made), is *opaque*: the work
it hands to another process is invisible here. A process started outside the benchmarks that
may still be alive where that cannot be told (no ``/proc/self/task/*/children``: macOS,
Windows) makes every benchmark opaque; on Linux a finished one (pytest-benchmark runs ``file``
at its start) does not.

This module imports only the standard library and pytest, so it runs in an environment
without perfgate. The file it writes::

    {"perfgate_reach": 2, "files": [PATH, ...],
     "benchmarks": {NODEID: [[FILE_INDEX, FIRST_LINE], ...]},
     "outside": [[FILE_INDEX, FIRST_LINE], ...],
     "opaque": [NODEID, ...], "spawned_outside": false,
     "seconds": {NODEID: SECONDS},  (each test call's time under the hook: what is cheap)
     "complete": true}  (false: the hook was replaced or failed; the map is not to be used)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Generator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

VERSION = 2  # 2: a module's own code recorded at line 0 (perfgate.decisions.reach.REACH_FORMAT)
# C functions that start another process (their __name__): the work they hand over is not seen
SPAWNS = frozenset({
    "fork", "forkpty", "fork_exec", "posix_spawn", "posix_spawnp", "system",
    "execv", "execve", "execvp", "execvpe", "spawnv", "spawnve", "startfile",
})  # fmt: skip

Key = tuple[str, int]


class Recorder:
    """The profile hook: functions called, by benchmark (None: outside any benchmark)."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.seen: dict[str | None, set[Key]] = {None: set()}
        self.opaque: set[str] = set()
        self.spawned_outside = False  # a process outside the benchmarks, perhaps still alive
        self.spawned_before = False  # a process started outside, before the benchmark now
        self.seconds: dict[str, float] = {}
        self.harmless: set[int] = set()  # threads about to start a program that is no Python
        self.complete = False  # the hook was still in place at the end

    def begin(self, nodeid: str) -> None:
        """A benchmark's call starts: opaque if a child process is alive now."""
        self.seen.setdefault(nodeid, set())  # listed even if it calls nothing
        children = live_children()
        if children is None and self.spawned_before:
            self.spawned_outside = True  # cannot tell whether it still runs
        elif children:
            self.opaque.add(nodeid)
        self.current = nodeid

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            # a module's own code is line 0: its first line is 1, which is also the first line
            # of a function defined at the top of the file (its import would mark that
            # function as run outside the benchmarks)
            line = 0 if code.co_name == "<module>" else code.co_firstlineno
            self.seen.setdefault(self.current, set()).add((code.co_filename, line))
            if (
                code.co_name == "_execute_child"
                and code.co_filename.endswith("subprocess.py")
                and not runs_python(frame.f_locals)
            ):
                self.harmless.add(threading.get_ident())  # the spawn that follows
        elif event == "return" and self.harmless and frame.f_code.co_name == "_execute_child":
            self.harmless.discard(threading.get_ident())  # it failed before it spawned
        elif event == "c_call" and getattr(arg, "__name__", None) in SPAWNS:
            if threading.get_ident() in self.harmless:
                self.harmless.discard(threading.get_ident())
                return
            self.spawned_before = True
            if self.current is not None:
                self.opaque.add(self.current)

    def start(self) -> None:
        threading.setprofile(self)
        sys.setprofile(self)

    def stop(self) -> None:
        # another tool that set its own hook (a profiler, a debugger), or a hook that failed,
        # left calls unrecorded: the map would then miss what benchmarks ran
        self.complete = sys.getprofile() is self
        sys.setprofile(None)
        threading.setprofile(None)

    def document(self) -> dict[str, Any]:
        files: dict[str, int] = {}

        def pairs(keys: set[Key]) -> list[list[int]]:
            return sorted([files.setdefault(name, len(files)), line] for name, line in keys)

        benchmarks = {k: pairs(v) for k, v in sorted(self.seen.items(), key=_by_name) if k}
        outside = pairs(self.seen.get(None, set()))
        return {
            "perfgate_reach": VERSION,
            "files": list(files),
            "benchmarks": benchmarks,
            "outside": outside,
            "opaque": sorted(self.opaque),
            "spawned_outside": self.spawned_outside,
            "seconds": dict(sorted(self.seconds.items())),
            "complete": self.complete,
        }


def runs_python(call: dict[str, Any]) -> bool:
    """Whether ``subprocess.Popen._execute_child``'s arguments (its frame's locals) may run
    Python: through a shell, a Python interpreter, a script whose first line names python, or
    a program that cannot be found or read (unknown: yes). Never raises: an exception in a
    profile hook would remove it."""
    try:
        return _runs_python(call)
    except Exception:  # anything unforeseen counts as Python
        return True


def _runs_python(call: dict[str, Any]) -> bool:
    if call.get("shell"):
        return True
    args, executable = call.get("args"), call.get("executable")
    program = executable or (args if isinstance(args, str | bytes) else (args or [None])[0])
    if program is None:
        return True
    name = os.fsdecode(program)
    path = Path(shutil.which(name) or name)
    if path.name.startswith(("python", "pypy")):
        return True
    try:
        with path.open("rb") as opened:
            first = opened.readline(256)
    except OSError:
        return True
    return first.startswith(b"#!") and b"python" in first


def live_children() -> list[int] | None:
    """The process's live children (Linux's ``/proc/self/task/*/children``), None where that
    cannot be read."""
    try:
        tasks = list(Path("/proc/self/task").iterdir())
        found = [(task / "children").read_text().split() for task in tasks]
    except OSError:
        return None
    return [int(pid) for pids in found for pid in pids]


def _by_name(item: tuple[str | None, set[Key]]) -> str:
    return item[0] or ""


_RECORDER = Recorder()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("perfgate").addoption(
        "--perfgate-reach",
        metavar="OUT.json",
        default=None,
        help="write which Python functions each test runs (perfgate's reach map)",
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("perfgate_reach"):
        _RECORDER.start()  # before collection: imports count as outside


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    if not item.config.getoption("perfgate_reach"):
        return (yield)
    _RECORDER.begin(item.nodeid)
    began = time.perf_counter()
    try:
        return (yield)
    finally:
        _RECORDER.current = None
        _RECORDER.seconds[item.nodeid] = time.perf_counter() - began


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    out = session.config.getoption("perfgate_reach")
    if not out:
        return
    _RECORDER.stop()
    path = Path(out)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(_RECORDER.document()), encoding="utf-8")
    partial.replace(path)
