"""Counts: deterministic metrics measured in the same job. Instruction counts under valgrind
(x86-64 and arm64 Linux), and bytecode counts (Python's own instructions, any OS and CPU).

Each round, after the timing run, `perfgate run` runs each side's pytest-benchmark suite once
more under ``valgrind --tool=callgrind --collect-atstart=no`` with perfgate's pytest plugin
(``--perfgate-instructions``). For every benchmark the plugin makes one warm-up call, then
counts, with callgrind client requests around the calls only, one call and then 1 + N calls
(N = ``--perfgate-instructions-calls``). The difference divided by N is one call's
instructions: the start-up, collection, fixtures, the warm-up and the client requests' own
cost all cancel. ``PYTHONHASHSEED=0`` makes a CPython process repeat itself almost to the
instruction: an A/A difference is 0 or a few dozen instructions a call (the heap's state
differs a little between processes; seen in CI: 0.0015% between two rounds of one side), well
inside the counts' 0.01% tolerance (``perfgate.decisions.compare.COUNT_TOLERANCE``).

Why client requests and not two whole-process runs (cachegrind's ``I refs`` at two call
counts): a process per benchmark and call count would repeat pytest's start-up, which costs
tens of seconds under valgrind, twice for every benchmark; toggling collection around the
calls needs one process per side and round. The requests are issued without a compiler: the
plugin writes valgrind's amd64 or arm64 request sequence into an executable page
(``perfgate_valgrind``). An asv suite is counted by ``perfgate_asv_counts`` the same way, one
counting process per side and round.

Bytecodes (``metrics: [time, bytecodes]``): the same warm-up and differencing, counted by the
plugin itself (``--perfgate-bytecodes``) with ``sys.settrace`` opcode events in the calling
thread, so no valgrind and no particular CPU. What they count is the Python code the benchmark
runs: work inside C (a C extension, ``sorted``, a regex, numpy) is one bytecode however long it
takes, and other threads are not counted. They answer "does this change run more Python?"
exactly; time answers the rest.

What instructions miss: cache and TLB misses, branch mispredictions, memory bandwidth, I/O
and sleeping, waiting on locks and other threads, the allocator's page faults. A change that
only moves data around (same instructions, worse locality) shows in time, not here.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from perfgate.errors import InputError, UsageError
from perfgate.model import COUNTED_SHARE, Benchmark, Metadata, Run
from perfgate.units import INSTRUCTIONS

UNIT = INSTRUCTIONS  # the unit of counted rows (perfgate.units)
COUNTED_CALLS = 5  # calls counted per benchmark beyond the first: exact, so few are enough
# bytecodes: traced calls are what a count costs (opcode tracing runs Python many times
# slower), and the count of one call is exact, so one call beyond the first (what 5 and 1
# cost a round: docs/instructions.md)
BYTECODE_CALLS = 1
PLUGIN_FORMAT = 1
_LABEL = re.compile(r"^desc: Trigger: Client Request: perfgate-(\d+)-(one|more)$", re.M)
_TOTALS = re.compile(r"^totals: (\d+)$", re.M)


def valgrind() -> str:
    """The valgrind executable; one line naming the package when it is missing."""
    found = shutil.which("valgrind")
    if found is None:
        raise UsageError(
            "metrics: instructions needs valgrind (Debian/Ubuntu: apt-get install valgrind; "
            "the Action installs it with install-valgrind: true)"
        )
    return found


def command(pytest: Path, dumps: Path, pytest_args: list[str]) -> list[str]:
    """The argv of one counting run: the side's ``pytest`` script under callgrind (valgrind
    follows its ``#!`` line to the environment's interpreter; not ``python -m pytest``, which
    would put the working directory, head's tree, on base's ``sys.path``)."""
    return under_callgrind(dumps, [str(pytest), *pytest_args])


def under_callgrind(dumps: Path, argv: list[str]) -> list[str]:
    """``argv`` under callgrind, collecting nothing until a client request turns it on, each
    process's dumps in ``dumps``."""
    return [
        valgrind(),
        "--tool=callgrind",
        "--collect-atstart=no",
        f"--callgrind-out-file={dumps / 'callgrind.out.%p'}",
        *argv,
    ]


