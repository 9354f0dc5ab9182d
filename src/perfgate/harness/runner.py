"""Running the harness in rounds: each round runs every side once, in random order, each side
in a fresh process, and leaves one result file per side (``<out>/<side>/round-NNN.json``).

Randomizing the order inside each round keeps a slow drift of the machine (thermal state,
a noisy neighbour) from always landing on the same side; pairing the sides by round lets the
comparison cancel it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfgate.config import Harness
from perfgate.decisions import names as names_rule
from perfgate.decisions import reach
from perfgate.errors import InputError, PerfgateError, UsageError
from perfgate.files import write_text_atomic
from perfgate.formats.native import dumps as dumps_run
from perfgate.harness import asv_driver, instructions
from perfgate.harness.proc import at_once, run_captured
from perfgate.options import Timer
from perfgate.progress import Progress, Quiet
from perfgate.pytest_plugin import (
    CALIBRATION_MODULE,
    FOLDER,
    MODULE,
    PROFILE_MODULE,
    REACH_MODULE,
    TIMERS_MODULE,
    perfgate_timers,
)
from perfgate.pytest_plugin.perfgate_calibration import QUANTUM, TURNS_ENV
from perfgate.units import BYTECODES, COUNTS, INSTRUCTIONS


class HarnessError(PerfgateError):
    """A side's harness failed (twice in the same round, or once where retrying is futile)."""


class EmptyShardError(HarnessError):
    """``--shard K/N`` of a suite with no benchmark in shard K: nothing to run, not a failure."""


# pytest's exit codes that no retry changes: 2 interrupted (collection errors: an import that
# fails), 4 usage error, 5 no tests collected
DETERMINISTIC_EXITS = {"pytest-benchmark": frozenset({2, 4, 5})}
TAIL_LINES = 8
# what says why, best first: an exception with its message, then a line flagged as an error
_ERROR_LINES = (re.compile(r"\b\w*(Error|Exception)\s*:\s*\S"), re.compile(r"\bERROR\b"))


@dataclass(frozen=True, kw_only=True)
class HarnessFailure:
    """What a failed harness run left: its exit code, the line that says why, the last lines
    of both streams and where the whole log is."""

    returncode: int
    reason: str  # the first error line (an exception's line when there is one), else the last
    stdout_tail: tuple[str, ...]
    stderr_tail: tuple[str, ...]
    log: Path
    deterministic: bool  # retrying cannot help (a collection or usage error)

    def summary(self) -> str:
        return f"exit {self.returncode}: {self.reason}"

    def details(self) -> list[str]:
        """The last lines of both streams, for the user to see (the log has everything)."""
        return [
            f"{name}: {line}"
            for name, tail in (("stderr", self.stderr_tail), ("stdout", self.stdout_tail))
            for line in tail
        ]


def first_error_line(stdout: str, stderr: str) -> str:
    """The line that says why a harness failed: the first naming an exception with its
    message (stderr, then stdout), else the first flagged ERROR, else the last line."""
    for pattern in _ERROR_LINES:
        for text in (stderr, stdout):
            for line in text.splitlines():
                if pattern.search(line):
                    return line.strip().removeprefix("E ").strip()[:300]
    words = (stderr.strip() or stdout.strip()).splitlines()
    return words[-1].strip()[:300] if words else "no output"


@dataclass(frozen=True, kw_only=True)
class Side:
    name: str  # "base" or "head"
    python: Path  # the side's environment
    cwd: Path  # where the suite runs (head's tree, or the side's own)
    commit: str = ""  # what asv records the results under
    # the side runs in an environment perfgate built for it, which must be all it imports (a
    # pyperf script's folder is kept off sys.path); False: head alone in this environment
    own_environment: bool = False
    asv_config: Path | None = None  # the side's private asv.conf.json (asv harness only)


@dataclass(frozen=True, kw_only=True)
class RoundPlan:
    min_rounds: int
    max_rounds: int
    time_budget: float  # seconds for all rounds
    seed: int


