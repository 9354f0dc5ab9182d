"""The packages base's and head's environments hold at different versions: read from each
environment's site-packages, put in the report, and shown by every output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from perfgate import environments
from perfgate.commands.run import _with_dependencies
from perfgate.github.comment import Context, render_comment
from perfgate.report import render
from perfgate.report.document import load_report, report_from_dict
from perfgate.runner import Side

GOLDEN = Path(__file__).parent / "golden"


def _environment(root: Path, packages: dict[str, str], local: str | None = None) -> Path:
    """A venv-shaped folder whose site-packages holds a dist-info for each package (and one
    installed from a local folder, as ``{tree}`` installs the project)."""
    site = root / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    for name, version in {**packages, **({local: "0.1"} if local else {})}.items():
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        if name == local:
            (info / "direct_url.json").write_text(
                json.dumps({"url": "file:///tree", "dir_info": {}})
            )
    (root / "bin").mkdir(parents=True)
    return root / "bin" / "python"


def test_environments_are_read_without_the_project_and_compared(tmp_path: Path) -> None:
    base = _environment(
        tmp_path / "base", {"numpy": "1.26.4", "Py_CPUInfo": "9.0.0", "tomli": "2.0.1"}, "demo"
    )
    head = _environment(tmp_path / "head", {"numpy": "2.0.0", "py-cpuinfo": "9.0.0"}, "demo")
    found = environments.installed(base)
    assert found == {"numpy": "1.26.4", "py-cpuinfo": "9.0.0", "tomli": "2.0.1"}  # no demo
    changes = environments.dependency_changes(found, environments.installed(head))
    assert changes == [("numpy", "1.26.4", "2.0.0"), ("tomli", "2.0.1", None)]


def test_a_dependency_that_differs_is_in_the_table_the_comment_and_the_json(
    tmp_path: Path,
) -> None:
    sides = [
        Side(name="base", python=_environment(tmp_path / "b", {"numpy": "1.26.4"}), cwd=tmp_path),
        Side(name="head", python=_environment(tmp_path / "h", {"numpy": "2.0.0"}), cwd=tmp_path),
    ]
    report = _with_dependencies(load_report(GOLDEN / "compare.json"), sides)
    said = "numpy 1.26.4 \u2192 2.0.0"
    assert said in render(report, "table", width=200).replace("\n", " ")
    assert said in render(report, "markdown")
    assert said in render_comment(report, Context())
    data = json.loads(render(report, "json"))
    assert data["dependency_changes"] == [{"name": "numpy", "base": "1.26.4", "head": "2.0.0"}]
    assert report_from_dict(data).dependencies == report.dependencies  # read back
    same = [sides[0], Side(name="head", python=sides[0].python, cwd=tmp_path)]
    assert _with_dependencies(load_report(GOLDEN / "compare.json"), same).dependencies == ()
