"""The commands' work, step by step; the CLI only parses arguments and calls these."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from perfgate import formats
from perfgate._io import write_text_atomic
from perfgate.check import check
from perfgate.config import find_config, load_config
from perfgate.errors import InputError, UsageError
from perfgate.model import Run, combine
from perfgate.report import render


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
    output: Path | None,
    input_format: str = "auto",
    stdout: TextIO = sys.stdout,
    width: int | None = None,
) -> int:
    """``perfgate check``: 0 pass, 1 the gate failed. Raises PerfgateError for bad input."""
    if not paths:
        raise UsageError("check needs at least one result file or directory")
    config = load_config(find_config(config_path, Path.cwd()))
    runs = load_side(paths, input_format)
    try:
        benchmarks, failed = combine(runs)
    except ValueError as exc:
        raise InputError(", ".join(str(p) for p in paths), str(exc)) from None
    report = check(benchmarks, config, failed=failed, sources=[str(p) for p in paths])
    text = render(report, fmt, width=width)
    if output is not None:
        write_text_atomic(output, text)
        if fmt != "table":  # a human at the terminal still sees the result
            stdout.write(render(report, "table", width=width))
        stdout.write(f"wrote {output}\n")
    else:
        stdout.write(text)
    return 1 if report.verdict == "fail" else 0
