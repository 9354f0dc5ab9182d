"""The reach plugin on a real pytest-benchmark suite: what each benchmark ran, and what it
cannot see marked (a benchmark that starts a Python process, or runs beside a live child)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from perfgate.decisions.reach import FileChange, affected, map_from
from perfgate.pytest_plugin import FOLDER, REACH_MODULE

SUITE = """
import subprocess
import sys

import pytest


def work(n):
    return sum(range(n))


def test_plain(benchmark):
    benchmark(work, 100)


def test_spawns(benchmark):
    benchmark(subprocess.run, [sys.executable, "-c", "pass"], check=True)


def test_runs_a_program(benchmark):  # no Python: nothing of the project's runs there
    benchmark(subprocess.run, ["uname"], check=True, capture_output=True)


@pytest.fixture
def child():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield process
    process.kill()
    process.wait()


def test_beside_a_child(benchmark, child):
    benchmark(work, 10)
"""


def _mapped(folder: Path, *path: Path) -> dict[str, Any]:
    """The plugin's document for ``folder/test_suite.py``, run as perfgate runs the map (with
    ``path`` on PYTHONPATH beside the plugin)."""
    out = folder / "reach.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(FOLDER), *map(str, path), os.environ.get("PYTHONPATH", "")]
        ),
    }
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--import-mode=importlib", "-p", REACH_MODULE, "--benchmark-disable",
            f"--perfgate-reach={out}", "test_suite.py",
        ],
        cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(out.read_text()))


@pytest.mark.slow
def test_the_map_records_each_benchmarks_functions_and_what_it_cannot_see(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_suite.py").write_text(SUITE)
    found = map_from(_mapped(tmp_path))
    suite = str(tmp_path / "test_suite.py")
    work = (suite, SUITE.splitlines().index("def work(n):") + 1)
    assert set(found.benchmarks) == {
        "test_suite.py::test_plain", "test_suite.py::test_spawns",
        "test_suite.py::test_beside_a_child", "test_suite.py::test_runs_a_program",
    }  # fmt: skip
    assert work in found.benchmarks["test_suite.py::test_plain"]
    assert work not in found.benchmarks["test_suite.py::test_spawns"]
    assert work not in found.outside  # called only inside benchmarks
    if sys.platform == "linux":  # a live child is seen where /proc tells
        assert found.opaque == {"test_suite.py::test_spawns", "test_suite.py::test_beside_a_child"}
        assert not found.spawned_outside  # pytest-benchmark's `file` run ended long before
    else:
        assert found.spawned_outside


@pytest.mark.slow
def test_a_function_on_a_modules_first_line_is_not_its_import(tmp_path: Path) -> None:
    """A function defined on line 1 of a module shared the module's own first line, so the
    module's import (outside the benchmarks) marked it as run outside them, and a change to it
    measured every benchmark (seen on the README walk's project)."""
    (tmp_path / "toppkg.py").write_text(
        "def parse(n):\n    return sum(range(n))\n\n\ndef render(n):\n    return str(n)\n"
    )
    (tmp_path / "test_suite.py").write_text(
        "from toppkg import parse, render\n\n\ndef test_parse(benchmark):\n"
        "    benchmark(parse, 10)\n\n\ndef test_render(benchmark):\n    benchmark(render, 10)\n"
    )
    found = map_from(_mapped(tmp_path, tmp_path))
    module = str(tmp_path / "toppkg.py")
    assert (module, 1) not in found.outside  # parse's line: the import is line 0
    assert (module, 0) in found.outside
    old = (tmp_path / "toppkg.py").read_text()
    new = old.replace("sum(range(n))", "sum(range(10 * n))")
    reached = affected([FileChange("toppkg.py", "M", old, new)], found)
    assert reached.benchmarks == frozenset({"test_suite.py::test_parse"}), reached.why


def test_the_reach_format_is_the_plugins() -> None:
    from perfgate.decisions.reach import REACH_FORMAT  # noqa: PLC0415
    from perfgate.pytest_plugin.perfgate_reach import VERSION  # noqa: PLC0415

    assert REACH_FORMAT == VERSION


def test_the_hook_never_raises_on_arguments_it_does_not_expect() -> None:
    from perfgate.pytest_plugin.perfgate_reach import runs_python  # noqa: PLC0415

    assert runs_python({"args": Path("tool"), "executable": None})  # unknown: Python
    assert runs_python({"args": ["uname"], "shell": True})  # a shell may run anything
    assert not runs_python({"args": ["uname"], "executable": None})


@pytest.mark.slow
def test_a_map_whose_hook_was_replaced_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(
        "import sys\n\n\ndef test_unhooks(benchmark):\n    sys.setprofile(None)\n"
        "    benchmark(sum, range(10))\n"
    )
    document = _mapped(tmp_path)
    assert document["complete"] is False
    with pytest.raises(ValueError, match="incomplete"):
        map_from(document)
