"""The commands' work, step by step; the CLI only parses arguments and calls these."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from perfgate import formats
from perfgate._io import write_text_atomic
from perfgate.check import check
from perfgate.compare import compare
from perfgate.config import find_config, load_config, with_overrides
from perfgate.errors import InputError, UsageError
from perfgate.model import STORED_BASELINE, Run, combine
from perfgate.report import render
from perfgate.verdicts import Report

STORED_BASELINE_NOTE = (
    "base is a stored baseline (recent runs from the history, measured in other jobs, "
    "often on other runners): it carries job-to-job noise that a same-job base does not "
    "(on django's GitHub runners the p95 change between jobs is ~29%, within one job ~4%); "
    "`perfgate run --base` measures both sides in the same job"
)


def load_side(paths: Sequence[Path], input_format: str) -> list[Run]:
    runs: list[Run] = []
    for path in paths:
        runs.extend(formats.load(path, input_format))
    return runs


def run_check(
    paths: Sequence[Path],
    *,
    config_path: Path | None,
    fmt: str,
    outputs: Sequence[Path] = (),
    input_format: str = "auto",
    stdout: TextIO = sys.stdout,
    width: int | None = None,
    fail_on: str | None = None,
) -> int:
    """``perfgate check``: 0 pass, 1 the gate failed. Raises PerfgateError for bad input."""
    if not paths:
        raise UsageError("check needs at least one result file or directory")
    config = with_overrides(load_config(find_config(config_path, Path.cwd())), fail_on=fail_on)
    runs = load_side(paths, input_format)
    try:
        benchmarks, failed = combine(runs)
    except ValueError as exc:
        raise InputError(", ".join(str(p) for p in paths), str(exc)) from None
    report = check(benchmarks, config, failed=failed, sources=[str(p) for p in paths])
    return emit(report, fmt, outputs, stdout, width)


def run_compare(
    base: Path,
    head: Path,
    *,
    config_path: Path | None,
    fmt: str,
    outputs: Sequence[Path] = (),
    input_format: str = "auto",
    stdout: TextIO = sys.stdout,
    width: int | None = None,
    fail_on: str | None = None,
) -> int:
    """``perfgate compare``: 0 pass, 1 the gate failed. Raises PerfgateError for bad input."""
    config = with_overrides(load_config(find_config(config_path, Path.cwd())), fail_on=fail_on)
    sides = []
    stored_baseline = False
    for path in (base, head):
        runs = load_side([path], input_format)
        stored_baseline = stored_baseline or (
            path is base and any(r.metadata.harness == STORED_BASELINE for r in runs)
        )
        try:
            sides.append(combine(runs))
        except ValueError as exc:
            raise InputError(str(path), str(exc)) from None
    (base_benchmarks, base_failed), (head_benchmarks, head_failed) = sides
    try:
        report = compare(
            base_benchmarks,
            head_benchmarks,
            config,
            failed=[*head_failed, *(f for f in base_failed if f not in head_failed)],
            sources=[str(base), str(head)],
        )
    except ValueError as exc:
        raise InputError(f"{base} vs {head}", str(exc)) from None
    if stored_baseline:
        report = replace(report, notes=(*report.notes, STORED_BASELINE_NOTE))
    return emit(report, fmt, outputs, stdout, width)


FORMAT_BY_SUFFIX = {
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xml": "junit",
}


def output_format(path: Path, fmt: str) -> str:
    """The format written to ``path``: JSON for ``.json``, markdown for ``.md``, JUnit XML for
    ``.xml``, else ``fmt``."""
    return FORMAT_BY_SUFFIX.get(path.suffix.lower(), fmt)


def emit(
    report: Report, fmt: str, outputs: Sequence[Path], stdout: TextIO, width: int | None
) -> int:
    """Print the report and write it to each of ``outputs``; the exit code of its verdict.

    With outputs, the terminal gets the table (a human still sees the result) and a line per
    file written; without, ``fmt`` goes to stdout (for pipes).
    """
    if not outputs:
        stdout.write(render(report, fmt, width=width))
        return 1 if report.verdict == "fail" else 0
    for output in outputs:
        write_text_atomic(output, render(report, output_format(output, fmt), width=width))
    stdout.write(render(report, "table", width=width))
    for output in outputs:
        stdout.write(f"wrote {output}\n")
    return 1 if report.verdict == "fail" else 0
