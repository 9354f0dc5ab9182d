"""Python bytecodes executed by one call, without pytest: what the plugin's
``--perfgate-bytecodes`` counts for a pytest-benchmark suite and what ``perfgate_asv_counts``
counts for an asv suite, in the side's own environment (this folder on ``PYTHONPATH``).

``sys.settrace`` with ``f_trace_opcodes`` on every frame the call enters, ``opcode`` events in
the calling thread: exact for pure Python, blind to work inside C (a C call is one bytecode).
One warm-up call, then one call and 1 + N calls, differenced over N, so that set-up and the
tracing's own edges cancel.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import Any, Union

# what sys.settrace takes: a function of (frame, event, arg) returning the frame's local tracer
TraceFunction = Callable[[FrameType, str, Any], Union["TraceFunction", None]]
# the arguments of one call, made fresh for each (a benchmark's set-up outside the count)
Arguments = Callable[[], tuple[Sequence[Any], Mapping[str, Any]]]
_PER_BYTECODE: list[float] = []  # measured once a process


def per_call(arguments: Arguments, function: Callable[..., Any], calls: int) -> tuple[float, float]:
    """(bytecodes one call of ``function`` executes, the estimated share of one untraced
    call's time they explain): a warm-up call, then one call and 1 + ``calls`` calls counted."""
    args, kwargs = arguments()
    function(*args, **kwargs)  # a warm-up: first-call work (imports, caches) left out
    totals = []
    for repeat in (1, 1 + calls):
        made = [arguments() for _ in range(repeat)]  # set-up outside the count

        def run(made: list[tuple[Sequence[Any], Mapping[str, Any]]] = made) -> None:
            for args, kwargs in made:
                function(*args, **kwargs)

        totals.append(bytecodes_of(run))
    count = (totals[1] - totals[0]) / calls
    seconds = []
    for _ in range(3):  # one untraced call's time, the least of three
        args, kwargs = arguments()
        began = time.perf_counter()
        function(*args, **kwargs)
        seconds.append(time.perf_counter() - began)
    return count, count * seconds_per_bytecode() / max(min(seconds), 1e-9)


def _reference_loop() -> int:
    total = 0
    for i in range(20_000):
        total += i % 7
    return total


def seconds_per_bytecode() -> float:
    """What one bytecode of plain Python costs on this machine, now: a fixed loop's least time
    of five over its bytecodes (measured once a process). A benchmark's bytecodes at this
    cost, over its own time, estimate the share of its time that the counted Python explains."""
    if not _PER_BYTECODE:
        seconds = []
        for _ in range(5):
            began = time.perf_counter()
            _reference_loop()
            seconds.append(time.perf_counter() - began)
        _PER_BYTECODE.append(min(seconds) / max(1, bytecodes_of(_reference_loop)))
    return _PER_BYTECODE[0]


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

    _traced(enter, run)
    return executed


def bytecodes_by_function(run: Callable[[], object]) -> dict[tuple[str, int, str], int]:
    """The bytecodes ``run`` executes in this thread, per function: (file, first line, name),
    as cProfile names a function, so the two tables join. The plugin's own frames (the
    tracing's edges, the call of the benchmarked function) are left out."""
    found: dict[tuple[str, int, str], list[int]] = {}
    plugin = __file__.rpartition(os.sep)[0]  # a string split: this runs at every frame entry

    def enter(frame: FrameType, _event: str, _arg: object) -> TraceFunction | None:
        code = frame.f_code
        if code.co_filename.rpartition(os.sep)[0] == plugin:
            return None
        cell = found.setdefault((code.co_filename, code.co_firstlineno, code.co_name), [0])
        frame.f_trace_opcodes = True

        def opcode(_frame: FrameType, event: str, _arg: object) -> TraceFunction:
            if event == "opcode":
                cell[0] += 1
            return opcode

        return opcode

    _traced(enter, run)
    return {key: cell[0] for key, cell in found.items()}


def _traced(
    enter: Callable[[FrameType, str, object], TraceFunction | None], run: Callable[[], object]
) -> None:
    """``run`` with ``enter`` as the trace function of every frame it enters, the garbage
    collector paused, and the previous tracer put back."""
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
