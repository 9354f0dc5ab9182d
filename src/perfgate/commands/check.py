"""``perfgate check RESULT...``: one side's results against the budgets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfgate import formats
from perfgate.commands.output import ReportOptions
from perfgate.decisions.check import check
from perfgate.errors import UsageError
from perfgate.report.model import Report


def check_command(paths: Sequence[Path], options: ReportOptions) -> Report:
    """The check report, shown and written. Raises PerfgateError for bad input."""
    if not paths:
        raise UsageError("check needs at least one result file or directory")
    config = options.config()
    side = formats.load_side(paths, options.input_format)
    report = check(side.benchmarks, config, failed=side.failed, sources=[str(p) for p in paths])
    return options.emit(report)
