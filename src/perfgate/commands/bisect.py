"""``perfgate bisect GOOD BAD``: the first commit where a slowdown appears, by A/B probes:
validate -> the search (:mod:`perfgate.harness.bisecting`, which says how it probes and what
it stores) -> its output (:mod:`perfgate.report.bisection`) -> the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from perfgate.config import find_config, load_config
from perfgate.errors import UsageError
from perfgate.harness.bisecting import search
from perfgate.harness.git import toplevel
from perfgate.history import db_path
from perfgate.options import EXIT_NOT_FOUND, EXIT_OK
from perfgate.progress import progress_lines
from perfgate.report.bisection import render_json, render_text

if TYPE_CHECKING:
    from perfgate.history import Location


def bisect_command(
    *,
    good: str,
    bad: str,
    pattern: str | None,
    rounds: int | None,
    config_path: Path | None,
    db: Location | None,
    fmt: str,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """validate -> the search (:func:`perfgate.harness.bisecting.search`) -> its output."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if rounds is not None and rounds < 1:
        raise UsageError(f"--rounds must be 1 or more, got {rounds}")
    cwd = Path.cwd()
    config = load_config(find_config(config_path, cwd))
    with progress_lines(stderr) as progress:
        found = search(
            repo=toplevel(cwd), good=good, bad=bad, pattern=pattern, rounds=rounds,
            config=config, db=db_path(db, config_path), progress=progress,
        )  # fmt: skip
    stdout.write(render_json(found) if fmt == "json" else render_text(found))
    return EXIT_OK if found.first_bad is not None else EXIT_NOT_FOUND
