"""`harness: {type: pyperf}`: a pyperf script run by `perfgate run --base`, each side in its own
environment, one worker process a round, interleaved. A flat-layout project whose script sits
beside its package: base's side must measure base's package (its environment's), not head's
tree beside head's script."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.harnesses import git
from tests.helpers import run_cli, write_config

pytest.importorskip("pyperf")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.version_info < (3, 11), reason="PYTHONSAFEPATH (a script's folder off sys.path)"
    ),
]

PACKAGE = """
FACTOR = {factor}


def work(n):
    total = 0
    for i in range(n * FACTOR):
        total += i
    return total


def steady(n):
    return sum(range(n))


def other(n):
    return sorted(range(n, 0, -1))
"""

SCRIPT = """
import pyperf

import flatpkg

runner = pyperf.Runner()
runner.bench_func("work", flatpkg.work, 20_000)
runner.bench_func("steady", flatpkg.steady, 20_000)
runner.bench_func("other", flatpkg.other, 5_000)
"""

CONFIG = """
version: 1
harness:
  type: pyperf
  args: ["bench.py", "--values=5", "--warmups=1", "--loops=8", "--quiet"]
rounds:
  min: 3
  max: 8
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Base, then head with work() doing 5x the loop (fixed work: no load hides it)."""
    root = tmp_path_factory.mktemp("pyperf-project")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "flatpkg"\nversion = "0.1"\n[tool.setuptools]\n'
        'packages = ["flatpkg"]\n'
    )
    (root / "flatpkg").mkdir()
    init = root / "flatpkg" / "__init__.py"
    init.write_text(PACKAGE.format(factor=1))
    (root / "bench.py").write_text(SCRIPT)
    (root / ".gitignore").write_text(".perfgate/\n")
    write_config(root, CONFIG)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    init.write_text(PACKAGE.format(factor=5))
    git(root, "commit", "-qam", "head")
    return root


def test_a_pyperf_script_is_compared_process_by_process(project: Path) -> None:
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", cwd=project)
    assert done.returncode == 1, done.stderr  # work: 5x the loop, critical
    report = json.loads(done.stdout)
    rows = {row["name"]: row for row in report["benchmarks"]}
    assert set(rows) == {"work", "steady", "other"}
    assert rows["work"]["change"]["direction"] == "slower"
    assert rows["work"]["severity"] == "critical"  # base measured base's package
    assert rows["steady"]["severity"] != "critical"
    assert rows["other"]["severity"] != "critical"
    # one worker process a round and side (pyperf's default is 20): rounds are processes
    rounds = report["rounds_used"]
    assert 3 <= rounds <= 8
    assert rows["work"]["head"]["rounds"] == rows["work"]["base"]["rounds"] == rounds
    assert rows["work"]["head"]["n"] == 5 * rounds  # --values=5 in each worker


def test_head_alone_runs_the_script_as_it_always_runs(project: Path) -> None:
    """Without --base, in this environment (where flatpkg is not installed): the script's
    folder stays on sys.path, so the flat-layout package beside it imports."""
    markdown, written = project / ".perfgate" / "alone.md", project / ".perfgate" / "alone.json"
    done = run_cli("run", "--output", written, "--output", markdown, cwd=project)
    assert done.returncode == 0, done.stderr
    report = json.loads(written.read_text())
    assert {row["name"] for row in report["benchmarks"]} == {"work", "steady", "other"}
    # no budgets in this config: the headline does not claim they were met
    assert markdown.read_text().startswith("### \u2705 perfgate check: pass \u2014 no budgets set")


def test_a_pyperf_harness_without_a_script_is_one_line(tmp_path: Path) -> None:
    write_config(tmp_path, "version: 1\nharness:\n  type: pyperf\n")
    done = run_cli("run", cwd=tmp_path)
    assert done.returncode == 2
    assert "type `pyperf` needs `args`" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
