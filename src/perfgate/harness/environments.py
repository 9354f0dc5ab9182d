"""One isolated virtual environment per side, with the project installed from that side's tree.

An environment is reused as it is when its key matches: the tree's content (commit, or a stash
id for a dirty working tree), the install list and the interpreter - not the side, so the
environment built for head on main serves as base on a branch, and an A/A run builds one.
Environments are folders under ``.perfgate/envs/``; a half-built environment is never reused (a
marker, holding the key, is written last).

When only the project changed (a new commit, an edit in the working tree), an environment
whose *dependencies* match is taken over instead of building a new one: the project alone is
reinstalled (``--no-deps``) and the rest kept. Dependencies match when the install list, the
interpreter and the tree's dependency files (pyproject.toml, setup.py, setup.cfg,
requirements*.txt and constraints*.txt at its top, and any file the install list names) are
the same. As a guard for dependencies declared elsewhere, the installer's ``pip check`` must
pass after the reinstall; when it does not, a new environment is built in full. The
environment taken over is the one this side used last, else the most recently used one that
no other side of the run is using.

Installer: uv when it is on PATH (``uv venv`` + ``uv pip install``: a fresh environment with
numpy in a few seconds from uv's cache), else the standard library's venv and pip. When uv
fails (it reads none of pip's configuration: a private index, find-links, a certificate
bundle), the environment is built again with pip, and a line says why.
``PERFGATE_INSTALLER=pip`` chooses pip even where uv is installed. An environment is the same
whichever built it, so the key does not name the installer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
import venv
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from perfgate.errors import PerfgateError
from perfgate.files import venv_script
from perfgate.harness.git import remove_worktree
from perfgate.harness.proc import at_once, run_captured

_READY = "perfgate-ready"


class EnvBuildError(PerfgateError):
    """An environment could not be built: the message names the side and pip's last words."""


def base_interpreter() -> str:
    """The interpreter environments are built from: the base of the one perfgate runs in
    (a venv's python is a link to its base; the venv module builds from the base too)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def interpreter_identity() -> str:
    """What an environment depends on of the interpreter: implementation, full version and
    base interpreter. Not ``sys.executable``: perfgate run from another venv than nox's (or
    the Action's) reuses the environments built before."""
    return "\0".join([sys.implementation.name, sys.version, base_interpreter()])


def env_key(tree_id: str, install: Sequence[str], python: str) -> str:
    digest = hashlib.sha256("\0".join([tree_id, *install, python]).encode()).hexdigest()
    return f"env-{digest[:16]}"


_DEPENDENCY_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_DEPENDENCY_GLOBS = ("requirements*.txt", "constraints*.txt")


def dependency_key(tree: Path, install: Sequence[str], python: str) -> str | None:
    """What the environment holds besides the project: the install list, the interpreter and
    the contents of the tree's dependency files (a changed pin builds a new environment).
    None when a dependency file cannot be read: then no environment is taken over."""
    digest = hashlib.sha256("\0".join([*install, python]).encode())
    files = [tree / name for name in _DEPENDENCY_FILES]
    for pattern in _DEPENDENCY_GLOBS:
        files += sorted(tree.glob(pattern))
    files += [Path(arg) for arg in _expand(install, tree) if _is_file(arg)]
    try:
        for path in files:
            digest.update(b"\0" + path.name.encode() + b"\0")
            if path.is_file():
                digest.update(path.read_bytes())
    except OSError:
        return None
    return f"deps-{digest.hexdigest()[:16]}"


def _expand(install: Sequence[str], tree: Path) -> list[str]:
    return [arg.replace("{tree}", str(tree)) for arg in install]


def _is_file(arg: str) -> bool:
    return not arg.startswith("-") and Path(arg).is_file()


def project_args(install: Sequence[str], tree: Path) -> list[str]:
    """The install list's entries that install the project from the tree (``{tree}``,
    ``{tree}[extra]``, ``-e {tree}``), not a requirements file inside it."""
    args = _expand(install, tree)
    picked: list[str] = []
    for i, (raw, arg) in enumerate(zip(install, args, strict=True)):
        if "{tree}" not in raw or _is_file(arg):
            continue
        if i and args[i - 1] in ("-e", "--editable"):
            picked.append(args[i - 1])
        picked.append(arg)
    return picked


