"""Side environments: built by uv when it is installed, by venv and pip otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from perfgate.harness import environments


def pyproject(name: str, *more: str) -> str:
    """A setuptools project's pyproject.toml; ``more`` lines go under [project]."""
    head = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    return (
        head + f'\n[project]\nname = "{name}"\nversion = "0.1"\n' + "".join(f"{m}\n" for m in more)
    )


PROJECT = pyproject("tinypkg")


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


def _answer(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import tinypkg; print(tinypkg.ANSWER)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _ensure(root: Path, tree: Path, tree_id: str, side: str, lines: list[str], **kw: Any) -> Path:
    install = ["{tree}"]
    return environments.ensure(
        root,
        environments.env_key(tree_id, install, sys.executable),
        tree,
        install,
        side,
        deps=environments.dependency_key(tree, install, sys.executable),
        say=lines.append,
        **kw,
    )


@pytest.mark.slow
@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_new_tree_with_the_same_dependencies_reinstalls_only_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    """Head moves from one edit to the next: its environment is taken over, the project is
    reinstalled from the new tree (its new code runs), no new environment is built. A busy
    environment (the other side's) is never taken, and a changed pin builds anew."""
    if installer == "uv":
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        if uv is None:
            pytest.skip("uv is not installed (the test extra has it)")
        monkeypatch.setenv("PATH", str(Path(uv).parent), prepend=":")
        monkeypatch.delenv("PERFGATE_INSTALLER", raising=False)
    else:
        monkeypatch.setenv("PERFGATE_INSTALLER", "pip")
    root = tmp_path / "envs"
    tree = tiny_project(tmp_path / "tree")
    lines: list[str] = []
    first = _ensure(root, tree, "state-1", "head", lines)
    assert _answer(first) == "42"
    (tree / "tinypkg" / "__init__.py").write_text("ANSWER = 43\n")  # pyproject.toml untouched
    lines.clear()
    second = _ensure(root, tree, "state-2", "head", lines)
    assert second == first
    assert _answer(second) == "43"  # the new code, not a cached build of the old
    assert any("reinstalling only the project" in line for line in lines), lines
    assert not any("building environment" in line for line in lines), lines
    assert not (tree / "build").exists()
    # the state it held before is now a new build; the taken-over folder is left alone
    lines.clear()
    (tree / "tinypkg" / "__init__.py").write_text("ANSWER = 42\n")
    third = _ensure(root, tree, "state-1", "base", lines, busy=[first.parent.parent])
    assert third != first
    assert any("building environment" in line for line in lines), lines
    assert _answer(third) == "42"
    assert _answer(first) == "43"
    # a changed dependency file is a new environment
    (tree / "pyproject.toml").write_text(PROJECT + 'description = "changed"\n')
    lines.clear()
    fourth = _ensure(root, tree, "state-3", "head", lines)
    assert fourth not in (first, third)
    assert len(list(root.iterdir())) == 3


TINYDEP = pyproject("tinydep")
DYNAMIC = pyproject(
    "tinypkg",
    'dynamic = ["dependencies"]',
    "",
    "[tool.setuptools.dynamic]",
    'dependencies = {file = ["deps.in"]}',
)


@pytest.mark.slow
def test_dependencies_declared_outside_the_hashed_files_are_caught_by_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project reads its dependencies from a file perfgate does not hash: after the
    reinstall, the installer's check finds the new one missing, and a full build follows."""
    monkeypatch.setenv("PERFGATE_INSTALLER", "pip")
    dep = tmp_path / "tinydep"
    (dep / "tinydep").mkdir(parents=True)
    (dep / "tinydep" / "__init__.py").write_text("")
    (dep / "pyproject.toml").write_text(TINYDEP)
    tree = tiny_project(tmp_path / "tree")
    (tree / "pyproject.toml").write_text(DYNAMIC)
    (tree / "deps.in").write_text("")
    root = tmp_path / "envs"
    lines: list[str] = []
    first = _ensure(root, tree, "state-1", "head", lines)
    (tree / "deps.in").write_text(f"tinydep @ {dep.as_uri()}\n")
    lines.clear()
    second = _ensure(root, tree, "state-2", "head", lines)
    assert any("its requirements are not all met" in line for line in lines), lines
    assert any("building environment" in line for line in lines), lines
    subprocess.run([str(second), "-c", "import tinydep"], check=True)
    assert second == first  # rebuilt in full where the check failed, not beside it
    assert len(list(root.iterdir())) == 1


@pytest.mark.slow
def test_both_sides_are_built_at_once_and_an_a_a_run_builds_one(tmp_path: Path) -> None:
    """Which environment each side gets is decided first; the two builds then run side by
    side (both start before either is ready). Equal keys share one environment."""
    base_tree = tiny_project(tmp_path / "base")
    head_tree = tiny_project(tmp_path / "head")
    (head_tree / "tinypkg" / "__init__.py").write_text("ANSWER = 7\n")
    install = ["{tree}"]
    wanted = [
        environments.Wanted(
            environments.env_key(name, install, sys.executable), tree, install, name
        )
        for name, tree in (("base", base_tree), ("head", head_tree))
    ]
    lines: list[str] = []
    base, head = environments.ensure_all(tmp_path / "envs", wanted, say=lines.append)
    assert (_answer(base), _answer(head)) == ("42", "7")
    started = [i for i, line in enumerate(lines) if "building environment" in line]
    ready = [i for i, line in enumerate(lines) if "environment ready" in line]
    assert len(started) == len(ready) == 2
    assert max(started) < min(ready), lines
    lines.clear()
    same = environments.ensure_all(tmp_path / "envs", [wanted[1], wanted[1]], say=lines.append)
    assert same == [head, head]
    assert sum("reused" in line for line in lines) == 1


@pytest.mark.slow
def test_no_side_takes_over_the_environment_another_side_reuses(tmp_path: Path) -> None:
    """Head's environment exists, base's does not, and both hold the same dependencies: base
    must not take over head's (it did, being asked first, and both sides then ran base's code:
    a planted 2x compared as 1.0x); it builds its own, and each side runs its own tree."""
    install = ["{tree}"]
    base_tree = tiny_project(tmp_path / "base")
    head_tree = tiny_project(tmp_path / "head")
    (head_tree / "tinypkg" / "__init__.py").write_text("ANSWER = 7\n")

    def want(name: str, tree: Path) -> environments.Wanted:
        return environments.Wanted(
            environments.env_key(name, install, sys.executable), tree, install, name,
            deps=environments.dependency_key(tree, install, sys.executable),
        )  # fmt: skip

    root = tmp_path / "envs"
    lines: list[str] = []
    (head,) = environments.ensure_all(root, [want("head", head_tree)], say=lines.append)
    assert want("base", base_tree).deps == want("head", head_tree).deps  # a take-over could be
    lines.clear()
    base, head_again = environments.ensure_all(
        root, [want("base", base_tree), want("head", head_tree)], say=lines.append
    )
    assert head_again == head
    assert base != head
    assert (_answer(base), _answer(head)) == ("42", "7")
    assert any(line.startswith("head: environment") and "reused" in line for line in lines)
    assert not any("reinstalling only the project" in line for line in lines), lines


def test_an_unreadable_dependency_file_takes_no_environment_over(tmp_path: Path) -> None:
    """The dependency key of an install list naming a file that cannot be read is None (no
    take-over, a build of its own), not a traceback. /proc/self/mem is a file whose read
    fails with EIO, even for root."""
    mem = Path("/proc/self/mem")
    if not mem.is_file():
        pytest.skip("needs Linux's /proc/self/mem")
    tree = tiny_project(tmp_path / "tree")
    assert environments.dependency_key(tree, ["{tree}"], sys.executable) is not None
    assert environments.dependency_key(tree, ["{tree}", "-r", str(mem)], sys.executable) is None


def test_environments_are_keyed_by_the_interpreter_not_the_venv_perfgate_runs_in(
    tmp_path: Path,
) -> None:
    """perfgate run from another venv than nox's (same base interpreter) finds the same
    environments: the key names the base interpreter, not sys.executable."""
    other = tmp_path / "other-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True)
    python = other / "bin" / "python"
    import perfgate  # noqa: PLC0415

    source = str(Path(perfgate.__file__).parent.parent)
    script = "from perfgate.harness.environments import interpreter_identity as f; print(repr(f()))"
    done = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": source},
    )  # fmt: skip
    assert done.stdout.strip() == repr(environments.interpreter_identity())
    assert str(python) not in done.stdout  # the venv's own path is not part of it
