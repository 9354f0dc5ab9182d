"""`perfgate history`: a real SQLite store filled from real asv and pytest-benchmark output."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

import pytest

from perfgate.formats.native import dumps
from perfgate.model import Benchmark, Metadata, Run
from tests import harnesses
from tests.harnesses import GIT_ENV, git
from tests.helpers import gfm_html, live_html, run_cli

# dates run backwards: the files' dates and the git history disagree on the order
DATES = ["2024-03-04T10:00:00+00:00", "2024-03-03T10:00:00+00:00", "2024-03-02T10:00:00+00:00"]


@pytest.fixture(scope="module")
def asv_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """An asv project with three commits, asv run on each: (results dir, commits oldest first)."""
    project = harnesses.make_asv_project(tmp_path_factory.mktemp("asv-history"))
    commits = []
    for i, date in enumerate(DATES):
        (project / "CHANGES").write_text(f"change {i}\n")
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        subprocess.run(["git", "add", "-A"], cwd=project, env=env, check=True)
        subprocess.run(["git", "commit", "-qm", f"c{i}"], cwd=project, env=env, check=True)
        commits.append(git(project, "rev-parse", "HEAD"))
        results = harnesses.run_asv(
            harnesses.asv_executable(), project, "--record-samples", "-a", "repeat=5"
        )
    return results, commits


def _show(db: Path, name: str, *extra: str, cwd: Path | None = None) -> Any:
    done = run_cli("history", "show", name, "--db", db, "--format", "json", *extra, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_asv_results_import_in_git_order_and_reimport_is_a_no_op(
    asv_history: tuple[Path, list[str]], tmp_path: Path
) -> None:
    results, commits = asv_history
    project = results.parent
    db = tmp_path / "h.sqlite"
    done = run_cli("history", "import", results, "--db", db, "--repo", project)
    assert done.returncode == 0, done.stderr
    assert "imported 3 run(s) from 3 file(s)" in done.stderr
    assert "commit order from git for 3 commit(s)" in done.stderr
    shown = _show(db, "bench.time_simple")
    (series,) = shown["series"]
    assert [p["commit"] for p in series["points"]] == commits
    assert all(p["n"] >= 5 and p["value"] > 0 for p in series["points"])  # repeat=5 x processes
    assert series["machine"] == "testbox"
    # parametrized asv benchmarks are one series per combination
    assert _show(db, "bench.TimeSuite.time_range(100, 'b')")["series"]
    again = run_cli("history", "import", results, "--db", db, "--repo", project)
    assert again.returncode == 0
    assert "imported 0 run(s) from 3 file(s) into" in again.stderr
    assert "(3 already there, 0 file(s) skipped)" in again.stderr
    # without git, the files' (commit) dates order the series: here the reverse
    db2 = tmp_path / "dates.sqlite"
    assert run_cli("history", "import", results, "--db", db2, cwd=tmp_path).returncode == 0
    (by_date,) = _show(db2, "bench.time_simple")["series"]
    assert [p["commit"] for p in by_date["points"]] == commits[::-1]


def test_asv_import_stores_numpys_percentiles_keys_whole_without_loading_numpy(
    asv_history: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """The import's fast path (issue 21): summaries in plain Python, bit for bit numpy's
    percentiles of the stored samples; foreign-key checks off only while runs are added, and
    nothing dangling; numpy never imported for asv's short rounds."""
    import numpy as np  # noqa: PLC0415

    from perfgate.history.importer import candidate_files, import_paths  # noqa: PLC0415
    from perfgate.history.store import open_store  # noqa: PLC0415

    results, _commits = asv_history
    db = tmp_path / "h.sqlite"
    code = (
        "import sys\n"
        "from perfgate._cli import main\n"
        f"code = main(['history', 'import', {str(results)!r}, '--db', {str(db)!r}])\n"
        "print('NUMPY', 'numpy' in sys.modules, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "NUMPY False 0" in done.stdout, done.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = con.execute(
            "SELECT r.p25, r.p50, r.p95, r.p99, r.mean, r.min, r.max, "
            "substr(c.data, r.sample_offset * 8 + 1, r.n * 8), r.n FROM results r "
            "JOIN sample_chunks c ON c.run_id = r.run_id AND c.chunk = r.sample_chunk"
        ).fetchall()
        assert con.execute("SELECT count(*) FROM samples").fetchone() == (0,)  # schema 2's
    assert sum(n >= 5 for *_stored, _data, n in rows) >= 6  # timings; memory has one sample
    for *stored, data, n in rows:
        values = np.frombuffer(data, dtype=np.float64)
        assert len(values) == n >= 1
        expected = [*np.percentile(values, [25, 50, 95, 99]), values.mean()]
        assert stored[:4] == [float(v) for v in expected[:4]]  # bit for bit
        assert stored[4] == pytest.approx(expected[4], rel=1e-12)
        assert stored[5:] == [values.min(), values.max()]
    # the store turns the checks back on after adding runs: a later write is checked
    store = open_store(tmp_path / "again.sqlite", create=True)
    try:
        import_paths(store, list(candidate_files([results])))
        with pytest.raises(sqlite3.IntegrityError):
            store._db.execute(
                "INSERT INTO results (benchmark_id, run_id, n, rounds) VALUES (999, 999, 1, 1)"
            )
    finally:
        store.close()


