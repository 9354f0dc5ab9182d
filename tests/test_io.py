"""Reports are written atomically, with the mode any other new file would get."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from perfgate._io import write_text_atomic


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
