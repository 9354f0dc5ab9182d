"""``perfgate clean``: remove the side environments and git worktrees `perfgate run` made
(all, or all but the ``--keep`` most recently used environments); ``--dry-run`` says what it
would remove and removes nothing. Reports, round files and the history are kept."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from perfgate.errors import UsageError
from perfgate.harness import environments
from perfgate.harness.git import toplevel
from perfgate.options import EXIT_OK


def clean_command(*, keep: int, dry_run: bool = False, stdout: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout  # at call time: tests and callers swap it
    if keep < 0:
        raise UsageError(f"--keep must be 0 or more, got {keep}")
    done = environments.tidy(
        toplevel(Path.cwd()), keep=keep, say=lambda _line: None, dry_run=dry_run
    )
    what = (
        f"{done.pruned.count} environment(s) ({done.pruned.size / 1e6:.0f} MB) and "
        f"{done.worktrees} git worktree(s); {keep} environment(s) kept at most"
    )
    verb = "would remove" if dry_run else "removed"
    stdout.write(f"perfgate: {verb} {what}\n")
    return EXIT_OK