@pytest.mark.parametrize("sizes", [(10,), (1, 2), (700, 700, 700), (2500,)])
def test_import_summaries_are_numpys_percentiles_bit_for_bit(sizes: tuple[int, ...]) -> None:
    """One round or several, short (sorted in Python) or long (sorted by numpy)."""
    import numpy as np  # noqa: PLC0415

    from perfgate.history.importer import summary  # noqa: PLC0415

    rng = np.random.default_rng(sum(sizes))
    rounds = tuple(array("d", rng.lognormal(size=n)) for n in sizes)
    got = summary(Benchmark(name="b", short_name="b", unit="s", rounds=rounds))
    values = np.concatenate(rounds)
    p25, p50, p95, p99 = (float(v) for v in np.percentile(values, [25, 50, 95, 99]))
    assert got == (p50, p95, got[2], float(values.min()), float(values.max()), p25, p99)
    assert got[2] == pytest.approx(values.mean(), rel=1e-12)  # fsum: exactly rounded
    assert all(type(v) is float for v in got)


def test_summaries_stay_numpys_when_the_plans_kept_per_sample_count_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np  # noqa: PLC0415

    from perfgate.history import importer  # noqa: PLC0415

    monkeypatch.setattr(importer, "_PLANS_KEPT", 3)
    monkeypatch.setattr(importer, "_PLANS", {})
    for n in (*range(1, 12), 5, 1):  # more counts than are kept, and counts seen before
        values = array("d", (float((k * 7919) % 101) for k in range(n)))
        got = importer.summary(Benchmark(name="b", short_name="b", unit="s", rounds=(values,)))
        p25, p50, p95, p99 = (float(v) for v in np.percentile(values, [25, 50, 95, 99]))
        assert (got[0], got[1], got[5], got[6]) == (p50, p95, p25, p99), n
        assert len(importer._PLANS) <= 3


