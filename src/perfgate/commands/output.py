"""Where a report goes: stdout in the chosen format, or files (each in the format its suffix
names) with the table on the terminal."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from perfgate.config import Config, find_config, load_config, with_overrides
from perfgate.files import write_text_atomic
from perfgate.report import format_for, render
from perfgate.report.model import Report

PROFILE_PAGE = "profile.html"  # the profile diff as a chart, beside the first report written


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """The options every reporting command shares (``--config``, ``--format``, ``--output``,
    ``--input-format``, ``--fail-on``), declared once in the CLI's option table."""

    config_path: Path | None = None
    fmt: str = "table"
    outputs: Sequence[Path] = ()
    input_format: str = "auto"
    fail_on: str | None = None
    accept: Sequence[str] = ()  # --accept NAME[=REASON]
    width: int | None = None
    stdout: TextIO | None = field(default=None, compare=False)

    def config(self) -> Config:
        """perfgate.yml (found from here unless ``--config``) with ``--fail-on`` applied."""
        found = find_config(self.config_path, Path.cwd())
        return with_overrides(load_config(found), fail_on=self.fail_on, accept=self.accept)

    def emit(self, report: Report) -> Report:
        # sys.stdout at call time: tests and callers swap it
        return emit(report, self.fmt, self.outputs, self.stdout or sys.stdout, self.width)


def emit(
    report: Report, fmt: str, outputs: Sequence[Path], stdout: TextIO, width: int | None = None
) -> Report:
    """Print the report and write it to each of ``outputs``.

    With outputs, the terminal gets the table (a human still sees the result) and a line per
    file written; without, ``fmt`` goes to stdout (for pipes).
    """
    if not outputs:
        stdout.write(render(report, fmt, width=width))
        return report
    for output in outputs:
        write_text_atomic(output, render(report, format_for(output, fmt), width=width))
    from perfgate.report.profile_html import render_profile_html  # noqa: PLC0415

    page = render_profile_html(report)
    written = list(outputs)
    chart = outputs[0].parent / PROFILE_PAGE
    if page is not None:  # the profile diff as a chart, beside the reports
        written.append(chart)
        write_text_atomic(chart, page)
    stdout.write(render(report, "table", width=width))
    for output in written:
        stdout.write(f"wrote {output}\n")
    if page is None and chart.is_file() and chart not in outputs:
        # an earlier run's chart would sit beside these reports as if it were theirs
        chart.unlink()
        stdout.write(f"removed {chart} (an earlier report's profile chart)\n")
    return report
