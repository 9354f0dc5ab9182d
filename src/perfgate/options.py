"""perfgate's vocabulary and its options, each declared once (standard library only).

The words of DESIGN.md section 3 as Literal types with their choices in order of rank, and a
table of every option a user sets (:data:`OPTIONS`): the CLI flag and the subcommands that take
it, the Action input and the ``perfgate.yml`` key of each, its choices, default and help.
``_cli`` builds the parser from this table and ``github.inputs`` reads the Action's inputs by
it; ``config`` takes its choices from the Literals here; tests/test_options.py checks that the
parser, action.yml and the config's defaults and choices are the table's;
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


# what an option is to argparse: a value, a switch (store_true), or a value given again for
# more (append); and the type its text is read as ("location": a history file or a
# postgresql:// URL, kept a string)
OptionKind = Literal["value", "switch", "list"]
OptionType = Literal["str", "int", "float", "path", "location"]
# the reporting commands (check, compare, run, merge) share these options
REPORTING = ("check", "compare", "run", "merge")
# the history actions that read a history's change points
STEPPED = ("history detect", "history site", "history notify")
HISTORY = (
    "history import", "history show", "history detect", "history site", "history notify",
    "history baseline", "history accept",
)  # fmt: skip


class Option(NamedTuple):
    """One setting a user can make, with every name it goes by: the CLI flag and the commands
    that take it, the Action input, the perfgate.yml key. (A NamedTuple, not a dataclass:
    ``perfgate --help`` loads this module, and dataclasses is slow to import:
    docs/performance.md.)"""

    name: str  # the key of the table, and the Python name (``fail_on``) unless ``dest``
    flag: str | None  # the CLI flag (``--fail-on``)
    action_input: str | None  # the Action's input (``fail-on``)
    config_key: str | None  # the key path in perfgate.yml (``fail-on``, ``rounds.time-budget``)
    choices: tuple[str, ...] | None
    default: str | int | float | None  # with a config key: the config's default
    help: str
    commands: tuple[str, ...] = ()  # the subcommands that take the flag (``history detect``)
    kind: OptionKind = "value"
    type: OptionType = "str"
    metavar: str | None = None
    dest: str | None = None  # the Python name, when two options share it (``--format``)
    older: tuple[str, ...] = ()  # older spellings of the flag, still taken, not shown
    hidden_choices: tuple[str, ...] = ()  # older choices, still taken, not shown
    required: bool = False

    @property
    def env_var(self) -> str | None:
        """The variable action.yml hands the input through (``PERFGATE_INPUT_FAIL_ON``)."""
        if self.action_input is None:
            return None
        return "PERFGATE_INPUT_" + self.action_input.upper().replace("-", "_")


_DB_HELP = (
    "the history: a file, or postgresql://... shared by several runners (default: "
    "perfgate.yml's history.db, else .perfgate/history.sqlite)"
)
_COMMIT_URL_HELP = (
    "commit link with {commit}, e.g. https://github.com/OWNER/REPO/commit/{commit} (default: "
    "from GITHUB_SERVER_URL and GITHUB_REPOSITORY, else a github.com origin)"
)

OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        # -- the options of the CLI, the Action and perfgate.yml alike
        Option(
            name="config",
            flag="--config",
            action_input="config",
            config_key=None,
            choices=None,
            default=None,
            help="config file (default: ./perfgate.yml, else pyproject.toml [tool.perfgate], "
            "else no budgets)",
            commands=(*REPORTING, "profile", "bisect", "budgets calibrate", *HISTORY),
            type="path",
            metavar="F",
        ),
        Option(
            name="base",
            flag="--base",
            action_input="base",
            config_key=None,
            choices=None,
            default=None,
            help="git ref of the base to compare against; `auto`: the merge-base of HEAD and "
            "the default branch (origin/HEAD, else origin/main, origin/master, main, master), "
            "or head alone in its own environment when that is HEAD and the tree is clean "
            "(the Action: the pull request's merge-base)",
            commands=("run",),
            metavar="REF",
        ),
        Option(
            name="rounds",
            flag="--rounds",
            action_input="rounds",
            config_key=None,
            choices=None,
            default=None,
            help="a fixed number of rounds (default: adaptive, per perfgate.yml)",
            commands=("run", "bisect"),
            type="int",
            metavar="N",
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
            commands=("run",),
            metavar="DURATION",
        ),
        Option(
            name="fail_on",
            flag="--fail-on",
            action_input="fail-on",
            config_key="fail-on",
            choices=FAIL_ON,
            default="critical",
            help="what fails the gate (default: perfgate.yml `fail-on`, else critical)",
            commands=REPORTING,
        ),
        Option(
            name="harness_args",
            flag=None,
            action_input="harness-args",
            config_key=None,
            choices=None,
            default=None,
            help="extra arguments for the harness (`perfgate run -- ARGS`; the Action's input "
            "is split like a shell command line)",
        ),
        Option(
            name="asv_url",
            flag="--asv-url",
            action_input="asv-url",
            config_key=None,
            choices=None,
            default=None,
            help="link to the asv site, shown in the comment",
            commands=("github comment",),
            metavar="URL",
        ),
        Option(
            name="key",
            flag="--key",
            action_input="comment-key",
            config_key=None,
            choices=None,
            default="perfgate",
            help="tells apart several perfgate comments on one PR (default perfgate)",
            commands=("github comment",),
        ),
        # -- the Action's own inputs
        Option(
            name="comment",
            flag=None,
            action_input="comment",
            config_key=None,
            choices=("true", "false"),
            default="true",
            help="post or update the sticky pull-request comment",
        ),
        Option(
            name="github_token",
            flag=None,
            action_input="github-token",
            config_key=None,
            choices=None,
            default=None,
            help="token for the comment (needs pull-requests write)",
        ),
        Option(
            name="working_directory",
            flag=None,
            action_input="working-directory",
            config_key=None,
            choices=None,
            default=".",
            help="where perfgate runs",
        ),
        Option(
            name="python_version",
            flag=None,
            action_input="python-version",
            config_key=None,
            choices=None,
            default="3.12",
            help="Python that runs perfgate (used by action.yml's setup step only)",
        ),
        Option(
            name="install_valgrind",
            flag=None,
            action_input="install-valgrind",
            config_key=None,
            choices=("true", "false"),
            default="false",
            help="install valgrind before the run (used by action.yml's setup step only)",
        ),
        # -- perfgate.yml's keys with a vocabulary here
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
        # -- the reporting commands'
        Option(
            name="format",
            flag="--format",
            action_input=None,
            config_key=None,
            choices=REPORT_FORMATS,
            default="table",
            help="report format (default: table)",
            commands=REPORTING,
        ),
        Option(
            name="output",
            flag="--output",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="write the report to F, again for more files: a .json file gets JSON, a .md "
            "file markdown, a .xml file JUnit XML, any other --format (the table is still "
            "printed)",
            commands=REPORTING,
            kind="list",
            type="path",
            metavar="F",
        ),
        Option(
            name="accept",
            flag="--accept",
            action_input=None,  # a pull request accepts by
            config_key=None,  # its own means; never in a file: it would pass the next slowdown
            choices=None,
            default=None,
            help="a benchmark whose slowdown (or budget) is intended: it passes the gate and is "
            "shown as accepted; full or short name, with =REASON; repeatable",
            commands=REPORTING,
            kind="list",
            metavar="NAME[=REASON]",
        ),
        Option(
            name="input_format",
            flag="--input-format",
            action_input=None,
            config_key=None,
            choices=INPUT_FORMATS,
            default="auto",
            help="result format (default: detected per file)",
            commands=("check", "compare"),
        ),
        # -- run's
        Option(
            name="out",
            flag="--rounds-dir",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="where round files and harness logs go (default: .perfgate/run)",
            commands=("run",),
            type="path",
            metavar="DIR",
            older=("--out",),
        ),
        Option(
            name="shard",
            flag="--shard",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="run only shard K of N of the suite (pytest-benchmark; one job of a CI "
            "matrix); `perfgate merge` combines the shards' rounds folders into one report",
            commands=("run",),
            metavar="K/N",
        ),
        Option(
            name="seed",
            flag="--seed",
            action_input=None,
            config_key=None,
            choices=None,
            default=0,
            help="seed of the sides' random order per round (default 0)",
            commands=("run",),
            type="int",
        ),
        Option(
            name="record",
            flag="--record",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="store a run of head alone in the history (perfgate history), e.g. on main",
            commands=("run",),
            kind="switch",
        ),
        Option(
            name="db",
            flag="--db",
            action_input=None,
            config_key="history.db",
            choices=None,
            default=None,
            help=_DB_HELP + "; `run` stores in it with --record, `bisect` its probes",
            commands=("run", "bisect", *HISTORY),
            type="location",
            metavar="PATH|URL",
        ),
        Option(
            name="measure_all",
            flag="--all",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="--base: compare base and head even when the change cannot reach any "
            "benchmark (only comments, docstrings or formatting changed)",
            commands=("run",),
            kind="switch",
        ),
        # -- profile's
        Option(
            name="profile_base",
            flag="--base",
            action_input=None,
            config_key=None,
            choices=None,
            default="auto",
            help="git ref of the base (default auto: the merge-base with the default branch)",
            commands=("profile",),
            metavar="REF",
            dest="base",
        ),
        # -- bisect's
        Option(
            name="benchmark",
            flag="--benchmark",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="follow only slowdowns of benchmarks matching GLOB (full name, or the part "
            "after the last ::)",
            commands=("bisect",),
            metavar="GLOB",
        ),
        Option(
            name="bisect_format",
            flag="--format",
            action_input=None,
            config_key=None,
            choices=("table", "json"),
            default="table",
            help="output (default table)",
            commands=("bisect",),
            dest="format",
            hidden_choices=("text",),  # 0.1's `table`
        ),
        # -- clean's
        Option(
            name="keep",
            flag="--keep",
            action_input=None,
            config_key=None,
            choices=None,
            default=0,
            help="keep the N most recently used environments (default 0: remove all)",
            commands=("clean",),
            type="int",
            metavar="N",
        ),
        Option(
            name="dry_run",
            flag="--dry-run",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="say what would be removed (environments, their size, worktrees); remove nothing",
            commands=("clean",),
            kind="switch",
        ),
        # -- budgets calibrate's
        Option(
            name="write",
            flag="--write",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="put the line into perfgate.yml (replacing one)",
            commands=("budgets calibrate",),
            kind="switch",
        ),
        # -- init's
        Option(
            name="asv",
            flag="--asv",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="also asv.conf.json and asv_bench/",
            commands=("init",),
            kind="switch",
        ),
        Option(
            name="force",
            flag="--force",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="overwrite files that exist",
            commands=("init",),
            kind="switch",
        ),
        Option(
            name="action",
            flag="--action",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="the Action the workflow uses (default: perfgate's own, at this version)",
            commands=("init",),
            metavar="OWNER/REPO@REF",
        ),
        Option(
            name="dir",
            flag="--dir",
            action_input=None,
            config_key=None,
            choices=None,
            default=".",
            help="the project (default: here)",
            commands=("init",),
            type="path",
        ),
        Option(
            name="shards",
            flag="--shards",
            action_input=None,
            config_key=None,
            choices=None,
            default=1,
            help="a workflow of N shard jobs (perfgate run --shard K/N) and a merge job that "
            "comments (default 1: one job, the Action)",
            commands=("init",),
            type="int",
            metavar="N",
        ),
        # -- github comment's
        Option(
            name="report",
            flag="--report",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="a JSON report (--format json)",
            commands=("github comment",),
            type="path",
            metavar="F",
        ),
        Option(
            name="pr",
            flag="--pr",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="pull request number",
            commands=("github comment",),
            type="int",
            metavar="N",
        ),
        Option(
            name="artifact",
            flag="--artifact",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="a fork run's artifact folder (report.json, pr-number, context.json)",
            commands=("github comment",),
            type="path",
            metavar="DIR",
        ),
        Option(
            name="repository",
            flag="--repo",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="the repository (default: GITHUB_REPOSITORY)",
            commands=("github comment",),
            metavar="OWNER/NAME",
            dest="repo",
        ),
        Option(
            name="expect_head_sha",
            flag="--expect-head-sha",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="post only if the pull request's head is this commit (the triggering run's)",
            commands=("github comment",),
            metavar="SHA",
        ),
        Option(
            name="run_url",
            flag="--run-url",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="link to the workflow run",
            commands=("github comment",),
            metavar="URL",
        ),
        # -- history's
        Option(
            name="history_metric",
            flag="--metric",
            action_input=None,
            config_key=None,
            choices=HISTORY_METRICS,
            default=HISTORY_METRICS[0],
            help="value per commit (default p50, the level asv tracks too; stored-only "
            "histories such as data.js fall back to their mean; p25 and p99 exist for runs "
            "imported with their samples)",
            commands=("history show", *STEPPED),
            dest="metric",
        ),
        Option(
            name="history_format",
            flag="--format",
            action_input=None,
            config_key=None,
            choices=("table", "markdown", "json"),  # not JUnit: a history is not a test run
            default="table",
            help="output format (default table)",
            commands=("history show", "history detect"),
            dest="format",
        ),
        Option(
            name="min_change",
            flag="--min-change",
            action_input=None,
            config_key=None,
            choices=None,
            default=DEFAULT_MIN_CHANGE,
            help=f"smallest step reported or marked (default {DEFAULT_MIN_CHANGE:g} = "
            f"{DEFAULT_MIN_CHANGE:.0%})",
            commands=STEPPED,
            type="float",
            metavar="FRACTION",
        ),
        Option(
            name="drift",
            flag="--drift",
            action_input=None,
            config_key=None,
            choices=None,
            default=DEFAULT_DRIFT,
            help="also flag a benchmark whose latest level is this much slower than at "
            "--since, even where no single step was: creeping slowdowns (median of 8 values "
            f"at each end; default {DEFAULT_DRIFT:g} = {DEFAULT_DRIFT:.0%}; 0 turns it off)",
            commands=STEPPED,
            type="float",
            metavar="FRACTION",
        ),
        Option(
            name="since",
            flag="--since",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="the drift's reference: a stored commit or a git ref such as a release tag "
            "(default: the latest tagged commit with stored runs, else 50 commits back)",
            commands=STEPPED,
            metavar="REF",
        ),
        Option(
            name="history_repo",
            flag="--repo",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="git repository that orders the commits (default: the current one, if any; "
            "else the files' dates)",
            commands=("history import",),
            type="path",
            metavar="DIR",
            dest="repo",
        ),
        Option(
            name="machine",
            flag="--machine",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="only this machine (as recorded by the harness)",
            commands=("history show", "history baseline"),
        ),
        Option(
            name="env",
            flag="--env",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="only this environment (asv's environment name)",
            commands=("history show", "history baseline"),
        ),
        Option(
            name="chart",
            flag="--chart",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="also write a self-contained HTML chart",
            commands=("history show",),
            type="path",
            metavar="FILE.html",
        ),
        Option(
            name="detect_output",
            flag="--output",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="write the report to F",
            commands=("history detect",),
            type="path",
            metavar="F",
            dest="output",
        ),
        Option(
            name="bisect",
            flag="--bisect",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="then find the commit of the largest slowdown: perfgate bisect between the "
            "last commit at the old level and the first at the new (run in the project's "
            "repository)",
            commands=("history detect",),
            kind="switch",
        ),
        Option(
            name="method",
            flag="--method",
            action_input=None,
            config_key=None,
            choices=CHANGE_POINT_METHODS,
            default=None,
            help="segmentation (default pelt-l1, chosen by F1 in docs/changepoints.md)",
            commands=("history detect",),
        ),
        Option(
            name="commit_url",
            flag="--commit-url",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help=_COMMIT_URL_HELP,
            commands=("history site", "history notify"),
            metavar="TEMPLATE",
        ),
        Option(
            name="site_url",
            flag="--site-url",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="the history site, linked as the chart",
            commands=("history notify",),
            metavar="URL",
        ),
        Option(
            name="mention_author",
            flag="--mention-author",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="@-mention the author of the first slower commit (off by default)",
            commands=("history notify",),
            kind="switch",
        ),
        Option(
            name="last",
            flag="--last",
            action_input=None,
            config_key=None,
            choices=None,
            default=10,
            help="runs (default 10)",
            commands=("history baseline",),
            type="int",
            metavar="N",
        ),
        Option(
            name="baseline_output",
            flag="--output",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="the native file to write",
            commands=("history baseline",),
            type="path",
            metavar="FILE",
            dest="output",
            older=("--out",),
            required=True,
        ),
        Option(
            name="reason",
            flag="--reason",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="why the slowdown is intended",
            commands=("history accept",),
            required=True,
        ),
        Option(
            name="by",
            flag="--by",
            action_input=None,
            config_key=None,
            choices=None,
            default=None,
            help="who accepts it (default: git's user.name)",
            commands=("history accept",),
        ),
    )
}
