"""`perfgate compare` on asv's own output, one results file a side, as asv writes it: with raw
samples (``--record-samples``) and without (asv's default: a median, quartiles and a 99%
interval). The head suite sleeps 10x as long in one benchmark: a slowdown no load can hide."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import harnesses
from tests.conftest import result_files
from tests.helpers import run_cli

SUITE = """
import time


def time_a():
    time.sleep(0.002)


def time_b():
    time.sleep(0.002)


def time_c():
    time.sleep(0.003)


def time_d():
    time.sleep(0.003)


def time_e():
    time.sleep(0.004)


def time_slowed():
    time.sleep({slowed})


def mem_list():
    return [0] * 1000


def track_value():
    return 42
"""


def _asv_side(folder: Path, slowed: float, *args: str) -> Path:
    project = harnesses.make_asv_project(folder)
    (project / "benchmarks" / "bench.py").write_text(SUITE.format(slowed=slowed))
    harnesses.git(project, "commit", "-qam", "suite")
    results = harnesses.run_asv(harnesses.asv_executable(), project, *args)
    (path,) = result_files(results)
    # the results file alone, with asv's benchmarks.json beside it (how users pass it)
    side = folder.parent / f"{folder.name}-results"
    shutil.copytree(results, side)
    (path,) = result_files(side)
    return path


@pytest.fixture(scope="module", params=["samples", "no-samples"])
def asv_pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, str]:
    args: tuple[str, ...] = ("-a", "processes=2", "-a", "repeat=5")
    if request.param == "samples":
        args = ("--record-samples", *args)
    root = tmp_path_factory.mktemp(f"asv-{request.param}")
    base = _asv_side(root / "base", 0.002, *args)
    head = _asv_side(root / "head", 0.02, *args)
    return base, head, str(request.param)


@pytest.mark.slow
def test_one_asv_file_a_side_fails_a_large_slowdown(asv_pair: tuple[Path, Path, str]) -> None:
    base, head, kind = asv_pair
    done = run_cli("compare", base, head, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    by_name = {b["name"].rsplit(".", 1)[-1]: b for b in report["benchmarks"]}
    slowed = by_name["time_slowed"]
    assert slowed["severity"] == "critical"
    assert slowed["change"]["method"] == (
        "within-process" if kind == "samples" else "stored-statistics"
    )
    others = [b for n, b in by_name.items() if n.startswith("time_") and n != "time_slowed"]
    assert all(b["severity"] == "none" for b in others)


@pytest.mark.slow
def test_one_asv_file_a_side_against_itself_is_never_a_silent_pass(
    asv_pair: tuple[Path, Path, str],
) -> None:
    base, _head, _kind = asv_pair
    done = run_cli("compare", base, base, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "pass"
    timings = [b for b in report["benchmarks"] if ".time_" in b["name"]]
    # each assessed; a noisy one (a wide stored interval under load) may stay undecided
    assert {b["change"]["direction"] for b in timings} <= {"unchanged", "inconclusive"}
    # asv's mem_/peakmem_/track_ measure once a side: not assessed, and said so
    single = [b for b in report["benchmarks"] if ".time_" not in b["name"]]
    assert single
    assert all("change" not in b and b["gate"]["level"] == "notice" for b in single)
