"""perfgate as a user installs it: the wheel and sdist `python -m build` makes pass `twine
check`, and the wheel installed into a fresh virtual environment (nothing of this checkout on
its path) runs `perfgate --version`, `check` and `compare` on real pytest-benchmark output, and
`init` writes its files from the templates the wheel carries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from perfgate import __version__
from tests.helpers import DATA

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_built_wheel_installs_and_runs_from_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    bindir = Path(sys.executable).parent
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = dist.glob("perfgate-*.whl")
    (sdist,) = dist.glob("perfgate-*.tar.gz")
    assert wheel.name.startswith(f"perfgate-{__version__}-")
    checked = subprocess.run(
        [str(bindir / "twine"), "check", "--strict", str(wheel), str(sdist)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, env=env, cwd=tmp_path
    )
    perfgate = str(env_dir / "bin" / "perfgate")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [perfgate, *args], capture_output=True, text=True, check=False, env=env, cwd=tmp_path
        )

    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"perfgate {__version__}"
    where = subprocess.run(
        [str(python), "-c", "import perfgate; print(perfgate.__file__)"],
        capture_output=True, text=True, check=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert str(env_dir) in where.stdout  # the installed copy, not this checkout
    result = DATA / "pytest-benchmark.json"
    checked_run = run("check", str(result), "--format", "json")
    assert checked_run.returncode == 0, checked_run.stderr
    assert json.loads(checked_run.stdout)["kind"] == "check"
    compared = run("compare", str(result), str(result), "--format", "json")
    assert compared.returncode in (0, 1), compared.stderr  # one file a side against itself
    assert json.loads(compared.stdout)["kind"] == "compare"
    assert any((env_dir / "lib").glob("python*/site-packages/perfgate/py.typed"))  # typed
    # init's files are package data: the installed copy writes them
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    initialised = subprocess.run(
        [perfgate, "init"], capture_output=True, text=True, check=False, env=env, cwd=project
    )
    assert initialised.returncode == 0, initialised.stderr
    assert (
        "${{ github.event.pull_request.number }}"
        in (project / ".github" / "workflows" / "perf.yml").read_text()
    )
    assert "def perf(session" in (project / "noxfile.py").read_text()
