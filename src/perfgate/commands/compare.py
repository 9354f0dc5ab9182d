"""``perfgate compare BASE HEAD``: head against base, and the budgets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from perfgate import formats
from perfgate.commands.output import ReportOptions
from perfgate.decisions.compare import compare
from perfgate.errors import InputError
from perfgate.report.model import Report

STORED_BASELINE_NOTE = (
    "base is a stored baseline (recent runs from the history, measured in other jobs, "
    "often on other runners): it carries job-to-job noise that a same-job base does not "
    "(on django's GitHub runners the p95 change between jobs is ~29%, within one job ~4%); "
    "`perfgate run --base` measures both sides in the same job"
)


def compare_command(base: Path, head: Path, options: ReportOptions) -> Report:
    """The compare report, shown and written. Raises PerfgateError for bad input."""
    config = options.config()
    base_side = formats.load_side([base], options.input_format)
    head_side = formats.load_side([head], options.input_format)
    failed = formats.failed_on_either(base_side, head_side)
    try:
        report = compare(
            base_side.benchmarks,
            head_side.benchmarks,
            config,
            failed=failed,
            sources=[str(base), str(head)],
        )
    except ValueError as exc:
        raise InputError(f"{base} vs {head}", str(exc)) from None
    if base_side.stored_baseline:
        report = replace(report, notes=(*report.notes, STORED_BASELINE_NOTE))
    return options.emit(report)
