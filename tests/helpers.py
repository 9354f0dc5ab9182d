"""Helpers shared by the tests: running the CLI as a user does, configs, the JUnit schema, and
the small git project whose head commit is slower by a fixed factor."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.harnesses import git

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
DATA = TESTS / "data"


def run_cli(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m perfgate ARGS`` in a fresh process, at a pinned terminal width."""
    return subprocess.run(
        [sys.executable, "-m", "perfgate", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def write_config(folder: Path, text: str) -> Path:
    path = folder / "perfgate.yml"
    path.write_text(text, encoding="utf-8")
    return path


def validate_junit(text: str) -> ET.Element:
    """Parse a JUnit report after validating it against the schema CI tools accept."""
    import xmlschema  # noqa: PLC0415 - a test dependency, needed by the JUnit tests only

    xmlschema.XMLSchema(GOLDEN / "junit.xsd").validate(io.StringIO(text))
    return ET.fromstring(text)  # noqa: S314 - our own output, just validated


# sleep-based work: head's slowdown is a fixed factor that no load on the machine can hide
PACKAGE = """
import time

FACTOR = {factor}


def work(n):
    time.sleep(n * FACTOR / 1e7)
"""

RUN_SUITE = """
import pytest

import slowpkg


@pytest.mark.parametrize("n", [20000, 50000])
def test_work(benchmark, n):
    benchmark(slowpkg.work, n)
"""

RUN_CONFIG = """
version: 1
rounds:
  min: 2
  max: 8
harness:
  type: pytest-benchmark
  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=15",
         "--benchmark-max-time=0.05"]
"""


def slow_package_project(root: Path, files: dict[str, str]) -> Path:
    """Package ``slowpkg`` plus ``files``, committed as base; head sleeps 10x as long in
    ``work`` (2-5 ms -> 20-50 ms a call: far over critical under any load)."""
    (root / "src" / "slowpkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "slowpkg"\nversion = "0.1"\n'
    )
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=1.0))
    for name, text in {".gitignore": ".perfgate/\nresults/\n", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=10.0))
    git(root, "commit", "-qam", "head: ten times the work")
    return root


def gfm_html(markdown: str) -> str:
    """``markdown`` as GitHub renders it: cmark-gfm with tables, autolinks and the tag filter,
    raw HTML on (GitHub allows <details>, <sub>): text that escaped its escaping shows up as
    a real tag or link here. Skips the test without Debian's cmark-gfm (.ci/run installs it)."""
    import shutil  # noqa: PLC0415

    import pytest  # noqa: PLC0415

    cmark = shutil.which("cmark-gfm")
    if cmark is None:
        pytest.skip("needs Debian's cmark-gfm (.ci/run installs it)")
    args = ["--unsafe", "--extension", "table", "--extension", "autolink"]
    return subprocess.run(
        [cmark, *args, "--extension", "tagfilter"],
        input=markdown, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def live_html(html: str) -> list[str]:
    """What user text must never become in rendered markdown: tags other than the layout's
    own (tables, code, headings, paragraphs), links, mentions turned into markup."""
    import re  # noqa: PLC0415

    layout = {"table", "thead", "tbody", "tr", "th", "td", "code", "h3", "p", "ol", "li", "ul"}
    tags = re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)
    return [tag for tag in tags if tag.lower() not in layout]


# a pytest-benchmark harness for perfgate.yml: benchmarks/, 15 samples at least, 50 ms at most
HARNESS = """
harness:
  type: pytest-benchmark
  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=15",
         "--benchmark-max-time=0.05"]
"""


def two_commit_project(
    root: Path, package: str, *, base: str, head: str, suite: str, config: str
) -> Path:
    """A src-layout package ``package`` with a pytest-benchmark suite (benchmarks/test_bench.py)
    and perfgate.yml: committed with ``base`` as its ``__init__.py``, then with ``head``."""
    (root / "src" / package).mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        f'\n[project]\nname = "{package}"\nversion = "0.1"\n'
    )
    init = root / "src" / package / "__init__.py"
    init.write_text(base)
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_bench.py").write_text(suite)
    (root / ".gitignore").write_text(".perfgate/\n")
    write_config(root, config)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    init.write_text(head)
    git(root, "commit", "-qam", "head")
    return root
