"""Accepting a slowdown on the pull request: a comment command by someone who may merge.

A line ``/perfgate accept NAME [NAME ...] [-- REASON]`` in a comment on the pull request
accepts those benchmarks (full names, or the short names the tables print) when its author
has write access to the repository (admin, maintain or write: someone who could merge the
pull request anyway); a command from anyone else accepts nothing and is named in the log.
The Action reads the commands before it runs, so a maintainer comments, then re-runs the
job. Accepted rows keep their severity and pass the gate; the comment shows them as accepted,
by whom and why. Pure: comments and permissions in, acceptances out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from perfgate.github.api import Comment

COMMAND = "/perfgate accept"
MAY_ACCEPT = frozenset({"admin", "write"})


@dataclass(frozen=True)
class Accepted:
    name: str
    reason: str  # the author's words, with who accepted it and where
    login: str


@dataclass(frozen=True)
class Refused:
    login: str
    permission: str
    url: str


def commands(comments: Sequence[Comment]) -> list[tuple[Comment, list[str], str]]:
    """Every accept command: (its comment, the names, the reason)."""
    found = []
    for comment in comments:
        for raw in comment.body.splitlines():
            line = raw.strip()
            if not line.startswith(COMMAND + " "):
                continue
            words, _, reason = line[len(COMMAND) :].partition(" -- ")
            names = words.split()
            if names:
                found.append((comment, names, reason.strip()))
    return found


def acceptances(
    comments: Sequence[Comment], permission: Callable[[str], str]
) -> tuple[list[Accepted], list[Refused]]:
    """The accepted benchmarks (the latest command for a name wins) and the commands refused
    for their author's permission (each author asked once)."""
    asked: dict[str, str] = {}
    accepted: dict[str, Accepted] = {}
    refused: list[Refused] = []
    for comment, names, reason in commands(comments):
        login = comment.author
        if login not in asked:
            asked[login] = permission(login)
        if asked[login] not in MAY_ACCEPT:
            refused.append(Refused(login=login, permission=asked[login], url=comment.url))
            continue
        said = f"{reason} " if reason else ""
        for name in names:
            accepted[name] = Accepted(
                name=name, reason=f"{said}(accepted by {login} on the pull request)", login=login
            )
    return list(accepted.values()), refused