def test_pytest_benchmark_storage_imports_and_the_chart_is_a_page(tmp_path: Path) -> None:
    storage = tmp_path / ".benchmarks"
    for i in range(2):
        harnesses.run_pytest_benchmark(
            tmp_path / f"run{i}",
            "def test_sum(benchmark):\n    benchmark(sum, range(1000))\n",
            "--benchmark-autosave",
            f"--benchmark-storage=file://{storage}",
            min_rounds=20,
        )
    saved = sorted(storage.rglob("*.json"))
    assert len(saved) == 2  # pytest-benchmark's own layout: <machine-id>/0001_....json
    db = tmp_path / "h.sqlite"
    done = run_cli("history", "import", storage, "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "imported 2 run(s)" in done.stderr
    chart = tmp_path / "chart.html"
    table = run_cli(
        "history", "show", "test_bench.py::test_sum", "--db", db, "--chart", chart, cwd=tmp_path
    )
    assert table.returncode == 0, table.stderr
    assert "p50 per commit, 2 run(s)" in table.stdout
    assert "(mean)" not in table.stdout  # pytest-benchmark stores the median: the real p50
    # no p95 is stored without samples: the mean stands in, and says so (it was shown under
    # a p95 header as if it were one)
    p95 = run_cli("history", "show", "test_bench.py::test_sum", "--db", db, "--metric", "p95",
                  cwd=tmp_path)  # fmt: skip
    assert p95.stdout.count(" (mean)") == 2, p95.stdout
    assert "the run stored no p95" in p95.stdout
    points = json.loads(run_cli(
        "history", "show", "test_bench.py::test_sum", "--db", db, "--metric", "p95",
        "--format", "json", cwd=tmp_path,
    ).stdout)["series"][0]["points"]  # fmt: skip
    assert [point["value_is_mean"] for point in points] == [True, True]
    # the short name the tables print finds the same series (it was "no history")
    short = run_cli("history", "show", "test_sum", "--db", db, cwd=tmp_path)
    assert short.returncode == 0, short.stderr
    assert short.stdout == table.stdout
    assert "test_sum: test_bench.py::test_sum" in short.stderr
    page = chart.read_text()
    assert page.startswith("<!doctype html>")
    assert page.count("<circle") == 2
    assert "<script" not in page
    # the stored baseline of these runs holds the names a pytest-benchmark file has, so a
    # compare with one pairs the benchmark (the outside review saw `py::test_heavy` written)
    baseline = tmp_path / "baseline.json"
    written = run_cli("history", "baseline", "--db", db, "--output", baseline, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    names = [b["name"] for b in json.loads(baseline.read_text())["benchmarks"]]
    assert names == ["test_bench.py::test_sum"], names
    compared = run_cli("compare", baseline, saved[-1], "--format", "json", cwd=tmp_path)
    assert compared.returncode in (0, 1), compared.stderr
    rows = json.loads(compared.stdout)["benchmarks"]
    assert [row["name"] for row in rows] == ["test_bench.py::test_sum"], rows
    assert rows[0]["base"] is not None, rows
    assert rows[0]["head"] is not None, rows


def _native_runs(folder: Path, count: int, *, benchmarks: int = 40, first: int = 0) -> None:
    """Native files as perfgate writes them: one commit each, raw samples."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(first, first + count):
        run = Run(
            metadata=Metadata(
                commit=hashlib.sha1(str(i).encode()).hexdigest(),  # noqa: S324 - an id
                machine="ci",
                timestamp=f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
            ),
            benchmarks=tuple(
                Benchmark(
                    name=f"bench_{b}",
                    short_name=f"bench_{b}",
                    unit="s",
                    rounds=(tuple(0.001 * (1 + b) * (1 + 0.01 * (k % 7)) for k in range(200)),),
                )
                for b in range(benchmarks)
            ),
        )
        (folder / f"run-{i:04d}.json").write_text(dumps(run))


def _counts(db: Path) -> tuple[int, int, list[int]]:
    with sqlite3.connect(db) as con:
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        results = con.execute("SELECT count(*) FROM results").fetchone()[0]
        per_run = [r[0] for r in con.execute("SELECT count(*) FROM results GROUP BY run_id")]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return runs, results, per_run


def test_corrupt_files_are_listed_and_skipped_the_rest_imported(
    tmp_path: Path, bench_json: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(bench_json, folder / "good.json")
    (folder / "truncated.json").write_text(bench_json.read_text()[:500])
    (folder / "empty.json").write_text("")
    db = tmp_path / "h.sqlite"
    done = run_cli("history", "import", folder, "--db", db, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert f"perfgate: skipped {folder / 'empty.json'}: file is empty" in lines
    assert any(line.startswith(f"perfgate: skipped {folder / 'truncated.json'}") for line in lines)
    assert "imported 1 run(s) from 1 file(s)" in lines[-1]
    assert "2 file(s) skipped" in lines[-1]
    assert "Traceback" not in done.stderr
    assert _counts(db)[0] == 1


def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    _native_runs(tmp_path / "a", 30, first=0)
    _native_runs(tmp_path / "b", 30, first=1000)
    db = tmp_path / "h.sqlite"
    # create the schema first, as the first CI job would
    assert (
        run_cli("history", "import", tmp_path / "a" / "run-0000.json", "--db", db).returncode == 0
    )
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "perfgate",
                "history",
                "import",
                str(tmp_path / side),
                "--db",
                str(db),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for side in ("a", "b")
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    runs, results, per_run = _counts(db)
    assert runs == 60
    assert results == 60 * 40
    assert set(per_run) == {40}


def test_a_kill_mid_import_keeps_earlier_runs_and_no_half_run(tmp_path: Path) -> None:
    _native_runs(tmp_path / "early", 5, first=0)
    # 1,000 runs, polled every 5 ms: no machine stores 990 runs between two polls, so the kill
    # lands mid-import on a fast machine too (300 runs polled every 50 ms did not)
    _native_runs(tmp_path / "late", 1000, first=100)
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", tmp_path / "early", "--db", db).returncode == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perfgate",
            "history",
            "import",
            str(tmp_path / "late"),
            "--db",
            str(db),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 120
    while _counts(db)[0] < 10 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    runs, _results, per_run = _counts(db)
    assert 10 <= runs < 1005, "the kill must land mid-import for this test to mean anything"
    assert set(per_run) == {40}  # every stored run is whole
    with sqlite3.connect(db) as con:
        early = [r[0] for r in con.execute("SELECT source FROM runs ORDER BY id LIMIT 5")]
    assert all("early" in source for source in early)
    # importing again completes the rest and stores nothing twice
    done = run_cli("history", "import", tmp_path / "late", "--db", db)
    assert done.returncode == 0, done.stderr
    assert _counts(db)[0] == 1005


def test_locked_corrupt_and_newer_databases_are_one_line_and_untouched(
    tmp_path: Path, bench_json: Path
) -> None:
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", bench_json, "--db", db).returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "perfgate",
                "history",
                "import",
                str(bench_json),
                "--db",
                str(db),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PERFGATE_LOCK_TIMEOUT": "0.3"},
            check=False,
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 2
    assert done.stderr == (
        f"perfgate: error: {db}: the history database is locked by another process "
        "(waited 0.3 s; PERFGATE_LOCK_TIMEOUT sets the wait)\n"
    )
    assert _counts(db)[0] == 1

    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database at all" * 200)
    before = garbage.read_bytes()
    done = run_cli("history", "import", bench_json, "--db", garbage)
    assert done.returncode == 2
    assert done.stderr.startswith(f"perfgate: error: {garbage}: not a perfgate history database")
    assert len(done.stderr.splitlines()) == 1
    assert garbage.read_bytes() == before

    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as con:
        con.execute("PRAGMA user_version = 99")
    done = run_cli("history", "detect", "--db", newer)
    assert done.returncode == 2
    assert "history schema version 99 is newer than this perfgate understands" in done.stderr

    done = run_cli("history", "detect", "--db", tmp_path / "missing.sqlite")
    assert done.returncode == 2
    assert "no history database here" in done.stderr


def test_baseline_from_history_compares_and_says_it_is_stored(
    tmp_path: Path, bench_rounds: Path, bench_json: Path
) -> None:
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", bench_rounds, "--db", db).returncode == 0
    base = tmp_path / "baseline.json"
    done = run_cli("history", "baseline", "--last", "3", "--output", base, "--db", db)
    assert done.returncode == 0, done.stderr
    assert "last 3 stored runs each" in done.stderr
    compared = run_cli("compare", base, bench_json, "--format", "json")
    assert compared.returncode in (0, 1), compared.stderr
    report = json.loads(compared.stdout)
    assert any(note.startswith("base is a stored baseline") for note in report["notes"])
    assert all(b["base"]["rounds"] == 3 for b in report["benchmarks"])


def test_detect_on_real_histories_finds_an_injected_step(shared_data: Path, tmp_path: Path) -> None:
    """pypdf's real data.js history, imported; then a copy of it with a 40% slowdown from a
    known commit on in one benchmark: detect reports that commit."""
    source = shared_data / "pypdf-bench" / "data.js"
    text = source.read_text()
    data = json.loads(text[text.index("{") :].rstrip().rstrip(";"))
    entries = data["entries"]["CPython Benchmark"]
    at = len(entries) // 2
    bench = "tests/bench.py::test_page_operations"
    for entry in entries[at:]:
        for b in entry["benches"]:
            if b["name"] == bench:
                b["value"] /= 1.4  # iter/sec: 40% slower
    injected = tmp_path / "data.js"
    injected.write_text("window.BENCHMARK_DATA = " + json.dumps(data))
    db = tmp_path / "h.sqlite"
    done = run_cli("history", "import", injected, "--db", db)
    assert done.returncode == 0, done.stderr
    found = run_cli("history", "detect", "--db", db, "--format", "json")
    assert found.returncode == 0, found.stderr
    report = json.loads(found.stdout)
    assert report["perfgate_changes"] == 1
    mine = [
        c
        for c in report["changes"]
        if c["benchmark"] == bench and c["environment"] == "CPython Benchmark"
    ]
    first = entries[at]["commit"]["id"]
    assert any(abs(c["index"] - at) <= 3 and c["direction"] == "slower" for c in mine), (
        first,
        mine,
    )


def _stepped_history(folder: Path, commits: int = 30, step_at: int = 15) -> None:
    """Native files as perfgate writes them: bench_0 is 3x slower from commit ``step_at`` on,
    bench_1 stays flat (a little noise in both)."""
    folder.mkdir(parents=True)
    for i in range(commits):
        wobble = 1 + 0.01 * ((i * 7) % 5)
        run = Run(
            metadata=Metadata(
                commit=hashlib.sha1(f"c{i}".encode()).hexdigest(),  # noqa: S324 - an id
                machine="ci",
                timestamp=f"2024-02-{i + 1:02d}T00:00:00+00:00",
            ),
            benchmarks=tuple(
                Benchmark(
                    name=name,
                    short_name=name,
                    unit="s",
                    rounds=(tuple(level * wobble * (1 + 0.001 * k) for k in range(20)),),
                )
                for name, level in (
                    ("bench_0", 0.003 if i >= step_at else 0.001),
                    ("bench_<b>|1", 0.002),
                )
            ),
        )
        (folder / f"run-{i:02d}.json").write_text(dumps(run))


def test_detect_reports_the_step_in_every_format_using_the_configured_db(tmp_path: Path) -> None:
    _stepped_history(tmp_path / "runs")
    (tmp_path / "perfgate.yml").write_text("version: 1\nhistory:\n  db: store/h.sqlite\n")
    done = run_cli("history", "import", "runs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "store" / "h.sqlite").is_file()  # history.db from perfgate.yml
    found = run_cli("history", "detect", "--format", "json", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    (change,) = json.loads(found.stdout)["changes"]
    step_commit = hashlib.sha1(b"c15").hexdigest()  # noqa: S324
    assert change["benchmark"] == "bench_0"
    assert change["commits"] == [hashlib.sha1(b"c14").hexdigest(), step_commit]  # noqa: S324
    assert change["direction"] == "slower"
    assert 1.8 < change["magnitude"] < 2.2
    table = run_cli("history", "detect", cwd=tmp_path)
    assert "1 change point(s) in 2 series" in table.stdout
    assert f"..{step_commit[:8]}" in table.stdout
    assert "slower" in table.stdout
    markdown = run_cli("history", "detect", "--format", "markdown", cwd=tmp_path)
    assert "| `bench_0` |" in markdown.stdout
    # the flat benchmark's hostile name never reaches the markdown unescaped
    chart = tmp_path / "c.html"
    shown = run_cli("history", "show", "bench_<b>|1", "--chart", chart, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    page = chart.read_text()
    assert "<b>|1" not in page
    assert "bench_&lt;b&gt;|1" in page
    stepped = tmp_path / "step.html"
    assert run_cli("history", "show", "bench_0", "--chart", stepped, cwd=tmp_path).returncode == 0
    assert 'class="cp"' in stepped.read_text()  # the change point is drawn
    bad = run_cli("history", "detect", "--min-change", "5", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr == (
        "perfgate: error: --min-change is a fraction in [0, 1), like 0.05; got 5.0\n"
    )


def test_a_broken_data_js_is_skipped_with_its_reason(tmp_path: Path, bench_json: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(bench_json, folder / "good.json")
    (folder / "data.js").write_text('window.BENCHMARK_DATA = {"entries": {"s": [{"commit"')
    done = run_cli("history", "import", folder, "--db", tmp_path / "h.sqlite")
    assert done.returncode == 2
    assert f"perfgate: skipped {folder / 'data.js'}: invalid JSON" in done.stderr
    assert "imported 1 run(s) from 1 file(s)" in done.stderr


def test_detect_with_nothing_found_says_so_in_a_sentence() -> None:
    from perfgate.history.render import render_findings  # noqa: PLC0415

    table = render_findings([], 3, "p50", "table")
    assert table == "No change points in 3 series (p50 per commit).\n"
    assert render_findings([], 3, "p50", "markdown").startswith("### No change points in 3")
    assert json.loads(render_findings([], 3, "p50", "json"))["changes"] == []


def _schema_1(db: Path) -> None:
    """Bring a fresh database back to schema 1, as perfgate 0.1 left it: each result's samples
    a row of ``samples``, an index of results by run, no quantiles beyond p95."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute(
        "INSERT INTO samples (benchmark_id, run_id, data) SELECT r.benchmark_id, r.run_id, "
        "substr(c.data, r.sample_offset * 8 + 1, r.n * 8) FROM results r "
        "JOIN sample_chunks c ON c.run_id = r.run_id AND c.chunk = r.sample_chunk"
    )
    con.execute("DROP TABLE sample_chunks")
    con.execute("DROP TABLE acceptances")  # schema 4's
    con.execute("ALTER TABLE runs DROP COLUMN package_set")
    con.execute("DROP TABLE package_sets")
    for column in ("p25", "p99", "sample_chunk", "sample_offset"):
        con.execute(f"ALTER TABLE results DROP COLUMN {column}")
    con.execute("CREATE INDEX results_by_run ON results(run_id)")
    con.execute("PRAGMA user_version = 1")
    con.close()


def test_p25_and_p99_per_commit_and_an_old_database_read_only_or_migrated(
    tmp_path: Path,
) -> None:
    from perfgate.history.store import SCHEMA_VERSION, open_store  # noqa: PLC0415

    _native_runs(tmp_path / "runs", 3, benchmarks=1)
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", tmp_path / "runs", "--db", db).returncode == 0
    p25 = [p["value"] for p in _show(db, "bench_0", "--metric", "p25")["series"][0]["points"]]
    p99 = [p["value"] for p in _show(db, "bench_0", "--metric", "p99")["series"][0]["points"]]
    assert all(low < 0.00102 < high for low, high in zip(p25, p99, strict=True))

    _schema_1(db)
    store = open_store(db, create=False, read_only=True)  # a read-only mount: nothing written
    try:
        assert store.version == 1
        [(_key, points)] = store.series("bench_0", "p99")
        assert [p.value for p in points] == [None] * 3  # not stored then: no value, no guess
        [(key, points)] = store.series("bench_0", "p50")
        assert all(p.value for p in points)
        written = tuple(0.001 * (1 + 0.01 * (k % 7)) for k in range(200))
        assert [s for _c, s, _m in store.recent_samples(key, 5)] == [written] * 3
    finally:
        store.close()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1  # untouched
    shown = run_cli("history", "show", "bench_0", "--db", db, "--metric", "p99")
    assert shown.returncode == 0, shown.stderr  # writable: migrated on the way
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # runs stored before and after the migration, their samples in two layouts, read back
    _native_runs(tmp_path / "later", 2, benchmarks=1, first=3)
    assert run_cli("history", "import", tmp_path / "later", "--db", db).returncode == 0
    store = open_store(db, create=False)
    try:
        [key] = store.series_keys()
        recent = store.recent_samples(key, 10)
    finally:
        store.close()
    assert [samples for _commit, samples, _mean in recent] == [written] * 5


def test_history_tables_show_hostile_text_inert(tmp_path: Path) -> None:
    """Names, machines and units from imported files, in history show and detect: no escape
    sequence in the terminal, and markdown that GitHub renders without a tag, link or mention
    (a step makes detect report the hostile series)."""
    name = "evil\x1b]8;;http://x\x07link\u202e<img src=x>**@user** www.evil.example"
    (tmp_path / "runs").mkdir()
    for i in range(30):
        level = 3.0 if i >= 15 else 1.0
        run = Run(
            metadata=Metadata(
                commit=hashlib.sha1(f"h{i}".encode()).hexdigest(),  # noqa: S324 - an id
                machine="m\x1b[31m @team",
                timestamp=f"2024-02-{i + 1:02d}T00:00:00+00:00",
            ),
            benchmarks=(
                Benchmark(
                    name=name,
                    short_name=name,
                    unit="<b>\x1b[2J",
                    rounds=(tuple(level * (1 + 0.001 * k) for k in range(20)),),
                ),
            ),
        )
        (tmp_path / "runs" / f"r{i:02d}.json").write_text(dumps(run))
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", tmp_path / "runs", "--db", db).returncode == 0
    for command in (["show", name], ["detect"]):
        for fmt in ("table", "markdown"):
            done = run_cli("history", *command, "--db", db, "--format", fmt)
            assert done.returncode == 0, done.stderr
            assert "1 change point" in done.stdout or command[0] == "show", done.stdout
            for live in ("\x1b", "\x07", "\u202e"):  # escape sequences, a line reversed
                assert live not in done.stdout, (command, fmt, live)
            assert "\\x1b" in done.stdout  # shown as its escape
            if fmt == "markdown":
                assert live_html(gfm_html(done.stdout)) == [], done.stdout
                visible = re.sub(r"<code>.*?</code>", "", gfm_html(done.stdout), flags=re.S)
                assert "@team" not in visible
                assert "www.evil" not in visible


def test_a_full_disk_mid_import_is_one_line_and_keeps_what_was_stored(tmp_path: Path) -> None:
    """SQLite's page limit stands in for a full disk: the same SQLITE_FULL error."""
    from perfgate.history.importer import import_paths  # noqa: PLC0415
    from perfgate.history.store import StoreWriteError, open_store  # noqa: PLC0415

    _native_runs(tmp_path / "runs", 40, benchmarks=40)
    db = tmp_path / "h.sqlite"
    store = open_store(db, create=True)
    try:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages + 40}")
        files = sorted((tmp_path / "runs").glob("*.json"))
        with pytest.raises(StoreWriteError) as info:
            import_paths(store, files)
    finally:
        store.close()
    message = str(info.value)
    assert "full" in message
    assert "\n" not in message
    runs, _results, per_run = _counts(db)
    assert 0 < runs < 40
    assert f"the {runs} run(s) imported before it are kept" in message
    assert set(per_run) == {40}  # no half-stored run