@dataclass(frozen=True)
class _Found:
    folder: Path
    key: str  # the tree, install list and interpreter it holds now
    deps: str | None  # its dependency key (None: made before perfgate recorded one)
    side: str | None  # the side that used it last


def _build_leftovers(tree: Path) -> set[Path]:
    """What building a setuptools project from ``tree`` leaves in it: ``build/`` and
    ``*.egg-info`` (at the top or one folder down, as with a src layout)."""
    found = {path for path in (tree / "build",) if path.is_dir()}
    found.update(p for p in tree.glob("*.egg-info") if p.is_dir())
    found.update(p for p in tree.glob("*/*.egg-info") if p.is_dir())
    return found


@dataclass(frozen=True)
class Wanted:
    """An environment a side needs: ``key`` (tree, install list, interpreter) and ``deps``
    (what it holds besides the project; None: never take one over)."""

    key: str
    tree: Path
    install: Sequence[str]
    side: str
    deps: str | None = None


def ensure(
    root: Path,
    key: str,
    tree: Path,
    install: Sequence[str],
    side: str,
    *,
    deps: str | None = None,
    busy: Sequence[Path] = (),
    say: Callable[[str], None] | None = None,
) -> Path:
    """The python of a ready environment holding ``key``: reused as it is, taken over from
    one with the same dependencies ``deps`` (the project reinstalled), or built. Environments
    in ``busy`` are never taken over. ``say`` hears one line per step (and a sign of life
    every half minute while the installer works)."""
    (python,) = ensure_all(root, [Wanted(key, tree, install, side, deps)], busy=busy, say=say)
    return python


def ensure_all(
    root: Path,
    wanted: Sequence[Wanted],
    *,
    busy: Sequence[Path] = (),
    say: Callable[[str], None] | None = None,
) -> list[Path]:
    """Each wanted environment's python, as :func:`ensure` gets one. Which environment each
    side gets is decided first, in order (two sides never share one unless their keys are
    equal); then the installs run at once, one thread each: two environments built side by
    side take about as long as one, the installers being mostly network, disk and single
    processes."""
    say = say or (lambda _text: None)
    found = _environments(root)
    taken = list(busy)
    # every side's own environment first: a side whose environment exists keeps it, and no
    # other side takes it over (base once took over the environment head was reusing, and
    # both sides then ran base's code)
    exacts = {
        want.key: exact
        for want in wanted
        if (exact := next(
            (e for e in found if e.key == want.key and _python(e.folder).exists()), None
        )) is not None
    }  # fmt: skip
    taken += [exact.folder for exact in exacts.values()]
    claimed: set[Path] = set()
    jobs: dict[str, Callable[[], Path]] = {}
    first: dict[str, str] = {}  # key -> the side that asked for it first
    for want in wanted:
        if want.key in jobs:  # an A/A run: one environment for both sides
            say(f"{want.side}: environment {want.key}, the same as {first[want.key]}'s")
            continue
        first[want.key] = want.side
        exact = exacts.get(want.key)
        if exact is not None:
            _mark(exact.folder, want.key, want.deps, want.side)  # last used: pruning keeps it
            say(
                f"{want.side}: environment {want.key} reused (same tree, install list and "
                "interpreter)"
            )
            jobs[want.key] = partial(_python, exact.folder)
            continue
        spare = _spare(found, want, taken)
        if spare is not None:
            taken.append(spare.folder)
            jobs[want.key] = partial(_take_over, root, spare.folder, want, say)
            continue
        folder = _free_folder(root, want.key, claimed)
        claimed.add(folder)
        jobs[want.key] = partial(_build_new, root, folder, want, say)
    done = at_once(list(jobs.values()))
    pythons = dict(zip(jobs, done, strict=True))
    return [pythons[want.key] for want in wanted]


def existing(root: Path, key: str, side: str) -> Path | None:
    """The python of a ready environment holding ``key`` (marked used by ``side``: pruning
    keeps it), or None when there is none; nothing is built or installed."""
    for env in _environments(root):
        if env.key == key and _python(env.folder).exists():
            _mark(env.folder, key, env.deps, side)
            return _python(env.folder)
    return None


def _spare(found: Sequence[_Found], want: Wanted, taken: Sequence[Path]) -> _Found | None:
    """An environment with ``want``'s dependencies that no side has taken: the one this side
    used last, else the most recently used."""
    if want.deps is None:
        return None
    spare = [env for env in found if env.deps == want.deps and env.folder not in taken]
    spare.sort(key=lambda env: env.side != want.side)  # stable: by last use within each
    return spare[0] if spare else None


