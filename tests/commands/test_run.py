"""`perfgate run` on a real git project: worktree, per-side environments, interleaved rounds."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from perfgate._cli import main
from perfgate.errors import InputError
from perfgate.files import try_lock
from perfgate.harness.runner import first_error_line
from perfgate.history import importer
from perfgate.history.store import open_store
from perfgate.model import Run
from perfgate.progress import progress_lines as _progress
from perfgate.pytest_plugin import perfgate_timers
from tests.harnesses import git
from tests.helpers import (
    PACKAGE,
    RUN_CONFIG,
    RUN_SUITE,
    run_cli,
    slow_package_project,
    two_commit_project,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A src-layout package whose head commit makes `work` ten times as slow."""
    root = tmp_path_factory.mktemp("project")
    return slow_package_project(
        root, {"benchmarks/test_bench.py": RUN_SUITE, "perfgate.yml": RUN_CONFIG}
    )


@pytest.mark.slow
def test_run_base_finds_the_slowdown(project: Path) -> None:
    done = run_cli(
        "run",
        "--base",
        "HEAD~1",
        "--rounds",
        "5",
        "--format",
        "json",
        "--rounds-dir",
        project / ".perfgate" / "t1",
        cwd=project,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["rounds_used"] == 5
    assert len(report["benchmarks"]) == 2
    for bench in report["benchmarks"]:
        assert bench["severity"] == "critical"
        assert bench["change"]["method"] == "paired-rounds"
        assert bench["ratio"] > 1.5  # direction and severity, not the size of a real timing
        assert bench["base"]["rounds"] == bench["head"]["rounds"] == 5
    assert "comparing base HEAD~1" in done.stderr
    assert "round 5/5" in done.stderr
    # one file per side and round, where --out says
    assert len(list((project / ".perfgate" / "t1" / "base").glob("round-*.json"))) == 5
    # the rounds describe the machine without py-cpuinfo (perfgate's plugin answers for it)
    raw = json.loads((project / ".perfgate" / "t1" / "head" / "round-001.json").read_text())
    assert raw["machine_info"]["cpu"] == {"count": os.cpu_count()}
    assert raw["machine_info"]["node"]


@pytest.mark.slow
def test_an_accepted_slowdown_is_recorded_beside_heads_commit(project: Path) -> None:
    """`run --base --accept NAME=REASON --record`: the history keeps the acceptance (not the
    A/B rounds), by the full name, beside head's commit and its tree; the other critical row
    still fails the run."""
    db = project / ".perfgate" / "accepted.sqlite"
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--format", "json",
        "--accept", "test_work[20000]=a fix that costs time", "--record", "--db", db,
        "--rounds-dir", project / ".perfgate" / "t-accept", cwd=project,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # test_work[50000] is not accepted
    head = git(project, "rev-parse", "HEAD")
    assert f"--record: 1 accepted slowdown(s) recorded beside commit {head[:12]}" in done.stderr
    store = open_store(db, create=False)
    try:
        (accepted,) = store.acceptances()
        assert store.counts()["runs"] == 0  # an A/B run's rounds are not history
    finally:
        store.close()
    assert accepted.commit == head
    assert accepted.benchmark.endswith("::test_work[20000]")
    assert accepted.reason == "a fix that costs time"
    assert accepted.tree == git(project, "rev-parse", "HEAD^{tree}")


@pytest.mark.slow
def test_run_reuses_environments_and_stops_adaptively(project: Path) -> None:
    envs_before = sorted(p.name for p in (project / ".perfgate" / "envs").iterdir())
    done = run_cli(
        "run",
        "--base",
        "HEAD~1",
        "--format",
        "json",
        "--rounds-dir",
        project / ".perfgate" / "t2",
        cwd=project,
    )
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in (project / ".perfgate" / "envs").iterdir()) == envs_before
    report = json.loads(done.stdout)
    # a 2x slowdown is decided well before the policy's maximum of 8 rounds
    used = report["rounds_used"]
    assert used < 8
    assert f"the verdict is decided after {used} rounds" in done.stderr
    if used > 3:  # each check before the stop says how many benchmarks were still open
        assert re.search(r"after 3 rounds: \d+ of \d+ benchmarks still undecided \(", done.stderr)


