"""pyperf's JSON, from real pyperf runs: read with each worker process as a round, compared
(a planted 10x slowdown critical) and imported into the history.

The two files are made one after the other, not interleaved as `perfgate run` makes rounds, so
a busy machine can move one file's processes against the other's by half: the planted change
is 10x so that no load can hide it (a 2x read +54% under two CPU hogs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.formats import load
from tests.helpers import run_cli

pytest.importorskip("pyperf")
pytestmark = pytest.mark.slow  # pyperf spawns its worker processes

SCRIPT = """
import pyperf

FACTOR = {factor}  # in the script: pyperf's workers do not inherit the environment


def work(n):
    total = 0
    for i in range(int(n * FACTOR)):
        total += i
    return total


def steady(n):
    return sum(range(n))


runner = pyperf.Runner()
runner.bench_func("work", work, 20_000)
runner.bench_func("steady", steady, 20_000)
"""


def _pyperf(folder: Path, name: str, factor: float) -> Path:
    """``python bench.py -o OUT.json``: 4 worker processes of 5 values (and pyperf's
    calibration run); the command is what a user runs."""
    script = folder / f"{name}.py"
    script.write_text(SCRIPT.format(factor=factor))
    out = folder / f"{name}.json"
    subprocess.run(
        [sys.executable, str(script), "-p", "4", "-n", "5", "-w", "1", "-l", "4", "-q",
         "-o", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pyperf")
    return _pyperf(folder, "base", 1.0), _pyperf(folder, "head", 10.0)


def test_a_worker_process_is_a_round(pair: tuple[Path, Path]) -> None:
    base, _ = pair
    raw = json.loads(base.read_text())
    (run,) = load(base)
    assert run.metadata.harness == "pyperf"
    benches = {b.name: b for b in run.benchmarks}
    assert set(benches) == {"work", "steady"}
    with_values = [r for r in raw["benchmarks"][0]["runs"] if r.get("values")]
    assert len(benches["work"].rounds) == len(with_values) == 4  # the calibration run left out
    assert list(benches["work"].rounds[0]) == with_values[0]["values"]
    assert benches["work"].unit == "s"


def test_a_planted_10x_slowdown_is_critical(pair: tuple[Path, Path]) -> None:
    base, head = pair
    done = run_cli("compare", base, head, "--format", "json", cwd=base.parent)
    assert done.returncode == 1, done.stderr
    rows = {b["name"]: b for b in json.loads(done.stdout)["benchmarks"]}
    assert rows["work"]["change"]["direction"] == "slower"
    assert rows["work"]["severity"] == "critical"
    steady = rows["steady"]  # unchanged: never a critical slowdown (load may move it either way)
    assert not (steady["change"]["direction"] == "slower" and steady["severity"] == "critical")


def test_pyperf_files_are_imported_into_the_history(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    done = run_cli("history", "import", *pair, "--db", db)
    assert done.returncode == 0, done.stderr
    shown = run_cli("history", "show", "work", "--db", db, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    [series] = json.loads(shown.stdout)["series"]
    base, head = series["points"]  # in the order the files were dated
    assert base["date"] is not None
    assert base["rounds"] == head["rounds"] == 4
    assert head["value"] > 1.5 * base["value"]  # the planted 10x, by a margin no load hides


@pytest.mark.parametrize(
    ("document", "said"),
    [
        ({"version": "1.0", "benchmarks": [{"runs": []}]}, "no name"),
        ({"version": "1.0", "benchmarks": [{"metadata": {"name": "a"}, "runs": [{}]}]}, "no run"),
        ({"version": "2.0", "benchmarks": [{"metadata": {"name": "a"}, "runs": []}]}, "not 1.x"),
        (
            {"version": "1.0", "benchmarks": [{"metadata": {"name": "a"}, "runs": "x"}]},
            "runs is not a list",
        ),
        (
            {
                "version": "1.0",
                "metadata": {"unit": "parsec"},
                "benchmarks": [{"metadata": {"name": "a"}, "runs": [{"values": [1.0]}]}],
            },
            "unit 'parsec'",
        ),
        (
            {
                "version": "1.0",
                "benchmarks": [{"metadata": {"name": "a"}, "runs": [{"values": [-1.0]}]}],
            },
            "negative",
        ),
    ],
)
def test_a_malformed_pyperf_file_is_one_line(
    tmp_path: Path, document: dict[str, object], said: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    done = run_cli("check", path, "--input-format", "pyperf", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert said in done.stderr