def pytest_script(side: Side) -> Path:
    """The side's environment's ``pytest``; one line (exit 2) when it has none, which
    used to be a FileNotFoundError traceback."""
    script = side.python.parent / ("pytest.exe" if sys.platform == "win32" else "pytest")
    if not script.exists():
        raise UsageError(
            f"no pytest beside {side.python}: install pytest and pytest-benchmark there (for "
            "the environments perfgate builds: harness.install in perfgate.yml)"
        )
    return script


def timer_args(
    timer: Timer, *, calibrated: bool = False, lockstep: bool = False
) -> tuple[str, ...]:
    """pytest-benchmark's ``--benchmark-timer`` for ``harness.timer``. Where Linux's schedstat
    is missing (macOS, Windows), ``auto`` and ``wall-minus-runqueue`` are the wall clock (for
    the latter ``perfgate run`` says so at its start): one perfgate.yml serves a Linux runner
    and a contributor's Mac. ``calibrated``: the same clock, read by perfgate's interleaved
    calibration timer (the calibration workload between samples, its time left out);
    ``lockstep``: read by the timer that takes turns with the other side (and calibrates too
    when ``calibrated``)."""
    runqueue = timer in ("auto", "wall-minus-runqueue") and perfgate_timers.available()
    if calibrated or lockstep:
        clock = (
            "process_time"
            if timer == "cpu"
            else "wall_minus_runqueue"
            if runqueue
            else "perf_counter"
        )
        prefix = "" if calibrated else "turns_"
        return (f"--benchmark-timer={CALIBRATION_MODULE}.{prefix}{clock}",)
    if timer == "cpu":
        return ("--benchmark-timer=time.process_time",)
    if runqueue:
        return (f"--benchmark-timer={TIMERS_MODULE}.wall_minus_runqueue",)
    return ()


def timer_fallback(timer: Timer) -> str | None:
    """The line ``perfgate run`` prints when the configured timer is not available here."""
    if timer == "wall-minus-runqueue" and not perfgate_timers.available():
        return (
            f"harness.timer: wall-minus-runqueue needs Linux's {perfgate_timers.SCHEDSTAT}, "
            "which this machine has not; timed by the wall clock"
        )
    return None


def harness_command(
    harness: Harness, side: Side, output: Path, extra: Sequence[str], *, turns: bool = False
) -> list[str]:
    """The argv that runs one round of ``side`` and writes ``output`` (for asv, the private
    results folder of the side's config; :func:`run_side` moves the file to ``output``);
    ``turns``: timed by the timer that takes turns with the other side (lockstep)."""
    if harness.type == "asv":
        if side.asv_config is None:
            raise ValueError("an asv side needs its private asv config")
        args = (*harness.args, *extra)
        return asv_driver.command(side.asv_config, side.python, side.commit, args)
    if harness.type == "pytest-benchmark":
        # the env's `pytest` script, not `python -m pytest`: the latter puts the working
        # directory on sys.path, and a flat-layout project would then import head's code
        # on the base side. importlib mode keeps pytest from inserting the rootdir as well.
        pytest = pytest_script(side)
        # perfgate's plugin in every round: it spares pytest-benchmark's py-cpuinfo call
        memory = ("--perfgate-memory",) if harness.memory else ()
        timer = timer_args(harness.timer, calibrated=harness.calibrated, lockstep=turns)
        return [
            str(pytest),
            *harness.args,
            "-p",
            MODULE,
            "--perfgate-brief-machine-info",
            "--perfgate-calibrate",
            *memory,
            *timer,
            *extra,
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            f"--benchmark-json={output}",
        ]
    if harness.type == "pyperf":
        return [str(side.python), *pyperf_args((*harness.args, *extra)), f"--output={output}"]
    return [
        part.replace("{output}", str(output)).replace("{python}", str(side.python))
        for part in (*harness.command, *extra)
    ]