def _build_new(root: Path, folder: Path, want: Wanted, say: Callable[[str], None]) -> Path:
    python = _python(folder)
    began = time.monotonic()
    side, key = want.side, want.key
    args = _expand(want.install, want.tree)
    uv = find_uv()
    if uv is not None:
        say(f"{side}: building environment {key} in {root} with uv")
        failed = _build(folder, python, want.tree, args, side=side, say=say, uv=uv)
        if failed is None:
            return _ready(folder, python, want, began=began, say=say)
        # uv reads neither pip's configuration (indexes, find-links, certificates) nor its
        # environment variables: what pip can install, uv may not. pip has the last word.
        say(f"{side}: uv could not build it ({failed}); building with pip instead")
    else:
        say(f"{side}: building environment {key} in {root}")
    failed = _build(folder, python, want.tree, args, side=side, say=say, uv=None)
    if failed is not None:
        raise EnvBuildError(
            f"installing the {side} side failed (pip install {' '.join(args)}): {failed} "
            f"(pip's whole output: {folder / 'pip-install.log'})"
        )
    return _ready(folder, python, want, began=began, say=say)


def _free_folder(root: Path, key: str, claimed: Collection[Path]) -> Path:
    """``root/key``, or ``root/key-N`` when an environment taken over for another key holds
    that name (a folder without the marker is a failed build, replaced)."""
    folder, n = root / key, 1
    while (folder / _READY).exists() or folder in claimed:
        n += 1
        folder = root / f"{key}-{n}"
    return folder


def _python(folder: Path) -> Path:
    return venv_script(folder, "python")


def _environments(root: Path) -> list[_Found]:
    """The ready environments under ``root``, most recently used first."""
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        marker = folder / _READY
        if not folder.name.startswith("env-") or not marker.is_file():
            continue
        try:
            record = json.loads(marker.read_text(encoding="utf-8"))
            if not isinstance(record, dict):
                raise TypeError
            meta = _Found(folder, str(record["key"]), record.get("deps"), record.get("side"))
        except (ValueError, TypeError, KeyError, OSError):  # an older perfgate's marker
            meta = _Found(folder, folder.name, None, None)
        found.append((marker.stat().st_mtime, meta))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [meta for _mtime, meta in found]


def _take_over(root: Path, folder: Path, want: Wanted, say: Callable[[str], None]) -> Path:
    """The environment in ``folder`` (same dependencies) with the project reinstalled from
    ``want.tree``; built anew in the same folder when the reinstall or its check fails."""
    python = _python(folder)
    began = time.monotonic()
    say(
        f"{want.side}: environment {folder.name} has the same dependencies; reinstalling only "
        f"the project for {want.key}"
    )
    (folder / _READY).unlink()  # half-reinstalled is never reused
    project = project_args(want.install, want.tree)
    failed = _reinstall(python, want.tree, project, side=want.side, say=say)
    if failed is None:
        return _ready(folder, python, want, began=began, say=say)
    shutil.rmtree(folder, ignore_errors=True)
    say(f"{want.side}: {failed}; building a new environment instead")
    return _build_new(root, folder, want, say)


def _reinstall(
    python: Path, tree: Path, project: Sequence[str], *, side: str, say: Callable[[str], None]
) -> str | None:
    """Reinstall the project alone, then check that every installed requirement is met;
    what went wrong, or None."""
    uv = find_uv()
    if uv is not None:
        env = _uv_environment()
        target = ["--python", str(python)]
        install = [uv, "pip", "install", "--no-deps", "--reinstall", "--compile-bytecode"]
        check = [uv, "pip", "check", *target]
        install += target
    elif run_captured([str(python), "-c", "import pip"]).returncode == 0:
        env = None
        install = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
        install += ["--no-deps", "--force-reinstall"]
        check = [str(python), "-m", "pip", "check", "--disable-pip-version-check"]
    else:
        return "it was built by uv, which is not available now"
    if project:
        say(f"{side}: {'uv pip' if uv else 'pip'} install --no-deps {' '.join(project)}")
        before = _build_leftovers(tree)
        done = run_captured([*install, *project], env=env)
        for leftover in _build_leftovers(tree) - before:
            shutil.rmtree(leftover, ignore_errors=True)
        if done.returncode != 0:
            return "reinstalling the project failed: " + _last_line(done.stderr)
    checked = run_captured(check, env=env)
    if checked.returncode != 0:
        return "its requirements are not all met: " + _last_line(checked.stdout + checked.stderr)
    return None


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no output"])[-1]


