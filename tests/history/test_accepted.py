"""Accepted slowdowns and dependency changes in the history: `history accept` records that a
step is intended, `detect` marks it (a squash merge found by its tree, a merge commit by
ancestry), `notify` opens no issue for it but does for the next, unrelated regression; `show`
says where the installed packages changed. Real git repositories, the local GitHub stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.formats.native import dumps
from perfgate.history.store import open_store
from perfgate.model import Benchmark, Metadata, Run
from tests.github_api import FakeGitHub, Server
from tests.harnesses import git
from tests.helpers import run_cli

COMMITS = 30
STEPS = {"bench_squash": 8, "bench_merge": 16, "bench_plain": 24}  # 2x slower from there


def _main_history(repo: Path) -> list[str]:
    """A repository whose main line has COMMITS commits: c8 squash-merges a branch (the same
    tree as the branch's head), c16 merges one (a merge commit), the rest are plain. Returns
    main's commits and writes one native run each under runs/, with every benchmark 2x
    slower from its step on, and numpy upgraded from c12 on."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    main: list[str] = []
    for i in range(COMMITS):
        if i == STEPS["bench_squash"]:
            _branch(repo, "squashed")
            git(repo, "merge", "-q", "--squash", "squashed")
            git(repo, "commit", "-qm", "fix, slower (#7)")
        elif i == STEPS["bench_merge"]:
            _branch(repo, "merged")
            git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #8", "merged")
        else:
            (repo / "log.txt").write_text(f"{i}\n")
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", f"c{i}")
        main.append(git(repo, "rev-parse", "HEAD"))
    runs = repo / "runs"
    runs.mkdir()
    for i, commit in enumerate(main):
        wobble = 1 + 0.01 * ((i * 7) % 5)
        benchmarks = tuple(
            Benchmark(
                name=name, short_name=name, unit="s",
                rounds=(tuple(
                    0.001 * (2.0 if i >= step else 1.0) * wobble * (1 + 0.001 * k)
                    for k in range(20)
                ),),
            )
            for name, step in STEPS.items()
        )  # fmt: skip
        run = Run(
            metadata=Metadata(commit=commit, machine="ci", timestamp=f"2024-03-{i + 1:02d}T00:00Z"),
            benchmarks=benchmarks,
            packages={"numpy": "2.0.0" if i >= 12 else "1.26.4", "tomli": "2.0.1"},
        )
        (runs / f"run-{i:02d}.json").write_text(dumps(run))
    (repo / ".gitignore").write_text("runs/\n*.sqlite*\n")
    return main


def _branch(repo: Path, name: str) -> None:
    """A pull request's branch of one commit off main; main checked out again."""
    git(repo, "checkout", "-q", "-b", name)
    (repo / f"{name}.txt").write_text("slower but right\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"{name}: a fix, slower")
    git(repo, "checkout", "-q", "main")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, list[str]]:
    folder = tmp_path / "proj"
    main = _main_history(folder)
    done = run_cli("history", "import", "runs", "--db", "h.sqlite", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder, main


def _detect(folder: Path) -> dict[str, dict[str, object]]:
    done = run_cli("history", "detect", "--db", "h.sqlite", "--format", "json", cwd=folder)
    assert done.returncode == 0, done.stderr
    changes = json.loads(done.stdout)["changes"]
    return {c["benchmark"]: c for c in changes if c["direction"] == "slower"}


def test_accepted_steps_are_marked_and_the_next_regression_still_opens_an_issue(
    repo: tuple[Path, list[str]],
) -> None:
    folder, main = repo
    assert set(_detect(folder)) == set(STEPS)
    assert all(c["accepted"] is None for c in _detect(folder).values())
    # the branches' heads: the squash merge shares its tree, the merge commit contains it
    squashed = git(folder, "rev-parse", "squashed")
    merged = git(folder, "rev-parse", "merged")
    assert squashed not in main
    assert merged not in main
    for commit, name, why in (
        (squashed, "bench_squash", "correct results first"),
        (merged, "bench_merge", "a known cost of the <new> parser"),
    ):
        done = run_cli(
            "history", "accept", commit, name, "--reason", why, "--by", "maintainer",
            "--db", "h.sqlite", cwd=folder,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout == (
            f"accepted the slowdown of 1 benchmark(s) at {commit[:12]} by maintainer in h.sqlite\n"
        )
    found = _detect(folder)
    assert found["bench_squash"]["accepted"] == {
        "commit": squashed, "by": "maintainer", "reason": "correct results first",
    }  # fmt: skip
    assert found["bench_merge"]["accepted"] == {
        "commit": merged, "by": "maintainer", "reason": "a known cost of the <new> parser",
    }  # fmt: skip
    assert found["bench_plain"]["accepted"] is None  # the next regression is not silenced
    table = run_cli("history", "detect", "--db", "h.sqlite", cwd=folder).stdout
    assert table.count("slower, accepted") == 2
    assert f"bench_squash: accepted at {squashed[:8]} by maintainer: correct results" in table
    markdown = run_cli(
        "history", "detect", "--db", "h.sqlite", "--format", "markdown", cwd=folder
    ).stdout
    assert f"- `bench_merge`: accepted at {merged[:8]} by maintainer" in markdown
    assert "<new>" not in markdown  # a reason is text in markdown too

    env = {"GITHUB_REPOSITORY": "octo/proj", "GITHUB_SERVER_URL": "https://github.com"}
    with Server(FakeGitHub()) as api:
        env |= {"GITHUB_TOKEN": api.token, "GITHUB_API_URL": api.url}
        done = run_cli("history", "notify", "--db", "h.sqlite", cwd=folder, env=env)
        assert done.returncode == 0, done.stderr
        assert "1 regression(s) at 1 commit(s) (2 more accepted as intended: no issue)" in (
            done.stdout
        )
        (issue,) = api.issues
        assert "bench_plain" in issue["title"]
        assert "bench_squash" not in issue["body"]

    done = run_cli("history", "site", "site", "--db", "h.sqlite", cwd=folder)
    assert done.returncode == 0, done.stderr
    page = (folder / "site" / "index.html").read_text()
    assert f"accepted at {squashed[:8]} by maintainer: correct results first" in page
    assert "the &lt;new&gt; parser" in page  # the reason is text, never markup
    assert "<new>" not in page


def test_an_acceptance_elsewhere_covers_nothing(repo: tuple[Path, list[str]]) -> None:
    """Accepted at a commit outside the step (the step after it), or for another benchmark:
    the step stays a regression."""
    folder, main = repo
    for commit, name in ((main[STEPS["bench_plain"] + 2], "bench_plain"),
                         (main[STEPS["bench_plain"]], "bench_squash")):  # fmt: skip
        done = run_cli(
            "history", "accept", commit, name, "--reason", "x", "--db", "h.sqlite", cwd=folder
        )
        assert done.returncode == 0, done.stderr
    found = _detect(folder)
    assert found["bench_plain"]["accepted"] is None
    assert found["bench_squash"]["accepted"] is None


def test_accept_refuses_what_would_accept_nothing_in_one_line(
    repo: tuple[Path, list[str]],
) -> None:
    folder, _main = repo
    for args, words in (
        (("nope", "bench_plain"), "'nope' is not a commit of this repository"),
        (("HEAD", "bench_plian"), "no history for benchmark 'bench_plian'"),
    ):
        done = run_cli("history", "accept", *args, "--reason", "x", "--db", "h.sqlite", cwd=folder)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
        assert words in done.stderr
    done = run_cli("history", "accept", "HEAD", "bench_plain", "--db", "h.sqlite", cwd=folder)
    assert done.returncode == 2
    assert "--reason" in done.stderr
    store = open_store(folder / "h.sqlite", create=False)
    try:
        assert store.acceptances() == []
    finally:
        store.close()


def test_show_says_where_the_packages_changed_and_what_was_accepted(
    repo: tuple[Path, list[str]],
) -> None:
    folder, main = repo
    squashed = git(folder, "rev-parse", "squashed")
    run_cli(
        "history", "accept", main[STEPS["bench_squash"]], "bench_squash", "--reason", "fine",
        "--by", "maintainer", "--db", "h.sqlite", cwd=folder,
    )  # fmt: skip
    shown = run_cli("history", "show", "bench_squash", "--db", "h.sqlite", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    assert f"packages changed at {main[12][:12]}: numpy 1.26.4 -> 2.0.0\n" in shown.stdout
    step = main[STEPS["bench_squash"]][:12]
    assert f"slowdown accepted at {step} by maintainer: fine\n" in shown.stdout
    assert squashed[:12] not in shown.stdout
    data = json.loads(
        run_cli(
            "history", "show", "bench_squash", "--db", "h.sqlite", "--format", "json",
            cwd=folder,
        ).stdout
    )  # fmt: skip
    (series,) = data["series"]
    assert series["package_changes"] == [
        {
            "commit": main[12], "after": main[11],
            "changes": [{"name": "numpy", "before": "1.26.4", "after": "2.0.0"}],
        }
    ]  # fmt: skip
    assert [a["reason"] for a in series["accepted"]] == ["fine"]
    other = run_cli("history", "show", "bench_plain", "--db", "h.sqlite", cwd=folder).stdout
    assert "slowdown accepted" not in other  # another benchmark's acceptance
    assert "numpy 1.26.4 -> 2.0.0" in other  # the same environment
