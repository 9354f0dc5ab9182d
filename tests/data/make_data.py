"""Regenerate the small real harness outputs in this folder (run from the repository root):

    python -m tests.data.make_data

Each file is written by the harness itself, on this machine, from the suites in
``tests/harnesses.py``: asv 0.6 as projects run it in CI (two interleaved processes, with and
without ``--record-samples``) and pytest-benchmark with its defaults bounded for speed. They
let the tests of the readers run where ``../shared/data`` is absent; the numbers in them are
whatever this machine measured and no test depends on their size.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests import harnesses

HERE = Path(__file__).resolve().parent


def _asv(target: str, *args: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        project = harnesses.make_asv_project(Path(scratch) / "project")
        results = harnesses.run_asv(harnesses.asv_executable(), project, *args)
        out = HERE / target
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(results, out)


def main() -> None:
    # as django's CI job runs asv: 2 processes, raw samples kept
    _asv("asv-samples", "--record-samples", "-a", "processes=2", "-a", "repeat=5")
    # asv's default output: statistics only (pandas' public results look like this)
    _asv("asv-no-samples", "-a", "processes=2", "-a", "repeat=5")
    with tempfile.TemporaryDirectory() as scratch:
        from tests.conftest import PYTEST_BENCHMARK_SUITE  # noqa: PLC0415

        out = harnesses.run_pytest_benchmark(Path(scratch), PYTEST_BENCHMARK_SUITE, min_rounds=20)
        shutil.copy(out, HERE / "pytest-benchmark.json")


if __name__ == "__main__":
    main()
