"""What the measurements over a scratch project share: its git, its package, the machine time."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path


def children_cpu() -> float:
    """CPU seconds (user and system) of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def package(root: Path, name: str, init: str, suite: str) -> Path:
    """A src-layout package ``name`` (``init`` its ``__init__.py``) with a pytest-benchmark
    suite in benchmarks/, committed as the first commit; the ``__init__.py`` path."""
    path = root / "src" / name / "__init__.py"
    path.parent.mkdir(parents=True)
    (root / "benchmarks").mkdir()
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        f'\n[project]\nname = "{name}"\nversion = "0.1"\n'
    )
    path.write_text(init)
    (root / "benchmarks" / "test_bench.py").write_text(suite)
    (root / ".gitignore").write_text(".perfgate/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")
    return path
