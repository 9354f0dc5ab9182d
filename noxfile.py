"""The project's habits, as nox sessions. `nox -l` lists them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nox

# the helper an adopter imports from the installed perfgate, taken here from this checkout
# (nox runs without perfgate installed; perfgate.nox needs only the standard library)
sys.path.insert(0, str(Path(__file__).parent / "src"))
import perfgate.nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_venv = "yes"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (it runs real pytest-benchmark and asv to make its inputs)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def package(session: nox.Session) -> None:
    """Build the wheel and sdist into dist/, twine-check them, and run the wheel from a fresh
    venv (`tests/test_packaging.py` does the same inside `nox -s tests`)."""
    session.install("build", "twine")
    shutil.rmtree("dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist")
    session.run("twine", "check", "--strict", *(str(p) for p in Path("dist").iterdir()))
    fresh = Path(session.create_tmp()) / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    session.run("python", "-m", "venv", str(fresh))
    (wheel,) = Path("dist").glob("*.whl")
    scripts = fresh / ("Scripts" if sys.platform == "win32" else "bin")
    session.run(str(scripts / "python"), "-m", "pip", "install", "-q", str(wheel))
    perfgate = str(scripts / "perfgate")
    session.run(perfgate, "--version", external=True)
    data = "tests/data/pytest-benchmark.json"
    session.run(perfgate, "check", data, external=True)
    session.run(perfgate, "compare", data, data, external=True, success_codes=[0, 1])


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src, tests and benchmarks."""
    session.install("-e", ".[test]", "mypy", "types-PyYAML", "types-psutil", "nox")
    session.run("mypy", "--strict")


@nox.session
def perf(session: nox.Session) -> None:
    """The main job: this repo's benchmarks vs the default branch's merge-base, budgets, p95."""
    perfgate.nox.perf(session, install=["-e", "."])


def _measure(session: nox.Session, script: str) -> None:
    """A measurement script of benchmarks/ with perfgate and pytest-benchmark installed."""
    session.install("-e", ".", "pytest", "pytest-benchmark")
    session.run("python", script, *session.posargs)


@nox.session
def loadbench(session: nox.Session) -> None:
    """Time `perfgate check` on 1,000 x 1,000 samples and `compare` on 2,000 x 50 rounds."""
    session.install("-e", ".", "pytest", "pytest-benchmark")
    session.run("python", "benchmarks/load_1000x1000.py")
    session.run("python", "benchmarks/load_compare_2000x50.py")


@nox.session
def ab_quality(session: nox.Session) -> None:
    """Measure the A/B gate's false alarms and detection here (writes a table; ~10 min)."""
    _measure(session, "benchmarks/ab_quality.py")


@nox.session
def quality(session: nox.Session) -> None:
    """perfgate beside asv, pytest-benchmark and stored-baseline rules (docs/quality.md).

    Runs every rule on ../shared/data and the A/B pool and writes docs/quality.md."""
    session.install("-e", ".", "pytest", "pytest-benchmark")
    session.run("python", "-m", "benchmarks.quality", *session.posargs)


@nox.session
def severity_eval(session: nox.Session) -> None:
    """Severity rules on django's same-job pairs: the targets of docs/verdict-engine.md.

    `-- --part tune` (the first 100 jobs) or `-- --part held-out` (the rest)."""
    session.install("-e", ".")
    session.run("python", "-m", "benchmarks.severity_eval", *session.posargs)


@nox.session
def verdict_eval(session: nox.Session) -> None:
    """The verdict engine's targets on django's same-job pairs, per decision statistic.

    One asv file a side, without samples, 2 and 10 rounds; asv's own rule beside it."""
    session.install("-e", ".")
    session.run("python", "-m", "benchmarks.verdict_eval", *session.posargs)


@nox.session
def budget_load(session: nox.Session) -> None:
    """This repository's suite idle and with CPU hogs, by wall clock and by CPU time."""
    _measure(session, "benchmarks/budget_load.py")


@nox.session
def loaded_runner(session: nox.Session) -> None:
    """The verdict engine on this machine, idle or with CPU hogs (`-- --hogs 2`)."""
    _measure(session, "benchmarks/loaded_runner.py")


@nox.session
def ab_runs(session: nox.Session) -> None:
    """Repeated `perfgate run --base main` on a scratch project (`-- --hogs 2 --runs 20`)."""
    _measure(session, "benchmarks/ab_runs.py")


@nox.session
def reach_time(session: nox.Session) -> None:
    """What the reach map saves on this repository's suite (`-- --runs 3 --hogs 0`)."""
    _measure(session, "benchmarks/reach_time.py")


@nox.session
def act_runs(session: nox.Session) -> None:
    """Pull requests through init's workflow under nektos/act (`-- --hogs 2 --runs 10`)."""
    session.install("-e", ".[test]")
    session.run("python", "benchmarks/act_runs.py", *session.posargs)


@nox.session
def lockstep_runs(session: nox.Session) -> None:
    """A/A spread and rounds with harness.lockstep and without (`-- --runs 4 --hogs 2`)."""
    _measure(session, "benchmarks/lockstep_runs.py")