def _detect_one_series(
    folder: Path, name: str, unit: str, levels: list[float]
) -> subprocess.CompletedProcess[str]:
    """`history detect` on one benchmark's runs, one value a commit, imported first."""
    (folder / "runs").mkdir()
    for i, level in enumerate(levels):
        run = Run(
            metadata=Metadata(
                commit=hashlib.sha1(f"{name}{i}".encode()).hexdigest(),  # noqa: S324 - an id
                machine="ci",
                timestamp=f"2024-03-{i + 1:02d}T00:00:00+00:00",
            ),
            benchmarks=(Benchmark(name=name, short_name=name, unit=unit, rounds=((level,),)),),
        )
        (folder / "runs" / f"r{i:02d}.json").write_text(dumps(run))
    db = folder / "h.sqlite"
    assert run_cli("history", "import", folder / "runs", "--db", db).returncode == 0
    return run_cli("history", "detect", "--db", db)


def test_detect_says_which_values_it_left_out(tmp_path: Path) -> None:
    """A counter that reads 0 in some runs: the step is still found in the rest, and the
    zeros are counted on stderr, not dropped quietly."""
    levels = [0.0 if i in (3, 9, 27) else (3.0 if i >= 15 else 1.0) for i in range(30)]
    done = _detect_one_series(tmp_path, "cache_misses", "items", levels)
    assert done.returncode == 0, done.stderr
    assert "1 change point(s) in 1 series" in done.stdout
    assert "3 value(s) of 0 or below in 1 series were left out" in done.stderr


