"""``perfgate init``: detect, plan, write, and say what happened and what to do next."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from perfgate import scaffold
from perfgate.errors import UsageError
from perfgate.options import EXIT_OK
from perfgate.pytest_plugin.perfgate_calibration import calibration_line, measure_reference

MAX_SHARDS = 256  # GitHub runs at most 256 jobs of one matrix


def init_command(
    root: Path,
    *,
    asv: bool,
    force: bool,
    action: str | None,
    shards: int = 1,
    stdout: TextIO | None = None,
) -> int:
    stdout = stdout or sys.stdout  # at call time: tests and callers swap them
    if not root.is_dir():
        raise UsageError(f"--dir {root}: no such directory")
    if action is not None and not scaffold.ACTION_REFERENCE.fullmatch(action):
        raise UsageError(
            f"--action {action!r}: expected OWNER/REPO@REF (letters, digits, '-', '_', '.'; "
            "a REF of those and '/'), e.g. perfgate/perfgate@<commit sha>"
        )
    if not 1 <= shards <= MAX_SHARDS:
        raise UsageError(f"--shards {shards}: expected 1 to {MAX_SHARDS}")
    project = scaffold.detect(root)
    stdout.write(_found(project))
    stdout.write(_install(project))
    if asv and not scaffold.asv_harness(project, asv=asv):
        stdout.write(
            "--asv: the harness stays pytest-benchmark, so that the tests in "
            f"{', '.join(project.pytest_benchmark)}/ keep running on pull requests; "
            "`harness: {type: asv}` in perfgate.yml runs the asv suite instead\n"
        )
    # pinned to the commit perfgate was installed from (pip install git+https://...) when
    # that is known; else the release tag, and a note: zizmor --pedantic flags a tag
    pinned = action or scaffold.default_action()
    # this machine's calibration reference, for budgets set here (pytest-benchmark suites)
    reference = None if scaffold.asv_harness(project, asv=asv) else measure_reference()
    files = scaffold.plan(
        project,
        asv=asv,
        action=pinned or scaffold.ACTION,
        shards=shards,
        calibration=None if reference is None else calibration_line(reference),
    )
    kept_nox = False
    wrote = False
    for item, outcome in scaffold.apply(root, files, force=force):
        wrote = wrote or outcome != "kept"
        if outcome == "kept" and item.mode == "append-if-forced":
            kept_nox = True
            stdout.write("kept noxfile.py: add these lines to it (or run again with --force)\n")
            stdout.write(item.text.lstrip("\n") + "\n")
        elif outcome == "kept":
            stdout.write(f"kept {item.path} (it exists; --force overwrites it)\n")
        else:
            stdout.write(f"{outcome} {item.path}\n")
    if project.noxfile == "with-perf":
        stdout.write("kept noxfile.py: it has a `perf` session already\n")
    if pinned is None:
        stdout.write(
            f"note: the workflow uses {scaffold.ACTION}, a tag (this perfgate was not "
            "installed from a git commit); pin a commit with --action "
            "perfgate/perfgate@<commit sha>\n"
        )
    if not wrote:  # run again on a set-up project: nothing to commit
        stdout.write("nothing written: every file was there already (--force rewrites them)\n")
        return EXIT_OK
    stdout.write(
        "next: commit what init wrote (`git add -A && git commit -m 'perfgate init'`): with "
        "uncommitted changes `nox -s perf` compares them with the default branch, on a clean "
        "default branch it checks this tree alone; .github/workflows/perf.yml then runs on "
        "pull requests" + (" once noxfile.py has the session" if kept_nox else "") + "\n"
    )
    return EXIT_OK


def _found(project: scaffold.Project) -> str:
    suites = []
    if project.pytest_benchmark:
        suites.append(f"pytest-benchmark tests in {', '.join(project.pytest_benchmark)}/")
    if project.asv_config:
        suites.append(f"asv ({project.asv_config})")
    what = " and ".join(suites) if suites else "no benchmark suite (an example is written)"
    return f"perfgate init: {project.name}: {what}\n"


def _install(project: scaffold.Project) -> str:
    """What init installs beside the project, and why; what nothing provides, as warnings."""
    lines = []
    if not project.installable:
        lines.append(
            "install: pytest and pytest-benchmark only: this folder has no pyproject.toml or "
            "setup.py, so its benchmarks import its modules from the tree (a conftest.py in "
            "the suite's folder puts the tree on sys.path)"
        )
    elif project.install_why:
        lines.append(f"install: the benchmarks import {', '.join(project.install_why)}")
    else:
        lines.append("install: the project alone (the benchmarks import nothing its extras add)")
    lines += [
        f"warning: the benchmarks import {name!r}, which neither the project, its dependencies "
        "nor its extras or dependency groups provide: add it to harness.install in perfgate.yml"
        for name in project.unprovided
    ]
    return "".join(f"{line}\n" for line in lines)
