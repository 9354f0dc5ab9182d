"""Where reports go (commands/output.py): files by suffix, the table on the terminal, and no
earlier run's profile chart left beside new reports."""

from __future__ import annotations

import io
from pathlib import Path

from perfgate.commands.output import PROFILE_PAGE, emit
from perfgate.report.document import load_report

GOLDEN = Path(__file__).parent / "golden"


def test_a_stale_profile_chart_is_removed_when_new_reports_have_none(tmp_path: Path) -> None:
    report = load_report(GOLDEN / "compare.json")
    assert not any(row.profile for row in report.rows)
    (tmp_path / PROFILE_PAGE).write_text("<html>an earlier run's chart</html>")
    stdout = io.StringIO()
    emit(report, "table", [tmp_path / "report.md", tmp_path / "report.json"], stdout)
    assert (tmp_path / "report.md").is_file()
    assert (tmp_path / "report.json").is_file()
    assert not (tmp_path / PROFILE_PAGE).exists()
    assert f"removed {tmp_path / PROFILE_PAGE}" in stdout.getvalue()
    other = tmp_path / "elsewhere"  # a chart in another folder is not this run's to remove
    other.mkdir()
    (other / PROFILE_PAGE).write_text("kept")
    emit(report, "table", [tmp_path / "again.md"], io.StringIO())
    assert (other / PROFILE_PAGE).read_text() == "kept"
