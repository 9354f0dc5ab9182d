"""``perfgate check RESULT...``: one side's results against the budgets."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from perfgate import formats
from perfgate.check import check
from perfgate.commands._output import emit
from perfgate.config import find_config, load_config, with_overrides
from perfgate.errors import UsageError
from perfgate.report.model import Report


def check_command(
    paths: Sequence[Path],
    *,
    config_path: Path | None,
    fmt: str,
    outputs: Sequence[Path] = (),
    input_format: str = "auto",
    stdout: TextIO | None = None,
    width: int | None = None,
    fail_on: str | None = None,
) -> Report:
    """The check report, shown and written. Raises PerfgateError for bad input."""
    stdout = stdout or sys.stdout  # at call time: tests and callers swap them
    if not paths:
        raise UsageError("check needs at least one result file or directory")
    config = with_overrides(load_config(find_config(config_path, Path.cwd())), fail_on=fail_on)
    side = formats.load_side(paths, input_format)
    report = check(side.benchmarks, config, failed=side.failed, sources=[str(p) for p in paths])
    return emit(report, fmt, outputs, stdout, width)
