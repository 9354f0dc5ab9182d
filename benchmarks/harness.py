"""Running pytest-benchmark for real, to produce result files (used by tests and benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from collections.abc import Callable
from pathlib import Path


def run_pytest_benchmark(
    folder: Path, test_source: str, *extra_args: str, min_rounds: int = 100
) -> Path:
    """Write ``test_source`` as a test module in ``folder``, run pytest-benchmark on it in a
    fresh process, return its ``--benchmark-json`` file.

    Each benchmark records at least ``min_rounds`` raw samples of one call each (no
    calibration loop, no warm-up), which keeps generation of large files fast.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_bench.py").write_text(textwrap.dedent(test_source), encoding="utf-8")
    out = folder / "results.json"
    subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--rootdir", str(folder), "-c", os.devnull, "--benchmark-only",
            f"--benchmark-json={out}", f"--benchmark-min-rounds={min_rounds}",
            "--benchmark-max-time=0.000001", "--benchmark-min-time=0",
            "--benchmark-warmup=off", *extra_args, str(folder / "test_bench.py"),
        ],
        check=True, cwd=folder, capture_output=True, text=True,
    )  # fmt: skip
    return out


def wide_suite_source(count: int) -> str:
    """A test module with ``count`` parametrized benchmarks of a small computation."""
    return (
        "import pytest\n\n\n"
        f"@pytest.mark.parametrize('case', range({count}))\n"
        "def test_case(benchmark, case):\n"
        "    benchmark(sum, range(case % 50))\n"
    )


def compile_as_installed() -> None:
    """Write the bytecode of perfgate's sources and of every installed package, as pip does
    when it installs them. An editable install (nox's ``-e .``) and uv (without
    ``--compile-bytecode``) leave none, and where ``PYTHONDONTWRITEBYTECODE`` is set (this
    project's CI machines) Python never writes it: every process would compile from source,
    tens of milliseconds that no installed tool pays. Already compiled files are skipped."""
    purelib = sysconfig.get_paths()["purelib"]
    root = Path(__file__).resolve().parents[1] / "src"
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", str(root), purelib],
        stdout=subprocess.DEVNULL,
        check=False,  # a package's test data may not compile; the rest is written
    )


def write_synthetic_history(
    db: Path, commits: int, benchmarks: int, samples: Callable[[int], tuple[float, ...]]
) -> None:
    """A history of ``commits`` runs of ``benchmarks`` benchmarks each, written through the
    store's API on one machine; ``samples(i)`` is every benchmark's one round at commit i."""
    from perfgate.history.importer import summary  # noqa: PLC0415
    from perfgate.history.store import open_store  # noqa: PLC0415
    from perfgate.model import Benchmark, Metadata, Run  # noqa: PLC0415

    store = open_store(db, create=True)
    ids = [f"{i:040x}" for i in range(commits)]
    for i, commit in enumerate(ids):
        run = Run(
            metadata=Metadata(commit=commit, machine="ci", timestamp="2024-01-01T00:00:00+00:00"),
            benchmarks=tuple(
                Benchmark(
                    name=f"bench_{b}", short_name=f"bench_{b}", unit="s", rounds=(samples(i),)
                )
                for b in range(benchmarks)
            ),
        )
        store.add_run(run, [summary(b) for b in run.benchmarks])
    store.set_positions(ids)
    store.close()