@nox.session
def asv_counts_cost(session: nox.Session) -> None:
    """What bytecode and instruction counts cost an asv suite (`-- --passes 3 [--hogs 2]`)."""
    session.install("-e", ".", "asv")
    session.run("python", "benchmarks/asv_counts_cost.py", *session.posargs)


@nox.session
def stored_base_runs(session: nox.Session) -> None:
    """history.base: stored-first against the same-job base (`-- --runs 3 --hogs 2`)."""
    _measure(session, "benchmarks/stored_base_runs.py")


@nox.session
def small_suite(session: nox.Session) -> None:
    """Rounds to a decision for 3-benchmark suites (pool of loaded_runner; `-- --hogs 2`)."""
    _measure(session, "benchmarks/small_suite.py")


@nox.session
def narrowing(session: nox.Session) -> None:
    """Per-benchmark rounds against every benchmark in every round (loaded_runner's pool)."""
    _measure(session, "benchmarks/narrowing.py")


@nox.session
def bytecodes_cost(session: nox.Session) -> None:
    """Bytecode counts: their cost beside timing and their CV, idle and with 2 hogs."""
    session.install("-e", ".", "pytest", "pytest-benchmark")
    session.run("python", "-m", "benchmarks.bytecodes_cost", *session.posargs)


@nox.session
def instructions_cv(session: nox.Session) -> None:
    """Instruction counts vs timings: CV across rounds, idle and with 2 hogs (needs valgrind)."""
    session.install("-e", ".", "pytest", "pytest-benchmark")
    session.run("python", "-m", "benchmarks.instructions_cv", *session.posargs)


@nox.session
def drift_quality(session: nox.Session) -> None:
    """The drift check on the shared histories: untouched windows and planted creeps."""
    session.install("-e", ".", "ruptures")
    session.run("python", "benchmarks/drift_quality.py", *session.posargs)


@nox.session
def changepoint_quality(session: nox.Session) -> None:
    """Evaluate change-point methods on the shared histories (writes docs/changepoints.md)."""
    session.install("-e", ".", "ruptures")
    args = session.posargs or ["--length", "200", "--max-series", "60"]
    session.run("python", "benchmarks/changepoint_quality.py", *args)
    if not session.posargs:  # the long-history section: one-pass vs recursive asv only
        session.run(
            "python",
            "benchmarks/changepoint_quality.py",
            "--length",
            "1000",
            "--max-series",
            "60",
            "--methods",
            "asv-recursive,asv",
            "--append",
        )


@nox.session
def history_bench(session: nox.Session) -> None:
    """Time history import (vs asv publish), detect and a 10,000-commit query."""
    session.install("-e", ".")
    session.run("python", "benchmarks/history_bench.py", *session.posargs)


@nox.session
def asv(session: nox.Session) -> None:
    """asv on commits of main not measured yet (`-- RANGE` for others), into .asv/results."""
    session.install("asv>=0.6", "virtualenv")
    session.run("asv", "machine", "--yes")
    session.run("asv", "run", "--show-stderr", *(session.posargs or ["NEW"]))


@nox.session
def asv_publish(session: nox.Session) -> None:
    """Build the asv site in .asv/html (`-- serve` also serves it on localhost)."""
    session.install("asv>=0.6")
    session.run("asv", "publish")
    if "serve" in session.posargs:
        session.run("asv", "preview")


@nox.session
def compare_speed(session: nox.Session) -> None:
    """CPU of `perfgate compare` beside `pytest-benchmark compare` (docs/performance.md)."""
    session.install("-e", ".", "pytest", "pytest-benchmark", "matplotlib")
    session.run("python", "benchmarks/compare_speed.py", *session.posargs)


@nox.session
def startup(session: nox.Session) -> None:
    """CPU of `perfgate --help` and `history show` beside `python -c pass` (performance.md)."""
    session.install("-e", ".")
    session.run("python", "benchmarks/startup.py", *session.posargs)


@nox.session
def first_run(session: nox.Session) -> None:
    """Wall time of a first, a next and an after-edit `perfgate run` against its bound."""
    session.install("-e", ".", "uv")
    session.run("python", "benchmarks/first_run.py", *session.posargs)


@nox.session
def changepoint_f1(session: nox.Session) -> None:
    """F1 and cover of the change-point methods, Apache Otava included (docs/changepoints.md)."""
    session.install("-e", ".", "ruptures")
    otava = Path(".nox") / "otava-venv"  # otava pins numpy 2.2 and scipy < 1.17: its own venv
    if not (otava / "bin" / "python").exists():
        session.run("python", "-m", "venv", str(otava))
        session.run(str(otava / "bin" / "python"), "-m", "pip", "install", "apache-otava",
                    external=True)  # fmt: skip
    session.run(
        "python", "benchmarks/changepoint_f1.py", "--otava-python",
        str(otava / "bin" / "python"), *session.posargs,
    )  # fmt: skip
