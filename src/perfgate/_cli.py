"""Command-line parsing. Imports nothing heavy: each command imports its work when it runs."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfgate import __version__
from perfgate.options import (
    CHANGE_POINT_METHODS,
    DEFAULT_DRIFT,
    DEFAULT_MIN_CHANGE,
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    HISTORY_METRICS,
    OPTIONS,
)

if TYPE_CHECKING:
    from perfgate.commands.history import DriftAsked
    from perfgate.commands.output import ReportOptions
    from perfgate.report.model import Report

# history's formats: the report formats but JUnit (a history is not a test run)
OUTPUT_FORMATS = ("table", "markdown", "json")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # argparse exits here
        # a required option with a hidden older spelling is a group of one shown option
        one = message.removeprefix("one of the arguments ").removesuffix(" is required")
        if one != message and " " not in one:
            message = f"the following arguments are required: {one}"
        self.print_usage(sys.stderr)
        sys.stderr.write(f"perfgate: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="perfgate",
        description="Performance CI for Python projects: budgets and base/head comparisons "
        "that hold on noisy CI runners.",
        epilog="Exit codes: 0 pass (warnings allowed) or inconclusive, 1 gate failed, 2 usage, "
        "config or input error, 130 interrupted, 143 terminated.",
    )
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check",
        help="check benchmark results against the budgets in perfgate.yml",
        description="Check one side's results (files, or directories of round files) "
        "against the budgets in perfgate.yml.",
    )
    check.add_argument(
        "results",
        nargs="+",
        type=Path,
        metavar="RESULT",
        help="a result file (pytest-benchmark JSON, asv results, native) or a directory of them",
    )
    _report_options(check)

    compare = commands.add_parser(
        "compare",
        help="compare head with base: ratio with interval, severity, budgets",
        description="Compare HEAD with BASE, each a result file or a directory of round files "
        "of one side. Rounds are the unit of inference; rounds of equal count are paired in "
        "file-name order (as `perfgate run` writes them, interleaved).",
    )
    compare.add_argument("base", type=Path, metavar="BASE", help="base side: file or directory")
    compare.add_argument("head", type=Path, metavar="HEAD", help="head side: file or directory")
    _report_options(compare)

    run = commands.add_parser(
        "run",
        help="run the configured harness; with --base, base and head interleaved, then compare",
        description="Run the harness configured in perfgate.yml (`harness:`). Without --base, "
        "run it in the current environment and check budgets. With --base, build an isolated "
        "environment per side (base from a git worktree, head from the working tree), run "
        "randomized interleaved rounds, stop once the verdict is decided (every benchmark "
        "decided, or one slowdown settled as failing) or at the time budget, and compare. "
        "Arguments after `--` go to the harness.",
    )
    run.add_argument(
        "--base",
        metavar="REF",
        help="git ref of the base to compare against; `auto`: the merge-base of HEAD and the "
        "default branch (origin/HEAD, else origin/main, origin/master, main, master), or head "
        "alone in its own environment when that is HEAD and the tree is clean",
    )
    _option(run, "rounds", type=int, metavar="N")
    run.add_argument(
        "--rounds-dir",
        dest="out",
        type=Path,
        metavar="DIR",
        help="where round files and harness logs go (default: .perfgate/run)",
    )
    run.add_argument("--out", dest="out", type=Path, help=argparse.SUPPRESS)  # 0.1's name
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="run only shard K of N of the suite (pytest-benchmark; one job of a CI matrix); "
        "`perfgate merge` combines the shards' rounds folders into one report",
    )
    run.add_argument(
        "--seed", type=int, default=0, help="seed of the sides' random order per round (default 0)"
    )
    _option(run, "time_budget", metavar="DURATION")
    run.add_argument(
        "--record",
        action="store_true",
        help="store a run of head alone in the history (perfgate history), e.g. on main",
    )
    run.add_argument(
        "--db",
        type=_location,
        metavar="PATH|URL",
        help="with --record: the history to store in, a file or postgresql://... (default: "
        "history.db in the config, else .perfgate/history.sqlite)",
    )
    run.add_argument(
        "--all",
        dest="measure_all",
        action="store_true",
        help="--base: compare base and head even when the change cannot reach any benchmark "
        "(only comments, docstrings or formatting changed)",
    )
    run.add_argument(
        "harness_args",
        nargs="*",
        metavar="HARNESS-ARGS",
        help="extra arguments for the harness (after --)",
    )
    _report_options(run, input_format=False)

    profile = commands.add_parser(
        "profile",
        help="where the time went: benchmarks under cProfile on base and head, diffed",
        description="Run each BENCH (a pytest node id, as reports name it) under cProfile on "
        "base and head, in the environments `perfgate run` builds, and list its functions "
        "by self time added per call, with call counts (which are deterministic: a changed "
        "count is strong evidence). `perfgate run` does the same for every benchmark the "
        "gate flags (config `profile:`). pytest-benchmark suites.",
    )
    profile.add_argument(
        "benchmarks", nargs="+", metavar="BENCH", help="benchmark (pytest node id), repeatable"
    )
    profile.add_argument(
        "--base",
        metavar="REF",
        default="auto",
        help="git ref of the base (default auto: the merge-base with the default branch)",
    )
    _option(profile, "config", type=Path, metavar="F")

    bisect = commands.add_parser(
        "bisect",
        help="the first commit between GOOD and BAD where a slowdown appears (A/B probes)",
        description="Find the first commit after GOOD at which a benchmark is slower, by "
        "binary search over GOOD's first-parent history up to BAD. Each probe is `perfgate "
        "run`'s interleaved comparison of one commit against GOOD, both from git worktrees in "
        "their own environments. The first probe (BAD against GOOD) picks the benchmarks to "
        "follow: its slowdowns, narrowed by --benchmark. An undecided probe runs again with "
        "twice the rounds. Probes' rounds are stored in the history. Exit 0 when the first bad "
        "commit is found, 1 when there is no slowdown or the search stays undecided.",
    )
    bisect.add_argument("good", metavar="GOOD", help="a commit without the slowdown")
    bisect.add_argument("bad", metavar="BAD", help="a later commit with it")
    bisect.add_argument(
        "--benchmark",
        metavar="GLOB",
        help="follow only slowdowns of benchmarks matching GLOB (full name, or the part "
        "after the last ::)",
    )
    _option(bisect, "rounds", type=int, metavar="N")
    bisect.add_argument(
        "--db",
        type=_location,
        metavar="PATH|URL",
        help="history database the probes are stored in: a file, or postgresql://... "
        "(default: history.db in the config, else .perfgate/history.sqlite)",
    )
    bisect.add_argument(
        "--format",
        choices=("table", "json", "text"),  # `text`: 0.1's name for `table`, still taken
        metavar="{table,json}",
        default="table",
        help="output (default table)",
    )
    _option(bisect, "config", type=Path, metavar="F")

    merge = commands.add_parser(
        "merge",
        help="one report from the shards of a sharded run (perfgate run --shard K/N)",
        description="Combine the rounds folders of `perfgate run --shard K/N` jobs into one "
        "report: compared together, so the suite-wide false-alarm control spans the whole "
        "suite. The shards must compare the same commits and not share a benchmark.",
    )
    merge.add_argument(
        "folders", nargs="+", type=Path, metavar="DIR", help="a shard's rounds folder"
    )
    _report_options(merge, input_format=False)

    clean = commands.add_parser(
        "clean",
        help="remove perfgate's environments and worktrees (.perfgate/envs, .perfgate/worktrees)",
        description="Remove the side environments `perfgate run` built (all, or all but the "
        "--keep most recently used) and its git worktrees. Reports, round files and the "
        "history are kept. `perfgate run` itself keeps the 6 most recently used "
        "environments.",
    )
    clean.add_argument(
        "--keep",
        type=int,
        default=0,
        metavar="N",
        help="keep the N most recently used environments (default 0: remove all)",
    )
    clean.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be removed (environments, their size, worktrees); remove nothing",
    )
    _history_parser(commands)
    _github_parser(commands)
    _init_parser(commands)
    _budgets_parser(commands)
    return parser


def _budgets_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    budgets = commands.add_parser(
        "budgets",
        help="budgets: record this machine's speed as the reference they are judged against",
        description="`calibrate` measures perfgate's calibration workload (the CPU time of a "
        "fixed piece of Python) and prints the `calibration:` line for perfgate.yml, or "
        "writes it with --write. Run it on the machine the budgets were set on: budgets are "
        "then judged on times scaled by reference / the calibration measured in each round.",
    )
    actions = budgets.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    calibrate = actions.add_parser(
        "calibrate",
        help="measure the calibration workload here; print (or --write) the reference",
        description="Measure the calibration workload on this machine and print the "
        "`calibration: {reference: ..., workload: ...}` line for perfgate.yml.",
    )
    calibrate.add_argument(
        "--write", action="store_true", help="put the line into perfgate.yml (replacing one)"
    )
    calibrate.add_argument("--config", type=Path, metavar="F", help="the config to write")


def _init_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    init = commands.add_parser(
        "init",
        help="set perfgate up in a project: perfgate.yml, a nox session, a workflow",
        description="Write perfgate.yml (for the pytest-benchmark or asv suite found), a `perf` "
        "session in noxfile.py, .github/workflows/perf.yml using the Action, an example "
        "benchmark when there is no suite, and with --asv an asv configuration and suite. "
        "Existing files are kept unless --force; an existing noxfile.py is never replaced "
        "(--force appends the session).",
    )
    init.add_argument("--asv", action="store_true", help="also asv.conf.json and asv_bench/")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.add_argument(
        "--action",
        metavar="OWNER/REPO@REF",
        help="the Action the workflow uses (default: perfgate's own, at this version)",
    )
    init.add_argument("--dir", type=Path, default=Path(), help="the project (default: here)")
    init.add_argument(
        "--shards",
        type=int,
        default=1,
        metavar="N",
        help="a workflow of N shard jobs (perfgate run --shard K/N) and a merge job that "
        "comments (default 1: one job, the Action)",
    )


def _github_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    github = commands.add_parser(
        "github",
        help="GitHub: the Action's step, the sticky pull-request comment",
        description="What the perfgate GitHub Action runs. `action` reads its inputs from "
        "PERFGATE_INPUT_* variables and the GITHUB_* files; `comment` posts or updates the "
        "sticky comment (GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL from the "
        "environment).",
    )
    actions = github.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.add_parser(
        "action",
        help="run the gate as the composite Action does (inputs from PERFGATE_INPUT_*)",
        description="The Action's main step: reads its inputs from PERFGATE_INPUT_* "
        "variables (as action.yml sets them), runs or compares, writes the job summary, "
        "annotations and reports, and posts the sticky comment when it may. Exits like "
        "`perfgate run`.",
    )
    comment = actions.add_parser(
        "comment",
        help="post or update the sticky comment from a JSON report or a fork's artifact",
        description="Post or update perfgate's one comment on a pull request from a JSON "
        "report (--report and --pr), or from a fork's workflow artifact (--artifact) in the "
        "trusted workflow_run job. Needs GITHUB_TOKEN; GITHUB_REPOSITORY and GITHUB_API_URL "
        "come from the environment unless given.",
    )
    comment.add_argument("--report", type=Path, metavar="F", help="a JSON report (--format json)")
    comment.add_argument("--pr", type=int, metavar="N", help="pull request number")
    comment.add_argument(
        "--artifact",
        type=Path,
        metavar="DIR",
        help="a fork run's artifact folder (report.json, pr-number, context.json)",
    )
    comment.add_argument(
        "--repo", metavar="OWNER/NAME", help="the repository (default: GITHUB_REPOSITORY)"
    )
    comment.add_argument(
        "--expect-head-sha",
        metavar="SHA",
        help="post only if the pull request's head is this commit (the triggering run's)",
    )
    comment.add_argument("--run-url", metavar="URL", help="link to the workflow run")
    comment.add_argument("--asv-url", metavar="URL", help="link to the asv site")
    comment.add_argument(
        "--key",
        default="perfgate",
        help="tells apart several perfgate comments on one PR (default perfgate)",
    )


def _history_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    history = commands.add_parser(
        "history",
        help="results across commits: import, show, detect, baseline, site, notify, accept",
        description="A history of runs across commits: an SQLite file (default "
        ".perfgate/history.sqlite) or a PostgreSQL database shared by several runners "
        "(`--db postgresql://...`, or `history: {db: ...}` in perfgate.yml).",
    )
    actions = history.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    db_help = (
        "history database: a file, or postgresql://... shared by several runners (default: "
        "perfgate.yml's history.db, else .perfgate/history.sqlite)"
    )

    def common(
        action: argparse.ArgumentParser, *, metric: bool = True, steps: str | None = None
    ) -> None:
        """The options every history action shares; ``steps``: what it does with the change
        points of at least ``--min-change`` (reported, marked)."""
        action.add_argument("--db", type=_location, metavar="PATH|URL", help=db_help)
        action.add_argument("--config", type=Path, metavar="F", help="config file")
        if metric:
            action.add_argument(
                "--metric",
                default=HISTORY_METRICS[0],
                choices=HISTORY_METRICS,
                help="value per commit (default p50, the level asv tracks too; stored-only "
                "histories such as data.js fall back to their mean; p25 and p99 exist for runs "
                "imported with their samples)",
            )
        if steps is not None:
            action.add_argument(
                "--min-change",
                type=float,
                default=DEFAULT_MIN_CHANGE,
                metavar="FRACTION",
                help=f"smallest step {steps} (default {DEFAULT_MIN_CHANGE:g} = "
                + f"{DEFAULT_MIN_CHANGE:.0%})".replace("%", "%%"),
            )
            action.add_argument(
                "--drift",
                type=float,
                default=DEFAULT_DRIFT,
                metavar="FRACTION",
                help="also flag a benchmark whose latest level is this much slower than at "
                "--since, even where no single step was: creeping slowdowns (median of 8 values "
                f"at each end; default {DEFAULT_DRIFT:g} = "
                + f"{DEFAULT_DRIFT:.0%}; 0 turns it off)".replace("%", "%%"),
            )
            action.add_argument(
                "--since",
                metavar="REF",
                help="the drift's reference: a stored commit or a git ref such as a release "
                "tag (default: the latest tagged commit with stored runs, else 50 commits back)",
            )

    def output_format(action: argparse.ArgumentParser) -> None:
        action.add_argument(
            "--format",
            choices=OUTPUT_FORMATS,
            default="table",
            help="output format (default table)",
        )

    imp = actions.add_parser(
        "import",
        help="import asv results, .benchmarks/, data.js or native files",
        description="Import result files or folders: an asv results directory, a "
        "pytest-benchmark storage folder (.benchmarks/), a github-action-benchmark data.js, "
        "native files. Re-importing is a no-op. Unreadable files are listed and skipped "
        "(exit 2 after importing the rest).",
    )
    imp.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="result files or folders of them"
    )
    imp.add_argument(
        "--repo",
        type=Path,
        metavar="DIR",
        help="git repository that orders the commits (default: the current one, if any; "
        "else the files' dates)",
    )
    common(imp, metric=False)

    show = actions.add_parser(
        "show",
        help="one benchmark's history: table, markdown, JSON or an HTML chart",
        description="One benchmark's value per commit, one series per machine and "
        "environment, in the repository's commit order (the terminal shows the last 100 "
        "commits; markdown, JSON and --chart all of them, the chart with change points).",
    )
    show.add_argument(
        "benchmark", metavar="BENCH", help="full benchmark name (a near miss lists similar ones)"
    )
    show.add_argument("--machine", help="only this machine (as recorded by the harness)")
    show.add_argument("--env", help="only this environment (asv's environment name)")
    output_format(show)
    show.add_argument(
        "--chart", type=Path, metavar="FILE.html", help="also write a self-contained HTML chart"
    )
    common(show)

    detect = actions.add_parser(
        "detect",
        help="change points in every stored series",
        description="Find the commits where a benchmark's level stepped, with the level "
        "before and after, the magnitude and a confidence.",
    )
    output_format(detect)
    detect.add_argument("--output", type=Path, metavar="F", help="write the report to F")
    detect.add_argument(
        "--bisect",
        action="store_true",
        help="then find the commit of the largest slowdown: perfgate bisect between the last "
        "commit at the old level and the first at the new (run in the project's repository)",
    )
    detect.add_argument(
        "--method",
        choices=CHANGE_POINT_METHODS,
        default=None,
        help="segmentation (default pelt-l1, chosen by F1 in docs/changepoints.md)",
    )
    common(detect, steps="reported")

    site = actions.add_parser(
        "site",
        help="a static page of every stored series, change points marked (for GitHub Pages)",
        description="Write OUT/index.html: every benchmark's history as a chart on one "
        "self-contained page (no script, nothing fetched at view time), with an index, the "
        "change points `history detect` finds and links to their commits.",
    )
    site.add_argument("out", type=Path, metavar="OUT", help="folder for index.html")
    site.add_argument(
        "--commit-url",
        metavar="TEMPLATE",
        help="commit link with {commit}, e.g. https://github.com/OWNER/REPO/commit/{commit} "
        "(default: from GITHUB_SERVER_URL and GITHUB_REPOSITORY, else a github.com origin)",
    )
    common(site, steps="marked")
    notify = actions.add_parser(
        "notify",
        help="one GitHub issue per regression the change points show (default branch)",
        description="For every slower change point `history detect` finds, open a GitHub "
        "issue (label perfgate-regression) with the benchmark, the commit range, the levels "
        "before and after and the confidence; a later run updates it when its text changed "
        "and never opens a second one or reopens a closed one. Needs GITHUB_TOKEN (issues: "
        "write) and GITHUB_REPOSITORY; GITHUB_API_URL when not github.com.",
    )
    notify.add_argument("--site-url", metavar="URL", help="the history site, linked as the chart")
    notify.add_argument(
        "--commit-url",
        metavar="TEMPLATE",
        help="commit link with {commit} (default: from GITHUB_SERVER_URL and "
        "GITHUB_REPOSITORY, else a github.com origin)",
    )
    notify.add_argument(
        "--mention-author",
        action="store_true",
        help="@-mention the author of the first slower commit (off by default)",
    )
    common(notify, steps="reported")
    baseline = actions.add_parser(
        "baseline",
        help="write the classic stored baseline for `perfgate compare BASELINE HEAD`",
        description="Write a native result file holding, per benchmark, its last N stored "
        "runs (each one round). Compare with it when no same-job base exists; the report says "
        "that a stored baseline from other runners is noisier.",
    )
    baseline.add_argument("--last", type=int, default=10, metavar="N", help="runs (default 10)")
    where = baseline.add_mutually_exclusive_group(required=True)
    where.add_argument("--output", type=Path, metavar="FILE", help="the native file to write")
    where.add_argument("--out", dest="output", type=Path, help=argparse.SUPPRESS)  # 0.1's
    baseline.add_argument("--machine", help="only this machine")
    baseline.add_argument("--env", help="only this environment")
    common(baseline, metric=False)
    _history_accept_parser(actions, common)


def _history_accept_parser(
    actions: argparse._SubParsersAction[_Parser],
    common: Callable[..., None],
) -> None:
    accept = actions.add_parser(
        "accept",
        help="record that a slowdown at a commit is intended",
        description="Record that the slowdown of these benchmarks at COMMIT is intended: "
        "`history detect` marks a change point it covers as accepted, with who and why, and "
        "`history notify` opens no issue for it. It covers a step whose commits hold COMMIT "
        "(its merge, or a squash merge with its tree, too); another benchmark's step or a "
        "later one is not covered. `run --base REF --accept NAME --record` records the same "
        "beside head's commit.",
    )
    accept.add_argument("commit", metavar="COMMIT", help="the commit (any git revision)")
    accept.add_argument("benchmarks", nargs="+", metavar="NAME", help="full benchmark names")
    accept.add_argument("--reason", required=True, help="why the slowdown is intended")
    accept.add_argument("--by", help="who accepts it (default: git's user.name)")
    common(accept, metric=False)


def _report_options(command: argparse.ArgumentParser, *, input_format: bool = True) -> None:
    """Options every reporting command shares, declared once."""
    _option(command, "config", type=Path, metavar="F")
    _option(command, "format")
    command.add_argument(
        "--output",
        type=Path,
        metavar="F",
        action="append",
        default=[],
        help="write the report to F, again for more files: a .json file gets JSON, a .md "
        "file markdown, a .xml file JUnit XML, any other --format (the table is still printed)",
    )
    _option(command, "fail_on", default=None)  # None: perfgate.yml decides
    _option(command, "accept", action="append", default=[], metavar="NAME[=REASON]")
    if input_format:
        _option(command, "input_format")


def _option(command: argparse.ArgumentParser, name: str, **extra: Any) -> None:
    """Add the option ``name`` of :data:`perfgate.options.OPTIONS` with its flag, choices,
    default and help; ``extra`` adds what argparse needs besides (type, metavar)."""
    option = OPTIONS[name]
    assert option.flag is not None, name  # noqa: S101 - a programming error, caught by tests
    settings: dict[str, Any] = {"help": option.help, "dest": option.name}
    if option.choices is not None:
        settings["choices"] = option.choices
    if option.default is not None and option.config_key is None:
        settings["default"] = option.default  # else the config's value (or its default) wins
    settings.update(extra)
    command.add_argument(option.flag, **settings)


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # text no encoding can write is shown escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from perfgate.escaping import keep_environment_secrets  # noqa: PLC0415

    keep_environment_secrets()
    previous = _on_sigterm(_terminate)
    try:
        return _dispatch(args)
    except KeyboardInterrupt as exc:
        name = str(getattr(exc, "signal", "") or "SIGINT")
        sys.stderr.write(f"perfgate: interrupted ({name})\n")
        return EXIT_TERMINATED if name == "SIGTERM" else EXIT_INTERRUPTED
    finally:
        if previous is not None:
            _on_sigterm(previous)


def _on_sigterm(handler: object) -> object:
    """Install a SIGTERM handler; the one before it (none outside the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, handler)  # type: ignore[arg-type]
    except ValueError:  # not the main thread: leave signals alone
        return None