def environment(base: Mapping[str, str]) -> dict[str, str]:
    """A counting run's environment: string hashing fixed, so a process repeats itself."""
    return {**base, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def read_counts(order_file: Path, dumps: Path) -> dict[str, float]:
    """Benchmark node id -> instructions per call, from the plugin's order file and
    callgrind's dumps. InputError when they do not fit together."""
    shown = str(order_file)
    try:
        order = json.loads(order_file.read_text(encoding="utf-8"))
        names = [str(name) for name in order["benchmarks"]]
        calls = int(order["calls"])
        # each name's dump label (asv's counting run skips those of failed benchmarks)
        labels = [int(k) for k in order.get("labels", range(len(names)))]
        if order.get("perfgate_instructions") != PLUGIN_FORMAT or calls < 1:
            raise ValueError("format")
        if len(labels) != len(names):
            raise ValueError("a label for each benchmark")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(shown, f"not the plugin's instruction order file ({exc})") from None
    totals: dict[tuple[int, str], int] = {}
    for dump in dumps.glob("callgrind.out.*"):
        text = dump.read_text(encoding="utf-8", errors="replace")
        label, total = _LABEL.search(text), _TOTALS.search(text)
        if label is not None and total is not None:
            totals[(int(label.group(1)), label.group(2))] = int(total.group(1))
    counts = {}
    for index, name in zip(labels, names, strict=True):
        one, more = totals.get((index, "one")), totals.get((index, "more"))
        if one is None or more is None:
            raise InputError(str(dumps), f"no callgrind counts for {name}")
        if more < one:  # more calls, fewer instructions: the counts are wrong, not "0"
            raise InputError(
                str(dumps),
                f"callgrind counted fewer instructions for 1 + {calls} calls of {name} than "
                f"for one ({more:,} < {one:,}): a counting fault, not a count",
            )
        counts[name] = (more - one) / calls
    return counts


def as_run(
    counts: Mapping[str, float],
    source: str,
    unit: str = UNIT,
    shares: Mapping[str, float] | None = None,
) -> Run:
    """One round of counts as a native run: ``NAME (instructions)`` (or ``NAME (bytecodes)``)
    benchmarks in that unit; ``shares``: the share of each one's time its count explains (kept
    in the benchmark's extra, :data:`~perfgate.model.COUNTED_SHARE`)."""
    suffix = f" ({unit})"
    shares = shares or {}
    return Run(
        metadata=Metadata(harness=f"perfgate-{unit}"),
        benchmarks=tuple(
            Benchmark(
                name=name + suffix,
                short_name=name.rsplit("::", 1)[-1] + suffix,
                unit=unit,
                extra={COUNTED_SHARE: shares[name]} if name in shares else {},
                rounds=((count,),),
            )
            for name, count in counts.items()
        ),
        source=source,
    )


def read_bytecodes(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(benchmark node id -> bytecodes per call, -> the estimated share of one call's time
    they explain), from the plugin's ``--perfgate-bytecodes`` file. InputError when it is not
    one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("perfgate_bytecodes") != PLUGIN_FORMAT:
            raise ValueError("format")
        counts = {str(name): float(count) for name, count in document["counts"].items()}
        shares = {str(name): float(v) for name, v in (document.get("shares") or {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(str(path), f"not the plugin's bytecode counts ({exc})") from None
    negative = [name for name, count in counts.items() if count < 0]
    if negative:  # more calls, fewer bytecodes: a counting fault, not a count
        raise InputError(str(path), f"fewer bytecodes for more calls of {negative[0]}")
    return counts, shares


COUNTED_ROUNDS = 2  # rounds that count every benchmark; later ones only where counts differed


def settled(folders: Sequence[Path], kind: str, rounds: int) -> bool:
    """Whether counting ``kind`` again can tell nothing new: after :data:`COUNTED_ROUNDS`
    rounds or more, every benchmark's count was the same in every round, on every side (each
    of ``folders``), to the counts' tolerance (instructions can differ by a few dozen a call
    with the heap's state). A count is exact, so a third such one adds nothing; a benchmark
    whose count moves more (random inputs, a cache another benchmark warmed) keeps every round
    counting."""
    if rounds < COUNTED_ROUNDS:
        return False
    from perfgate.decisions.compare import COUNT_TOLERANCE  # noqa: PLC0415
    from perfgate.formats import native  # noqa: PLC0415

    for folder in folders:
        seen: dict[str, list[float]] = {}
        for index in range(rounds):
            path = folder / f"{kind}-{index:03d}.json"
            try:
                run = native.read(json.loads(path.read_text(encoding="utf-8")), str(path))
            except (OSError, ValueError, InputError):
                return False
            for bench in run.benchmarks:
                seen.setdefault(bench.name, []).extend(x for r in bench.rounds for x in r)
        for values in seen.values():
            low, high = min(values, default=0.0), max(values, default=1.0)
            if high != low and (low <= 0 or high / low - 1 > COUNT_TOLERANCE):
                return False
    return True


def clean(dumps: Path) -> None:
    """An empty folder for a counting run's dumps."""
    if dumps.exists():
        shutil.rmtree(dumps)
    dumps.mkdir(parents=True)
