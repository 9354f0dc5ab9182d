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
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    OPTIONS,
    Option,
)

if TYPE_CHECKING:
    from perfgate.commands.history import DriftAsked
    from perfgate.commands.output import ReportOptions
    from perfgate.report.model import Report


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
    """The parser: each subcommand with its arguments, and the options the table in
    :mod:`perfgate.options` gives it (every option is declared there, once)."""
    parser = _Parser(
        prog="perfgate",
        description="Performance CI for Python projects: budgets and base/head comparisons "
        "that hold on noisy CI runners.",
        epilog="Exit codes: 0 pass (warnings allowed) or inconclusive, 1 gate failed, 2 usage, "
        "config or input error, 130 interrupted, 143 terminated.",
    )
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = _command(
        commands,
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
    _options(check, "check")

    compare = _command(
        commands,
        "compare",
        help="compare head with base: ratio with interval, severity, budgets",
        description="Compare HEAD with BASE, each a result file or a directory of round files "
        "of one side. Rounds are the unit of inference; rounds of equal count are paired in "
        "file-name order (as `perfgate run` writes them, interleaved).",
    )
    compare.add_argument("base", type=Path, metavar="BASE", help="base side: file or directory")
    compare.add_argument("head", type=Path, metavar="HEAD", help="head side: file or directory")
    _options(compare, "compare")

    run = _command(
        commands,
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
        "harness_args",
        nargs="*",
        metavar="HARNESS-ARGS",
        help="extra arguments for the harness (after --)",
    )
    _options(run, "run")

    profile = _command(
        commands,
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
    _options(profile, "profile")

    bisect = _command(
        commands,
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
    _options(bisect, "bisect")

    merge = _command(
        commands,
        "merge",
        help="one report from the shards of a sharded run (perfgate run --shard K/N)",
        description="Combine the rounds folders of `perfgate run --shard K/N` jobs into one "
        "report: compared together, so the suite-wide false-alarm control spans the whole "
        "suite. The shards must compare the same commits and not share a benchmark.",
    )
    merge.add_argument(
        "folders", nargs="+", type=Path, metavar="DIR", help="a shard's rounds folder"
    )
    _options(merge, "merge")

    clean = _command(
        commands,
        "clean",
        help="remove perfgate's environments and worktrees (.perfgate/envs, .perfgate/worktrees)",
        description="Remove the side environments `perfgate run` built (all, or all but the "
        "--keep most recently used) and its git worktrees. Reports, round files and the "
        "history are kept. `perfgate run` itself keeps the 6 most recently used "
        "environments.",
    )
    _options(clean, "clean")
    _history_parser(commands)
    _github_parser(commands)
    _init_parser(commands)
    _budgets_parser(commands)
    return parser


def _command(
    commands: argparse._SubParsersAction[_Parser], name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help, description=description)
    return parser


def _actions(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[_Parser]:
    return parser.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)


def _budgets_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    budgets = _command(
        commands,
        "budgets",
        help="budgets: record this machine's speed as the reference they are judged against",
        description="`calibrate` measures perfgate's calibration workload (the CPU time of a "
        "fixed piece of Python) and prints the `calibration:` line for perfgate.yml, or "
        "writes it with --write. Run it on the machine the budgets were set on: budgets are "
        "then judged on times scaled by reference / the calibration measured in each round.",
    )
    calibrate = _command(
        _actions(budgets),
        "calibrate",
        help="measure the calibration workload here; print (or --write) the reference",
        description="Measure the calibration workload on this machine and print the "
        "`calibration: {reference: ..., workload: ...}` line for perfgate.yml.",
    )
    _options(calibrate, "budgets calibrate")


def _init_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    init = _command(
        commands,
        "init",
        help="set perfgate up in a project: perfgate.yml, a nox session, a workflow",
        description="Write perfgate.yml (for the pytest-benchmark or asv suite found), a `perf` "
        "session in noxfile.py, .github/workflows/perf.yml using the Action, an example "
        "benchmark when there is no suite, and with --asv an asv configuration and suite. "
        "Existing files are kept unless --force; an existing noxfile.py is never replaced "
        "(--force appends the session).",
    )
    _options(init, "init")


def _github_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    github = _command(
        commands,
        "github",
        help="GitHub: the Action's step, the sticky pull-request comment",
        description="What the perfgate GitHub Action runs. `action` reads its inputs from "
        "PERFGATE_INPUT_* variables and the GITHUB_* files; `comment` posts or updates the "
        "sticky comment (GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL from the "
        "environment).",
    )
    actions = _actions(github)
    _command(
        actions,
        "action",
        help="run the gate as the composite Action does (inputs from PERFGATE_INPUT_*)",
        description="The Action's main step: reads its inputs from PERFGATE_INPUT_* "
        "variables (as action.yml sets them), runs or compares, writes the job summary, "
        "annotations and reports, and posts the sticky comment when it may. Exits like "
        "`perfgate run`.",
    )
    comment = _command(
        actions,
        "comment",
        help="post or update the sticky comment from a JSON report or a fork's artifact",
        description="Post or update perfgate's one comment on a pull request from a JSON "
        "report (--report and --pr), or from a fork's workflow artifact (--artifact) in the "
        "trusted workflow_run job. Needs GITHUB_TOKEN; GITHUB_REPOSITORY and GITHUB_API_URL "
        "come from the environment unless given.",
    )
    _options(comment, "github comment")


def _history_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    history = _command(
        commands,
        "history",
        help="results across commits: import, show, detect, baseline, site, notify, accept",
        description="A history of runs across commits: an SQLite file (default "
        ".perfgate/history.sqlite) or a PostgreSQL database shared by several runners "
        "(`--db postgresql://...`, or `history: {db: ...}` in perfgate.yml).",
    )
    actions = _actions(history)
    imp = _command(
        actions,
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
    _options(imp, "history import")
    show = _command(
        actions,
        "show",
        help="one benchmark's history: table, markdown, JSON or an HTML chart",
        description="One benchmark's value per commit, one series per machine and "
        "environment, in the repository's commit order (the terminal shows the last 100 "
        "commits; markdown, JSON and --chart all of them, the chart with change points).",
    )
    show.add_argument(
        "benchmark", metavar="BENCH", help="full benchmark name (a near miss lists similar ones)"
    )
    _options(show, "history show")
    detect = _command(
        actions,
        "detect",
        help="change points in every stored series",
        description="Find the commits where a benchmark's level stepped, with the level "
        "before and after, the magnitude and a confidence.",
    )
    _options(detect, "history detect")
    site = _command(
        actions,
        "site",
        help="a static page of every stored series, change points marked (for GitHub Pages)",
        description="Write OUT/index.html: every benchmark's history as a chart on one "
        "self-contained page (no script, nothing fetched at view time), with an index, the "
        "change points `history detect` finds and links to their commits.",
    )
    site.add_argument("out", type=Path, metavar="OUT", help="folder for index.html")
    _options(site, "history site")
    notify = _command(
        actions,
        "notify",
        help="one GitHub issue per regression the change points show (default branch)",
        description="For every slower change point `history detect` finds, open a GitHub "
        "issue (label perfgate-regression) with the benchmark, the commit range, the levels "
        "before and after and the confidence; a later run updates it when its text changed "
        "and never opens a second one or reopens a closed one. Needs GITHUB_TOKEN (issues: "
        "write) and GITHUB_REPOSITORY; GITHUB_API_URL when not github.com.",
    )
    _options(notify, "history notify")
    baseline = _command(
        actions,
        "baseline",
        help="write the classic stored baseline for `perfgate compare BASELINE HEAD`",
        description="Write a native result file holding, per benchmark, its last N stored "
        "runs (each one round). Compare with it when no same-job base exists; the report says "
        "that a stored baseline from other runners is noisier.",
    )
    _options(baseline, "history baseline")
    accept = _command(
        actions,
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
    _options(accept, "history accept")


_TYPES: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "path": Path,
}


def _options(command: argparse.ArgumentParser, path: str) -> None:
    """Every option of the table that subcommand ``path`` takes, in the table's order."""
    for option in OPTIONS.values():
        if path in option.commands:
            _add_option(command, option)


def _add_option(command: argparse.ArgumentParser, option: Option) -> None:
    """``option`` with its flag, choices, default and help, and its older spellings hidden."""
    assert option.flag is not None, option.name  # noqa: S101 - a programming error, tested
    dest = option.dest or option.name
    settings: dict[str, Any] = {"dest": dest}
    if option.kind == "switch":
        settings["action"] = "store_true"
    else:
        settings["type"] = _location if option.type == "location" else _TYPES[option.type]
        if option.metavar is not None:
            settings["metavar"] = option.metavar
        if option.kind == "list":
            settings["action"] = "append"
            settings["default"] = []
        elif option.default is not None and option.config_key is None:
            settings["default"] = option.default  # else the config's value (or its default)
    if option.choices is not None:
        settings["choices"] = (*option.choices, *option.hidden_choices)
        if option.hidden_choices:  # argparse would show them all
            settings["metavar"] = "{" + ",".join(option.choices) + "}"
    where: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup = command
    if option.required and option.older:  # required, by the shown flag or an older one
        where = command.add_mutually_exclusive_group(required=True)
    elif option.required:
        settings["required"] = True
    where.add_argument(option.flag, help=option.help.replace("%", "%%"), **settings)
    for older in option.older:  # still taken, not shown
        hidden = {k: v for k, v in settings.items() if k not in ("required", "default")}
        where.add_argument(older, help=argparse.SUPPRESS, **hidden)


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
