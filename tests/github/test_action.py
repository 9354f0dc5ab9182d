"""action.yml run step by step as a runner would (tests/action_runner.py), on a real two-commit
project, against a local server that answers like GitHub's REST API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.action_runner import ActionRunner, job_env
from tests.github_api import FakeGitHub, Server
from tests.harnesses import git
from tests.helpers import RUN_CONFIG, RUN_SUITE, slow_package_project

MARKER = "<!-- perfgate-comment:perfgate -->"


@pytest.fixture(scope="module")
def pr_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A pull request's checkout: base commit, then a head that makes `work` 3x slower."""
    root = tmp_path_factory.mktemp("pr")
    slow_package_project(root, {"benchmarks/test_bench.py": RUN_SUITE, "perfgate.yml": RUN_CONFIG})
    return root, git(root, "rev-parse", "HEAD~1"), git(root, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def runner() -> ActionRunner:
    return ActionRunner()  # installs perfgate from this checkout once, then reuses it


def pr_event(base: str, head: str, *, fork: bool = False) -> dict[str, Any]:
    head_repo = "someone/proj" if fork else "octo/proj"
    return {
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "repo": {"full_name": "octo/proj"}},
            "head": {"sha": head, "repo": {"full_name": head_repo}},
        }
    }


@pytest.mark.slow
def test_action_comments_then_updates_and_fails_on_critical(
    pr_project: tuple[Path, str, str], runner: ActionRunner, tmp_path: Path
) -> None:
    root, base, head = pr_project
    with Server(FakeGitHub()) as api:
        env = job_env(tmp_path / "job1", api.url, pr_event(base, head))
        first = runner.run({"rounds": "5"}, env, root, token=api.token)
        assert first.returncode == 1, first.log
        assert first.outputs["verdict"] == "fail"
        assert first.outputs["critical"] == "2"
        (comment,) = api.comments[7]
        assert comment["body"].startswith(MARKER + "\n### \u274c perfgate compare: fail")
        assert "2 critical slowdowns" in comment["body"]
        assert (
            "[workflow run](https://github.example/octo/proj/actions/runs/4242)" in comment["body"]
        )
        assert "5 interleaved rounds per side" in comment["body"]
        summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
        assert "2 critical slowdowns" in summary
        assert first.log.count("::error title=perfgate%3A critical slowdown::") == 2
        assert Path(first.outputs["report-json"]).is_file()
        assert first.outputs["comment-url"] == comment["html_url"]
        # the flagged benchmarks were profiled: their chart is uploaded, the comment says where
        assert ("perfgate-profile", Path(first.outputs["profile-html"])) in first.uploads
        assert "`perfgate-profile` artifact of the [workflow run]" in comment["body"]

        # the same pull request again: the comment is updated in place, and fail-on is honoured
        env = job_env(tmp_path / "job2", api.url, pr_event(base, head))
        second = runner.run({"rounds": "3", "fail-on": "never"}, env, root, token=api.token)
        assert second.returncode == 0, second.log
        assert [method for method, _path in api.writes()] == ["POST", "PATCH"]
        (comment,) = api.comments[7]
        assert "3 interleaved rounds per side" in comment["body"]
        assert "(fail-on: never)" in comment["body"]


@pytest.mark.slow
def test_read_only_token_is_a_warning_and_fork_gets_an_artifact(
    pr_project: tuple[Path, str, str], runner: ActionRunner, tmp_path: Path
) -> None:
    root, base, head = pr_project
    # 5 rounds: with 3, a load spike on a 2-core runner once left a 3x slowdown short of
    # significance after Holm's correction (seen in CI), and these runs must fail on it
    with Server(FakeGitHub(read_only=True)) as api:
        env = job_env(tmp_path / "same-repo", api.url, pr_event(base, head))
        denied = runner.run({"rounds": "5"}, env, root, token=api.token)
        assert denied.returncode == 1, denied.log  # the gate's verdict, not the comment's 403
        assert "::warning title=perfgate comment::" in denied.log
        assert "403 Resource not accessible by integration" in denied.log
        assert not api.comments

        api.requests.clear()
        env = job_env(tmp_path / "fork", api.url, pr_event(base, head, fork=True))
        fork = runner.run({"rounds": "5"}, env, root, token=api.token)
        assert fork.returncode == 1, fork.log
        assert not api.writes()  # a fork's run does not even try
        uploads = dict(fork.uploads)  # the fork's artifact, and the profile chart
        assert set(uploads) == {"perfgate-comment", "perfgate-profile"}
        folder = uploads["perfgate-comment"]
        assert (folder / "pr-number").read_text().strip() == "7"
        assert (folder / "report.json").is_file()


@pytest.mark.slow
def test_bad_inputs_fail_with_one_line_each(
    pr_project: tuple[Path, str, str], runner: ActionRunner, tmp_path: Path
) -> None:
    root, base, head = pr_project
    env = job_env(tmp_path / "bad", "http://127.0.0.1:9", pr_event(base, head))
    done = runner.run({"rounds": "ten", "fail-on": "sometimes"}, env, root, token="x")  # noqa: S106
    assert done.returncode == 2, done.log
    errors = [line for line in done.log.splitlines() if line.startswith("::error")]
    # one annotation per bad input, no more (the step once printed each twice)
    assert len(errors) == 2, done.log
    assert errors[0].startswith("::error title=perfgate::input `rounds`: 'ten' is not a whole")
    assert errors[1].startswith("::error title=perfgate::input `fail-on`: 'sometimes'")
    assert "Traceback" not in done.log


@pytest.mark.slow
def test_a_maintainer_accepts_a_slowdown_on_the_pull_request(
    pr_project: tuple[Path, str, str], runner: ActionRunner, tmp_path: Path
) -> None:
    """`/perfgate accept NAME -- REASON` in a comment by someone with write access passes that
    row; the same command by someone who may only read accepts nothing; the row accepted by
    nobody still fails the check. With both accepted by a maintainer, the check passes and the
    comment says who accepted what and why."""
    root, base, head = pr_project
    with Server(FakeGitHub(permissions={"alice": "write", "mallory": "read"})) as api:
        api.add_comment(7, "/perfgate accept test_work[20000] -- the parser is exact now", "alice")
        api.add_comment(7, "LGTM\n/perfgate accept test_work[50000]", "mallory")
        env = job_env(tmp_path / "job1", api.url, pr_event(base, head))
        first = runner.run({"rounds": "5"}, env, root, token=api.token)
        assert first.returncode == 1, first.log  # test_work[50000]: accepted by nobody
        assert first.outputs["verdict"] == "fail"
        assert "alice accepted test_work[20000]" in first.log
        assert "/perfgate accept by mallory ignored" in first.log
        (body,) = [c["body"] for c in api.comments[7] if c["body"].startswith(MARKER)]
        assert "| CRITICAL (accepted) |" in body
        assert body.count("(accepted)") == 1
        assert "2 critical slowdowns, 1 accepted" in body
        assert "the parser is exact now (accepted by alice on the pull request)" in body

        api.add_comment(7, "/perfgate accept test_work[50000] -- both, then", "alice")
        env = job_env(tmp_path / "job2", api.url, pr_event(base, head))
        second = runner.run({"rounds": "5"}, env, root, token=api.token)
        assert second.returncode == 0, second.log
        assert second.outputs["verdict"] == "pass"
        (body,) = [c["body"] for c in api.comments[7] if c["body"].startswith(MARKER)]
        assert body.count("(accepted by alice on the pull request)") == 2
        assert "both, then" in body