def _terminate(_signum: int, _frame: object) -> None:
    """SIGTERM (a CI job cancelled, `kill`): stop like Ctrl-C, keeping finished work."""
    from perfgate.errors import TerminatedError  # noqa: PLC0415

    raise TerminatedError


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; the one place where outcomes become exit codes and error lines."""
    from perfgate.errors import PerfgateError  # noqa: PLC0415 - keep --help import-light
    from perfgate.loading import import_numpy_single_threaded  # noqa: PLC0415

    in_action = args.command == "github" and args.action == "action"
    if args.command == "history":
        # `history show` loads numpy only for a chart or JSON, `history import` only for
        # long rounds (asv's ten samples a benchmark never)
        if args.action not in ("show", "import"):
            import_numpy_single_threaded(with_scipy=False)
    elif args.command not in ("init", "clean", "budgets"):
        import_numpy_single_threaded(with_scipy=True)
    try:
        handlers: dict[str, Callable[[argparse.Namespace], int | Report]] = {
            "check": _check,
            "compare": _compare,
            "run": _run,
            "profile": _profile,
            "clean": _clean,
            "merge": _merge,
            "bisect": _bisect,
            "history": _history,
            "github": _github,
            "init": _init,
            "budgets": _budgets,
        }
        outcome = handlers[args.command](args)
    except PerfgateError as exc:
        return _error(str(exc), exc.exit_code, in_action=in_action)
    except MemoryError:
        return _error("out of memory", EXIT_USAGE, in_action=in_action)
    except OSError as exc:  # a full disk, a folder where a file goes: not a verdict (exit 2)
        where = f"{exc.filename}: " if exc.filename else ""
        problem = exc.strerror or type(exc).__name__
        return _error(f"{where}{problem}", EXIT_USAGE, in_action=in_action)
    if isinstance(outcome, int):
        return outcome
    return EXIT_FAIL if outcome.verdict == "fail" else EXIT_OK


def _error(message: str, code: int, *, in_action: bool) -> int:
    """Print an error as lines that hold no secret and no control character; ``code``."""
    from perfgate.escaping import error_line  # noqa: PLC0415

    lines = [error_line(line) for line in message.splitlines()] or ["error"]
    for line in lines:
        sys.stderr.write(f"perfgate: error: {line}\n")
    if in_action:  # shown on the run's page as well as in the log
        from perfgate.github.workflow_files import escape_data  # noqa: PLC0415

        for line in lines:
            print(f"::error title=perfgate::{escape_data(line)}", flush=True)
    return code


def _location(text: str) -> Path | str:
    """``--db``: a postgresql:// URL stays a string (a Path would fold its //)."""
    from perfgate.history import location  # noqa: PLC0415 - keep --help import-light

    return location(text)


