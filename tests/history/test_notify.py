"""`perfgate history notify`: one GitHub issue per regression, through the same REST client
as the comment, against the local stand-in for GitHub's API; idempotent across runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from perfgate.formats.native import dumps
from perfgate.history import notify as notify_module
from perfgate.model import Benchmark, Metadata, Run
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
        assert "1 regression(s) at 1 commit(s): 1 issue(s) opened" in out
        (issue,) = [i for i in api.issues if "pull_request" not in i]
        assert issue["title"].startswith(
            f"Performance regression at {BEFORE[:8]}..{STEP[:8]}: bench_0 +"
        )
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
        # without the site link only the text changes, not what was found: no write
        code, out, err = notify(api, db)
        assert code == 0, err
        assert "0 issue(s) opened, 0 updated, 1 unchanged" in out
        assert len(api.writes()) == writes


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
    from perfgate.decisions.changepoints import ChangePoint  # noqa: PLC0415
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
    made = notice([finding], "p50", commit_url="https://github.com/o/r/commit/{commit}")
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
    from perfgate.decisions.changepoints import ChangePoint  # noqa: PLC0415
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
        made = notice([finding], "p50", commit_url=template, mention="someone")
        html = gfm_html(made.body)
        assert set(live_html(html)) <= {"strong"}, html  # no link, no mention, no heading
        assert "evil" not in html.split("<code>")[0]
        assert "\n" not in made.title
        assert commit[:3] not in made.title


def _history(folder: Path, levels: dict[str, Callable[[int], float]]) -> None:
    """Native files of 30 commits (c0 ... c29), each benchmark at ``levels[name](commit)``
    ms, with a little noise."""
    folder.mkdir(parents=True)
    for i in range(30):
        wobble = 1 + 0.01 * ((i * 7) % 5)
        benchmarks = tuple(
            Benchmark(
                name=name,
                short_name=name,
                unit="s",
                rounds=(tuple(0.001 * level(i) * wobble * (1 + 0.001 * k) for k in range(20)),),
            )
            for name, level in levels.items()
        )
        metadata = Metadata(
            commit=hashlib.sha1(f"c{i}".encode()).hexdigest(),  # noqa: S324 - an id
            machine="ci",
            timestamp=f"2024-03-{i + 1:02d}T00:00:00+00:00",
        )
        (folder / f"run-{i:02d}.json").write_text(
            dumps(Run(metadata=metadata, benchmarks=benchmarks))
        )


def _one_commit_slows(folder: Path, slowed: int, *, flat: int = 2) -> None:
    """``slowed`` benchmarks become 2x slower at commit 15 (one commit, as a change to a
    shared helper would), ``flat`` stay as they were."""
    levels: dict[str, Callable[[int], float]] = {
        f"slow_{k:02d}": lambda i: 2.0 if i >= 15 else 1.0 for k in range(slowed)
    }
    levels.update({f"flat_{k}": lambda _i: 1.0 for k in range(flat)})
    _history(folder, levels)


def _imported(folder: Path, name: str) -> Path:
    store = folder / f"{name}.sqlite"
    done = run_cli("history", "import", name, "--db", store, cwd=folder)
    assert done.returncode == 0, done.stderr
    return store


def test_one_commit_that_slows_sixty_benchmarks_opens_one_issue(tmp_path: Path) -> None:
    _one_commit_slows(tmp_path / "sixty", 60)
    _one_commit_slows(tmp_path / "sixty-one", 61)  # one more benchmark found at that commit
    sixty, sixty_one = _imported(tmp_path, "sixty"), _imported(tmp_path, "sixty-one")
    with Server(FakeGitHub()) as api:
        code, out, err = notify(api, sixty)
        assert code == 0, err
        assert "60 regression(s) at 1 commit(s): 1 issue(s) opened" in out
        (issue,) = api.issues
        assert issue["title"].startswith(
            f"Performance regression at {BEFORE[:8]}..{STEP[:8]}: slow_"
        )
        assert issue["title"].endswith("and 59 more benchmarks")
        body = issue["body"]
        assert body.count("| `slow_") == notify_module.ROWS_SHOWN  # the worst, listed
        assert f"{60 - notify_module.ROWS_SHOWN} more benchmarks are not listed here" in body
        assert "flat_" not in body
        writes = len(api.writes())
        # a second identical run changes nothing
        code, out, err = notify(api, sixty)
        assert code == 0, err
        assert "0 issue(s) opened, 0 updated, 1 unchanged" in out
        assert len(api.writes()) == writes
        # what was found at that commit changed: the one issue is rewritten, not duplicated
        code, out, err = notify(api, sixty_one)
        assert code == 0, err
        assert "0 issue(s) opened, 1 updated" in out
        (issue,) = api.issues
        assert "and 60 more benchmarks" in issue["title"]


def _persons_issue(number: int, body: str, login: str) -> dict[str, object]:
    """An issue a person wrote, with perfgate's label, as GitHub lists it."""
    return {
        "number": number, "title": "a copy", "body": body, "state": "open",
        "labels": [{"name": "perfgate-regression"}], "user": {"login": login, "type": "User"},
        "html_url": f"https://github.example/issues/{number}",
    }  # fmt: skip


