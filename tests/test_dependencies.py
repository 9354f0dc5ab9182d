"""The packages base's and head's environments hold at different versions: read from each
environment's site-packages, put in the report, and shown by every output."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

from perfgate.github.comment import Context, render_comment
from perfgate.harness import environments
from perfgate.harness.ab import _with_dependencies
from perfgate.harness.runner import Side
from perfgate.report import render
from perfgate.report.document import load_report, report_from_dict
from tests.harnesses import git
from tests.helpers import run_cli, write_config

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


def _wheel(folder: Path, name: str, version: str) -> Path:
    """A real (minimal) wheel of a pure-Python distribution, written as pip writes one."""
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = [f"{file},," for file in files] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(path, "w") as wheel:
        for file, text in files.items():
            wheel.writestr(file, text)
    return path


@pytest.mark.slow  # builds two environments
def test_a_real_pair_of_environments_that_resolve_another_version_says_so(
    tmp_path: Path,
) -> None:
    """`run --base`: head's pyproject.toml pins another version of a dependency (a local wheel,
    no network): both environments are built, and the report says what differs."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    old, new = _wheel(wheels, "tinydep", "1.0"), _wheel(wheels, "tinydep", "2.0")
    root = tmp_path / "proj"
    (root / "src" / "depproj").mkdir(parents=True)
    (root / "src" / "depproj" / "__init__.py").write_text("import tinydep\n")
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_bench.py").write_text(
        "def test_sum(benchmark):\n    benchmark(sum, range(1000))\n"
    )
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "depproj"\nversion = "0.1"\ndependencies = ["tinydep @ {url}"]\n'
    )
    (root / "pyproject.toml").write_text(pyproject.format(url=old.as_uri()))
    (root / ".gitignore").write_text(".perfgate/\n")
    write_config(
        root,
        "version: 1\nharness:\n  type: pytest-benchmark\n  args: [benchmarks, "
        "--benchmark-only, --benchmark-min-rounds=5, --benchmark-max-time=0.01]\n",
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "pyproject.toml").write_text(pyproject.format(url=new.as_uri()))
    git(root, "commit", "-qam", "head: tinydep 2.0")
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "1", "--output", root / "report.json",
        "--output", root / "report.md", cwd=root,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    report = json.loads((root / "report.json").read_text())
    assert report["dependency_changes"] == [{"name": "tinydep", "base": "1.0", "head": "2.0"}]
    assert "tinydep 1.0 \u2192 2.0" in (root / "report.md").read_text()
