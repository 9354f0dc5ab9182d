"""One isolated virtual environment per side, with the project installed from that side's tree.

An environment is reused when its key matches: the tree's content (commit, or a stash id for a
dirty working tree), the install list and the interpreter - not the side, so the environment
built for head on main serves as base on a branch, and an A/A run builds one. Keys are folder
names under ``.perfgate/envs/``; a half-built environment is never reused (a marker is written
last).

Installer: uv when it is on PATH (``uv venv`` + ``uv pip install``: a fresh environment with
numpy in a few seconds from uv's cache), else the standard library's venv and pip. When uv
fails (it reads none of pip's configuration: a private index, find-links, a certificate
bundle), the environment is built again with pip, and a line says why.
``PERFGATE_INSTALLER=pip`` chooses pip even where uv is installed. An environment is the same
whichever built it, so the key does not name the installer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
import venv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfgate._proc import run_captured
from perfgate.errors import PerfgateError

_READY = "perfgate-ready"


class EnvBuildError(PerfgateError):
    """An environment could not be built: the message names the side and pip's last words."""


def env_key(tree_id: str, install: Sequence[str], python: str) -> str:
    digest = hashlib.sha256("\0".join([tree_id, *install, python]).encode()).hexdigest()
    return f"env-{digest[:16]}"


def _build_leftovers(tree: Path) -> set[Path]:
    """What building a setuptools project from ``tree`` leaves in it: ``build/`` and
    ``*.egg-info`` (at the top or one folder down, as with a src layout)."""
    found = {path for path in (tree / "build",) if path.is_dir()}
    found.update(p for p in tree.glob("*.egg-info") if p.is_dir())
    found.update(p for p in tree.glob("*/*.egg-info") if p.is_dir())
    return found


def ensure(
    root: Path,
    key: str,
    tree: Path,
    install: Sequence[str],
    side: str,
    *,
    say: Callable[[str], None] | None = None,
) -> Path:
    """The python of a ready environment for ``key``, building it if needed; ``say`` hears
    one line per step (and a sign of life every half minute while pip works)."""
    say = say or (lambda _text: None)
    folder = root / key
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if (folder / _READY).exists() and python.exists():
        (folder / _READY).touch()  # last used now: pruning keeps the recently used ones
        say(f"{side}: environment {key} reused (same tree, install list and interpreter)")
        return python
    began = time.monotonic()
    args = [arg.replace("{tree}", str(tree)) for arg in install]
    uv = find_uv()
    if uv is not None:
        say(f"{side}: building environment {key} in {root} with uv")
        failed = _build(folder, python, tree, args, side=side, say=say, uv=uv)
        if failed is None:
            return _ready(folder, python, args, side=side, began=began, say=say)
        # uv reads neither pip's configuration (indexes, find-links, certificates) nor its
        # environment variables: what pip can install, uv may not. pip has the last word.
        say(f"{side}: uv could not build it ({failed}); building with pip instead")
    else:
        say(f"{side}: building environment {key} in {root}")
    failed = _build(folder, python, tree, args, side=side, say=say, uv=None)
    if failed is not None:
        raise EnvBuildError(
            f"installing the {side} side failed (pip install {' '.join(args)}): {failed} "
            f"(pip's whole output: {folder / 'pip-install.log'})"
        )
    return _ready(folder, python, args, side=side, began=began, say=say)


def _build(
    folder: Path,
    python: Path,
    tree: Path,
    args: Sequence[str],
    *,
    side: str,
    say: Callable[[str], None],
    uv: str | None,
) -> str | None:
    """Build the environment with uv or venv and pip; the installer's last line if it
    failed, else None. The installer's whole output is kept beside the environment."""
    env = None
    if uv is None:
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
        command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]
    else:
        shutil.rmtree(folder, ignore_errors=True)
        env = _uv_environment()
        created = run_captured(
            [uv, "venv", "--quiet", "--python", sys.executable, str(folder)], env=env
        )
        if created.returncode != 0:
            return (created.stderr.strip().splitlines() or ["no output"])[-1]
        # --compile-bytecode: as pip does; a module compiled on first import would make the
        # first measured (or counted) run differ from the next
        command = [uv, "pip", "install", "--compile-bytecode", "--python", str(python), *args]
    say(f"{side}: {'uv pip' if uv else 'pip'} install {' '.join(args)}")
    before = _build_leftovers(tree)
    done = run_captured(
        command, env=env, beat=lambda seconds: say(f"{side}: still installing ({seconds:.0f} s)")
    )
    for leftover in _build_leftovers(tree) - before:  # setuptools builds in the tree
        shutil.rmtree(leftover, ignore_errors=True)
    (folder / "pip-install.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["no output"])[-1]
    return None


def _uv_environment() -> dict[str, str]:
    """uv's environment: pip's certificate bundle (PIP_CERT) as uv's, unless one is set."""
    env = dict(os.environ)
    if "PIP_CERT" in env and "SSL_CERT_FILE" not in env:
        env["SSL_CERT_FILE"] = env["PIP_CERT"]
    return env


def _ready(
    folder: Path,
    python: Path,
    args: Sequence[str],
    *,
    side: str,
    began: float,
    say: Callable[[str], None],
) -> Path:
    (folder / _READY).write_text(" ".join(args), encoding="utf-8")
    say(f"{side}: environment ready in {time.monotonic() - began:.0f} s")
    return python


def find_uv() -> str | None:
    """uv's path when it is installed and not declined (``PERFGATE_INSTALLER=pip``)."""
    if os.environ.get("PERFGATE_INSTALLER", "").strip().lower() == "pip":
        return None
    return shutil.which("uv")


# `perfgate run` keeps this many environments (the most recently used) and removes older ones
KEEP_ENVIRONMENTS = 6


@dataclass(frozen=True)
class Pruned:
    count: int
    size: int  # bytes freed


def prune(root: Path, keep: int, protect: Sequence[str] = ()) -> Pruned:
    """Remove all but the ``keep`` most recently used environments under ``root`` (and any
    half-built one), never those in ``protect``; what was freed."""
    if not root.is_dir():
        return Pruned(0, 0)
    ready: list[Path] = []
    broken: list[Path] = []
    for folder in root.iterdir():
        if not folder.is_dir() or not folder.name.startswith("env-"):
            continue
        marker = folder / _READY
        (ready if marker.exists() else broken).append(folder)
    ready.sort(key=lambda folder: (folder / _READY).stat().st_mtime, reverse=True)
    doomed = [f for f in [*ready[keep:], *broken] if f.name not in protect]
    size = 0
    for folder in doomed:
        size += sum(
            p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
        )
        shutil.rmtree(folder, ignore_errors=True)
    return Pruned(len(doomed), size)
