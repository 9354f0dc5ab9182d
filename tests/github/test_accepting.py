"""`/perfgate accept` commands read from a pull request's comments (pure)."""

from __future__ import annotations

from perfgate.github.accepting import acceptances, commands
from perfgate.github.api import Comment


def _comment(author: str, body: str, number: int = 1) -> Comment:
    return Comment(
        id=number, body=body, author=author, author_type="User", url=f"https://x/c/{number}"
    )


def test_commands_are_lines_with_names_and_an_optional_reason() -> None:
    found = commands(
        [
            _comment("a", "nice\n/perfgate accept test_a suite::test_b -- worth it\nthanks"),
            _comment("b", "/perfgate accept"),  # no name: nothing
            _comment("c", "  /perfgate accept test_c  "),
            _comment("d", "quoting: > /perfgate accept test_d"),  # not at a line's start
        ]
    )
    assert [(c.author, names, reason) for c, names, reason in found] == [
        ("a", ["test_a", "suite::test_b"], "worth it"),
        ("c", ["test_c"], ""),
    ]


def test_only_authors_with_write_access_accept_and_each_is_asked_once() -> None:
    asked: list[str] = []

    def permission(login: str) -> str:
        asked.append(login)
        return {"maintainer": "write", "owner": "admin", "reader": "read"}.get(login, "none")

    accepted, refused = acceptances(
        [
            _comment("reader", "/perfgate accept test_a -- please", 1),
            _comment("maintainer", "/perfgate accept test_a -- first words", 2),
            _comment("owner", "/perfgate accept test_a -- the owner's words", 3),
            _comment("maintainer", "/perfgate accept test_b", 4),
            _comment("stranger", "/perfgate accept test_b test_c", 5),
            _comment("reader", "/perfgate accept test_c", 6),
        ],
        permission,
    )
    assert sorted(asked) == ["maintainer", "owner", "reader", "stranger"]
    by_name = {a.name: a for a in accepted}
    assert set(by_name) == {"test_a", "test_b"}
    assert by_name["test_a"].reason == "the owner's words (accepted by owner on the pull request)"
    assert by_name["test_b"].reason == "(accepted by maintainer on the pull request)"
    assert [(r.login, r.permission) for r in refused] == [
        ("reader", "read"), ("stranger", "none"), ("reader", "read"),
    ]  # fmt: skip