# what pyperf's worker processes must keep of the environment (pyperf clears it): set for a side
# in its own environment, the script's folder is not put on sys.path (Python 3.11+), so base's
# side imports base's package from its environment, never head's tree beside head's script;
# head alone in this environment imports as the script always does
PYPERF_ENVIRON = "PYTHONSAFEPATH"
_PYPERF_PROCESSES = re.compile(r"--processes(=.*)?|-p[0-9]*")  # pyperf's long and short forms


def pyperf_args(args: Sequence[str]) -> list[str]:
    """A pyperf script's arguments as perfgate runs a round of it: one worker process (pyperf's
    own default is 20 a run, perfgate's rounds interleave the sides process by process, as
    with asv's processes=1) unless they say ``--processes``, and ``PYPERF_ENVIRON`` kept in
    the workers' environment beside whatever ``--inherit-environ`` already names."""
    out = list(args)
    if not any(_PYPERF_PROCESSES.fullmatch(arg) for arg in out):
        out.append("--processes=1")
    for i, arg in enumerate(out):
        if arg.startswith("--inherit-environ="):
            out[i] = f"{arg},{PYPERF_ENVIRON}"
            return out
        if arg == "--inherit-environ" and i + 1 < len(out):
            out[i + 1] = f"{out[i + 1]},{PYPERF_ENVIRON}"
            return out
    return [*out, f"--inherit-environ={PYPERF_ENVIRON}"]


def lockstep_here(harness: Harness) -> bool:
    """Whether rounds run in lockstep: asked for (``harness.lockstep``), and a POSIX system
    (the turns pass through pipes the two processes inherit)."""
    return harness.lockstep and harness.type == "pytest-benchmark" and os.name == "posix"


# a side's end of the turns in a lockstep round: (the fd it reads its turn from, the fd it
# gives the other side its turn through, whether it holds the first turn)
TurnEnds = tuple[int, int, bool]


def run_side(
    harness: Harness,
    side: Side,
    output: Path,
    extra: Sequence[str],
    beat: Callable[[float], None] | None = None,
    *,
    counting: bool = False,
    turns: TurnEnds | None = None,
    started: Callable[[], None] | None = None,
) -> HarnessFailure | None:
    """Run one side once; the result file appears only when the harness succeeded.
    Returns None on success, else what the failure left (its log is kept beside the rounds).
    ``beat(seconds)`` is called every half minute while the harness runs. ``counting``: the
    run also counts bytecodes (in ``extra``), so hashing is fixed as a counting run's is.
    ``turns``: this side's ends of a lockstep round's turns (``started()`` once it runs)."""
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop(TURNS_ENV, None)
    if turns is not None:  # this process's id: only the child it starts takes the turns
        env[TURNS_ENV] = f"{turns[0]},{turns[1]},{1 if turns[2] else 0},{os.getpid()}"
    if counting:
        env = instructions.environment(env)  # hashing fixed, as a counting run's
    if harness.type == "pytest-benchmark":  # the plugin, importable without perfgate there
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FOLDER), env.get("PYTHONPATH")]))
    if harness.type == "pyperf" and side.own_environment:  # 3.10: no such variable
        env[PYPERF_ENVIRON] = "1"
    done = run_captured(
        harness_command(harness, side, partial, extra, turns=turns is not None), cwd=side.cwd,
        env=env, beat=beat, pass_fds=turns[:2] if turns is not None else (), started=started,
    )  # fmt: skip
    accepted: tuple[int, ...] = (0,)
    if harness.type == "asv" and side.asv_config is not None:
        accepted = asv_driver.ACCEPTED_EXIT_CODES
        if done.returncode not in accepted or not asv_driver.collect(side.asv_config, partial):
            accepted = ()
    if done.returncode in accepted and partial.is_file() and partial.stat().st_size > 0:
        partial.replace(output)
        return None
    partial.unlink(missing_ok=True)
    log = output.parent.parent / "logs" / f"{side.name}-{output.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = " ".join(harness_command(harness, side, partial, extra, turns=turns is not None))
    log.write_text(
        f"$ {command}\n(in {side.cwd}; exit {done.returncode})\n\n--- stdout ---\n{done.stdout}"
        f"\n--- stderr ---\n{done.stderr}\n",
        encoding="utf-8",
        errors="replace",
    )
    return HarnessFailure(
        returncode=done.returncode,
        reason=first_error_line(done.stdout, done.stderr),
        stdout_tail=tuple(done.stdout.rstrip().splitlines()[-TAIL_LINES:]),
        stderr_tail=tuple(done.stderr.rstrip().splitlines()[-TAIL_LINES:]),
        log=log,
        deterministic=done.returncode in DETERMINISTIC_EXITS.get(harness.type, frozenset()),
    )


