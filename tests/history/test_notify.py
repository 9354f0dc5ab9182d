"""`perfgate history notify`: one GitHub issue per regression, through the same REST client
as the comment, against the local stand-in for GitHub's API; idempotent across runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.github_api import FakeGitHub, Server
from tests.helpers import gfm_html, live_html, run_cli
from tests.history.test_history import _stepped_history

STEP = hashlib.sha1(b"c15").hexdigest()  # noqa: S324 - the first slower commit's id
BEFORE = hashlib.sha1(b"c14").hexdigest()  # noqa: S324


@pytest.fixture
def db(tmp_path: Path) -> Path:
    _stepped_history(tmp_path / "runs")
    store = tmp_path / "h.sqlite"
    assert run_cli("history", "import", "runs", "--db", store, cwd=tmp_path).returncode == 0
    return store


def notify(api: FakeGitHub, db: Path, *args: str) -> tuple[int, str, str]:
    env = {
        "GITHUB_TOKEN": api.token, "GITHUB_REPOSITORY": "octo/proj", "GITHUB_API_URL": api.url,
        "GITHUB_SERVER_URL": "https://github.com",
    }  # fmt: skip
    done = run_cli("history", "notify", "--db", db, *args, cwd=db.parent, env=env)
    return done.returncode, done.stdout, done.stderr


def test_a_regression_opens_one_issue_and_a_rerun_opens_none(db: Path) -> None:
    with Server(FakeGitHub(page_size=1)) as api:
        api.issues.append(  # a pull request, which GitHub lists among issues: never touched
            {"number": 1, "title": "pr", "body": "", "state": "open", "labels": [],
             "pull_request": {}, "html_url": "https://github.example/pull/1"}
        )  # fmt: skip
        code, out, err = notify(api, db, "--site-url", "https://octo.github.io/proj/")
        assert code == 0, err
        assert "1 regression(s): 1 issue(s) opened" in out
        (issue,) = [i for i in api.issues if "pull_request" not in i]
        assert issue["title"].startswith("Performance regression: bench_0 +")
        assert f"{BEFORE[:8]}..{STEP[:8]}" in issue["title"]
        assert [label["name"] for label in issue["labels"]] == ["perfgate-regression"]
        body = issue["body"]
        assert f"https://github.com/octo/proj/commit/{STEP}" in body
        assert "Chart: https://octo.github.io/proj/" in body
        assert f"perfgate bisect {BEFORE[:12]} {STEP[:12]}" in body
        assert "cc @" not in body  # mentions are off by default
        tags = set(live_html(gfm_html(body)))
        assert tags <= {"a", "strong"}  # our own links and emphasis only
        writes = len(api.writes())
        # the same history again: the issue is found by its marker (across pages), no write
        code, out, err = notify(api, db, "--site-url", "https://octo.github.io/proj/")
        assert code == 0, err
        assert "0 issue(s) opened, 0 updated, 1 unchanged" in out
        assert len(api.writes()) == writes
        # without the site link the text changes: the one issue is updated, not duplicated
        code, out, err = notify(api, db)
        assert code == 0, err
        assert "0 issue(s) opened, 1 updated" in out
        assert len([i for i in api.issues if "pull_request" not in i]) == 1
        assert len(api.writes()) == writes + 1
        assert "Chart:" not in api.issues[1]["body"]


def test_a_closed_issue_is_not_reopened_and_the_author_is_mentioned_on_request(
    db: Path,
) -> None:
    with Server(FakeGitHub(authors={STEP: "alice"})) as api:
        code, out, err = notify(api, db, "--mention-author")
        assert code == 0, err
        (issue,) = api.issues
        assert "cc @alice" in issue["body"]
        issue["state"] = "closed"
        writes = len(api.writes())
        code, out, err = notify(api, db, "--mention-author")
        assert code == 0, err
        assert "1 closed before (left closed)" in out
        assert len(api.writes()) == writes
        assert len(api.issues) == 1


def test_notify_errors_are_one_line(db: Path) -> None:
    with Server(FakeGitHub(read_only=True)) as api:
        code, _out, err = notify(api, db)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("perfgate: error: GitHub: POST ")
    done = run_cli("history", "notify", "--db", db, cwd=db.parent, env={"GITHUB_TOKEN": ""})
    assert done.returncode == 2
    assert done.stderr == (
        "perfgate: error: needs GITHUB_REPOSITORY and GITHUB_TOKEN in the environment\n"
    )


def test_names_from_imported_files_cannot_mention_or_link() -> None:
    from perfgate.changepoints import ChangePoint  # noqa: PLC0415
    from perfgate.history.findings import Finding  # noqa: PLC0415
    from perfgate.history.notify import notice  # noqa: PLC0415
    from perfgate.history.store import SeriesKey  # noqa: PLC0415

    hostile = "@team <img src=x> [x](https://evil.example) www.evil.example\n# head"
    finding = Finding(
        series=SeriesKey(
            name=hostile, unit="s", direction="lower", machine="ci @ops", environment="<b>e</b>"
        ),
        change=ChangePoint(index=3, before=0.001, after=0.002, magnitude=1.0, confidence=0.99),
        after_commit=BEFORE,
        first_commit=STEP,
        points=10,
    )
    made = notice(finding, "p50", commit_url="https://github.com/o/r/commit/{commit}")
    assert "\n" not in made.title
    html = gfm_html(made.body)
    assert set(live_html(html)) <= {"a", "strong"}
    hrefs = html.split('href="')[1:]
    assert all(h.startswith("https://github.com/o/r/commit/") for h in hrefs)
    assert "<img" not in html


@pytest.mark.parametrize(
    "commit",
    ["a`@team`b", "`` @octo/devs www.evil.example ``", "x\n# Merge now", "<img src=x>@ops"],
)
def test_a_commit_id_that_is_not_hex_stays_inert(commit: str) -> None:
    """Imported files name commits with any text: a backtick must not close its code span
    and let a mention, team mention or autolink go live."""
    from perfgate.changepoints import ChangePoint  # noqa: PLC0415
    from perfgate.history.findings import Finding  # noqa: PLC0415
    from perfgate.history.notify import notice  # noqa: PLC0415
    from perfgate.history.store import SeriesKey  # noqa: PLC0415

    finding = Finding(
        series=SeriesKey(name="bench", unit="s", direction="lower", machine="ci", environment=""),
        change=ChangePoint(index=3, before=0.001, after=0.002, magnitude=1.0, confidence=0.99),
        after_commit=commit,
        first_commit=commit,
        points=10,
    )
    for template in (None, "https://github.com/o/r/commit/{commit}"):
        made = notice(finding, "p50", commit_url=template, mention="someone")
        html = gfm_html(made.body)
        assert set(live_html(html)) <= {"strong"}, html  # no link, no mention, no heading
        assert "evil" not in html.split("<code>")[0]
        assert "\n" not in made.title
        assert commit[:3] not in made.title