def _mark(folder: Path, key: str, deps: str | None, side: str) -> None:
    record = {"key": key, "deps": deps, "side": side}
    (folder / _READY).write_text(json.dumps(record), encoding="utf-8")


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
            [uv, "venv", "--quiet", "--python", base_interpreter(), str(folder)], env=env
        )
        if created.returncode != 0:
            return (created.stderr.strip().splitlines() or ["no output"])[-1]
        # --compile-bytecode: as pip does; a module compiled on first import would make the
        # first measured (or counted) run differ from the next
        command = [uv, "pip", "install", "--compile-bytecode", "--python", str(python), *args]
    if not args:  # `install: []`: the interpreter alone (a command harness that needs nothing)
        say(f"{side}: nothing to install (harness.install is empty)")
        (folder / "pip-install.log").write_text("harness.install is empty\n", encoding="utf-8")
        return None
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
    folder: Path, python: Path, want: Wanted, *, began: float, say: Callable[[str], None]
) -> Path:
    _mark(folder, want.key, want.deps, want.side)
    say(f"{want.side}: environment ready in {time.monotonic() - began:.0f} s")
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


def prune(root: Path, keep: int, protect: Sequence[str] = (), *, dry_run: bool = False) -> Pruned:
    """Remove all but the ``keep`` most recently used environments under ``root`` (and any
    half-built one), never those in ``protect``; what was freed (with ``dry_run``: what would
    be, nothing removed)."""
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
    size = sum(map(_tree_size, doomed))
    if not dry_run:
        for folder in doomed:
            shutil.rmtree(folder, ignore_errors=True)
    return Pruned(len(doomed), size)


def _tree_size(folder: Path) -> int:
    """Bytes in the regular files under ``folder`` (symlinks not followed): one ``scandir``
    a directory, whose entries carry their own stat (``rglob`` with ``is_file``, ``is_symlink``
    and ``stat`` made three calls a file: most of ``perfgate clean``'s 18 s for 73 MB)."""
    total = 0
    stack = [str(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


@dataclass(frozen=True)
class Tidied:
    pruned: Pruned
    worktrees: int  # perfgate's git worktrees removed (or that would be)


def tidy(
    repo: Path,
    *,
    keep: int,
    protect: Sequence[str] = (),
    say: Callable[[str], None],
    dry_run: bool = False,
) -> Tidied:
    """Remove perfgate's worktrees and all but ``keep`` environments (never those named in
    ``protect``), saying what was freed; with ``dry_run``, what would be (nothing removed)."""
    folder = repo / ".perfgate" / "worktrees"
    trees = sorted(folder.iterdir()) if folder.is_dir() else []
    if not dry_run:
        for tree in trees:
            remove_worktree(repo, tree)
    pruned = prune(repo / ".perfgate" / "envs", keep, protect, dry_run=dry_run)
    if pruned.count and not dry_run:
        say(
            f"removed {pruned.count} older environment(s) ({pruned.size / 1e6:.0f} MB); "
            f"the {keep} most recently used are kept (`perfgate clean` removes them all)"
        )
    return Tidied(pruned, len(trees))


def installed(python: Path) -> dict[str, str]:
    """The distributions installed in the environment of ``python`` (name -> version), read
    from its site-packages without starting it; those installed from a local folder (the
    side's own tree, by ``{tree}``) are left out: their version is the project's, not a
    dependency's."""
    from importlib.metadata import distributions  # noqa: PLC0415 - only for run --base

    root = python.parent.parent
    sites = [*root.glob("lib/python*/site-packages"), *root.glob("Lib/site-packages")]
    found: dict[str, str] = {}
    for dist in distributions(path=[str(site) for site in sites]):
        name = dist.metadata["Name"]
        if not name or '"dir_info"' in (dist.read_text("direct_url.json") or ""):
            continue
        found[_canonical(name)] = dist.version
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def dependency_changes(
    base: Mapping[str, str], head: Mapping[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """The packages whose version differs between two environments, by name (None: absent)."""
    return [
        (name, base.get(name), head.get(name))
        for name in sorted(base.keys() | head.keys())
        if base.get(name) != head.get(name)
    ]