def _options_of(args: argparse.Namespace) -> ReportOptions:
    from perfgate.commands.output import ReportOptions  # noqa: PLC0415

    return ReportOptions(
        config_path=args.config,
        fmt=args.format,
        outputs=args.output,
        input_format=args.input_format,
        fail_on=args.fail_on,
        accept=args.accept,
    )


def _check(args: argparse.Namespace) -> Report:
    from perfgate.commands.check import check_command  # noqa: PLC0415

    return check_command(args.results, _options_of(args))


def _compare(args: argparse.Namespace) -> Report:
    from perfgate.commands.compare import compare_command  # noqa: PLC0415

    return compare_command(args.base, args.head, _options_of(args))


def _run(args: argparse.Namespace) -> Report:
    from perfgate.commands.run import run_command  # noqa: PLC0415

    return run_command(
        base_ref=args.base,
        rounds=args.rounds,
        out=args.out,
        config_path=args.config,
        fmt=args.format,
        outputs=args.output,
        extra=args.harness_args,
        seed=args.seed,
        fail_on=args.fail_on,
        accept=args.accept,
        time_budget=args.time_budget,
        record=args.record,
        shard=args.shard,
        measure_all=args.measure_all,
        db=args.db,
    )


def _bisect(args: argparse.Namespace) -> int:
    from perfgate.commands.bisect import bisect_command  # noqa: PLC0415

    return bisect_command(
        good=args.good,
        bad=args.bad,
        pattern=args.benchmark,
        rounds=args.rounds,
        config_path=args.config,
        db=args.db,
        fmt=args.format,
    )


