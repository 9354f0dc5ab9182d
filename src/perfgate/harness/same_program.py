"""Head's round of a comment-only change, kept for the next one against the same base.

A change that differs from its base only in comments, docstrings or formatting is the same
program as the base, and ``perfgate run --base`` measures it once, for its budgets. That round
is kept here, keyed by everything it depends on (base's commit and environment, the harness and
its arguments, the rounds, the interpreter, perfgate's version); a later comment-only run
against the same base on this machine judges its budgets on the kept round instead of measuring
the same program again, and says so. Kept rounds older than :data:`MAX_AGE_SECONDS` are measured
again (a machine's speed drifts over a day); ``perfgate run --all`` always compares anyway.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

KEPT = 5  # rounds of different bases kept under .perfgate/same-program (the latest used)
MAX_AGE_SECONDS = 24 * 3600.0


def folder(repo: Path) -> Path:
    return repo / ".perfgate" / "same-program"


def key(parts: dict[str, object]) -> str:
    """The digest of what a kept round depends on."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


def find(repo: Path, digest: str, now: float | None = None) -> tuple[Path, float] | None:
    """The kept round folder of ``digest`` and its age in seconds; None when there is none, it
    holds no round file, or it is older than :data:`MAX_AGE_SECONDS`."""
    kept = folder(repo) / digest
    try:
        age = (time.time() if now is None else now) - kept.stat().st_mtime
    except OSError:
        return None
    if age > MAX_AGE_SECONDS or not any(kept.glob("*.json")):
        return None
    return kept, age


def keep(repo: Path, digest: str, rounds: Path) -> None:
    """Keep the round files under ``rounds`` as ``digest`` (replacing an older copy), and only
    the :data:`KEPT` most recently kept."""
    target = folder(repo) / digest
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(rounds, staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    kept = sorted(
        (p for p in folder(repo).iterdir() if p.is_dir() and not p.name.endswith(".new")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in kept[KEPT:]:
        shutil.rmtree(stale, ignore_errors=True)


def restore(kept: Path, rounds: Path) -> None:
    """The kept round files in place of ``rounds`` (what `perfgate check` of the rounds folder
    reads afterwards)."""
    shutil.rmtree(rounds, ignore_errors=True)
    shutil.copytree(kept, rounds)