@pytest.mark.slow
def test_run_same_commit_flags_nothing_critical(project: Path) -> None:
    # an untracked file does not make the tree dirty: only tracked files are benchmarked
    (project / "benchmarks" / "notes.txt").write_text("untracked: not benchmarked")
    envs_before = sorted(p.name for p in (project / ".perfgate" / "envs").iterdir())
    done = run_cli(
        "run",
        "--base",
        "HEAD",
        "--rounds",
        "2",
        "--format",
        "json",
        "--out",
        project / ".perfgate" / "t3",
        cwd=project,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert all(b["severity"] in ("none", "minor") for b in report["benchmarks"])
    assert all(b["severity"] != "critical" for b in report["benchmarks"])
    assert "uncommitted changes" not in done.stderr
    # environments are keyed by content: base at HEAD is head's environment, not a new one
    keys = re.findall(r"(base|head): environment (env-\w+)", done.stderr)
    assert len(keys) == 2
    assert keys[0][1] == keys[1][1]
    assert sorted(p.name for p in (project / ".perfgate" / "envs").iterdir()) == envs_before


def test_dirty_tree_is_named(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    (clone / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=5.0))
    # an install list that cannot work: the run stops at the first environment, after it has
    # said what will be compared
    (clone / "perfgate.yml").write_text(
        "version: 1\nharness:\n  install: ['{tree}/no-such-subproject']\n"
    )
    done = run_cli("run", "--base", "HEAD", "--rounds", "1", cwd=clone)
    assert done.returncode == 2
    assert (
        "with uncommitted changes in 2 file(s): perfgate.yml, src/slowpkg/__init__.py"
        in done.stderr
    )
    assert "perfgate: error: installing the base side failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_ref_and_missing_config(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    done = run_cli("run", "--base", "nope-no-such-ref", cwd=clone)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"perfgate: error: base ref 'nope-no-such-ref' does not exist in {clone}"
    )
    done = run_cli(
        "run", "--base", "HEAD", "--rounds", "1", "--config", clone / "missing.yml", cwd=clone
    )
    assert done.returncode == 2
    assert "missing.yml: no such file" in done.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "perfgate.yml").write_text("version: 1\n")
    done = run_cli("run", "--base", "main", cwd=tmp_path)
    assert done.returncode == 2
    assert "not inside a git repository" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_harness_crash_is_retried_then_reported(tmp_path: Path) -> None:
    script = tmp_path / "flaky.py"
    script.write_text("import sys\nsys.stderr.write('boom: the suite crashed\\n')\nsys.exit(3)\n")
    _command_config(tmp_path, script)
    done = run_cli("run", "--rounds", "2", cwd=tmp_path)
    assert done.returncode == 2
    assert "retrying once" in done.stderr
    assert (
        "perfgate: error: the head side failed twice in round 1 (exit 3: boom: the suite crashed)"
    ) in done.stderr


def test_a_suite_that_cannot_import_says_why_and_is_not_retried(tmp_path: Path) -> None:
    """pytest-benchmark writes its collection error to stdout and exits 2: perfgate shows the
    exception's line first, the last lines of both streams, keeps the whole log, and does not
    retry what no retry can fix."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "test_b.py").write_text(
        "import no_such_dependency_group_module\n\n\n"
        "def test_sum(benchmark):\n    benchmark(sum, range(100))\n"
    )
    (tmp_path / "perfgate.yml").write_text(
        "version: 1\nharness:\n  args: [benchmarks, --benchmark-only]\n"
    )
    done = run_cli("run", "--rounds", "2", cwd=tmp_path, env={"CI": "true"})
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("perfgate: error:")]
    assert len(errors) == 1
    assert "the head side failed, not retried" in errors[0]
    assert (
        "(exit 2: ModuleNotFoundError: No module named 'no_such_dependency_group_module')"
        in (errors[0])
    )
    assert "retrying" not in done.stderr
    assert "import-mode" not in errors[0]  # no file of that name: no hint about helpers
    assert "perfgate: head: stdout: " in done.stderr  # the stream's last lines are shown
    log = tmp_path / ".perfgate" / "run" / "logs" / "head-round-000.log"
    assert "ModuleNotFoundError" in log.read_text()
    assert str(log) in errors[0]


@pytest.mark.slow
def test_a_helper_imported_by_its_bare_name_gets_a_hint_that_works(tmp_path: Path) -> None:
    """A benchmark file that imports a module beside it by name fails under
    --import-mode=importlib; the error says so and what to do, and doing it works."""
    suite = tmp_path / "benchmarks"
    suite.mkdir()
    (suite / "helpers.py").write_text("def work():\n    return sum(range(100))\n")
    (suite / "test_b.py").write_text(
        "from helpers import work\n\n\ndef test_work(benchmark):\n    benchmark(work)\n"
    )
    (tmp_path / "perfgate.yml").write_text(
        "version: 1\nharness:\n  args: [benchmarks, --benchmark-only]\n"
    )
    done = run_cli("run", "--rounds", "1", cwd=tmp_path, env={"CI": "true"})
    assert done.returncode == 2
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("perfgate: error:")]
    assert "No module named 'helpers'" in error
    assert "benchmarks/helpers.py is there, but perfgate runs pytest with" in error
    assert "add a conftest.py in benchmarks that inserts its folder into sys.path" in error

    (suite / "conftest.py").write_text(
        "import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).parent))\n"
    )
    done = run_cli("run", "--rounds", "1", cwd=tmp_path, env={"CI": "true"})
    assert done.returncode == 0, done.stderr


def test_first_error_line_prefers_the_exception() -> None:
    out = "collected 0 items / 1 error\nE   ImportError: cannot import name 'x'\n1 error in 0.1s"
    assert first_error_line(out, "warner(PytestBenchmarkWarning(text))") == (
        "ImportError: cannot import name 'x'"
    )
    assert first_error_line("", "boom\nlast words") == "last words"
    assert first_error_line("", "") == "no output"


def test_run_without_base_checks_budgets(tmp_path: Path) -> None:
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "test_b.py").write_text(
        "def test_sum(benchmark):\n    benchmark(sum, range(100))\n"
    )
    (tmp_path / "perfgate.yml").write_text(
        "version: 1\nbudgets:\n  '*test_sum':\n    target: 1s\nharness:\n"
        "  args: [benchmarks, --benchmark-only, --benchmark-min-rounds=80]\n"
    )
    done = run_cli("run", "--rounds", "2", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    [bench] = report["benchmarks"]
    assert bench["head"]["rounds"] == 2
    assert bench["budget"]["status"] == "ok"


def test_the_cpu_timer_measures_cpu_time_and_says_so(tmp_path: Path) -> None:
    """harness.timer: cpu times every call by the process's CPU time: a call that works a
    little and sleeps 20 ms costs far less than 10 ms of it (the wall clock says over 20 ms,
    and so does wall-minus-runqueue, which counts sleeping, and the default, auto, which is
    wall-minus-runqueue on Linux), and the report names the timer."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "test_b.py").write_text(
        "import time\n\ndef nap():\n    sum(range(20_000))\n    time.sleep(0.02)\n\n"
        "def test_nap(benchmark):\n    benchmark(nap)\n"
    )
    config = (
        "version: 1\nbudgets:\n  '*test_nap':\n    target: 10ms\nharness:\n"
        "  args: [benchmarks, --benchmark-only, --benchmark-min-rounds=5, "
        "--benchmark-max-time=0.1]\n"
    )
    named = {"cpu": "process's CPU time", "wall-minus-runqueue": "waiting for a CPU"}
    runqueue = perfgate_timers.available()  # auto's choice: wall-minus-runqueue on Linux
    for timer, status in (
        ("cpu", "ok"), ("wall", "critical"), ("wall-minus-runqueue", "critical"), (None, "critical")
    ):  # fmt: skip
        (tmp_path / "perfgate.yml").write_text(config + (f"  timer: {timer}\n" if timer else ""))
        done = run_cli("run", "--rounds", "1", "--format", "json", cwd=tmp_path)
        report = json.loads(done.stdout)
        [bench] = report["benchmarks"]
        assert bench["budget"]["status"] == status, (timer, bench["head"]["value"])
        used = "wall-minus-runqueue" if timer is None and runqueue else timer
        for other, words in named.items():
            assert any(words in note for note in report["notes"]) == (used == other)
    (tmp_path / "perfgate.yml").write_text("version: 1\nharness:\n  type: asv\n  timer: cpu\n")
    done = run_cli("check", tmp_path / "perfgate.yml", cwd=tmp_path)
    assert done.returncode == 2
    assert "timer: cpu is for pytest-benchmark" in done.stderr