def test_an_issue_someone_else_wrote_is_never_edited(db: Path) -> None:
    """A person's issue that carries perfgate's marker (a quote, a copy made by hand) is not
    perfgate's: it is left as it is, and perfgate's own issue is the one kept up to date."""
    with Server(FakeGitHub()) as api:
        code, out, err = notify(api, db)
        assert code == 0, err
        (ours,) = api.issues
        ours["body"] = ours["body"].replace("perfgate-findings: ", "perfgate-findings: old")
        copied = ours["body"]
        api.issues.append(_persons_issue(2, copied, "alice"))  # a newer copy, both markers
        code, out, err = notify(api, db)
        assert code == 0, err
        assert "0 issue(s) opened, 1 updated" in out
        assert api.issues[1]["body"] == copied  # the person's copy: untouched
        assert "perfgate-findings: old" not in api.issues[0]["body"]  # ours: rewritten
        assert ("PATCH", "/repos/octo/proj/issues/2") not in api.writes()

    with Server(FakeGitHub()) as api:  # only a person's issue carries the marker
        api.issues.append(_persons_issue(1, copied, "bob"))
        code, out, err = notify(api, db)
        assert code == 0, err
        assert "1 issue(s) opened, 0 updated" in out
        assert api.issues[0]["body"] == copied
        assert api.issues[1]["user"]["login"] == "github-actions[bot]"


def _ramps(folder: Path) -> None:
    """Three benchmarks that each become 2x slower from commit 15 on, spread over commits:
    one commit that measured a middle value, a 4-commit ramp, and 5 commits of +15% each."""
    middles = {
        "one_between": [1.5],
        "four_commit_ramp": [1.25, 1.5, 1.75],
        "five_times_15": [1.15, 1.15**2, 1.15**3, 1.15**4],
    }

    def level(middle: list[float]) -> Callable[[int], float]:
        top = 1.15**5 if len(middle) == 4 else 2.0
        return lambda i: 1.0 if i < 15 else (middle + [top] * 30)[i - 15]

    _history(folder, {name: level(middle) for name, middle in middles.items()})


def test_a_slowdown_spread_over_commits_is_reported_from_its_first_to_its_last(
    tmp_path: Path,
) -> None:
    """Each pattern passed every PR gate (each commit only +15-50%) and gave no change point;
    now `history detect`, the site and notify each name one change, from the first commit
    that left the old level to the first at the new one."""
    _ramps(tmp_path / "ramps")
    db = _imported(tmp_path, "ramps")

    def commit(i: int) -> str:
        return hashlib.sha1(f"c{i}".encode()).hexdigest()  # noqa: S324

    spread = {"one_between": 2, "four_commit_ramp": 4, "five_times_15": 5}
    found = run_cli("history", "detect", "--db", db, "--format", "json", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    changes = {c["benchmark"]: c for c in json.loads(found.stdout)["changes"]}
    assert set(changes) == set(spread)
    for name, commits in spread.items():
        change = changes[name]
        assert change["spread"] == commits, change
        assert change["first_changed"] == commit(15)
        assert change["commits"] == [commit(14), commit(14 + commits)]  # old level .. new
        assert change["magnitude"] > 0.9
    table = run_cli("history", "detect", "--db", db, cwd=tmp_path)
    assert "(over 4 commits)" in table.stdout
    site = run_cli("history", "site", "site", "--db", db, cwd=tmp_path)
    assert site.returncode == 0, site.stderr
    page = (tmp_path / "site" / "index.html").read_text()
    assert page.count('<rect class="ramp"') == 3
    assert f"spread over 5 commits, the first changed {commit(15)[:8]}" in page
    with Server(FakeGitHub()) as api:
        code, out, err = notify(api, db)
        assert code == 0, err
        assert "3 regression(s) at 3 commit(s): 3 issue(s) opened" in out
        bodies = {i["title"].split(": ", 1)[1].split(" ")[0]: i["body"] for i in api.issues}
        ramp = bodies["five_times_15"]
        assert f"spread over 5 commits from [`{commit(15)[:12]}`]" in ramp
        assert f"perfgate bisect {commit(14)[:12]} {commit(19)[:12]}" in ramp