def _merge(args: argparse.Namespace) -> Report:
    from perfgate.commands.merge import merge_command  # noqa: PLC0415
    from perfgate.commands.output import ReportOptions  # noqa: PLC0415

    options = ReportOptions(
        config_path=args.config,
        fmt=args.format,
        outputs=args.output,
        input_format="auto",
        fail_on=args.fail_on,
        accept=args.accept,
    )
    return merge_command(args.folders, options)


def _clean(args: argparse.Namespace) -> int:
    from perfgate.commands.clean import clean_command  # noqa: PLC0415

    return clean_command(keep=args.keep, dry_run=args.dry_run)


def _profile(args: argparse.Namespace) -> int:
    from perfgate.commands.profile import profile_command  # noqa: PLC0415

    return profile_command(benchmarks=args.benchmarks, base_ref=args.base, config_path=args.config)


def _history(args: argparse.Namespace) -> int:
    from perfgate.commands import history as commands  # noqa: PLC0415
    from perfgate.errors import UsageError  # noqa: PLC0415
    from perfgate.history import db_path  # noqa: PLC0415

    if args.action is None:
        raise UsageError(
            "history needs an action: import, show, detect, site, notify, baseline or accept"
        )
    db = db_path(args.db, args.config)
    if args.action == "import":
        return commands.import_command(args.paths, db=db, repo=args.repo)
    if args.action in ("accept", "show", "baseline"):
        return _HISTORY_ACTIONS[args.action](args, db)
    drift = None
    if args.action in ("detect", "site", "notify"):
        if not 0 <= args.drift < 1:
            raise UsageError(f"--drift is a fraction in [0, 1), like 0.1; got {args.drift}")
        drift = commands.DriftAsked(args.drift, args.since)
    if args.action == "detect":
        return _history_detect(args, db, drift)
    if args.action == "notify":
        return commands.notify_command(
            db=db,
            metric=args.metric,
            min_change=args.min_change,
            site_url=args.site_url,
            commit_url=args.commit_url,
            mention_author=args.mention_author,
            drift=drift,
        )
    if args.action == "site":
        return commands.site_command(
            args.out,
            db=db,
            metric=args.metric,
            commit_url=args.commit_url,
            min_change=args.min_change,
            drift=drift,
        )
    raise UsageError(f"unknown history action {args.action!r}")


