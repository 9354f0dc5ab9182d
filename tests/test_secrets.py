"""Secrets never leave: the GitHub token goes only to GITHUB_API_URL's origin and is never
printed; a PostgreSQL password is never printed, whatever form it is given in and whatever
libpq says about it (docs/security.md, "Secrets")."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.escaping import MASK, database_url_shown, error_line, keep_secret, redact
from perfgate.github.api import Client, GitHubError
from tests.github_api import FakeGitHub, Server
from tests.github_reports import slowdown_report
from tests.helpers import run_cli

TOKEN = "ghs_test_token"  # noqa: S105 - the fake server's own token


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return slowdown_report(tmp_path_factory.mktemp("slowdown"))


def test_a_redirect_off_the_apis_origin_is_refused_and_the_token_stays() -> None:
    with Server(FakeGitHub()) as elsewhere, Server(FakeGitHub()) as api:
        api.redirect_to = elsewhere.url  # another port: another origin
        client = Client(api.url, api.token, "octo/proj")
        with pytest.raises(GitHubError, match="refusing to follow a 307 redirect off") as info:
            client.comments(7)
        assert TOKEN not in str(info.value)
        assert elsewhere.requests == []  # nothing at all reached the other origin
        api.redirect_to = elsewhere.url.replace("http://", "https://")  # a scheme change too
        with pytest.raises(GitHubError, match="refusing to follow"):
            client.comments(7)


def test_a_redirect_within_the_origin_is_followed_with_the_token() -> None:
    with Server(FakeGitHub()) as api:
        api.add_comment(7, "hello", "someone")
        client = Client(api.url, api.token, "octo/proj")
        api.redirect_to = api.url  # as GitHub moves a renamed repository: on the same host
        assert [c.body for c in client.comments(7)] == ["hello"]
        assert len(api.requests) == 2  # the redirect, then the page it pointed to
        assert api.authorizations == [f"Bearer {TOKEN}"] * 2


@pytest.mark.parametrize(
    "token", [TOKEN + "\n", " " + TOKEN, TOKEN + "\r\nX-Evil: 1", "ghs_" + "\x1b[31m" + "abc"]
)
def test_a_damaged_token_is_refused_in_a_line_that_does_not_hold_it(
    token: str, report: Path
) -> None:
    with Server(FakeGitHub()) as api:
        env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": api.url, "GITHUB_REPOSITORY": "o/p"}
        done = run_cli(
            "github", "comment", "--report", report, "--pr", "7", "--repo", "octo/proj", env=env
        )
        assert api.requests == []  # refused before any request
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "the GitHub token" in done.stderr
    assert "test_token" not in done.stdout + done.stderr
    assert "JSON" not in done.stderr


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://me:s3cretpw@/db?host=/nonexistent", "s3cretpw"),
        ("postgresql://me@/db?host=/nonexistent&password=s3cretpw", "s3cretpw"),
        ("postgresql://me:s3cr/etpw@/db?host=/nonexistent", "s3cr/etpw"),
        ("postgresql://me:s3cr@etpw@/db?host=/nonexistent", "s3cr@etpw"),
        ("postgres://me:s3cr%2Fetpw@/db?host=/nonexistent&bogus=1", "s3cr/etpw"),
        ("postgresql://me:s3cretpw@/db?host=/nonexistent&port=abc", "s3cretpw"),
    ],
    ids=["userinfo", "query", "slash", "at", "encoded, libpq refuses the query", "bad port"],
)
def test_no_error_line_holds_a_database_password(url: str, password: str) -> None:
    for args in (
        ("history", "detect", "--db", url),
        ("history", "show", "bench", "--db", url),
        ("history", "import", ".", "--db", url),
        ("history", "accept", "HEAD", "bench", "--reason", "x", "--db", url),
    ):
        done = run_cli(*args)
        assert done.returncode == 2, done.stderr
        output = done.stdout + done.stderr
        for piece in {password, *password.replace("@", "/").split("/")}:
            assert piece not in output, (args, output)
        assert done.stderr.count("\n") == 1, done.stderr


@given(
    user=st.text("abcdefgh", min_size=1, max_size=8),
    password=st.text(
        st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&#"), min_size=3
    ),
)
def test_a_shown_database_url_never_holds_its_password(user: str, password: str) -> None:
    url = f"postgresql://{user}:{password}@dbhost/db?sslmode=require"
    shown = database_url_shown(url)
    assert password not in shown
    assert password not in redact(f"libpq: bad value {password!r} in {url}")
    assert password not in database_url_shown(f"postgresql://{user}@dbhost/db?password={password}")


def test_error_lines_are_redacted_and_printable() -> None:
    keep_secret("hunter2-secret")
    line = error_line("failed with hunter2-secret at https://u:pw@host/x \x1b]0;title\x07")
    assert "hunter2" not in line
    assert f"https://u:{MASK}@host/x" in line
    assert "\x1b" not in line
    assert "\\x1b" in line
