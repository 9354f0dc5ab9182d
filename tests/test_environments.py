"""Side environments: built by uv when it is installed, by venv and pip otherwise."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate import environments

PROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "tinypkg"
version = "0.1"
"""


def tiny_project(root: Path) -> Path:
    (root / "tinypkg").mkdir(parents=True)
    (root / "tinypkg" / "__init__.py").write_text("ANSWER = 42\n")
    (root / "pyproject.toml").write_text(PROJECT)
    return root


def build(tmp_path: Path) -> tuple[Path, list[str]]:
    lines: list[str] = []
    tree = tiny_project(tmp_path / "tree")
    python = environments.ensure(
        tmp_path / "envs", "env-test", tree, ["{tree}"], "head", say=lines.append
    )
    answer = subprocess.run(
        [str(python), "-c", "import tinypkg; print(tinypkg.ANSWER)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert answer.stdout.strip() == "42"
    assert not (tree / "build").exists()  # the tree is left as it was
    return python.parent, lines


@pytest.mark.slow
def test_uv_builds_the_environment_when_it_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed (the test extra has it)")
    monkeypatch.setenv("PATH", str(Path(uv).parent), prepend=":")
    monkeypatch.delenv("PERFGATE_INSTALLER", raising=False)
    bin_dir, lines = build(tmp_path)
    assert any("with uv" in line for line in lines), lines
    assert any(line.startswith("head: uv pip install ") for line in lines), lines
    assert not (bin_dir / "pip").exists()  # uv's environments carry no pip


@pytest.mark.slow
def test_pip_builds_the_environment_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFGATE_INSTALLER", "pip")
    bin_dir, lines = build(tmp_path)
    assert not any("uv" in line for line in lines), lines
    assert (bin_dir / "pip").exists()


@pytest.mark.slow
def test_pip_takes_over_when_uv_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a uv that cannot reach its index, as on a machine whose pip is configured for a mirror
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "uv").write_text("#!/bin/sh\necho 'error: no index reachable' >&2\nexit 2\n")
    (fake / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake), prepend=":")
    monkeypatch.delenv("PERFGATE_INSTALLER", raising=False)
    bin_dir, lines = build(tmp_path)
    assert any("uv could not build it (error: no index reachable)" in line for line in lines)
    assert any(line.startswith("head: pip install ") for line in lines), lines
    assert (bin_dir / "pip").exists()
