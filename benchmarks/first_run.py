"""Wall time of `perfgate run` with no environment built yet, against its lower bound, and of
the runs after it: nothing changed, and an edit of the project (an environment taken over,
the project alone reinstalled). Issue 21's goal: a first run at most 1.5x its bound.

Run: ``nox -s first_run`` (or ``python benchmarks/first_run.py``). Prints the table quoted
in docs/performance.md.

The project is ``tests/helpers.py``'s sleep-based package (two benchmarks; head does ten times
the work). Every run is ``perfgate run --base HEAD~1 --rounds 3``. The bound is what the run
cannot avoid: 3 rounds x one bare harness process per side (``python -m pytest`` with the
configured harness arguments and ``--benchmark-json``, in the environment the run used for
that side, so base runs base's code and head head's). perfgate's rounds are cheaper than
bare runs (its pytest plugin describes the machine without py-cpuinfo), so the table also
gives the same six runs as perfgate makes them, and each case against those. Each case runs
REPEATS times, cases interleaved; the table quotes medians of wall time.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import PACKAGE, RUN_CONFIG, RUN_SUITE, slow_package_project  # noqa: E402

from perfgate.pytest_plugin import FOLDER, MODULE  # noqa: E402

REPEATS = 3
ROUNDS = 3
# the bound runs what each round runs: the configured harness arguments
HARNESS_ARGS: list[str] = yaml.safe_load(RUN_CONFIG)["harness"]["args"]
# the same runs as perfgate's rounds make them: without py-cpuinfo's description of the CPU
BRIEF = f"the rounds alone ({2 * ROUNDS} harness runs as perfgate makes them)"


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds and stderr of one process."""
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - began, done.stderr


def bound(
    project: Path, envs: Path, said: str, env: dict[str, str], out: Path, *, brief: bool = False
) -> float:
    """ROUNDS x (one bare harness run in base's environment + one in head's), the
    environments the run ``said`` it used. ``brief``: as perfgate's rounds run pytest, with
    its plugin describing the machine without py-cpuinfo."""
    used = dict(re.findall(r"(base|head): environment (env-[\w-]+)", said))
    argv = ["-m", "pytest", "-q", "-p", "no:cacheprovider", *HARNESS_ARGS]
    argv += ["--benchmark-json", str(out)]
    if brief:
        argv += ["-p", MODULE, "--perfgate-brief-machine-info"]
        env = {**env, "PYTHONPATH": str(FOLDER)}
    total = 0.0
    for _ in range(ROUNDS):
        for side in ("base", "head"):
            total += timed([str(envs / used[side] / "bin" / "python"), *argv], project, env)[0]
    return total


def main() -> None:
    perfgate = [sys.executable, "-m", "perfgate", "run", "--base", "HEAD~1", "--rounds", "3"]
    with tempfile.TemporaryDirectory() as tmp:
        project = slow_package_project(
            Path(tmp) / "project",
            {"benchmarks/test_bench.py": RUN_SUITE, "perfgate.yml": RUN_CONFIG},
        )
        envs = project / ".perfgate" / "envs"
        base = {k: v for k, v in os.environ.items() if k != "PERFGATE_INSTALLER"}
        pip = {**base, "PERFGATE_INSTALLER": "pip"}
        source = project / "src" / "slowpkg" / "__init__.py"
        times: dict[str, list[float]] = {}

        def record(name: str, seconds: float) -> None:
            times.setdefault(name, []).append(seconds)
            print(f"{name}: {seconds:.1f} s", file=sys.stderr)

        uv = shutil.which("uv") is not None
        for k in range(REPEATS):
            shutil.rmtree(envs, ignore_errors=True)
            record("first run, environments by venv + pip", timed(perfgate, project, pip)[0])
            shutil.rmtree(envs, ignore_errors=True)
            if uv:
                record("first run, environments by uv", timed(perfgate, project, base)[0])
            seconds, said = timed(perfgate, project, base)
            record("next run (environments reused)", seconds)
            record("bound", bound(project, envs, said, base, Path(tmp) / "bare.json"))
            record(
                BRIEF,
                bound(project, envs, said, base, Path(tmp) / "bare.json", brief=True),
            )
            # an edit that keeps the work the same: a new tree, the same measurement
            source.write_text(PACKAGE.format(factor=10.0) + f"\n# edit {k}\n")
            record(
                "after an edit (head's environment taken over, the project reinstalled)",
                timed(perfgate, project, base)[0],
            )
            subprocess.run(["git", "checkout", "-q", "--", "src"], cwd=project, check=True)
    least = statistics.median(times.pop("bound"))
    brief = statistics.median(times.pop(BRIEF))
    installer = "uv (warm cache)" if uv else "none: uv is not installed"
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; uv: {installer}; "
        f"`perfgate run --base HEAD~1 --rounds {ROUNDS}`; median wall of {REPEATS}.\n"
    )
    print("| | wall | vs bound | vs the rounds alone |")
    print("|---|---:|---:|---:|")
    print(f"| bound ({2 * ROUNDS} bare harness runs) | {least:.1f} s | 1.00 | |")
    print(f"| {BRIEF} | {brief:.1f} s | {brief / least:.2f} x | 1.00 |")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.1f} s | {median / least:.2f} x | {median / brief:.2f} x |")


if __name__ == "__main__":
    main()