def _history_accept(args: argparse.Namespace, db: Path | str) -> int:
    from perfgate.commands import history as commands  # noqa: PLC0415

    return commands.accept_command(
        args.commit, args.benchmarks, reason=args.reason, by=args.by, db=db
    )


def _history_show(args: argparse.Namespace, db: Path | str) -> int:
    from perfgate.commands import history as commands  # noqa: PLC0415

    return commands.show_command(
        args.benchmark,
        db=db,
        machine=args.machine,
        environment=args.env,
        metric=args.metric,
        fmt=args.format,
        chart=args.chart,
    )


def _history_baseline(args: argparse.Namespace, db: Path | str) -> int:
    from perfgate.commands import history as commands  # noqa: PLC0415

    return commands.baseline_command(
        db=db,
        last=args.last,
        out=_required(args.output, "--output"),
        machine=args.machine,
        environment=args.env,
    )


_HISTORY_ACTIONS: dict[str, Callable[[argparse.Namespace, Path | str], int]] = {
    "accept": _history_accept,
    "show": _history_show,
    "baseline": _history_baseline,
}


def _history_detect(args: argparse.Namespace, db: Path | str, drift: DriftAsked | None) -> int:
    from perfgate.commands import history as commands  # noqa: PLC0415

    return commands.detect_command(
        db=db,
        metric=args.metric,
        fmt=args.format,
        output=args.output,
        min_change=args.min_change,
        method=args.method,
        drift=drift,
        bisect=args.bisect,
        config_path=args.config,
    )


