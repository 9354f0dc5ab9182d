"""``perfgate.yml`` (or ``[tool.perfgate]`` in pyproject.toml) -> a typed, validated Config.

Every problem is collected and reported together, each with file:line and a key path such as
``budgets["parse_*"].critical``. Unknown keys get a "did you mean".

Budgets: a mapping from a name glob (``fnmatch`` syntax, matched against a benchmark's full and
short name; the first matching budget in file order applies) to ``target`` and optional
``warning`` (default 1.2 x target), ``critical`` (default 1.5 x target) and ``metric``
(default: the top-level ``metric``, itself p95 by default). For a higher-is-better budget
(``direction: higher``, e.g. throughput) the defaults are target / 1.2 and target / 1.5.
Values carry units (``1.5us``, ``200ms``, ``2s``, ``500MB``, ``1GiB``); a bare number is in the
benchmark's own unit.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from perfgate import units
from perfgate.errors import ConfigError, ConfigProblem, UsageError
from perfgate.options import (
    DIRECTIONS,
    FAIL_ON,
    GRADES,
    HARNESS_TYPES,
    METRICS,
    PROFILE_SEVERITIES,
    TIMERS,
    FailOn,
    HarnessType,
    Metric,
    ProfileSeverity,
    Severity,
    Timer,
)

CONFIG_VERSION = 1
_Choice = TypeVar("_Choice", bound=str)
CONFIG_FILENAMES = ("perfgate.yml", "perfgate.yaml")
DEFAULT_WARNING_FACTOR = 1.2
DEFAULT_CRITICAL_FACTOR = 1.5

_TOP_KEYS = (
    "version",
    "metric",
    "fail-on",
    "budgets",
    "regression",
    "rounds",
    "harness",
    "history",
    "profile",
    "metrics",
    "calibration",
)
_CALIBRATION_KEYS = ("reference", "workload")
METRIC_KINDS = ("time", *units.COUNTS)  # time, and the exact counts beside it
_HISTORY_KEYS = ("db", "base")
# `history: {base: ...}`: what an A/B run compares head with (docs/ab-gate.md, "Stored base first")
HISTORY_BASES = ("same-job", "stored-first")
HistoryBase = Literal["same-job", "stored-first"]
_PROFILE_KEYS = ("severity", "calls", "seconds", "top")
_REGRESSION_KEYS = (*GRADES, "alpha")  # percentages
_REGRESSION_ALL_KEYS = (*_REGRESSION_KEYS, "statistic")
_ROUNDS_KEYS = ("min", "max", "time-budget", "per-benchmark")
_HARNESS_KEYS = (
    "type", "args", "install", "command", "suite", "asv-config", "memory", "timer", "lockstep",
)  # fmt: skip
_BUDGET_KEYS = ("target", "warning", "critical", "metric", "direction")


@dataclass(frozen=True, kw_only=True)
class BudgetRule:
    """One budget: limits on a metric for the benchmarks whose name matches ``pattern``."""

    pattern: str
    target: float
    warning: float
    critical: float
    unit: str  # "s", "B", or "" (a bare number: the benchmark's own unit)
    metric: Metric
    direction: Literal["lower", "higher"] = "lower"
    where: str = ""  # "perfgate.yml:4", for messages


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """Relative change head/base at which a slowdown becomes minor, major or critical, and the
    suite-wide false-alarm rate (Holm) at which a change counts as significant."""

    minor: float = 0.10
    major: float = 0.20
    critical: float = 0.50
    alpha: float = 0.05

    def limit(self, grade: Severity) -> float:
        """The relative slowdown at which ``grade`` begins (a field named after the grade)."""
        value: float = getattr(self, grade)
        return value


@dataclass(frozen=True, kw_only=True)
class RoundsPolicy:
    """How many interleaved rounds `perfgate run --base` may use (adaptive stopping)."""

    min: int = 3
    max: int = 10
    time_budget: float = 600.0  # seconds
    # after `min` rounds, run only the benchmarks still undecided (and a few decided ones
    # beside them, to follow the machine's speed); false: every round runs every benchmark
    per_benchmark: bool = True


@dataclass(frozen=True, kw_only=True)
class Harness:
    """How `perfgate run` runs the benchmarks. ``install`` entries are pip arguments, with
    ``{tree}`` standing for the side's source tree; ``suite`` is ``head`` (the suite of head
    runs against both sides, like asv) or ``own`` (each side runs its own suite). For asv,
    ``args`` go to ``asv run`` and ``asv_config`` names the asv config, relative to the
    directory perfgate runs in. ``memory`` (pytest-benchmark only) loads perfgate's pytest
    plugin, which adds a ``NAME (peak memory)`` benchmark beside each timed one. ``timer``
    (pytest-benchmark only): ``wall`` (pytest-benchmark's default, ``time.perf_counter``) or
    ``cpu`` (``time.process_time``: the process's CPU time, which another process on the
    machine does not inflate, so budgets set on a quiet machine hold on a busy one; time spent
    sleeping, in I/O or waiting on a lock is not counted, so use it for CPU-bound suites),
    ``wall-minus-runqueue`` (Linux: the wall clock less the time the benchmark's thread waited
    for a CPU while other processes ran; sleeping, I/O and waits still count) or ``auto`` (the
    default: ``wall-minus-runqueue`` where the machine has Linux's schedstat, else ``wall``;
    asv, pyperf and command harnesses time themselves). For pyperf, ``args`` are the script and
    its arguments (``[benchmarks/bench.py]``, or ``[-m, pyperf, timeit, ...]``), run by the
    side's Python with one worker process a round unless they give ``--processes``."""

    type: HarnessType = "pytest-benchmark"
    args: tuple[str, ...] = ("--benchmark-only",)
    install: tuple[str, ...] = ("{tree}", "pytest", "pytest-benchmark")
    command: tuple[str, ...] = ()  # type "command": argv with {output} for the result file
    suite: Literal["head", "own"] = "head"
    asv_config: str = "asv.conf.json"
    memory: bool = False
    timer: Timer = "auto"
    # pytest-benchmark, POSIX: base's and head's processes of a round run at once and take
    # turns every few milliseconds of the timer's clock, so both see the same moments of the
    # machine (docs/performance.md, "Lockstep pairing": a third of the per-round spread);
    # other harnesses time themselves and never do
    lockstep: bool = True
    # not a key of perfgate.yml: set when the config judges budgets against a calibration
    # reference, so that each pytest-benchmark sample is timed beside a calibration
    calibrated: bool = False


# what a harness type runs with when the config does not say: asv gets one process per round
# (a round is then one fresh process per side, as with the other harnesses)
_TYPE_DEFAULTS: dict[str, dict[str, tuple[str, ...]]] = {
    "pytest-benchmark": {},
    "asv": {"args": ("--attribute", "processes=1"), "install": ("{tree}",)},
    # a pyperf script's own arguments are its args; perfgate adds --processes=1 (one worker
    # process a round, like asv) unless they say otherwise
    "pyperf": {"install": ("{tree}", "pyperf")},
    "command": {"args": ()},
}


@dataclass(frozen=True, kw_only=True)
class ProfilePolicy:
    """Which slowdowns `perfgate run` profiles after its rounds (pytest-benchmark suites): those
    of ``severity`` or worse (``off``: none), each function ``calls`` times per side under
    cProfile, or fewer once its profiled calls took ``seconds`` (at least one call); the
    ``top`` functions by added time kept in the report.

    ``seconds`` is 0.1 by default. cProfile counts calls exactly and the rounds have already
    measured how much slower a benchmark is; the profile only says where the time went, which
    a few calls of a slow function show as well as twenty. Twenty calls of a 100 ms function
    would cost each side 2 s after its rounds; pytest-benchmark's own ``--benchmark-cprofile``
    profiles a single call."""

    severity: ProfileSeverity = GRADES[0]
    calls: int = 20
    seconds: float = 0.1
    top: int = 10


@dataclass(frozen=True, kw_only=True)
class Config:
    version: int = CONFIG_VERSION
    metric: Metric = "p95"
    fail_on: FailOn = "critical"
    budgets: tuple[BudgetRule, ...] = ()
    regression: Thresholds = field(default_factory=Thresholds)
    rounds: RoundsPolicy = field(default_factory=RoundsPolicy)
    harness: Harness = field(default_factory=Harness)
    history_db: str | None = None  # `history: {db: PATH}`; relative to where perfgate runs
    # `history: {base: stored-first}`: an A/B run first clears what head's own rounds show
    # unchanged against the history's stored runs of this machine, and measures the same-job
    # base only for the rest; `same-job` (the default) measures it for every benchmark
    history_base: HistoryBase = "same-job"
    profile: ProfilePolicy = field(default_factory=ProfilePolicy)
    # what `perfgate run` measures: time always; `instructions` adds a counting run per side
    # and round under valgrind, `bytecodes` one counting Python's bytecodes (pytest-benchmark
    # suites)
    metrics: tuple[str, ...] = ("time",)
    # the statistic the regression decision compares, when the config names one
    # (`regression: {statistic: ...}`); None: the default
    # (perfgate.decisions.compare.DEFAULT_STATISTIC)
    statistic: str | None = None
    # `calibration: {reference: 0.62ms, workload: 1}`: the calibration workload's CPU time on
    # the machine the budgets were set on (`perfgate budgets calibrate`); budgets are then
    # judged on values scaled by reference / this round's calibration. None: not scaled.
    calibration: float | None = None
    # `--accept NAME[=REASON]` (the command line only: an acceptance in a file would pass the
    # next, unrelated slowdown of the same benchmark too): name -> reason
    accepted: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None  # the file it came from; None for built-in defaults


@dataclass
class _Context:
    """Collects problems while a config is validated."""

    file: str
    lines: Mapping[tuple[Any, ...], int]
    problems: list[ConfigProblem] = field(default_factory=list)

    def line(self, path: tuple[Any, ...]) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(ConfigProblem(self.file, self.line(path), _key_path(path), message))

    def where(self, path: tuple[Any, ...]) -> str:
        line = self.line(path)
        return self.file if line is None else f"{self.file}:{line}"


def _key_path(path: tuple[Any, ...]) -> str:
    """``("budgets", "parse_*", "critical") -> 'budgets["parse_*"].critical'``."""
    text = ""
    previous: Any = None
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif previous == "budgets":
            text += f'["{part}"]'  # a glob, not a key: always quoted
        else:
            text += f".{part}" if text else str(part)
        previous = part
    return text


def _brief(value: object, limit: int = 40) -> str:
    """A value for a one-line message: its repr, cut at ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def find_config(explicit: Path | None, folder: Path) -> Path | None:
    """The config to use: ``--config``, else perfgate.yml, else pyproject.toml [tool.perfgate]."""
    if explicit is not None:
        return explicit
    for name in CONFIG_FILENAMES:
        if (folder / name).is_file():
            return folder / name
    pyproject = folder / "pyproject.toml"
    return pyproject if pyproject.is_file() and _has_perfgate_table(pyproject) else None


def _has_perfgate_table(pyproject: Path) -> bool:
    """Whether pyproject.toml configures perfgate, as TOML sees it (``[tool.perfgate]``, a
    dotted ``perfgate.budgets...`` under ``[tool]``, an inline table). A file that does not
    parse counts when it names perfgate at all, so that its error is reported, not ignored."""
    try:
        raw = pyproject.read_bytes()
    except OSError:
        return False
    try:
        document = _toml().loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        return b"perfgate" in raw
    tool = document.get("tool")
    return isinstance(tool, dict) and "perfgate" in tool


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415

        return tomllib
    import tomli  # noqa: PLC0415  # pragma: no cover - Python 3.10 only

    return tomli


def load_config(path: Path | None) -> Config:
    """Load and validate; no file means the defaults (no budgets)."""
    if path is None:
        return Config()
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(shown, None, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(shown, None, "", f"cannot read: {exc}")]) from None
    if path.suffix == ".toml":
        data, lines, prefix = _parse_toml(text, shown)
    else:
        data, lines, prefix = _parse_yaml(text, shown)
    context = _Context(shown, lines)
    config = _validate(data, context, prefix)
    if context.problems:
        # in file order, so the list reads top to bottom like the file
        raise ConfigError(sorted(context.problems, key=lambda p: p.line or 0))
    return config


def _parse_yaml(text: str, shown: str) -> tuple[Any, dict[tuple[Any, ...], int], tuple[Any, ...]]:
    import yaml  # noqa: PLC0415 - keep `perfgate --help` fast

    from perfgate._yaml_lines import (  # noqa: PLC0415
        DuplicateKeyError,
        TooLargeError,
        load_with_lines,
    )

    try:
        data, lines = load_with_lines(text)
    except DuplicateKeyError as exc:
        problem = ConfigProblem(shown, exc.line, _key_path(exc.path), str(exc))
        raise ConfigError([problem]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError([ConfigProblem(shown, line, "", f"invalid YAML: {reason}")]) from None
    except TooLargeError as exc:
        raise ConfigError([ConfigProblem(shown, exc.line, "", str(exc))]) from None
    except RecursionError:
        raise ConfigError([ConfigProblem(shown, None, "", "YAML nested too deeply")]) from None
    except ValueError as exc:  # Python's own limits: an integer of over 4,300 digits
        reason = str(exc).splitlines()[0]
        raise ConfigError([ConfigProblem(shown, None, "", f"invalid YAML: {reason}")]) from None
    return data, lines, ()


def _parse_toml(text: str, shown: str) -> tuple[Any, dict[tuple[Any, ...], int], tuple[Any, ...]]:
    try:
        document = _toml().loads(text)
    except ValueError as exc:  # TOMLDecodeError, and Python's own limits on numbers
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError([ConfigProblem(shown, None, "", f"invalid TOML: {reason}")]) from None
    except RecursionError:
        raise ConfigError([ConfigProblem(shown, None, "", "TOML nested too deeply")]) from None
    tool = document.get("tool")
    data = tool.get("perfgate") if isinstance(tool, dict) else None
    if data is None:
        raise ConfigError([ConfigProblem(shown, None, "", "no [tool.perfgate] table")])
    # tomllib keeps no positions; the key path alone locates a problem.
    return data, {}, ("tool", "perfgate")


def _validate(data: Any, ctx: _Context, prefix: tuple[Any, ...]) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        ctx.add(prefix, "the config must be a mapping of keys (version, metric, budgets, ...)")
        return Config(source=ctx.file)
    _unknown_keys(data, _TOP_KEYS, prefix, ctx)
    version = data.get("version")
    if version is None:
        ctx.add((*prefix, "version"), f"missing; write `version: {CONFIG_VERSION}` first")
    elif version != CONFIG_VERSION:
        ctx.add(
            (*prefix, "version"),
            f"config version {_brief(version)} not supported (supported: {CONFIG_VERSION})",
        )
    metric = _choice(data, "metric", METRICS, "p95", prefix, ctx=ctx)
    fail_on = _choice(data, "fail-on", FAIL_ON, "critical", prefix, ctx=ctx)
    budgets = _budgets(data.get("budgets"), metric, (*prefix, "budgets"), ctx)
    calibration = _calibration(data.get("calibration"), (*prefix, "calibration"), ctx)
    harness = _harness(data.get("harness"), (*prefix, "harness"), ctx)
    if calibration is not None and budgets:
        harness = replace(harness, calibrated=True)
    return Config(
        metric=metric,
        fail_on=fail_on,
        budgets=budgets,
        regression=_regression(data.get("regression"), (*prefix, "regression"), ctx),
        statistic=_statistic(data, prefix, ctx),
        rounds=_rounds(data.get("rounds"), (*prefix, "rounds"), ctx),
        harness=harness,
        history_db=_history_db(data.get("history"), (*prefix, "history"), ctx),
        history_base=_history_base(data.get("history"), (*prefix, "history"), ctx),
        profile=_profile(data.get("profile"), (*prefix, "profile"), ctx),
        metrics=_metrics(data.get("metrics"), (*prefix, "metrics"), ctx),
        calibration=calibration,
        source=ctx.file,
    )


def _calibration(data: Any, path: tuple[Any, ...], ctx: _Context) -> float | None:
    if data is None:
        return None
    from perfgate.pytest_plugin.perfgate_calibration import VERSION  # noqa: PLC0415

    section = _section(data, _CALIBRATION_KEYS, path, ctx)
    workload = section.get("workload")
    if workload != VERSION:
        ctx.add(
            (*path, "workload"),
            f"{_brief(workload)} is not this perfgate's calibration workload ({VERSION}): "
            "measure the reference again with `perfgate budgets calibrate`",
        )
        return None
    given = section.get("reference")
    if isinstance(given, bool) or not isinstance(given, (str, int, float)):
        ctx.add((*path, "reference"), "missing: a duration like 0.62ms")
        return None
    try:
        return units.parse_duration(str(given))
    except units.UnitError as exc:
        ctx.add((*path, "reference"), str(exc))
        return None


def _metrics(data: Any, path: tuple[Any, ...], ctx: _Context) -> tuple[str, ...]:
    if data is None:
        return ("time",)
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        ctx.add(path, "must be a list such as [time, bytecodes]")
        return ("time",)
    unknown = [item for item in data if item not in METRIC_KINDS]
    if unknown:
        ctx.add(path, f"{unknown[0]!r} is not one of {', '.join(METRIC_KINDS)}")
        return ("time",)
    if "time" not in data:
        ctx.add(path, "must include time (perfgate always times; counts come beside it)")
        return ("time",)
    return tuple(dict.fromkeys(data))


def _profile(data: Any, path: tuple[Any, ...], ctx: _Context) -> ProfilePolicy:
    section = _section(data, _PROFILE_KEYS, path, ctx)
    defaults = ProfilePolicy()
    severity = section.get("severity", defaults.severity)
    if severity not in PROFILE_SEVERITIES:
        ctx.add((*path, "severity"), f"{severity!r} is not one of {', '.join(PROFILE_SEVERITIES)}")
        severity = defaults.severity
    counts = {}
    for key, limit in (("calls", 10_000), ("top", 100)):
        value = section.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            ctx.add((*path, key), f"{value!r} must be a whole number from 1 to {limit:,}")
            value = getattr(defaults, key)
        counts[key] = value
    seconds = section.get("seconds", defaults.seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 3600:
        ctx.add(
            (*path, "seconds"), f"{seconds!r} must be a number of seconds above 0, at most 3,600"
        )
        seconds = defaults.seconds
    return ProfilePolicy(
        severity=severity, calls=counts["calls"], seconds=float(seconds), top=counts["top"]
    )


def _history_db(data: Any, path: tuple[Any, ...], ctx: _Context) -> str | None:
    section = _section(data, _HISTORY_KEYS, path, ctx)
    value = section.get("db")
    if value is not None and (not isinstance(value, str) or not value):
        ctx.add((*path, "db"), "must be a path (the history database file)")
        return None
    return value


def _history_base(data: Any, path: tuple[Any, ...], ctx: _Context) -> HistoryBase:
    # the section's keys are checked once, by _history_db
    value = data.get("base", "same-job") if isinstance(data, dict) else "same-job"
    if value not in HISTORY_BASES:
        ctx.add((*path, "base"), f"{value!r} must be one of {', '.join(HISTORY_BASES)}")
        return "same-job"
    return cast("HistoryBase", value)


def _section(
    data: Any, keys: tuple[str, ...], path: tuple[Any, ...], ctx: _Context
) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        ctx.add(path, f"must be a mapping with keys {', '.join(keys)}")
        return {}
    _unknown_keys(data, keys, path, ctx)
    return data


def _regression(data: Any, path: tuple[Any, ...], ctx: _Context) -> Thresholds:
    section = _section(data, _REGRESSION_ALL_KEYS, path, ctx)
    defaults = Thresholds()
    values: dict[str, float] = {}
    for key in _REGRESSION_KEYS:
        if key not in section:
            values[key] = getattr(defaults, key)
            continue
        try:
            number, unit = units.parse_quantity(section[key])
        except units.UnitError as exc:
            ctx.add((*path, key), str(exc))
            continue
        if unit != "%" or not 0 < number < (1 if key == "alpha" else 100):
            ctx.add((*path, key), f"{section[key]} must be a percentage like 10%")
            continue
        values[key] = number
    limits = [values[grade] for grade in GRADES if grade in values]
    if len(values) == len(_REGRESSION_KEYS) and limits != sorted(limits):
        ctx.add(path, "thresholds must be in order: " + " <= ".join(GRADES))
    return Thresholds(**values) if len(values) == len(_REGRESSION_KEYS) else defaults


def _statistic(data: dict[str, Any], prefix: tuple[Any, ...], ctx: _Context) -> str | None:
    section = data.get("regression")
    if isinstance(section, dict) and "statistic" in section:
        value = section["statistic"]
        if not isinstance(value, str) or not _is_statistic(value):
            ctx.add(
                (*prefix, "regression", "statistic"),
                f"{value!r} is not a statistic: p1 ... p99, mean, min or max",
            )
            return None
        return value
    # not `metric:`: `perfgate init` writes `metric: p95` for budgets and tables, and taking it
    # as the decision statistic would bring back the tail that a loaded runner fills with noise
    return None


def _is_statistic(text: str) -> bool:
    if text in ("mean", "min", "max"):
        return True
    return len(text) in (2, 3) and text[0] == "p" and text[1:].isdigit() and 0 < int(text[1:]) < 100


def _rounds(data: Any, path: tuple[Any, ...], ctx: _Context) -> RoundsPolicy:
    section = _section(data, _ROUNDS_KEYS, path, ctx)
    defaults = RoundsPolicy()
    counts: dict[str, int] = {}
    for key in ("min", "max"):
        value = section.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            ctx.add((*path, key), f"{value!r} must be a whole number of rounds >= 1")
            value = getattr(defaults, key)
        counts[key] = value
    if counts["min"] > counts["max"]:
        ctx.add((*path, "min"), f"{counts['min']} is above max {counts['max']}")
    budget = defaults.time_budget
    if "time-budget" in section:
        try:
            budget = units.parse_duration(section["time-budget"])
        except units.UnitError as exc:
            ctx.add((*path, "time-budget"), str(exc))
            budget = defaults.time_budget
    per_benchmark = section.get("per-benchmark", defaults.per_benchmark)
    if not isinstance(per_benchmark, bool):
        ctx.add((*path, "per-benchmark"), f"{per_benchmark!r} must be true or false")
        per_benchmark = defaults.per_benchmark
    return RoundsPolicy(
        min=counts["min"], max=counts["max"], time_budget=budget, per_benchmark=per_benchmark
    )


def _harness(data: Any, path: tuple[Any, ...], ctx: _Context) -> Harness:
    section = _section(data, _HARNESS_KEYS, path, ctx)
    defaults = Harness()
    kind = _choice(section, "type", HARNESS_TYPES, defaults.type, path, ctx=ctx)
    suite = _choice(section, "suite", ("head", "own"), defaults.suite, path, ctx=ctx)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("args", "install", "command"):
        value = section.get(key, getattr(defaults, key))
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            ctx.add((*path, key), "must be a list of strings (arguments, one per item)")
            value = getattr(defaults, key)
        lists[key] = tuple(value)
    if kind == "command" and not lists["command"]:
        ctx.add(path, "type `command` needs `command`, an argv list with {output} in it")
    if kind == "pyperf" and "args" not in section:
        ctx.add(path, "type `pyperf` needs `args`: the pyperf script and its arguments")
    for key, value in _TYPE_DEFAULTS[kind].items():
        if key not in section:
            lists[key] = value
    asv_config = section.get("asv-config", defaults.asv_config)
    if not isinstance(asv_config, str) or not asv_config:
        ctx.add((*path, "asv-config"), "must be a path (the asv config file)")
        asv_config = defaults.asv_config
    memory = _pytest_switch(
        section, "memory", kind, path, ctx, default=False, why="asv has mem_ and peakmem_"
    )
    timer = _choice(section, "timer", TIMERS, defaults.timer, path, ctx=ctx)
    if timer not in ("auto", "wall") and kind != "pytest-benchmark":
        ctx.add(
            (*path, "timer"), f"{timer} is for pytest-benchmark (an asv benchmark sets its own)"
        )
        timer = "auto"
    lockstep = _pytest_switch(
        section, "lockstep", kind, path, ctx, default=True, why="perfgate's timer takes the turns"
    )
    return Harness(
        type=kind,
        args=lists["args"],
        install=lists["install"],
        command=lists["command"],
        suite=suite,
        asv_config=asv_config,
        memory=memory,
        timer=timer,
        lockstep=lockstep,
    )


def _pytest_switch(
    section: Mapping[str, Any],
    key: str,
    kind: str,
    path: tuple[Any, ...],
    ctx: _Context,
    *,
    default: bool,
    why: str,
) -> bool:
    """A true-or-false key of ``harness`` that only a pytest-benchmark suite can have true
    (``default`` for a pytest-benchmark suite, false for the others)."""
    value = section.get(key, default and kind == "pytest-benchmark")
    if not isinstance(value, bool):
        ctx.add((*path, key), "must be true or false")
        return False
    if value and kind != "pytest-benchmark":
        ctx.add((*path, key), f"is for pytest-benchmark ({why})")
        return False
    return value


def _unknown_keys(
    data: Mapping[Any, Any], known: tuple[str, ...], path: tuple[Any, ...], ctx: _Context
) -> None:
    for key in data:
        if key not in known:
            import difflib  # noqa: PLC0415 - only here; keeps start-up light

            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
            ctx.add((*path, key), f"unknown key{hint}")


def _choice(
    data: Mapping[str, Any],
    key: str,
    choices: tuple[_Choice, ...],
    default: _Choice,
    prefix: tuple[Any, ...],
    *,
    ctx: _Context,
) -> _Choice:
    value = data.get(key, default)
    for choice in choices:  # the choice itself, typed as its Literal
        if value == choice and isinstance(value, str):
            return choice
    ctx.add((*prefix, key), f"{value!r} is not one of {', '.join(choices)}")
    return default


def _budgets(
    data: Any, default_metric: Metric, path: tuple[Any, ...], ctx: _Context
) -> tuple[BudgetRule, ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        ctx.add(path, "must be a mapping from a benchmark-name glob to its limits")
        return ()
    rules = []
    for pattern, entry in data.items():
        rule = _budget(str(pattern), entry, default_metric, (*path, pattern), ctx)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _budget(
    pattern: str, entry: Any, default_metric: Metric, path: tuple[Any, ...], ctx: _Context
) -> BudgetRule | None:
    if not isinstance(entry, dict):
        ctx.add(path, "must be a mapping with at least `target` (e.g. `target: 200ms`)")
        return None
    before = len(ctx.problems)
    _unknown_keys(entry, _BUDGET_KEYS, path, ctx)
    metric = _choice(entry, "metric", METRICS, default_metric, path, ctx=ctx)
    direction = _choice(entry, "direction", DIRECTIONS, "lower", path, ctx=ctx)
    if "target" not in entry:
        ctx.add(path, "missing `target` (e.g. `target: 200ms`)")
        return None
    limits: dict[str, tuple[float, str, str]] = {}  # key -> (value, unit, as written)
    for key in ("target", "warning", "critical"):
        if key in entry:
            parsed = _quantity(entry[key], (*path, key), ctx)
            if parsed is not None:
                limits[key] = (*parsed, str(entry[key]))
    if "target" not in limits:
        return None
    target, unit, _ = limits["target"]
    for key in ("warning", "critical"):
        if key in limits and limits[key][1] not in (unit, ""):
            ctx.add(
                (*path, key),
                f"{limits[key][2]} is not in the same unit as target {limits['target'][2]}",
            )
    if len(ctx.problems) > before:
        return None  # comparing limits in different units would only add noise
    higher = direction == "higher"
    for key, factor in (("warning", DEFAULT_WARNING_FACTOR), ("critical", DEFAULT_CRITICAL_FACTOR)):
        if key not in limits:
            value = target / factor if higher else target * factor
            limits[key] = (value, unit, units.format_value(value, unit))
    _check_order(limits, higher, path, ctx)
    if len(ctx.problems) > before:
        return None
    return BudgetRule(
        pattern=pattern,
        target=target,
        warning=limits["warning"][0],
        critical=limits["critical"][0],
        unit=unit,
        metric=metric,
        direction="higher" if higher else "lower",
        where=ctx.where(path),
    )


def _quantity(value: Any, path: tuple[Any, ...], ctx: _Context) -> tuple[float, str] | None:
    try:
        number, unit = units.parse_quantity(value)
    except units.UnitError as exc:
        ctx.add(path, str(exc))
        return None
    if unit == "%":
        ctx.add(path, f"{value} is a percentage; a budget is an absolute value like 200ms")
        return None
    if number <= 0:
        ctx.add(path, f"{value} must be greater than zero")
        return None
    return number, unit


def _check_order(
    limits: Mapping[str, tuple[float, str, str]],
    higher: bool,
    path: tuple[Any, ...],
    ctx: _Context,
) -> None:
    ordered = ("target", "warning", "critical")
    for looser, stricter in itertools.pairwise(ordered):
        a, b = limits[looser], limits[stricter]
        wrong = b[0] > a[0] if higher else b[0] < a[0]
        if wrong:
            side = "above" if higher else "below"
            ctx.add((*path, stricter), f"{b[2]} is {side} {looser} {a[2]}")


def with_overrides(
    config: Config,
    *,
    fail_on: str | None = None,
    time_budget: float | None = None,
    accept: Sequence[str] = (),
) -> Config:
    """``config`` with command-line options in place of its own settings (None keeps them).
    ``accept``: ``NAME`` or ``NAME=REASON`` each."""
    if accept:
        accepted = dict(part.partition("=")[::2] for part in accept)
        if "" in accepted:
            raise UsageError("--accept needs a benchmark's name: --accept NAME[=REASON]")
        config = replace(config, accepted={k.strip(): v.strip() for k, v in accepted.items()})
    if fail_on is not None:
        config = replace(config, fail_on=parse_fail_on(fail_on))
    if time_budget is not None:
        config = replace(config, rounds=replace(config.rounds, time_budget=time_budget))
    return config


def parse_fail_on(text: str) -> FailOn:
    """A ``fail-on`` value from the command line or an Action input; UsageError otherwise."""
    for choice in FAIL_ON:
        if text == choice:
            return choice
    raise UsageError(f"fail-on must be one of {', '.join(FAIL_ON)}, got {text!r}")
