"""perfgate's vocabulary and its options, each declared once (standard library only).

The words of DESIGN.md section 3 as Literal types with their choices in order of rank, and a
table of the options a user sets: the CLI flag, the Action input and the ``perfgate.yml`` key
of each, its choices and its default. ``_cli`` and ``github.inputs`` read this table; ``config``
takes its choices from the Literals here, and tests/test_options.py checks its defaults and the
choices it names against the table;
nothing here imports numpy, scipy, rich or PyYAML, so ``perfgate --help`` stays light.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

Verdict = Literal["pass", "fail", "inconclusive"]  # inconclusive: nothing could be assessed
Kind = Literal["check", "compare"]
Severity = Literal["none", "minor", "major", "critical"]
ChangeInterval = Literal["suite-wide", "one-sided"]  # what a change's (low, high) is
Status = Literal["none", "ok", "slow", "warning", "critical"]  # "none": no budget applies
BudgetStatus = Literal["ok", "slow", "warning", "critical"]
FailOn = Literal["critical", "major", "warning", "inconclusive", "never"]
Direction = Literal["lower", "higher"]  # which way is better
ChangeDirection = Literal["slower", "faster", "unchanged", "inconclusive"]
HarnessType = Literal["pytest-benchmark", "asv", "pyperf", "command"]
# harness.timer: auto (wall-minus-runqueue where Linux's schedstat is, else wall), the wall
# clock, the process's CPU time, or the wall clock less the time spent waiting for a CPU
Timer = Literal["auto", "wall", "cpu", "wall-minus-runqueue"]
Metric = Literal["p50", "p95", "p99", "mean", "min", "max"]
IntervalMethod = Literal["round-bootstrap", "within-process", "none"]
AnnotationLevel = Literal["error", "warning", "notice"]
# what a row shows, the first that applies (perfgate.decisions.gate.finding): a slowdown of a
# grade, a budget not met, a comparison the run could not decide, an improvement of a grade
RowFinding = Literal["slowdown", "budget", "inconclusive", "improvement"]

VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
KINDS: tuple[Kind, ...] = get_args(Kind)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
STATUSES: tuple[Status, ...] = get_args(Status)
BUDGET_STATUSES: tuple[BudgetStatus, ...] = get_args(BudgetStatus)
FAIL_ON: tuple[FailOn, ...] = get_args(FailOn)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
CHANGE_DIRECTIONS: tuple[ChangeDirection, ...] = get_args(ChangeDirection)
HARNESS_TYPES: tuple[HarnessType, ...] = get_args(HarnessType)
TIMERS: tuple[Timer, ...] = get_args(Timer)
METRICS: tuple[Metric, ...] = get_args(Metric)
INTERVAL_METHODS: tuple[IntervalMethod, ...] = get_args(IntervalMethod)

# the severities a slowdown is graded at, mildest first ("none" is not a grade), and worst first
GRADES: tuple[Severity, ...] = SEVERITIES[1:]
GRADES_WORST_FIRST: tuple[Severity, ...] = tuple(reversed(GRADES))
# `profile: {severity: ...}`: the mildest slowdown profiled, or off
ProfileSeverity = Severity | Literal["off"]
PROFILE_SEVERITIES: tuple[str, ...] = (*GRADES, "off")
# `fail-on`: the mildest grade of slowdown that fails the gate (None: no slowdown fails)
FAIL_ON_GRADE: dict[FailOn, Severity | None] = {
    "critical": "critical",
    "major": "major",
    "warning": "minor",
    "inconclusive": "critical",  # and every row the run could not decide
    "never": None,
}

SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(SEVERITIES)}
STATUS_RANK: dict[Status, int] = {s: i for i, s in enumerate(STATUSES)}

# Exit codes, the same in every command (README, "Exit codes"): 0 passed or done, 1 the gate failed
# (bisect: no commit found), 2 bad input or usage (history import: some files skipped, the
# rest imported), 130 and 143 interrupted by SIGINT or SIGTERM
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
EXIT_SKIPPED = EXIT_USAGE  # history import: files skipped (each said why), the rest imported
EXIT_NOT_FOUND = EXIT_FAIL  # bisect: no commit makes the step

INPUT_FORMATS = ("auto", "pytest-benchmark", "asv", "pyperf", "native")
# history show/detect/site/notify --metric: the statistics a history stores per commit (p50
# first, the default: the level asv tracks too)
HISTORY_METRICS = ("p50", "p25", "p95", "p99", "mean", "min", "max")
# history detect: the smallest step reported (5%); a change-point default the CLI shows
DEFAULT_MIN_CHANGE = 0.05
# history detect/site/notify --drift: the total slowdown since the reference that is flagged
# even where no single step was (the pull-request gate's minor threshold)
DEFAULT_DRIFT = 0.10

# The output formats: name -> (its renderer as "module:function", the file suffixes that choose
# it for --output). A renderer is ``f(report, *, width=None) -> str``; adding a format is one
# line here, the renderer module and its test.
RENDERERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "table": ("perfgate.report.table:render_table", ()),
    "markdown": ("perfgate.report.markdown:render_markdown", (".md", ".markdown")),
    "json": ("perfgate.report.json:render_json", (".json",)),
    "junit": ("perfgate.report.junit:render_junit", (".xml",)),
}
REPORT_FORMATS = tuple(RENDERERS)


# `history detect --method`: perfgate.decisions.changepoints.SEGMENTERS' names (a test checks),
# the first the default; here so that --help imports no numpy
CHANGE_POINT_METHODS = (
    "pelt-l1", "asv-recursive+pelt-l1", "asv-recursive", "asv", "pelt-l2", "binseg-l2",
)  # fmt: skip


class Option(NamedTuple):
    """One setting a user can make, with every name it goes by. (A NamedTuple, not a
    dataclass: ``perfgate --help`` loads this module, and dataclasses is slow to import:
    docs/performance.md.)"""

    name: str  # the Python name (``fail_on``)
    flag: str | None  # the CLI flag (``--fail-on``)
    action_input: str | None  # the Action's input (``fail-on``)
    config_key: str | None  # the key path in perfgate.yml (``fail-on``, ``rounds.time-budget``)
    choices: tuple[str, ...] | None
    default: str | None
    help: str

    @property
    def env_var(self) -> str | None:
        """The variable action.yml hands the input through (``PERFGATE_INPUT_FAIL_ON``)."""
        if self.action_input is None:
            return None
        return "PERFGATE_INPUT_" + self.action_input.upper().replace("-", "_")


OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        Option(
            name="fail_on",
            flag="--fail-on",
            action_input="fail-on",
            config_key="fail-on",
            choices=FAIL_ON,
            default="critical",
            help="what fails the gate (default: perfgate.yml `fail-on`, else critical)",
        ),
        Option(
            name="accept",
            flag="--accept",
            action_input=None,  # a pull request accepts a slowdown by its own means, not an input
            config_key=None,  # never in a file: it would pass the next, unrelated slowdown too
            choices=None,
            default=None,
            help="a benchmark whose slowdown (or budget) is intended: it passes the gate and is "
            "shown as accepted; full or short name, with =REASON; repeatable",
        ),
        Option(
            name="time_budget",
            flag="--time-budget",
            action_input="time-budget",
            config_key="rounds.time-budget",
            choices=None,
            default="10min",
            help="stop starting rounds after this long, e.g. 10min "
            "(default: perfgate.yml, else 10min)",
        ),
        Option(
            name="rounds",
            flag="--rounds",
            action_input="rounds",
            config_key=None,  # perfgate.yml sets rounds.min and rounds.max instead
            choices=None,
            default=None,
            help="a fixed number of rounds (default: adaptive, per perfgate.yml)",
        ),
        Option(
            name="config",
            flag="--config",
            action_input="config",
            config_key=None,
            choices=None,
            default=None,
            help="config file (default: ./perfgate.yml, else pyproject.toml [tool.perfgate], "
            "else no budgets)",
        ),
        Option(
            name="metric",
            flag=None,
            action_input=None,
            config_key="metric",
            choices=METRICS,
            default="p95",
            help="the statistic budgets and tables use",
        ),
        Option(
            name="harness_type",
            flag=None,
            action_input=None,
            config_key="harness.type",
            choices=HARNESS_TYPES,
            default="pytest-benchmark",
            help="the harness perfgate runs",
        ),
        Option(
            name="format",
            flag="--format",
            action_input=None,
            config_key=None,
            choices=REPORT_FORMATS,
            default="table",
            help="report format (default: table)",
        ),
        Option(
            name="input_format",
            flag="--input-format",
            action_input=None,
            config_key=None,
            choices=INPUT_FORMATS,
            default="auto",
            help="result format (default: detected per file)",
        ),
    )
}