def test_history_show_table_imports_neither_numpy_scipy_nor_rich(tmp_path: Path) -> None:
    """`history show` is a query and a table: the heavy libraries would triple its cost
    (issue 21's goal: at most 3x `perfgate --help`)."""
    (tmp_path / "runs").mkdir()
    for i in range(3):
        run = Run(
            metadata=Metadata(
                commit=hashlib.sha1(f"s{i}".encode()).hexdigest(),  # noqa: S324 - an id
                machine="ci [bold]x[/bold]",
                timestamp=f"2024-02-{i + 1:02d}T00:00:00+00:00",
            ),
            benchmarks=(Benchmark(name="b", short_name="b", unit="s", rounds=((1.0, 1.1),)),),
        )
        (tmp_path / "runs" / f"r{i}.json").write_text(dumps(run))
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", tmp_path / "runs", "--db", db).returncode == 0
    code = (
        "import sys\n"
        "from perfgate._cli import main\n"
        f"code = main(['history', 'show', 'b', '--db', {str(db)!r}])\n"
        "heavy = sorted(m for m in ('numpy', 'scipy', 'rich', 'yaml') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY [] 0" in done.stdout
    assert "b [ci [bold]x[/bold]]: p50 per commit, 3 run(s)" in done.stdout  # no markup
    assert "│ 1.05 s │" in done.stdout.replace("  ", " ")


def test_a_baseline_of_runs_without_samples_or_a_median_compares(tmp_path: Path) -> None:
    """The README's recipe on runs that stored only a mean (as github-action-benchmark and
    pytest-benchmark histories do): compared on the mean and said so (it was KeyError 'p50')."""
    runs = tmp_path / "runs"
    runs.mkdir()
    for i in range(4):
        run = Run(
            metadata=Metadata(commit=f"{i:040x}", machine="m", timestamp=f"2024-01-0{i + 1}"),
            benchmarks=(
                Benchmark(name="b", short_name="b", unit="s", stored={"mean": 0.001 * (i + 1)}),
            ),
        )
        (runs / f"run-{i}.json").write_text(dumps(run))
    db, base = tmp_path / "h.sqlite", tmp_path / "baseline.json"
    assert run_cli("history", "import", runs, "--db", db).returncode == 0
    done = run_cli("history", "baseline", "--last", "3", "--output", base, "--db", db)
    assert done.returncode == 0, done.stderr
    compared = run_cli("compare", base, runs / "run-3.json", "--format", "json")
    assert compared.returncode in (0, 1), compared.stderr
    (row,) = json.loads(compared.stdout)["benchmarks"]
    assert row["base"]["metric_used"] == "mean"


def test_detect_on_too_short_a_history_says_how_many_commits_a_step_needs(
    tmp_path: Path,
) -> None:
    """9 commits with a clear +60% step: no step can reach the confidence yet, and the
    user is told why ("No change points" alone read as "no step")."""
    levels = [0.010 * (1.6 if i >= 5 else 1.0) * (1 + i / 1000) for i in range(9)]
    done = _detect_one_series(tmp_path, "parse", "s", levels)
    assert done.returncode == 0, done.stderr
    assert "No change points in 1 series" in done.stdout
    assert "1 of 1 series have fewer than 10 commits" in done.stderr
    assert "a step needs 10 around it" in done.stderr
