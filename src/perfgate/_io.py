"""File writing that never leaves a half-written file behind, and a folder one run holds."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from perfgate.errors import PerfgateError


def write_text_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp's file is private (0600); a report gets the mode a new file would have (or
        # the one it replaces), so a CI upload or a web server can read it
        Path(tmp).chmod(_mode_for(path))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)  # read it back: there is no other way to learn it
        os.umask(umask)
        return 0o666 & ~umask


class FolderInUseError(PerfgateError):
    """Another perfgate run holds the rounds folder."""


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold ``folder`` (a run's rounds) for this process alone: two runs that shared it would
    pool each other's rounds and report a change neither measured. A second run is refused in
    one line rather than queued (a queued run would measure on a machine the first one loads).
    The lock is the kernel's (``flock``), so a run that died leaves nothing to clean up."""
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / ".lock"
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(32).strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise FolderInUseError(
                f"{folder} is in use by another perfgate run{who}: wait for it to finish, or "
                "give this run its own folder (--rounds-dir DIR)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