def test_budgets_are_judged_at_the_speed_of_the_machine_they_were_set_on(tmp_path: Path) -> None:
    """The rounds time the calibration workload beside each sample; with a reference from a
    machine 20x as fast a budget 4x over on this machine is met (scaled x1/20), with one from a
    machine 8x as slow it is critical (scaled x8). The factors are wide so that no load can
    turn them around."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "test_b.py").write_text(
        "def work():\n    return sum(i * i for i in range(20_000))\n\n"
        "def test_work(benchmark):\n    benchmark(work)\n"
    )
    harness = (
        "harness:\n  timer: cpu\n"
        "  args: [benchmarks, --benchmark-only, --benchmark-min-rounds=80, "
        "--benchmark-max-time=0.2]\n"
    )

    def run(budget: str, calibration: str = "") -> dict[str, Any]:
        (tmp_path / "perfgate.yml").write_text(
            f"version: 1\nbudgets:\n  '*test_work':\n    target: {budget}\n{harness}{calibration}"
        )
        done = run_cli("run", "--rounds", "1", "--format", "json", cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
        return dict(json.loads(done.stdout))

    raw = run("1s")["benchmarks"][0]["budget"]["value"]  # no reference: the raw p95
    said = run_cli("budgets", "calibrate", cwd=tmp_path).stdout.splitlines()[0]
    here = float(re.search(r"reference: ([0-9.]+)ms", said).group(1))  # type: ignore[union-attr]
    target = f"{raw / 4 * 1e3:.6f}ms"
    assert run(target)["benchmarks"][0]["budget"]["status"] == "critical"
    for factor, status in ((0.05, "ok"), (8.0, "critical")):
        reference = f"calibration: {{reference: {here * factor:.6f}ms, workload: 1}}\n"
        report = run(target, reference)
        budget = report["benchmarks"][0]["budget"]
        assert budget["status"] == status, (factor, budget)
        assert factor / 3 < budget["scale"] < factor * 3
        assert budget["value"] == pytest.approx(budget["raw"] * budget["scale"])
        # each sample timed beside a calibration (the interleaved timer), not a round's median
        assert any("measured beside it, interleaved" in n for n in report["notes"]), report


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_keeps_finished_rounds_and_says_where_it_stopped(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    # each round of this harness says it started, then takes a second; the signal comes once
    # the second round has started (not after a guessed time: a busy machine is slower)
    script = tmp_path / "slow.py"
    starts = tmp_path / "starts.txt"
    script.write_text(
        "import json, sys, time\n"
        f"open({str(starts)!r}, 'a').write('started\\n')\n"
        "time.sleep(1.0)\n"
        "json.dump({'perfgate_result': 1, 'metadata': {}, 'benchmarks': [{'name': 'x', "
        "'unit': 's', 'rounds': [[0.1, 0.2]]}]}, open(sys.argv[1], 'w'))\n"
    )
    _command_config(tmp_path, script)
    process = subprocess.Popen(
        [sys.executable, "-m", "perfgate", "run", "--rounds", "5"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "true"},
        # a background job of a script inherits SIGINT ignored, and Python then never turns it
        # into KeyboardInterrupt: give perfgate the default, as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    kept_dir = tmp_path / ".perfgate" / "run" / "head"
    deadline = time.monotonic() + 60

    def rounds_started() -> int:
        return starts.read_text().count("started") if starts.is_file() else 0

    while rounds_started() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (kept_dir / "round-000.json").exists()
    process.send_signal(sig)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert f"stopped by {sig.name} during round 2 of up to 5" in err
    assert "1 finished round is kept in" in err
    assert sorted(p.name for p in kept_dir.iterdir()) == ["round-000.json"]
    assert json.loads((kept_dir / "round-000.json").read_text())["benchmarks"][0]["name"] == "x"
    # the kept round is a valid input on its own
    assert run_cli("check", kept_dir, cwd=tmp_path).returncode == 0


def _command_config(folder: Path, script: Path) -> None:
    """A perfgate.yml whose harness runs ``script OUTPUT`` with this interpreter."""
    (folder / "perfgate.yml").write_text(
        "version: 1\nharness:\n  type: command\n"
        f"  command: [{sys.executable!r}, {str(script)!r}, '{{output}}']\n"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    terminal = _Terminal()
    with _progress(terminal) as progress:
        progress.rounds(0, 5)
        progress.line("base: environment ready")
        progress.rounds(2, 5)
    shown = terminal.getvalue()
    assert "base: environment ready" in shown
    assert "benchmark rounds" in shown
    assert "2/5" in shown
    assert "━" in shown  # the bar itself
    monkeypatch.setenv("CI", "true")
    ci = _Terminal()
    with _progress(ci) as progress:
        progress.rounds(0, 5)
        progress.line("round 1/5: base 1.0 s, head 1.1 s")
        progress.rounds(1, 5)
    assert ci.getvalue() == "perfgate: round 1/5: base 1.0 s, head 1.1 s\n"


def _native_writer(folder: Path) -> Path:
    """A command harness that writes one native round file (the format perfgate writes)."""
    script = folder / "writer.py"
    script.write_text(
        "import json, sys\n"
        "json.dump({'perfgate_result': 1, 'metadata': {}, 'benchmarks': [{'name': 'x', "
        "'unit': 's', 'rounds': [[0.1, 0.2, 0.15]]}]}, open(sys.argv[1], 'w'))\n"
    )
    _command_config(folder, script)
    return script


def test_record_stores_the_run_and_says_so(tmp_path: Path) -> None:
    """With the packages of the environment it ran in (here, this test's own)."""
    _native_writer(tmp_path)
    done = run_cli("run", "--record", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "pass"
    assert "--record: imported 1 run(s) from 1 file(s)" in done.stderr
    store = open_store(tmp_path / ".perfgate" / "history.sqlite", create=False)
    try:
        ((commit, packages),) = store.packages_by_run("", "")
    finally:
        store.close()
    assert commit is None
    assert packages["pytest-benchmark"] == importlib.metadata.version("pytest-benchmark")
    assert "perfgate" not in packages  # the project itself, installed from its tree


def test_record_stores_where_db_says_and_db_alone_is_a_usage_error(tmp_path: Path) -> None:
    _native_writer(tmp_path)
    done = run_cli(
        "run", "--record", "--db", "elsewhere/h.sqlite", "--format", "json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "elsewhere" / "h.sqlite").is_file()
    assert not (tmp_path / ".perfgate" / "history.sqlite").exists()
    shown = run_cli("history", "show", "x", "--db", "elsewhere/h.sqlite", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    alone = run_cli("run", "--db", "h.sqlite", cwd=tmp_path)
    assert alone.returncode == 2
    assert alone.stderr == (
        "perfgate: error: --db is where --record stores the run: give --record too\n"
    )


def test_record_into_a_broken_history_exits_2_after_the_report(tmp_path: Path) -> None:
    _native_writer(tmp_path)
    with (tmp_path / "perfgate.yml").open("a") as config:
        config.write("history:\n  db: not-a-history.sqlite\n")
    (tmp_path / "not-a-history.sqlite").write_bytes(b"this is no database" * 100)
    done = run_cli("run", "--record", "--format", "json", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["verdict"] == "pass"  # the report came first
    errors = [line for line in done.stderr.splitlines() if line.startswith("perfgate: error:")]
    assert len(errors) == 1
    assert "not-a-history.sqlite" in errors[0]
    assert "Traceback" not in done.stderr


def test_record_names_skipped_files_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A round file the history cannot take (simulated: the reader refuses it) is listed, and
    the run ends with exit 2 instead of hiding it (the import's exit code was once dropped)."""
    _native_writer(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI", "true")

    def refuse(path: Path) -> list[Run]:
        raise InputError(str(path), "refused by this test")

    monkeypatch.setattr(importer, "read_runs", refuse)
    assert main(["run", "--record", "--format", "json"]) == 2
    out, err = capfd.readouterr()
    assert json.loads(out)["verdict"] == "pass"
    assert "--record: skipped" in err
    assert "refused by this test" in err
    assert "perfgate: error: " in err
    assert "--record: 1 file(s) could not be stored" in err


def test_clean_keeps_the_most_recently_used_environments_and_removes_worktrees(
    tmp_path: Path,
) -> None:
    from perfgate.harness.git import worktree  # noqa: PLC0415

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    envs = repo / ".perfgate" / "envs"
    for age, name in enumerate(["env-new", "env-mid", "env-old"]):
        (envs / name / "bin").mkdir(parents=True)
        (envs / name / "bin" / "python").write_bytes(b"x" * 1000)
        marker = envs / name / "perfgate-ready"
        marker.write_text("")
        os.utime(marker, (1e9 - age * 1000, 1e9 - age * 1000))
    (envs / "env-halfbuilt").mkdir()  # no marker: a build that never finished
    tree = worktree(repo, git(repo, "rev-parse", "HEAD"), repo / ".perfgate" / "worktrees" / "x")
    assert tree.is_dir()
    dry = run_cli("clean", "--keep", "1", "--dry-run", cwd=repo)
    assert dry.returncode == 0, dry.stderr
    assert "would remove 3 environment(s) (0 MB) and 1 git worktree(s)" in dry.stdout
    assert len(list(envs.iterdir())) == 4  # nothing removed
    assert tree.is_dir()
    done = run_cli("clean", "--keep", "1", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "removed 3 environment(s) (0 MB) and 1 git worktree(s)" in done.stdout
    assert sorted(p.name for p in envs.iterdir()) == ["env-new"]
    assert not tree.exists()
    assert git(repo, "worktree", "list").count("\n") == 0  # only the main worktree
    assert run_cli("clean", "--keep", "-1", cwd=repo).returncode == 2


@pytest.mark.slow
def test_an_edit_reinstalls_the_project_into_an_environment_it_takes_over(
    project: Path,
) -> None:
    """The edit-and-measure loop: an uncommitted edit of the package is a new tree, but its
    dependencies are those of an environment already built, so that one is taken over and
    only the project reinstalled; no environment is added, and the edit is what is measured
    (head undoes the 10x slowdown of HEAD)."""
    envs = project / ".perfgate" / "envs"
    before = sorted(p.name for p in envs.iterdir())
    (project / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=1.0))
    try:
        done = run_cli(
            "run", "--base", "HEAD", "--rounds", "2", "--format", "json",
            "--out", project / ".perfgate" / "t-edit", cwd=project,
        )  # fmt: skip
    finally:
        git(project, "checkout", "-q", "--", "src")
    assert done.returncode == 0, done.stderr
    assert "head: environment env-" in done.stderr
    assert "reinstalling only the project" in done.stderr, done.stderr
    assert "building environment" not in done.stderr
    assert sorted(p.name for p in envs.iterdir()) == before
    report = json.loads(done.stdout)
    assert all(b["ratio"] < 0.5 for b in report["benchmarks"]), report["benchmarks"]


def test_two_runs_never_share_a_rounds_folder(project: Path) -> None:
    """A run holds its rounds folder: a second run into it is one line and exit 2 (pooled
    rounds reported a 3.9x change as 1.98x), and a run into another folder goes ahead."""
    folder = project / ".perfgate" / "shared"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a+") as held:
        assert try_lock(held)  # as a first run holds it
        held.write("4242")
        held.flush()
        for command in (("run", "--base", "HEAD~1"), ("run",)):
            done = run_cli(*command, "--rounds", "2", "--rounds-dir", folder, cwd=project)
            assert done.returncode == 2, done.stderr
            assert done.stderr == (
                f"perfgate: error: {folder} is in use by another perfgate run (process 4242): "
                "wait for it to finish, or give this run its own folder (--rounds-dir DIR)\n"
            )
            assert not (folder / "base").exists()
    # released (as when the first run ends or dies): the folder is free again
    done = run_cli("run", "--rounds", "1", "--rounds-dir", folder, cwd=project)
    assert "head-round-000" in done.stderr  # it ran (and failed: head alone lacks slowpkg)
    assert "in use" not in done.stderr


def test_budgets_calibrate_writes_a_reference_the_config_reads(tmp_path: Path) -> None:
    """`budgets calibrate --write` replaces the config's calibration line (never a second
    one); a pyproject.toml or no action is one line and exit 2."""
    config = tmp_path / "perfgate.yml"
    config.write_text("version: 1\nbudgets:\n  '*x':\n    target: 1ms\n")
    for _ in range(2):
        done = run_cli("budgets", "calibrate", "--write", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    text = config.read_text()
    assert text.count("calibration:") == 1
    assert re.search(r"^calibration: \{reference: [0-9.]+ms, workload: 1\}$", text, re.M)
    assert "target: 1ms" in text
    toml = tmp_path / "pyproject.toml"
    toml.write_text("[tool.perfgate]\nversion = 1\n")
    done = run_cli("budgets", "calibrate", "--write", "--config", toml, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "--write edits perfgate.yml" in done.stderr
    done = run_cli("budgets", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2,
        "perfgate: error: budgets needs an action: calibrate\n",
    )


# 3 to 5 rounds of at least 20 samples, for runs whose planted changes no load can hide
SHORT_ROUNDS = (
    "version: 1\nrounds:\n  min: 3\n  max: 5\nharness:\n  type: pytest-benchmark\n"
    '  args: ["benchmarks", "--benchmark-only", "--benchmark-min-rounds=20",\n'
    '         "--benchmark-max-time=0.05"]\n'
)

NARROW_PACKAGE = """
import os
import random
import time

NOISE = {noise}  # head: each process sleeps up to this share longer or shorter in `noisy`
_EXTRA = random.Random(os.getpid()).uniform(-NOISE, NOISE)


def steady(n):
    time.sleep(n / 1e6)


def noisy(n):
    time.sleep(n * (1.0 + _EXTRA) / 1e6)
"""

NARROW_SUITE = """
import pytest

import narrowpkg


@pytest.mark.parametrize("n", [800, 900, 1000, 1100, 1200, 1300])
def test_steady(benchmark, n):
    benchmark(narrowpkg.steady, n)


def test_noisy(benchmark):
    benchmark(narrowpkg.noisy, 1000)
"""


@pytest.mark.slow
def test_later_rounds_run_only_the_undecided_benchmarks_and_some_beside_them(
    tmp_path: Path,
) -> None:
    """After the minimum rounds, a round runs the undecided benchmarks and enough decided
    ones to keep the speed factor (5 in all), and the report judges every benchmark on the
    rounds it ran. The noisy benchmark is unchanged on average (no significant row waits for
    its severity: those keep every benchmark running)."""
    from perfgate import formats  # noqa: PLC0415
    from perfgate.config import load_config  # noqa: PLC0415
    from perfgate.decisions import rounds_plan  # noqa: PLC0415
    from perfgate.decisions.compare import compare  # noqa: PLC0415

    root = two_commit_project(
        tmp_path / "narrow",
        "narrowpkg",
        base=NARROW_PACKAGE.format(noise=0.0),
        head=NARROW_PACKAGE.format(noise=0.4),  # noisy sleeps up to 40% longer or shorter
        suite=NARROW_SUITE,
        config=SHORT_ROUNDS,
    )
    rounds_dir = root / ".perfgate" / "narrow"
    done = run_cli(
        "run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", rounds_dir, cwd=root
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    ran = {
        k: {b["fullname"] for b in json.loads(path.read_text())["benchmarks"]}
        for k, path in enumerate(sorted((rounds_dir / "head").glob("round-*.json")))
    }
    assert len(ran) == report["rounds_used"]
    assert all(len(ran[k]) == 7 for k in range(3))  # the minimum rounds run everything
    config = load_config(root / "perfgate.yml")
    for k in range(3, len(ran)):  # each later round ran what the earlier ones left open
        base, head = (
            formats.load_side(sorted((rounds_dir / side).glob("round-*.json"))[:k]).benchmarks
            for side in ("base", "head")
        )
        wanted = rounds_plan.next_round(compare(base, head, config), head) or ran[0]
        assert ran[k] == set(wanted), k
    rounds = {b["name"]: b["head"]["rounds"] for b in report["benchmarks"]}
    assert len(rounds) == 7  # every benchmark judged, on the rounds it ran
    if len(ran) > 3:
        assert "the next rounds run" in done.stderr
    if len(ran) > 3 and len(ran[3]) < 7:
        assert len(ran[3]) == rounds_plan.FOLLOWERS
        assert min(rounds.values()) == 3 < max(rounds.values()) == len(ran)
        assert any(note.startswith("Rounds per benchmark: 3 to ") for note in report["notes"])


@pytest.mark.slow
def test_a_comment_only_change_is_not_measured_twice_and_lists_every_benchmark(
    tmp_path: Path,
) -> None:
    """A change that touches only comments reaches no benchmark: head runs alone, once, for
    its budgets, and every benchmark is listed as not affected; the next such change against
    the same base is judged on that round, not measured again; pyproject.toml changed (or
    --all) compares base and head as before."""
    root = tmp_path / "reach"
    slow_package_project(root, {"benchmarks/test_bench.py": RUN_SUITE, "perfgate.yml": RUN_CONFIG})
    package = root / "src" / "slowpkg" / "__init__.py"
    git(root, "checkout", "-q", "HEAD~1", "--", str(package))  # head = base's code again
    package.write_text(package.read_text() + "\n# a comment: nothing runs differently\n")
    out = root / ".perfgate" / "reach"
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", out, cwd=root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "check"  # nothing compared
    assert sorted(report["not_affected"]) == sorted(b["name"] for b in report["benchmarks"])
    assert len(report["not_affected"]) == 2
    assert any(note.startswith("Not affected by this change") for note in report["notes"])
    assert "no benchmark can be affected by this change" in done.stderr
    assert len(list((out / "head").glob("round-*.json"))) == 1  # one head-alone round
    assert not list((out / "base").glob("round-*.json"))  # base not measured at all
    assert "in base's environment" not in done.stderr  # there was none yet
    measured = (out / "head" / "round-000.json").read_bytes()

    # another comment, the same program again: judged on the kept round, nothing measured
    package.write_text(package.read_text() + "# and another\n")
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", out, cwd=root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "check"
    assert len(report["not_affected"]) == 2
    said = "judged on the round an earlier run measured of the same program"
    assert said in done.stderr
    assert any(said in note for note in report["notes"])
    assert (out / "head" / "round-000.json").read_bytes() == measured  # not measured again
    assert "pip install" not in done.stderr

    done = run_cli(
        "run", "--base", "HEAD~1", "--all", "--rounds", "2", "--format", "json",
        "--rounds-dir", out, cwd=root,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr  # an A/A: its verdict is not the point
    assert json.loads(done.stdout)["kind"] == "compare"
    # base's environment is there now: the same program runs in it, nothing is installed
    shutil.rmtree(root / ".perfgate" / "same-program")  # measured again, not the kept round
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", out, cwd=root)
    assert done.returncode == 0, done.stderr
    assert "head: in base's environment env-" in done.stderr
    assert "pip install" not in done.stderr
    assert json.loads(done.stdout)["kind"] == "check"
    assert len(list((out / "head").glob("round-*.json"))) == 1

    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "# a comment, in a file that is not Python\n")
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--format", "json", "--rounds-dir", out,
        cwd=root,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "compare"
    assert report["not_affected"] == []


MAP_PACKAGE = """
import time

LIMIT = 1


def fast(n):
    time.sleep(n / 1e6)


def slow(n):
    time.sleep({factor} * n / 1e6)


def unused():
    return {unused}
"""

MAP_SUITE = """
import pytest

import mappkg


@pytest.mark.parametrize("n", [1000, 1100, 1200, 1300, 1400, 1500])
def test_fast(benchmark, n):
    benchmark(mappkg.fast, n)


def test_slow_1(benchmark):
    benchmark(mappkg.slow, 1000)


def test_slow_2(benchmark):
    benchmark(mappkg.slow, 1200)
"""


@pytest.mark.slow
def test_only_the_benchmarks_a_change_reaches_are_measured(tmp_path: Path) -> None:
    """A map of the functions each benchmark runs (made on base, one call each) decides what
    is measured: a change to ``slow`` measures the two benchmarks that call it (3x slower
    each: critical) and three of the others beside them (five in all, for the speed factor)
    and lists the other three as not affected, never measured; a change to a function no
    benchmark calls measures none twice; a change outside any function (run at import)
    measures everything."""
    root = two_commit_project(
        tmp_path / "map",
        "mappkg",
        base=MAP_PACKAGE.format(factor=1, unused=1),
        head=MAP_PACKAGE.format(factor=3, unused=1),
        suite=MAP_SUITE,
        # a budget per fast benchmark, by the exact short name the table prints: those of
        # the benchmarks left out are not judged, and are not "budgets that matched nothing"
        config=SHORT_ROUNDS
        + "budgets:\n"
        + "".join(f'  "test_fast[{n}]": {{target: 10s}}\n' for n in range(1000, 1600, 100)),
    )
    out = root / ".perfgate" / "map"
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", out, cwd=root)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    slow = ["benchmarks/test_bench.py::test_slow_1", "benchmarks/test_bench.py::test_slow_2"]
    fast = [f"benchmarks/test_bench.py::test_fast[{n}]" for n in range(1000, 1600, 100)]
    rows = {b["name"]: b for b in report["benchmarks"]}
    assert len(rows) == 5
    assert all(rows[name]["severity"] == "critical" for name in slow)
    assert len(report["not_affected"]) == 3
    assert sorted([*rows, *report["not_affected"]]) == sorted([*fast, *slow])
    assert any(note.startswith("Not affected by this change") for note in report["notes"])
    for side in ("base", "head"):  # no round of either side ran the others
        for path in (out / side).glob("round-*.json"):
            names = {b["fullname"] for b in json.loads(path.read_text())["benchmarks"]}
            assert names <= set(rows), (side, path.name)
    assert "2 of 8 benchmarks can be affected" in done.stderr
    assert "mapping which functions each benchmark runs" in done.stderr
    assert len(list((root / ".perfgate" / "reach").glob("*.json"))) == 1  # kept for the next
    assert report["unused_budgets"] == []
    assert sum(1 for row in rows.values() if row.get("budget")) == 3  # the measured fast ones

    package = root / "src" / "mappkg" / "__init__.py"
    package.write_text(MAP_PACKAGE.format(factor=1, unused=2))  # base's code, `unused` changed
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", out, cwd=root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "check"  # head alone, once, for its budgets
    # the same base: its map is reused, not made again
    assert "reusing the map of which functions each benchmark runs on base" in done.stderr
    assert "mapping which functions" not in done.stderr
    assert sorted(report["not_affected"]) == sorted([*fast, *slow])
    assert not list((out / "base").glob("round-*.json"))
    assert len(list((out / "head").glob("round-*.json"))) == 1

    # a file of the suite's own that the map recorded changes: the kept map is not reused
    helper = root / "benchmarks" / "test_bench.py"
    helper.write_text(helper.read_text() + "\n")
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", out, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    assert "reusing the map" not in done.stderr
    assert "mapping which functions each benchmark runs" in done.stderr  # made again
    git(root, "checkout", "-q", "--", "benchmarks")

    package.write_text(MAP_PACKAGE.format(factor=1, unused=1).replace("LIMIT = 1", "LIMIT = 2"))
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--format", "json", "--rounds-dir", out,
        cwd=root,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr  # an A/A: its verdict is not the point
    report = json.loads(done.stdout)
    assert report["kind"] == "compare"
    assert report["not_affected"] == []
    assert len(report["benchmarks"]) == 8
    assert "outside a function" in done.stderr


WRITER = """
import json, random, re, sys
from pathlib import Path

FACTOR = {factor}
# never decided: 25x apart between the sides, which side is slower alternating by round
output = Path(sys.argv[1])
round_index = int(re.search(r"round-(\\d+)", output.name).group(1))
noise = 5.0 if (round_index + (output.parent.name == "head")) % 2 else 0.2


def samples(level):  # each process at its own speed, within 2%, as on a real machine
    level *= random.lognormvariate(0, 0.02)
    return [[level * (1 + k / 1000) for k in range(20)]]


benchmarks = [
    {{"name": "slowed", "unit": "s", "rounds": samples(0.010 * FACTOR)}},
    {{"name": "noisy", "unit": "s", "rounds": samples(0.010 * noise)}},
] + [{{"name": f"steady{{i}}", "unit": "s", "rounds": samples(0.010)}} for i in range(3)]
result = {{"perfgate_result": 1, "metadata": {{}}, "benchmarks": benchmarks}}
json.dump(result, open(sys.argv[1], "w"))
"""


@pytest.mark.slow
def test_a_run_stops_once_a_settled_slowdown_decides_the_check(tmp_path: Path) -> None:
    """One benchmark 3x slower and settled after the minimum rounds, one too noisy for any
    number of rounds: the check fails whatever the noisy one would show, so the run stops
    there (it went on to the round cap), says why, and reports the noisy row inconclusive."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "writer.py").write_text(WRITER.format(factor=1.0))
    (root / "perfgate.yml").write_text(
        "version: 1\nrounds:\n  min: 3\n  max: 8\n"
        "harness:\n  type: command\n  install: []\n  suite: own\n"
        f"  command: [{sys.executable!r}, 'writer.py', '{{output}}']\n"
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "writer.py").write_text(WRITER.format(factor=3.0))
    git(root, "commit", "-qam", "three times slower")
    done = run_cli("run", "--base", "HEAD~1", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["rounds_used"] == 3
    rows = {b["name"]: b for b in report["benchmarks"]}
    assert rows["slowed"]["severity"] == "critical"
    assert rows["noisy"]["change"]["direction"] == "inconclusive"
    assert any(
        note.startswith("Stopped after 3 rounds: slowed is critical") for note in report["notes"]
    )
    assert "the check fails whatever the" in done.stderr


LOCKSTEP_PACKAGE = """
import time

FACTOR = {factor}


def steady(n):
    time.sleep(n / 1e6)


def slowed(n):
    time.sleep(FACTOR * n / 1e6)
"""
LOCKSTEP_SUITE = """
import lockpkg


def test_steady(benchmark):
    benchmark(lockpkg.steady, 2000)


def test_slowed(benchmark):
    benchmark(lockpkg.slowed, 2000)
"""


@pytest.mark.slow
def test_lockstep_rounds_take_turns_and_find_the_slowdown(tmp_path: Path) -> None:
    """harness.lockstep: both sides of a round run at once, each taking its turn from the
    other many times; the planted 2x is critical, the unchanged benchmark is not flagged."""
    root = two_commit_project(
        tmp_path / "lock",
        "lockpkg",
        base=LOCKSTEP_PACKAGE.format(factor=1.0),
        head=LOCKSTEP_PACKAGE.format(factor=2.0),
        suite=LOCKSTEP_SUITE,
        config=SHORT_ROUNDS + "  lockstep: true\n",
    )
    rounds_dir = root / ".perfgate" / "lock"
    done = run_cli(
        "run", "--base", "HEAD~1", "--format", "json", "--rounds-dir", rounds_dir, cwd=root
    )
    assert done.returncode == 1, done.stderr
    assert "lockstep: base and head run at once in each round" in done.stderr
    report = json.loads(done.stdout)
    rows = {b["name"].rsplit("::", 1)[-1]: b for b in report["benchmarks"]}
    assert rows["test_slowed"]["severity"] == "critical"
    assert rows["test_steady"]["severity"] in ("none", "minor")
    for side in ("base", "head"):
        files = sorted((rounds_dir / side).glob("round-*.json"))
        assert len(files) == report["rounds_used"] >= 3
        for path in files:  # every round of both sides took its turn from the other
            turns = json.loads(path.read_text())["machine_info"]["perfgate_turns"]
            assert turns >= 10, (side, path.name, turns)
