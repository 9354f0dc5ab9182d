"""Command-line parsing. Imports nothing heavy: each command imports its work when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from perfgate import __version__

INPUT_FORMATS = ("auto", "pytest-benchmark", "asv", "native")
OUTPUT_FORMATS = ("table", "markdown", "json")

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # argparse exits here
        self.print_usage(sys.stderr)
        sys.stderr.write(f"perfgate: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="perfgate",
        description="Performance CI for Python projects: budgets and base/head comparisons "
        "that hold on noisy CI runners.",
        epilog="Exit codes: 0 pass (warnings allowed), 1 gate failed, 2 usage, config or input "
        "error, 130 interrupted.",
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
        "randomized interleaved rounds, stop once every benchmark is decided (or at the time "
        "budget), and compare. Arguments after `--` go to the harness.",
    )
    run.add_argument("--base", metavar="REF", help="git ref of the base to compare against")
    run.add_argument(
        "--rounds",
        type=int,
        metavar="N",
        help="a fixed number of rounds (default: adaptive, per perfgate.yml)",
    )
    run.add_argument(
        "--out", type=Path, metavar="DIR", help="where round files go (default: .perfgate/run)"
    )
    run.add_argument("--seed", type=int, default=0, help="seed of the round order")
    run.add_argument(
        "harness_args",
        nargs="*",
        metavar="HARNESS-ARGS",
        help="extra arguments for the harness (after --)",
    )
    _report_options(run, input_format=False)
    return parser


def _report_options(command: argparse.ArgumentParser, *, input_format: bool = True) -> None:
    """Options every reporting command shares, declared once."""
    command.add_argument(
        "--config",
        type=Path,
        metavar="F",
        help="config file (default: ./perfgate.yml, else pyproject.toml "
        "[tool.perfgate], else no budgets)",
    )
    command.add_argument(
        "--format", choices=OUTPUT_FORMATS, default="table", help="report format (default: table)"
    )
    command.add_argument(
        "--output",
        type=Path,
        metavar="F",
        help="write the report to F (the table is still printed)",
    )
    if not input_format:
        return
    command.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        default="auto",
        help="result format (default: detected per file)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        sys.stderr.write("perfgate: interrupted\n")
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    from perfgate.errors import PerfgateError  # noqa: PLC0415 - keep --help import-light

    try:
        if args.command == "check":
            from perfgate.workflow import run_check  # noqa: PLC0415

            return run_check(
                args.results,
                config_path=args.config,
                fmt=args.format,
                output=args.output,
                input_format=args.input_format,
            )
        if args.command == "compare":
            from perfgate.workflow import run_compare  # noqa: PLC0415

            return run_compare(
                args.base,
                args.head,
                config_path=args.config,
                fmt=args.format,
                output=args.output,
                input_format=args.input_format,
            )
        if args.command == "run":
            from perfgate._run import run  # noqa: PLC0415

            return run(
                base_ref=args.base,
                rounds=args.rounds,
                out=args.out,
                config_path=args.config,
                fmt=args.format,
                output=args.output,
                extra=args.harness_args,
                seed=args.seed,
            )
    except PerfgateError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            sys.stderr.write(f"perfgate: error: {line}\n")
        return exc.exit_code
    raise AssertionError(f"unhandled command {args.command!r}")  # pragma: no cover