def profile_side(
    harness: Harness,
    side: Side,
    output: Path,
    *,
    benchmarks: Sequence[str],
    calls: int,
    seconds: float | None = None,
    extra: Sequence[str] = (),
    beat: Callable[[float], None] | None = None,
    bytecodes: bool = False,
) -> str | None:
    """One profiled run of ``benchmarks`` (pytest node ids) on ``side``, after the measured
    rounds: pytest-benchmark disabled (one ordinary call), then ``calls`` calls under cProfile
    (fewer once they took ``seconds``) by perfgate's plugin, which writes ``output``;
    ``bytecodes``: and each function's bytecodes in one more call (hashing fixed). None on
    success, else why not."""
    pytest = pytest_script(side)
    args = [a for a in harness.args if a != "--benchmark-only"]  # it refuses --benchmark-disable
    command = [
        str(pytest),
        *args,
        *extra,
        "-q",
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
        "-p",
        PROFILE_MODULE,
        "--benchmark-disable",
        f"--perfgate-profile={output}",
        f"--perfgate-profile-calls={calls}",
        *([f"--perfgate-profile-seconds={seconds}"] if seconds is not None else []),
        *(f"--perfgate-profile-only={name}" for name in benchmarks),
        *(["--perfgate-profile-bytecodes"] if bytecodes else []),
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if bytecodes:
        env = instructions.environment(env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FOLDER), env.get("PYTHONPATH")]))
    output.unlink(missing_ok=True)
    done = run_captured(command, cwd=side.cwd, env=env, beat=beat)
    if done.returncode == 0 and output.is_file():
        return None
    if done.returncode == 5:  # pytest: nothing collected
        return "pytest found none of these benchmarks in the suite"
    return f"exit {done.returncode}: {first_error_line(done.stdout, done.stderr)}"


def reach_side(
    harness: Harness,
    side: Side,
    output: Path,
    *,
    extra: Sequence[str] = (),
    beat: Callable[[float], None] | None = None,
) -> reach.ReachMap | str:
    """One run of ``side``'s suite, each benchmark called once (pytest-benchmark disabled),
    under the plugin that maps which functions each runs (:mod:`perfgate.decisions.reach`).
    The map, or why there is none."""
    import json  # noqa: PLC0415

    pytest = pytest_script(side)
    args = [a for a in harness.args if a != "--benchmark-only"]  # it refuses --benchmark-disable
    command = [
        str(pytest), *args, *extra, "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
        "-p", REACH_MODULE, "--benchmark-disable", f"--perfgate-reach={output}",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FOLDER), env.get("PYTHONPATH")]))
    output.unlink(missing_ok=True)
    done = run_captured(command, cwd=side.cwd, env=env, beat=beat)
    if not output.is_file():
        return f"exit {done.returncode}: {first_error_line(done.stdout, done.stderr)}"
    try:
        return reach.map_from(json.loads(output.read_text(encoding="utf-8")))
    except ValueError as exc:  # json's errors are ValueErrors too
        return str(exc)


