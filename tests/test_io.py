"""Reports are written atomically, with the mode any other new file would get; a rounds folder
is held by one process at a time, on any OS (POSIX ``flock``, Windows ``msvcrt.locking``)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.files import FolderInUseError, exclusive, venv_script, write_text_atomic


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_new_report_gets_the_umask_mode_and_a_replaced_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "report.md"
        write_text_atomic(fresh, "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's 0600
        kept = tmp_path / "kept.md"
        kept.write_text("old")
        kept.chmod(0o640)
        write_text_atomic(kept, "new")
        assert (kept.read_text(), stat.S_IMODE(kept.stat().st_mode)) == ("new", 0o640)
    finally:
        os.umask(old)
    assert not list(tmp_path.glob(".*.tmp"))


HOLDER = """
import sys
from pathlib import Path
from perfgate.files import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_folder_held_by_another_process_is_refused_naming_it_and_free_once_it_ends(
    tmp_path: Path,
) -> None:
    """The lock is the kernel's: a second holder is refused at once with the first's process
    id, and the folder is free the moment the first process ends (no file to clean up)."""
    folder = tmp_path / "rounds"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    busy = rf"in use by another perfgate run \(process {holder.pid}\)"
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(FolderInUseError, match=busy), exclusive(folder):
            pass
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    # free again; and a second handle is refused even in the same process
    with exclusive(folder), pytest.raises(FolderInUseError), exclusive(folder):
        pass


def test_a_venvs_scripts_are_where_each_os_puts_them(tmp_path: Path) -> None:
    assert venv_script(tmp_path, "python", platform="win32") == tmp_path / "Scripts/python.exe"
    assert venv_script(tmp_path, "pytest", platform="darwin") == tmp_path / "bin/pytest"
    assert venv_script(tmp_path, "pytest", platform="linux") == tmp_path / "bin/pytest"
