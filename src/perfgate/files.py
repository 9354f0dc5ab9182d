"""File writing that never leaves a half-written file behind, and a folder one run holds."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

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


def venv_script(venv: Path, name: str, *, platform: str = sys.platform) -> Path:
    """A virtual environment's ``name`` (``python``, ``pytest``): ``Scripts/NAME.exe`` on
    Windows, ``bin/NAME`` elsewhere."""
    if platform == "win32":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


class FolderInUseError(PerfgateError):
    """Another perfgate run holds the rounds folder."""


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold ``folder`` (a run's rounds) for this process alone: two runs that shared it would
    pool each other's rounds and report a change neither measured. A second run is refused in
    one line rather than queued (a queued run would measure on a machine the first one loads).
    The lock is the kernel's (:func:`try_lock`), so a run that died leaves nothing to clean
    up."""
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / ".lock"
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        if not try_lock(handle):
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


# Windows locks a byte range, and a locked byte cannot be read by another handle: the lock is
# taken far past the holder's process id, which a refused run reads to name the holder
_WINDOWS_LOCK_OFFSET = 1 << 20


def try_lock(handle: IO[str]) -> bool:
    """Take the kernel's exclusive lock on an open file, without waiting: False when another
    open handle (in this process or another) holds it. Released when the handle is closed or
    its process ends. ``flock`` on POSIX, ``msvcrt.locking`` on Windows."""
    if sys.platform == "win32":  # pragma: no cover - run by the Windows CI job
        import msvcrt  # noqa: PLC0415

        at = handle.tell()
        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            handle.seek(at)
        return True
    import fcntl  # noqa: PLC0415

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