def count_side(
    harness: Harness,
    side: Side,
    output: Path,
    *,
    calls: int,
    extra: Sequence[str] = (),
    beat: Callable[[float], None] | None = None,
) -> str | None:
    """One run of ``side``'s suite under callgrind, counting each benchmark's instructions
    (see :mod:`perfgate.harness.instructions`); ``output`` gets them as a native round file. None on
    success, else why not."""
    work = output.parent / f".{output.stem}"
    dumps = work / "dumps"
    instructions.clean(dumps)
    order = work / "order.json"
    pytest_args = _counting_args(harness, extra, "instructions", order, calls)
    env = _counting_environment()
    pytest = pytest_script(side)
    done = run_captured(
        instructions.command(pytest, dumps, pytest_args), cwd=side.cwd, env=env, beat=beat
    )
    try:
        if done.returncode != 0:
            return f"exit {done.returncode}: {first_error_line(done.stdout, done.stderr)}"
        try:
            counts = instructions.read_counts(order, dumps)
        except InputError as exc:
            return exc.problem
        run = instructions.as_run(counts, str(output))
        write_text_atomic(output, dumps_run(run))
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _counted(  # noqa: PLR0917 - one round's counting, as _one_round has it
    harness: Harness,
    side: Side,
    kind: str,
    output: Path,
    counts_file: Path,
    calls: int,
    extra: Sequence[str],
    beat: Callable[[float], None],
) -> str | None:
    """One side's counts of ``kind`` for a round, as the native round file ``output``: None on
    success, else why not."""
    if harness.type == "asv":  # asv: a counting run of its own
        return asv_counts(harness, side, kind, output, calls=calls, extra=extra, beat=beat)
    if kind == BYTECODES:  # counted in the timing run
        return bytecodes_round(counts_file, output)
    return count_side(harness, side, output, calls=calls, extra=extra, beat=beat)


def asv_counts(
    harness: Harness,
    side: Side,
    kind: str,
    output: Path,
    *,
    calls: int,
    extra: Sequence[str] = (),
    beat: Callable[[float], None] | None = None,
) -> str | None:
    """An asv side's counts of ``kind`` (``perfgate_asv_counts`` in its environment, under
    callgrind for instructions; the round's ``--bench`` selection kept) as the native round
    file ``output``; None on success, else why not."""
    if side.asv_config is None:
        return "no asv config for this side"
    work = output.parent / f".{output.stem}"
    dumps = work / "dumps"
    instructions.clean(dumps)
    counts_file = work / "counts.json"
    argv = asv_driver.counts_command(
        side.asv_config, side.python, counts_file, calls, [*harness.args, *extra],
        instructions=kind == INSTRUCTIONS,
    )  # fmt: skip
    if kind == INSTRUCTIONS:
        argv = instructions.under_callgrind(dumps, argv)
    try:
        done = run_captured(argv, cwd=side.cwd, env=_counting_environment(), beat=beat)
        if done.returncode != 0:
            return f"exit {done.returncode}: {first_error_line(done.stdout, done.stderr)}"
        if kind == BYTECODES:
            return bytecodes_round(counts_file, output)
        try:
            counts = instructions.read_counts(counts_file, dumps)
        except InputError as exc:
            return exc.problem
        write_text_atomic(output, dumps_run(instructions.as_run(counts, str(output))))
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bytecodes_round(counts_file: Path, output: Path) -> str | None:
    """The plugin's bytecode counts (``counts_file``, then removed) as the native round file
    ``output``; None on success, else why not."""
    try:
        try:
            counts, shares = instructions.read_bytecodes(counts_file)
        except InputError as exc:
            return exc.problem
        run = instructions.as_run(counts, str(output), unit=BYTECODES, shares=shares)
        write_text_atomic(output, dumps_run(run))
        return None
    finally:
        counts_file.unlink(missing_ok=True)


def bytecodes_in_timing(harness: Harness, count_calls: Mapping[str, int] | None) -> int | None:
    """The calls to count bytecodes of, in the timing run itself: the plugin counts each
    benchmark right after pytest-benchmark has timed it, so a round needs no second process
    (a separate counting run's start-up and collection were most of its cost: 2.1x a
    time-only run for 3 benchmarks). None when bytecodes are not asked for; only
    pytest-benchmark suites count them (the run refuses others)."""
    calls = (count_calls or {}).get(BYTECODES)
    return calls if calls is not None and harness.type == "pytest-benchmark" else None