def _required(value: Path | None, flag: str) -> Path:
    from perfgate.errors import UsageError  # noqa: PLC0415

    if value is None:  # not argparse's required=: an older alias of the flag may give it
        raise UsageError(f"{flag} is required")
    return value


def _budgets(args: argparse.Namespace) -> int:
    from perfgate.commands.budgets import calibrate_command  # noqa: PLC0415
    from perfgate.errors import UsageError  # noqa: PLC0415

    if args.action != "calibrate":
        raise UsageError("budgets needs an action: calibrate")
    return calibrate_command(config_path=args.config, write=args.write)


def _init(args: argparse.Namespace) -> int:
    from perfgate.commands.init import init_command  # noqa: PLC0415

    return init_command(
        args.dir, asv=args.asv, force=args.force, action=args.action, shards=args.shards
    )


def _github(args: argparse.Namespace) -> int | Report:
    from perfgate.commands import github as commands  # noqa: PLC0415
    from perfgate.errors import UsageError  # noqa: PLC0415

    if args.action == "action":
        return commands.action_command()
    if args.action == "comment":
        return commands.comment_command(
            report_path=args.report,
            number=args.pr,
            artifact=args.artifact,
            repository=args.repo,
            expect_head_sha=args.expect_head_sha,
            run_url=args.run_url,
            asv_url=args.asv_url,
            key=args.key,
        )
    raise UsageError("github needs an action: action or comment")
