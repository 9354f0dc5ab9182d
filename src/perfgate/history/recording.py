"""``--record``: a measuring run stored in the history. Of a run of head alone, its rounds with
the packages its environment had installed; of an A/B run, only the slowdowns accepted with
``--accept`` (the history keeps runs of one commit), beside head's commit."""

from __future__ import annotations

import time
from pathlib import Path

from perfgate.errors import InputError
from perfgate.harness import environments
from perfgate.harness.git import GitError, dirty_files, git, resolve
from perfgate.history import Location, shown_location
from perfgate.progress import Progress
from perfgate.report.model import Report


def store_head(db: Location, folder: Path, python: Path, progress: Progress) -> None:
    """Head's rounds (round files under ``folder``) into the history, with the packages the
    environment of ``python`` had installed; a file that could not be stored is an input
    error (exit 2), said after the report."""
    from perfgate.history.importer import candidate_files, import_into  # noqa: PLC0415

    # what the environment had installed (none known: a system interpreter's are not read)
    packages = environments.installed(python) or None
    outcome = import_into(db, list(candidate_files([folder])), repo=None, packages=packages)
    for line in outcome.lines():
        progress.line(f"--record: {line}")
    if outcome.result.skipped:
        skipped = len(outcome.result.skipped)
        raise InputError(str(db), f"--record: {skipped} file(s) could not be stored (see above)")


def store_acceptances(db: Location, report: Report, repo: Path, progress: Progress) -> None:
    """The slowdowns an A/B run accepted (``--accept``), beside head's commit, where `history
    detect`, `site` and `notify` find them."""
    from perfgate.history.store import Acceptance, open_store  # noqa: PLC0415

    accepted = [row for row in report.rows if row.gate.accepted is not None]
    if not accepted:
        progress.line(
            "--record: nothing stored (the history keeps runs of one commit; of an A/B run, "
            "only the slowdowns accepted with --accept)"
        )
        return
    if dirty_files(repo):
        progress.line(
            f"--record: the {len(accepted)} accepted slowdown(s) are not recorded: head has "
            "uncommitted changes, and an acceptance belongs to a commit (commit, then run again)"
        )
        return
    commit = resolve(repo, "HEAD")
    tree = git(repo, "rev-parse", f"{commit}^{{tree}}")
    by = _git_user(repo)
    now = time.time()
    store = open_store(db, create=True)
    try:
        store.add_acceptances([
            Acceptance(
                commit=commit, benchmark=row.name, reason=row.gate.accepted or "",
                accepted_by=by, tree=tree, date=now,
            )
            for row in accepted
        ])  # fmt: skip
    finally:
        store.close()
    progress.line(
        f"--record: {len(accepted)} accepted slowdown(s) recorded beside commit {commit[:12]} "
        f"in {shown_location(db)}"
    )


def _git_user(repo: Path) -> str | None:
    try:
        return git(repo, "config", "user.name") or None
    except GitError:
        return None
