"""Run the real harnesses (pytest-benchmark, asv) to produce test inputs.

Nothing here types a harness's format by hand: every file is written by the harness itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from benchmarks.harness import run_pytest_benchmark

__all__ = ["run_pytest_benchmark"]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "perfgate tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "perfgate tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


ASV_BENCHMARKS = """
class TimeSuite:
    params = ([10, 100], ["a", "b"])
    param_names = ["n", "kind"]

    def time_range(self, n, kind):
        sum(range(n))


def time_simple():
    sum(range(1000))


def mem_list():
    return [0] * 1000


def peakmem_list():
    [0] * 100000


def track_value():
    return 42


track_value.unit = "widgets"


def track_throughput():
    return 1234.5


track_throughput.unit = "ops/s"


def time_fails():
    raise ValueError("this benchmark fails on purpose")
"""


def make_asv_project(folder: Path) -> Path:
    """A small git repository with an asv suite (params, mem_, peakmem_, track_, a failure)."""
    (folder / "benchmarks").mkdir(parents=True)
    (folder / "benchmarks" / "__init__.py").write_text("", encoding="utf-8")
    (folder / "benchmarks" / "bench.py").write_text(ASV_BENCHMARKS, encoding="utf-8")
    (folder / "asv.conf.json").write_text(
        '{"version": 1, "project": "demo", "repo": ".", "environment_type": "existing", '
        '"benchmark_dir": "benchmarks", "results_dir": "results", "html_dir": "html", '
        '"branches": ["HEAD"]}',
        encoding="utf-8",
    )
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "benchmarks")
    return folder


def run_asv(asv: Path, project: Path, *extra_args: str) -> Path:
    """Run asv (the executable ``asv``) in ``project`` on the current commit, in the
    interpreter asv itself runs in; return the results directory."""
    env = {**os.environ, "HOME": str(project), **GIT_ENV}
    commit = git(project, "rev-parse", "HEAD")
    subprocess.run(
        [str(asv), "machine", "--yes", "--machine", "testbox"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    done = subprocess.run(
        [
            str(asv),
            "run",
            "--python=same",
            "--machine",
            "testbox",
            f"--set-commit-hash={commit}",
            *extra_args,
        ],
        cwd=project,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    # asv exits 2 when a benchmark fails, and the suite has one that fails on purpose
    results = project / "results"
    if done.returncode not in (0, 2) or not list(results.glob("testbox/*-*.json")):
        raise RuntimeError(f"asv run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return results


def asv_executable() -> Path:
    return Path(sys.executable).parent / "asv"


def legacy_asv(venv_dir: Path) -> Path:
    """asv 0.4.2 (results format version 1) in its own virtual environment.

    Its sdist needs setuptools' pkg_resources at build time and its setup.py would download
    an old setuptools, so it is built without isolation against setuptools < 70.
    """
    asv = venv_dir / "bin" / "asv"
    if asv.exists():
        return asv
    venv.create(venv_dir, with_pip=True, clear=True)
    pip = [
        str(venv_dir / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, "setuptools<70", "wheel"], check=True, capture_output=True)
    subprocess.run([*pip, "--no-build-isolation", "asv==0.4.2"], check=True, capture_output=True)
    return asv
