"""One isolated virtual environment per side, with the project installed from that side's tree.

An environment is reused when its key matches: the tree's content (commit, or a stash id for a
dirty working tree), the install list and the interpreter - not the side, so the environment
built for head on main serves as base on a branch, and an A/A run builds one. Keys are folder
names under ``.perfgate/envs/``; a half-built environment is never reused (a marker is written
last).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path

from perfgate.errors import PerfgateError

_READY = "perfgate-ready"


class EnvBuildError(PerfgateError):
    """An environment could not be built: the message names the side and pip's last words."""


def env_key(tree_id: str, install: Sequence[str], python: str) -> str:
    digest = hashlib.sha256("\0".join([tree_id, *install, python]).encode()).hexdigest()
    return f"env-{digest[:16]}"


def ensure(root: Path, key: str, tree: Path, install: Sequence[str], side: str) -> Path:
    """The python of a ready environment for ``key``, building it if needed."""
    folder = root / key
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if (folder / _READY).exists() and python.exists():
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    args = [arg.replace("{tree}", str(tree)) for arg in install]
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnvBuildError(
            f"installing the {side} side failed (pip install {' '.join(args)}): {last}"
        )
    (folder / _READY).write_text(" ".join(args), encoding="utf-8")
    return python
