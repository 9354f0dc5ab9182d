"""Where a report goes: stdout in the chosen format, or files (each in the format its suffix
names) with the table on the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from perfgate._io import write_text_atomic
from perfgate.report import format_for, render
from perfgate.report.model import Report


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
    stdout.write(render(report, "table", width=width))
    for output in outputs:
        stdout.write(f"wrote {output}\n")
    return report
