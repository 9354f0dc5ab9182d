"""The few git operations `perfgate run --base` needs, each raising PerfgateError in plain words."""

from __future__ import annotations

import subprocess
from pathlib import Path

from perfgate.errors import PerfgateError


class GitError(PerfgateError):
    """git failed or the repository is not in a state perfgate can use."""


def git(repo: Path, *args: str, strip: bool = True) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, check=False,
            encoding="utf-8", errors="replace",  # git's paths and messages, on any OS's locale
        )  # fmt: skip
    except FileNotFoundError:
        raise GitError("git is not installed (needed for --base)") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise GitError(f"git {' '.join(args)}: {message}")
    return done.stdout.strip() if strip else done.stdout


def toplevel(folder: Path) -> Path:
    try:
        return Path(git(folder, "rev-parse", "--show-toplevel"))
    except GitError:
        raise GitError(f"{folder}: not inside a git repository (--base needs one)") from None


def resolve(repo: Path, ref: str, role: str = "base ref") -> str:
    """The full commit id of ``ref``, or a one-line error naming it."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        if ref == "HEAD":
            raise GitError(f"{repo} has no commit yet (HEAD does not exist)") from None
        raise GitError(f"{role} {ref!r} does not exist in {repo}") from None


def dirty_files(repo: Path) -> list[str]:
    """Tracked files with uncommitted changes (untracked files are not benchmarked)."""
    # -z: NUL-separated, unquoted, and read unstripped: each entry starts with a two-letter
    # status whose first letter may be a space ("XY path")
    status = git(repo, "status", "--porcelain", "-z", "--untracked-files=no", strip=False)
    return [entry[3:] for entry in status.split("\0") if len(entry) > 3]


def changed_since(repo: Path, commit: str) -> list[tuple[str, str]]:
    """(status letter, path) of every tracked file whose working-tree content differs from
    ``commit`` (renames and copies reported as such, paths as git stores them)."""
    out = git(repo, "diff", "--name-status", "-z", "-M", commit, "--", strip=False)
    fields = out.split("\0")
    changes: list[tuple[str, str]] = []
    at = 0
    while at < len(fields) and fields[at]:
        status = fields[at][0]
        paths = 2 if status in "RC" else 1  # a rename names the old path and the new one
        changes.append((status, fields[at + paths]))
        at += 1 + paths
    return changes


def show(repo: Path, commit: str, path: str) -> str | None:
    """A file's text at ``commit``, or None when it is not text."""
    try:
        return git(repo, "show", f"{commit}:{path}", strip=False)
    except (GitError, UnicodeDecodeError):
        return None


def state_id(repo: Path) -> str:
    """An id of the working tree's tracked content: HEAD, or a stash commit when dirty."""
    stash = git(repo, "stash", "create")
    return stash or git(repo, "rev-parse", "HEAD")


def worktree(repo: Path, commit: str, folder: Path) -> Path:
    """A detached worktree of ``commit`` at ``folder``, reused when it is already there."""
    if (folder / ".git").exists():
        if git(folder, "rev-parse", "HEAD") == commit:
            return folder
        git(repo, "worktree", "remove", "--force", str(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    git(repo, "worktree", "prune")
    git(repo, "worktree", "add", "--detach", "--force", str(folder), commit)
    return folder


def remove_worktree(repo: Path, folder: Path) -> None:
    """Remove a worktree made by :func:`worktree` and git's record of it (nothing when it is
    not there)."""
    if (folder / ".git").exists():
        git(repo, "worktree", "remove", "--force", str(folder))
    git(repo, "worktree", "prune")


DEFAULT_BRANCHES = ("origin/main", "origin/master", "main", "master")


def default_branch(repo: Path) -> str | None:
    """The branch pull requests merge into: ``origin/HEAD``'s target, else the first of
    :data:`DEFAULT_BRANCHES` that exists, else None."""
    try:
        return git(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    except GitError:
        pass
    for branch in DEFAULT_BRANCHES:
        try:
            git(repo, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
        except GitError:
            continue
        return branch
    return None


def _current_branch(repo: Path) -> str | None:
    try:
        return git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    except GitError:  # a detached HEAD
        return None


def auto_base(repo: Path) -> tuple[str | None, str]:
    """The base ``--base auto`` means, and why: the merge-base of HEAD and the default branch.

    None when there is nothing to compare: no default branch, no common history, or HEAD *is*
    the merge-base and the tree is clean (a fresh clone of main). With uncommitted changes,
    the merge-base is compared with the working tree even when it is HEAD.
    """
    branch = default_branch(repo)
    if branch is None:
        named = ", ".join(("origin/HEAD", *DEFAULT_BRANCHES))
        return None, f"no default branch ({named}) to compare with"
    local = branch.removeprefix("origin/")
    if local != branch and _current_branch(repo) == local and not dirty_files(repo):
        # the default branch itself, ahead of origin by unpushed commits (init's own commit,
        # say): what `perfgate init` promises is a check of this tree alone
        return None, (
            f"HEAD is {local} and the tree is clean (commits not yet pushed to {branch} are "
            f"not compared; --base {branch} compares them)"
        )
    try:
        base = git(repo, "merge-base", "HEAD", branch)
    except GitError:
        return None, f"HEAD and {branch} share no history"
    if base == resolve(repo, "HEAD") and not dirty_files(repo):
        return None, f"HEAD is {branch} (or its merge-base) and the tree is clean"
    return base, f"the merge-base of HEAD and {branch}"