def _counting_args(
    harness: Harness, extra: Sequence[str], kind: str, out: Path, calls: int
) -> list[str]:
    """pytest's arguments for a counting run of ``kind`` (``instructions``, ``bytecodes``):
    the harness's own, with pytest-benchmark's timing off and the plugin's counting on."""
    args = [a for a in harness.args if a != "--benchmark-only"]  # it refuses --benchmark-disable
    return [
        *args,
        *extra,
        "-q",
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
        "-p",
        MODULE,
        "--benchmark-disable",
        f"--perfgate-{kind}={out}",
        f"--perfgate-{kind}-calls={calls}",
    ]


def _counting_environment() -> dict[str, str]:
    """A counting run's environment: hashing fixed (a process repeats itself), the plugin's
    folder on the path."""
    env = instructions.environment(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FOLDER), env.get("PYTHONPATH")]))
    return env


class RunInterruptedError(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM: ``finished`` complete rounds are on disk."""

    def __init__(self, finished: int, planned: int, signal: str) -> None:
        super().__init__(f"{signal} during round {finished + 1} of up to {planned}")
        self.finished = finished
        self.signal = signal


def signal_name(exc: KeyboardInterrupt) -> str:
    return str(getattr(exc, "signal", "") or "SIGINT")


def _one_round(
    harness: Harness,
    order: Sequence[Side],
    out: Path,
    *,
    index: int,
    extra: Sequence[str],
    progress: Progress,
    count_calls: Mapping[str, int] | None = None,
) -> list[str]:
    """Run every side once, in ``order`` (and count what ``count_calls`` names: ``instructions``
    or ``bytecodes``, each with its calls);
    their timings. Raises HarnessError."""
    timings = []
    counting = bytecodes_in_timing(harness, count_calls)

    def side_extra(side: Side) -> tuple[str, ...]:
        if counting is None:
            return tuple(extra)
        counts_file = out / side.name / f".{BYTECODES}-{index:03d}.counts.json"
        return (*extra, f"--perfgate-{BYTECODES}={counts_file}",
                f"--perfgate-{BYTECODES}-calls={counting}")  # fmt: skip

    paired = (
        _lockstep(harness, order, out, index, side_extra, counting=counting is not None)
        if lockstep_here(harness) and len(order) == 2
        else {}
    )
    for side in order:
        output = out / side.name / f"round-{index:03d}.json"
        began = time.monotonic()

        def beat(seconds: float, name: str = side.name) -> None:
            progress.waiting(f"round {index + 1}: {name} running for {seconds:.0f} s")

        counts_file = out / side.name / f".{BYTECODES}-{index:03d}.counts.json"
        if side.name in paired:  # run at once with the other side, taking turns
            problem, seconds = paired[side.name]
            began = time.monotonic() - seconds
            if problem is not None:  # run again alone
                progress.line(
                    f"round {index + 1}: {side.name} failed in lockstep ({problem.summary()}); "
                    "running it again alone"
                )
                problem = run_side(
                    harness, side, output, side_extra(side), beat, counting=counting is not None
                )
        else:
            problem = run_side(
                harness, side, output, side_extra(side), beat, counting=counting is not None
            )
        if problem is not None and not problem.deterministic:
            progress.line(
                f"round {index + 1}: {side.name} failed ({problem.summary()}); retrying once"
            )
            problem = run_side(
                harness, side, output, side_extra(side), beat, counting=counting is not None
            )
        if (
            problem is not None
            and problem.returncode == 5
            and any(arg.startswith("--perfgate-shard") for arg in extra)
        ):
            raise EmptyShardError(f"pytest collected no benchmark of this shard ({side.name})")
        if problem is not None:
            for line in problem.details():
                progress.line(f"{side.name}: {line}")
            how = (
                "failed, not retried (a collection or usage error does not go away)"
                if problem.deterministic
                else "failed twice"
            )
            hint = (
                import_hint(problem.reason, side.cwd)
                if harness.type == "pytest-benchmark"
                else None
            )
            raise HarnessError(
                f"the {side.name} side {how} in round {index + 1} ({problem.summary()}); "
                f"the {index} finished rounds are in {out}; the full log is {problem.log}"
                + (f". {hint}" if hint else "")
            )
        timings.append(f"{side.name} {time.monotonic() - began:.1f} s")
        for kind, calls in (count_calls or {}).items():
            began = time.monotonic()
            output = out / side.name / f"{kind}-{index:03d}.json"
            why = _counted(harness, side, kind, output, counts_file, calls, extra, beat)
            if why is not None:
                raise HarnessError(
                    f"counting the {side.name} side's {kind} failed in round {index + 1} ({why})"
                )
            timings.append(f"{side.name} {kind} {time.monotonic() - began:.1f} s")
    return timings


def _lockstep(
    harness: Harness,
    order: Sequence[Side],
    out: Path,
    index: int,
    side_extra: Callable[[Side], tuple[str, ...]],
    *,
    counting: bool,
) -> dict[str, tuple[HarnessFailure | None, float]]:
    """Both sides of a round at once, taking turns (the first in ``order`` holds the first
    turn): each side's failure (None: its round file is written) and seconds. Each reads its
    turn from a pipe the other writes to; this process closes its copies once both run, so a
    side whose partner ended reads the end of its pipe and runs on alone."""
    first_in, first_out = os.pipe()  # the first side reads its turns from first_in
    second_in, second_out = os.pipe()
    ends: dict[str, TurnEnds] = {
        order[0].name: (first_in, second_out, True),
        order[1].name: (second_in, first_out, False),
    }
    fds = [first_in, first_out, second_in, second_out]
    lock = threading.Lock()
    waiting = [len(order)]

    def close_fds() -> None:
        with lock:
            while fds:
                os.close(fds.pop())

    def started() -> None:
        with lock:
            waiting[0] -= 1
            last = waiting[0] == 0
        if last:
            close_fds()

    def job(side: Side) -> Callable[[], tuple[HarnessFailure | None, float]]:
        def run() -> tuple[HarnessFailure | None, float]:
            began = time.monotonic()
            output = out / side.name / f"round-{index:03d}.json"
            problem = run_side(
                harness, side, output, side_extra(side), counting=counting,
                turns=ends[side.name], started=started,
            )  # fmt: skip
            return problem, time.monotonic() - began

        return run

    try:
        results = at_once([job(side) for side in order])
    finally:
        close_fds()  # a side that never started: the other must not wait for it
    return {side.name: result for side, result in zip(order, results, strict=True)}


_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([A-Za-z_][\w]*)'")
_NOT_SUITE = {".git", ".perfgate", ".nox", ".tox", ".venv", "venv", "node_modules", "build"}


def import_hint(reason: str, root: Path) -> str | None:
    """What to do when a benchmark file imports a module beside it by its bare name: perfgate
    runs pytest with ``--import-mode=importlib`` (so that base's side never imports head's
    code from the working directory), where a test's folder is not on ``sys.path``. None when
    the missing module is not a file of the suite's tree."""
    found = _MISSING_MODULE.search(reason)
    if found is None:
        return None
    name = found.group(1)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_SUITE and not d.startswith("."))
        if f"{name}.py" in files:
            where = Path(folder).relative_to(root)
            return (
                f"{where / (name + '.py')} is there, but perfgate runs pytest with "
                "--import-mode=importlib, which puts no test folder on sys.path: add a "
                f"conftest.py in {where} that inserts its folder into sys.path, or import "
                f"{name} from a package"
            )
    return None


