"""The history's concurrency and crash tests, against both backends: an SQLite file and a real
PostgreSQL server (`--db postgresql://...`)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.history.postgres_server import new_database, postgres_server
from tests.history.test_history import _native_runs

Counts = Callable[[], tuple[int, int, list[int]]]


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Counts]:
    """Where the history goes (a file or a URL) and how to count what it holds."""
    if request.param == "sqlite":
        db = tmp_path / "h.sqlite"

        def counts() -> tuple[int, int, list[int]]:
            with sqlite3.connect(db) as con:
                return _count(con.execute)

        return str(db), counts
    url = new_database(request.getfixturevalue("server"))

    def counts_pg() -> tuple[int, int, list[int]]:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(url) as conn:
            return _count(conn.execute)

    return url, counts_pg


def _count(execute: Callable[[str], object]) -> tuple[int, int, list[int]]:
    def rows(sql: str) -> list[tuple[int, ...]]:
        cursor = execute(sql)
        return list(cursor.fetchall())  # type: ignore[attr-defined]

    def scalar(sql: str) -> int:
        return int(rows(sql)[0][0])

    try:
        runs = scalar("SELECT count(*) FROM runs")
    except Exception:  # the schema is not there yet
        return 0, 0, []
    results = scalar("SELECT count(*) FROM results")
    per_run = [int(r[0]) for r in rows("SELECT count(*) FROM results GROUP BY run_id")]
    return runs, results, per_run


def _import(paths: list[Path], db: str, *, quiet: bool = False) -> subprocess.Popen[str]:
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "perfgate", "history", "import", *map(str, paths), "--db", db],
        stdout=out, stderr=out, text=True,
    )  # fmt: skip


def test_two_writers_at_once_lose_nothing(tmp_path: Path, history: tuple[str, Counts]) -> None:
    db, counts = history
    _native_runs(tmp_path / "a", 30, first=0)
    _native_runs(tmp_path / "b", 30, first=1000)
    # the schema first, as the first CI job would make it
    first = run_cli("history", "import", tmp_path / "a" / "run-0000.json", "--db", db)
    assert first.returncode == 0, first.stderr
    procs = [_import([tmp_path / side], db) for side in ("a", "b")]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    runs, results, per_run = counts()
    assert runs == 60
    assert results == 60 * 40
    assert set(per_run) == {40}
    # and the history reads back the same through either backend
    shown = run_cli("history", "show", "bench_3", "--db", db, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count('"commit"') == 60


def test_a_kill_mid_import_keeps_earlier_runs_and_no_half_run(
    tmp_path: Path, history: tuple[str, Counts]
) -> None:
    db, counts = history
    _native_runs(tmp_path / "early", 5, first=0)
    _native_runs(tmp_path / "late", 1000, first=100)  # no machine stores them between polls
    assert run_cli("history", "import", tmp_path / "early", "--db", db).returncode == 0
    proc = _import([tmp_path / "late"], db, quiet=True)
    deadline = time.monotonic() + 120
    while counts()[0] < 10 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    runs, _results, per_run = counts()
    assert 10 <= runs < 1005, "the kill must land mid-import for this test to mean anything"
    assert set(per_run) == {40}  # every stored run is whole
    done = run_cli("history", "import", tmp_path / "late", "--db", db)
    assert done.returncode == 0, done.stderr
    assert counts()[0] == 1005  # the rest, and nothing twice


def test_a_postgresql_url_in_the_config_and_its_errors(tmp_path: Path, server: str) -> None:
    url = new_database(server)
    _native_runs(tmp_path / "runs", 3)
    (tmp_path / "perfgate.yml").write_text(f"version: 1\nhistory:\n  db: {url}\n")
    done = run_cli("history", "import", "runs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "imported 3 run(s)" in done.stderr + done.stdout
    # a database nobody imported into yet: one line, exit 2
    empty = run_cli("history", "detect", "--db", new_database(server))
    assert empty.returncode == 2
    assert "no perfgate history here yet" in empty.stderr
    assert empty.stderr.count("\n") == 1
    # an unreachable server: one line naming it, without a password
    gone = run_cli("history", "detect", "--db", "postgresql://me:secret@/x?host=/nonexistent")
    assert gone.returncode == 2
    assert "secret" not in gone.stderr
    assert "cannot connect" in gone.stderr
    assert gone.stderr.count("\n") == 1


def test_samples_of_every_size_read_back_exactly(history: tuple[str, Counts]) -> None:
    """A run's samples go into chunks of at most CHUNK_BYTES (a larger result is a chunk of
    its own): every result reads back its own samples, in order, on either backend, and
    statistics-only results have none."""
    from perfgate.history.importer import summary  # noqa: PLC0415
    from perfgate.history.store import CHUNK_BYTES, SeriesKey, location, open_store  # noqa: PLC0415
    from perfgate.model import Benchmark, Metadata, Run  # noqa: PLC0415

    db, _counts = history
    big = CHUNK_BYTES // 8 + 1000  # one result over a chunk
    sizes = [10, 3, big, 1, *[500] * 40, 7]  # forty of 500 samples: 160 kB

    def bench(i: int, n: int, run: int) -> Benchmark:
        if n == 1 and i % 2:  # statistics only
            return Benchmark(name=f"b{i}", short_name=f"b{i}", unit="s", stored={"p50": 2.0})
        rounds: tuple[tuple[float, ...], ...] = (tuple(run + i + k / (n + 1) for k in range(n)),)
        if n == 3:  # three rounds of three
            rounds = (rounds[0], tuple(v + 1 for v in rounds[0]), tuple(v + 2 for v in rounds[0]))
        return Benchmark(name=f"b{i}", short_name=f"b{i}", unit="s", rounds=rounds)

    runs = [
        Run(
            metadata=Metadata(commit=f"{run:040x}", machine="m", timestamp=f"2024-01-0{run}"),
            benchmarks=tuple(bench(i, n, run) for i, n in enumerate(sizes)),
        )
        for run in (1, 2)
    ]
    store = open_store(location(db), create=True)
    try:
        assert store.add_runs([(r, [summary(b) for b in r.benchmarks]) for r in runs]) == [True] * 2
        for i, n in enumerate(sizes):
            key = SeriesKey(name=f"b{i}", unit="s", direction="lower", machine="m", environment="")
            recent = store.recent_samples(key, 5)
            expected = [
                tuple(v for r in bench(i, n, run).rounds for v in r) or None for run in (1, 2)
            ]
            assert [samples for _commit, samples, _mean in recent] == expected, (i, n)
        chunks = store._db.execute("SELECT run_id, count(*) FROM sample_chunks GROUP BY run_id")
        # the small ones; the big one alone; sixteen, sixteen and eight of 4 kB with the last
        assert sorted(count for _run, count in chunks) == [5, 5]
        # a chunk gone (a database edited by hand): those results read as having no samples
        store._db.execute("DELETE FROM sample_chunks WHERE chunk = 0")
        key = SeriesKey(name="b0", unit="s", direction="lower", machine="m", environment="")
        assert [samples for _c, samples, _m in store.recent_samples(key, 5)] == [None, None]
    finally:
        store.close()


def test_package_sets_and_acceptances_on_either_backend(history: tuple[str, Counts]) -> None:
    """Schema 4 on both backends: a run's packages are stored once a set (by digest) and read
    back in commit order; an acceptance of the same commit and benchmark replaces the last."""
    from perfgate.history.importer import summary  # noqa: PLC0415
    from perfgate.history.store import Acceptance, location, open_store  # noqa: PLC0415
    from perfgate.model import Benchmark, Metadata, Run  # noqa: PLC0415

    db, _counts = history
    bench = Benchmark(name="b", short_name="b", unit="s", rounds=((1.0, 2.0),))
    sets = [{"numpy": "1.26.4"}, {"numpy": "1.26.4"}, {"numpy": "2.0.0", "tomli": "2.0.1"}]
    runs = [
        Run(
            metadata=Metadata(commit=f"{i:040x}", machine="m", timestamp=f"2024-01-0{i + 1}"),
            benchmarks=(bench,),
            packages=packages,
        )
        for i, packages in enumerate(sets)
    ]
    store = open_store(location(db), create=True)
    try:
        assert store.add_runs([(r, [summary(b) for b in r.benchmarks]) for r in runs]) == [True] * 3
        assert store.packages_by_run("m", "") == [
            (f"{i:040x}", packages) for i, packages in enumerate(sets)
        ]
        (count,) = store._db.execute("SELECT count(*) FROM package_sets").fetchone()
        assert count == 2  # the same set twice is one row
        first = Acceptance(commit="a" * 40, benchmark="b", reason="x", date=1.0)
        store.add_acceptances([first])
        store.add_acceptances([Acceptance(commit="a" * 40, benchmark="b", reason="y", date=2.0)])
        assert [(a.benchmark, a.reason) for a in store.acceptances()] == [("b", "y")]
    finally:
        store.close()


def test_a_password_is_never_printed_on_success(tmp_path: Path, server: str) -> None:
    """The server trusts every local connection, so a URL with a password connects: the
    password must still appear in no line of an import, a detect or a show."""
    url = new_database(server)
    _native_runs(tmp_path / "runs", 3)
    user, rest = url.split("@", 1)
    for password, with_password in (
        ("s3cretpw", f"{user}:s3cretpw@{rest}"),
        ("s3cretpw", f"{url}&password=s3cretpw"),
        ("pa@ss:word", f"{user}:pa%40ss%3Aword@{rest}"),
    ):
        for args in (
            ("history", "import", "runs", "--db", with_password),
            ("history", "detect", "--db", with_password),
            ("history", "show", "bench_0", "--db", with_password),
        ):
            done = run_cli(*args, cwd=tmp_path)
            output = done.stdout + done.stderr
            assert done.returncode in (0, 2), output
            assert password not in output, (args, output)
            assert password.replace("@", "%40").replace(":", "%3A") not in output


def test_one_bad_name_skips_its_file_and_keeps_the_rest(
    tmp_path: Path, history: tuple[str, Counts]
) -> None:
    """A NUL in a benchmark name: PostgreSQL's text cannot hold it. The file is skipped with
    its reason on either backend, and every other run is imported (it stopped the whole
    import on PostgreSQL, asking to free space)."""
    db, counts = history
    runs = tmp_path / "runs"
    _native_runs(runs, 4, benchmarks=3)
    bad = runs / "run-0002.json"
    bad.write_text(bad.read_text().replace('"bench_1"', '"bench_\\u0000one"', 1))
    done = run_cli("history", "import", runs, "--db", db)
    assert done.returncode == 2, done.stderr  # a skipped file is said with exit 2, as ever
    assert f"skipped {bad}: a name or value holds a NUL character" in done.stderr
    assert "imported 3 run(s) from 3 file(s)" in done.stderr
    assert counts()[0] == 3


@pytest.mark.parametrize(
    "table",
    [
        "CREATE TABLE perfgate_schema (name TEXT)",
        "CREATE TABLE perfgate_schema (version TEXT); INSERT INTO perfgate_schema VALUES ('x')",
        "CREATE TABLE perfgate_schema (version FLOAT); INSERT INTO perfgate_schema VALUES (1e300)",
    ],
    ids=["no version column", "text version", "huge version"],
)
def test_a_foreign_schema_table_is_one_line(server: str, table: str) -> None:
    import psycopg  # noqa: PLC0415

    url = new_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in table.split(";"):
            conn.execute(statement)
    done = run_cli("history", "detect", "--db", url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "not a perfgate history" in done.stderr


def test_run_record_into_a_postgresql_history_from_the_config(
    tmp_path: Path, history: tuple[str, Counts]
) -> None:
    """`run --record` with `history.db` a postgresql:// URL stores there (it turned the URL
    into a path, folding its "//", and wrote an SQLite file of that name)."""
    from tests.commands.test_run import _native_writer  # noqa: PLC0415

    db, counts = history
    _native_writer(tmp_path)
    with (tmp_path / "perfgate.yml").open("a") as config:
        config.write(f"history:\n  db: {db!r}\n")
    done = run_cli("run", "--record", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--record: imported 1 run(s)" in done.stderr
    assert counts()[0] == 1
    assert not (tmp_path / "postgresql:").exists()


def test_short_names_find_their_benchmark_or_say_it_is_ambiguous(
    tmp_path: Path, history: tuple[str, Counts]
) -> None:
    """The short names tables print (the part after the last ::) find the benchmark in either
    store; a short name of several benchmarks lists them. LIKE's wildcards in a name are
    literal characters."""
    import hashlib  # noqa: PLC0415

    from perfgate.formats.native import dumps  # noqa: PLC0415
    from perfgate.model import Benchmark, Metadata, Run  # noqa: PLC0415

    db, _counts = history
    (tmp_path / "runs").mkdir()
    names = ["a.py::test_x", "b.py::test_x", "c.py::test_y_z", "c.py::test_y%z"]
    for i in range(3):
        run = Run(
            metadata=Metadata(commit=hashlib.sha1(f"n{i}".encode()).hexdigest(), machine="ci"),  # noqa: S324
            benchmarks=tuple(
                Benchmark(name=n, short_name=n, unit="s", rounds=((0.001, 0.002),)) for n in names
            ),
        )
        (tmp_path / "runs" / f"r{i}.json").write_text(dumps(run))
    assert run_cli("history", "import", tmp_path / "runs", "--db", db).returncode == 0
    done = run_cli("history", "show", "test_y_z", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "test_y_z: c.py::test_y_z" in done.stderr  # not test_y%z: no wildcard
    done = run_cli("history", "show", "test_x", "--db", db)
    assert done.returncode == 2
    assert "'test_x' is the short name of 2 benchmarks" in done.stderr
    assert "a.py::test_x, b.py::test_x" in done.stderr