def run_rounds(
    sides: Sequence[Side],
    plan: RoundPlan,
    harness: Harness,
    out: Path,
    *,
    extra: Sequence[str] = (),
    can_stop: Callable[[int], bool] | None = None,
    progress: Progress | None = None,
    count_calls: Mapping[str, int] | None = None,
    only: Callable[[], Sequence[str] | None] | None = None,
    start: Sequence[str] | None = None,
) -> int:
    """Run rounds until ``can_stop(rounds_done)`` (checked from ``min_rounds`` on), the time
    budget, or ``max_rounds``. Returns the number of finished rounds. With ``count_calls``,
    each side's timing run is followed by a run per count it names (``instructions-NNN``,
    ``bytecodes-NNN`` beside ``round-NNN``, in the same interleaved order). ``only``, asked
    after each ``can_stop`` that did not stop, names the benchmarks the next round runs (None: all);
    ``start`` the ones every round runs until then (None: all)."""
    for side in sides:
        folder = out / side.name
        if folder.exists():
            shutil.rmtree(folder)  # rounds of an earlier run must not mix into this one
        folder.mkdir(parents=True)
    progress = progress or Quiet()
    rng = random.Random(plan.seed)  # noqa: S311 - an order of sides, not a secret
    started = time.monotonic()
    done = 0
    # harness arguments that narrow the next round
    selection: tuple[str, ...] = selection_args(harness, start)
    if lockstep_here(harness) and len(sides) == 2:
        progress.line(
            "lockstep: base and head run at once in each round, taking turns every "
            f"{QUANTUM * 1e3:g} ms of the timer's clock (harness.lockstep)"
        )
    progress.rounds(done, plan.max_rounds)
    counting = dict(count_calls or {})
    while done < plan.max_rounds:
        elapsed = time.monotonic() - started
        if done and elapsed + elapsed / done > plan.time_budget:
            progress.line(f"time budget of {plan.time_budget:.0f} s reached after {done} rounds")
            break
        order = list(sides)
        rng.shuffle(order)
        try:
            timings = _one_round(
                harness,
                order,
                out,
                index=done,
                extra=(*extra, *selection),
                progress=progress,
                count_calls=counting,
            )
        except KeyboardInterrupt as exc:
            # a half-finished round would pair one side's round with nothing: drop it
            for side in sides:
                for stem in ("round", *COUNTS):
                    (out / side.name / f"{stem}-{done:03d}.json").unlink(missing_ok=True)
            raise RunInterruptedError(done, plan.max_rounds, signal_name(exc)) from None
        done += 1
        progress.line(f"round {done}/{plan.max_rounds}: " + ", ".join(timings))
        progress.rounds(done, plan.max_rounds)
        for kind in [k for k in counting if done < plan.max_rounds]:
            if instructions.settled([out / side.name for side in sides], kind, done):
                del counting[kind]
                progress.line(
                    f"{kind}: every count the same in all {done} rounds on every side; the "
                    "next rounds time without counting"
                )
        early = plan.min_rounds <= done < plan.max_rounds
        if can_stop is not None and early and can_stop(done):
            progress.line(f"the verdict is decided after {done} rounds: stopping")
            break
        if only is not None and early:
            selection = selection_args(harness, only() or start)
    return done


def selection_args(harness: Harness, names: Sequence[str] | None) -> tuple[str, ...]:
    """The harness arguments that run only ``names`` (report names: pytest node ids, asv
    benchmark names, perhaps with a ``(peak memory)`` suffix or asv parameters); none when
    ``names`` is None or the harness cannot narrow (asv given ``--bench`` by the user: a
    second one would add to it, not narrow it; a pyperf script or a command)."""
    if names is None:
        return ()
    bare = sorted({names_rule.bare(name) for name in names})
    if harness.type == "pytest-benchmark":
        return tuple(f"--perfgate-only={name}" for name in bare)
    if harness.type != "asv":  # a pyperf script or a command: every benchmark, every round
        return ()
    if any(arg in ("-b", "--bench") or arg.startswith("--bench=") for arg in harness.args):
        return ()
    stems = sorted({name.split("(", 1)[0] for name in bare})
    return ("--bench", "^(" + "|".join(re.escape(stem) for stem in stems) + ")$")
