"""The history store: an embedded SQLite database of runs across commits.

Layout (schema version 4; ``PRAGMA user_version`` holds the version and :data:`MIGRATIONS`
brings an older file up to date):

* ``commits``: hash, date (seconds since the epoch), position in the repository's history when
  it was known at import time (``git rev-list --topo-order``), else NULL;
* ``runs``: one harness invocation: commit, branch, machine, environment, harness, the source
  file, and ``key``, the identity that makes re-importing the same file a no-op;
* ``benchmarks``: name and unit (the same name in two units is two series);
* ``results``: per run and benchmark, the summary (n, rounds, p50, p95, mean, min, max, p25,
  p99);
* ``sample_chunks``: the raw samples of a run's results (none when the harness stored
  statistics only) as float64, one result's after another, in chunks of at most
  :data:`CHUNK_BYTES` (a result with more samples is a chunk of its own); a result's
  ``sample_chunk`` and ``sample_offset`` say where its ``n`` samples start. Kept apart from
  ``results`` so that reading a series touches small rows only (a 10,000-commit history
  reads in under 50 ms), and in a few rows a run rather than one a result (SQLite's cost of
  a row is most of an import's writing);
* ``samples``: where schema 1 and 2 kept each result's samples (one float64 blob a result);
  runs stored since are not there;
* ``package_sets``: the distributions a run had installed (JSON, name -> version), each set
  once; ``runs.package_set`` points there (NULL: not known);
* ``acceptances``: a slowdown a maintainer called intended, by commit and benchmark name, with
  the commit's tree, who, why and when (:class:`Acceptance`).

Concurrency and crashes: the database runs in WAL mode; every run is written in its own
``BEGIN IMMEDIATE`` transaction, so a second writer (another CI job) waits for it (up to the
lock timeout), and a process killed mid-write leaves every earlier run intact and no part of
the interrupted one. The busy timeout is 30 s, or ``PERFGATE_LOCK_TIMEOUT`` seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from perfgate.errors import InputError
from perfgate.history import DEFAULT_DB, Location, is_url, location, shown_location
from perfgate.model import Benchmark, Run

# where a history lives, re-exported
__all__ = ["DEFAULT_DB", "Location", "location", "shown_location"]


PROBE_ENVIRONMENT = "bisect probe"


def probe_environment(environment: str | None) -> str:
    """The environment a bisect probe's runs are stored under: the history keeps one series
    per machine and environment, so probes never join the per-commit series."""
    return f"{environment} ({PROBE_ENVIRONMENT})" if environment else PROBE_ENVIRONMENT


def is_probe(environment: str) -> bool:
    return environment == PROBE_ENVIRONMENT or environment.endswith(f" ({PROBE_ENVIRONMENT})")


DEFAULT_LOCK_TIMEOUT = 30.0
SUMMARY_COLUMNS = ("p50", "p95", "mean", "min", "max", "p25", "p99")
# a run's summary of one benchmark as stored: its values in SUMMARY_COLUMNS order
StoredSummary = tuple[float | None, ...]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE commits (
        hash TEXT PRIMARY KEY,
        date REAL,
        position INTEGER
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        commit_hash TEXT REFERENCES commits(hash),
        date REAL,
        position INTEGER,
        branch TEXT,
        machine TEXT NOT NULL,
        environment TEXT NOT NULL,
        harness TEXT,
        source TEXT
    );
    CREATE INDEX runs_by_commit ON runs(commit_hash);
    CREATE TABLE benchmarks (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        unit TEXT NOT NULL,
        direction TEXT NOT NULL,
        UNIQUE (name, unit)
    );
    CREATE TABLE results (
        benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        n INTEGER NOT NULL,
        rounds INTEGER NOT NULL,
        p50 REAL, p95 REAL, mean REAL, min REAL, max REAL,
        PRIMARY KEY (benchmark_id, run_id)
    ) WITHOUT ROWID;
    CREATE INDEX results_by_run ON results(run_id);
    CREATE TABLE samples (
        benchmark_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (benchmark_id, run_id),
        FOREIGN KEY (benchmark_id, run_id) REFERENCES results(benchmark_id, run_id)
    );
    """,
    # 2: the decision statistic's quantile and the tail's; runs stored before have NULL there
    # (the samples are kept, but SQL cannot take their quantiles)
    """
    ALTER TABLE results ADD COLUMN p25 REAL;
    ALTER TABLE results ADD COLUMN p99 REAL;
    """,
    # 3: a run's samples in a few rows instead of one a result, and no index of results by
    # run (which only a shard's durations read, and they find results by benchmark). These
    # were half of what an import asks of SQLite (docs/performance.md). Runs stored before
    # keep their samples where they are.
    """
    DROP INDEX results_by_run;
    CREATE TABLE sample_chunks (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        chunk INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, chunk)
    );
    ALTER TABLE results ADD COLUMN sample_chunk INTEGER;
    ALTER TABLE results ADD COLUMN sample_offset INTEGER;
    """,
    # 4: the packages each run had installed (a set stored once, found by its digest: a
    # PostgreSQL index cannot hold a long text), and the slowdowns a maintainer accepted,
    # beside the commit that made them (and its tree, which a squash merge keeps)
    """
    CREATE TABLE package_sets (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        packages TEXT NOT NULL
    );
    ALTER TABLE runs ADD COLUMN package_set INTEGER REFERENCES package_sets(id);
    CREATE TABLE acceptances (
        commit_hash TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        tree TEXT,
        accepted_by TEXT,
        reason TEXT NOT NULL,
        date REAL,
        PRIMARY KEY (commit_hash, benchmark)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, kw_only=True)
class Acceptance:
    """A slowdown called intended: benchmark ``benchmark`` (its full name) at ``commit``."""

    commit: str
    benchmark: str
    reason: str
    accepted_by: str | None = None
    tree: str | None = None  # the commit's tree: a squash merge of it has the same one
    date: float | None = None  # seconds since the epoch


class StoreWriteError(InputError):
    """The database refused a write (a full disk, an I/O error); the run being written is not
    stored, every earlier one is."""


class Point(NamedTuple):
    """One run of one benchmark in a series, in commit order. A tuple: a 10,000-commit
    history is read in one query, and building the points is most of its cost."""

    commit: str | None
    date: float | None
    machine: str
    environment: str
    n: int
    rounds: int
    value: float | None  # the metric asked for, or the mean when only that was stored
    mean_stands_in: bool = False  # value is the mean: the metric was not stored for this run


_INSERT_RESULTS = (
    "INSERT OR REPLACE INTO results (benchmark_id, run_id, n, rounds, "  # noqa: S608
    f"{', '.join(SUMMARY_COLUMNS)}, sample_chunk, sample_offset) "
    f"VALUES (?, ?, ?, ?{', ?' * len(SUMMARY_COLUMNS)}, ?, ?)"
)
_INSERT_CHUNK = "INSERT INTO sample_chunks (run_id, chunk, data) VALUES (?, ?, ?)"
# a chunk of a run's samples holds up to 8,192 samples: reading one benchmark's last runs
# reads at most this much more of each
CHUNK_BYTES = 64 * 1024
# one query per metric, the column name from this fixed list (never from user text)
_SERIES_QUERY = {
    metric: (
        "SELECT u.commit_hash, u.date, r.n, r.rounds, "  # noqa: S608
        f"CASE WHEN r.n = 0 THEN coalesce(r.{metric}, r.mean) ELSE r.{metric} END, "
        f"CASE WHEN r.n = 0 AND r.{metric} IS NULL AND r.mean IS NOT NULL THEN 1 ELSE 0 END "
        "FROM results r JOIN runs u ON u.id = r.run_id "
        "WHERE r.benchmark_id = ? AND u.machine = ? AND u.environment = ? "
        # a run without a readable date follows the dated ones, in import order (SQLite sorts NULL
        # first and PostgreSQL last: said explicitly, both agree)
        "ORDER BY u.position IS NULL, u.position, u.date IS NULL, u.date, u.id"
    )
    for metric in SUMMARY_COLUMNS
}
# a read-only database of schema 1 (not migrated) has no p25/p99: those read as NULL
_SERIES_QUERY_V1 = {
    metric: query.replace(f"r.{metric}", "NULL") if metric in ("p25", "p99") else query
    for metric, query in _SERIES_QUERY.items()
}


@dataclass(frozen=True, kw_only=True)
class SeriesKey:
    name: str
    unit: str
    direction: str
    machine: str
    environment: str


def lock_timeout() -> float:
    text = os.environ.get("PERFGATE_LOCK_TIMEOUT", "")
    try:
        return float(text) if text else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


class _Cursor(Protocol):
    lastrowid: int | None

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the store needs of a connection: sqlite3's, or :mod:`perfgate.history.postgres`'s
    adapter (which speaks the same SQL)."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Any = ..., /) -> _Cursor: ...
    def executemany(self, sql: str, parameters: Any, /) -> object: ...
    def close(self) -> None: ...


class Store:
    """An open history database. Use :func:`open_store`."""

    def __init__(
        self,
        path: Path | str,
        connection: Connection,
        version: int,
        *,
        write_errors: tuple[type[Exception], ...] = (sqlite3.OperationalError,),
    ) -> None:
        self.path = path  # a file, or a postgresql:// URL
        self._db = connection
        self._write_errors = write_errors  # a full disk, an I/O error, a lock wait given up
        self.version = version  # below SCHEMA_VERSION only for a database opened read-only
        self._benchmark_ids: dict[tuple[str, str], int] = {}  # committed rows only

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except self._write_errors as exc:
            self._rollback()
            raise _locked(self._shown(), exc) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except self._write_errors as exc:  # a full disk, an I/O error
            self._rollback()
            raise StoreWriteError(self._shown(), f"cannot be written ({exc})") from None
        except BaseException:
            self._rollback()
            raise

    def _shown(self) -> str:
        return shown_location(self.path)

    def _rollback(self) -> None:
        self._benchmark_ids.clear()
        if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
            self._db.execute("ROLLBACK")

    def add_run(self, run: Run, summaries: Sequence[StoredSummary]) -> bool:
        """Store ``run`` (``summaries[i]`` belongs to ``run.benchmarks[i]``) in one
        transaction. False when the same run was stored before (re-import)."""
        return self.add_runs([(run, summaries)])[0]

    def add_runs(self, items: Sequence[tuple[Run, Sequence[StoredSummary]]]) -> list[bool]:
        """Store several runs in one transaction (all or none: a commit costs about a
        millisecond, so an import commits runs in batches); for each, False when it was
        stored before."""
        with self._keys_unchecked(), self._write() as db:
            return [self._insert_run(db, run, summaries) for run, summaries in items]

    @contextmanager
    def _keys_unchecked(self) -> Iterator[None]:
        """SQLite's foreign-key checks off while runs are added: every id written is one the
        same transaction inserted or read, so the checks (a lookup in three tables for each
        benchmark's two rows) could not fail, and they were a fifth of an import's writing.
        Any other write is checked, and PostgreSQL's checks stay on."""
        if not isinstance(self._db, sqlite3.Connection):
            yield
            return
        self._db.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, as it must be
        try:
            yield
        finally:
            self._db.execute("PRAGMA foreign_keys = ON")

    def _insert_run(self, db: Connection, run: Run, summaries: Sequence[StoredSummary]) -> bool:
        meta = run.metadata
        if meta.commit is not None and not meta.commit.strip():
            meta = replace(meta, commit=None)  # an empty commit id is no commit
        machine, env = meta.machine or "", meta.environment or ""
        key = run_key(run)
        date = _epoch(meta.timestamp)
        if db.execute("SELECT 1 FROM runs WHERE key = ?", (key,)).fetchone():
            return False
        if meta.commit:
            db.execute(
                "INSERT INTO commits (hash, date) VALUES (?, ?) ON CONFLICT (hash) DO "
                "UPDATE SET date = COALESCE(commits.date, excluded.date)",
                (meta.commit, date),
            )
        # a store written to is migrated to the latest schema first: package_set is there
        packages = None if run.packages is None else self._package_set(db, run.packages)
        run_id = db.execute(
            "INSERT INTO runs (key, commit_hash, date, branch, machine, environment, "
            "harness, source, package_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, meta.commit, date, meta.branch, machine, env, meta.harness, run.source,
             packages),
        ).lastrowid  # fmt: skip
        rows = []
        chunks: list[bytes] = []  # the run's finished chunks
        chunk: list[bytes] = []  # the one being filled, and its size in bytes
        filled = 0
        known = self._benchmark_ids
        for bench, summary in zip(run.benchmarks, summaries, strict=True):
            bench_id = known.get((bench.name, bench.unit)) or self._benchmark_id(db, bench)
            rounds = bench.rounds
            if not rounds:
                rows.append((bench_id, run_id, bench.n, 0, *summary, None, None))
                continue
            blob = _blob(rounds)
            if filled and filled + len(blob) > CHUNK_BYTES:
                chunks.append(b"".join(chunk))
                chunk, filled = [], 0
            rows.append(
                (bench_id, run_id, len(blob) // 8, len(rounds), *summary, len(chunks), filled // 8)
            )
            chunk.append(blob)
            filled += len(blob)
        if chunk:
            chunks.append(b"".join(chunk))
        db.executemany(_INSERT_RESULTS, rows)
        db.executemany(_INSERT_CHUNK, [(run_id, i, data) for i, data in enumerate(chunks)])
        return True

    def _package_set(self, db: Connection, packages: Mapping[str, str]) -> int:
        text = json.dumps(dict(sorted(packages.items())), separators=(",", ":"))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        found = db.execute("SELECT id FROM package_sets WHERE digest = ?", (digest,)).fetchone()
        if found:
            return int(found[0])
        cursor = db.execute(
            "INSERT INTO package_sets (digest, packages) VALUES (?, ?)", (digest, text)
        )
        return int(cursor.lastrowid or 0)

    def packages_by_run(
        self, machine: str, environment: str
    ) -> list[tuple[str | None, dict[str, str]]]:
        """(commit, installed packages) of each run on ``machine`` and ``environment`` that
        knows them, in commit order (as a series is ordered)."""
        if self.version < 4:
            return []
        rows = self._db.execute(
            "SELECT u.commit_hash, p.packages FROM runs u "
            "JOIN package_sets p ON p.id = u.package_set "
            "WHERE u.machine = ? AND u.environment = ? "
            "ORDER BY u.position IS NULL, u.position, u.date IS NULL, u.date, u.id",
            (machine, environment),
        ).fetchall()
        return [(commit, json.loads(text)) for commit, text in rows]

    def add_acceptances(self, accepted: Sequence[Acceptance]) -> None:
        """Store acceptances (one a commit and benchmark: a later one replaces it)."""
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO acceptances (commit_hash, benchmark, tree, "
                "accepted_by, reason, date) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (a.commit, a.benchmark, a.tree, a.accepted_by, a.reason, a.date)
                    for a in accepted
                ],
            )

    def acceptances(self) -> list[Acceptance]:
        """Every stored acceptance, oldest first."""
        if self.version < 4:
            return []
        rows = self._db.execute(
            "SELECT commit_hash, benchmark, tree, accepted_by, reason, date FROM acceptances "
            "ORDER BY date IS NULL, date, commit_hash, benchmark"
        ).fetchall()
        return [
            Acceptance(commit=c, benchmark=b, tree=t, accepted_by=by, reason=r, date=d)
            for c, b, t, by, r, d in rows
        ]

    def _benchmark_id(self, db: Connection, bench: Benchmark) -> int:
        # ids are cached once seen; a rollback clears the cache (an id inserted in the
        # rolled-back transaction is gone), and rows are never deleted otherwise
        key = (bench.name, bench.unit)
        cached = self._benchmark_ids.get(key)
        if cached is not None:
            return cached
        found = db.execute(
            "SELECT id FROM benchmarks WHERE name = ? AND unit = ?", (bench.name, bench.unit)
        ).fetchone()
        if found:
            ident = int(found[0])
        else:
            cursor = db.execute(
                "INSERT INTO benchmarks (name, unit, direction) VALUES (?, ?, ?)",
                (bench.name, bench.unit, bench.direction),
            )
            ident = int(cursor.lastrowid or 0)
        self._benchmark_ids[key] = ident
        return ident

    def set_positions(self, order: Sequence[str]) -> int:
        """Record each stored commit's position in ``order`` (oldest first; full hashes).
        Returns how many stored commits were found there."""
        where = {commit: i for i, commit in enumerate(order)}
        with self._write() as db:
            stored = [row[0] for row in db.execute("SELECT hash FROM commits")]
            known = [(where[h], h) for h in stored if h in where]
            db.executemany("UPDATE commits SET position = ? WHERE hash = ?", known)
            # each run keeps a copy, so that reading a series needs no join with commits
            db.executemany("UPDATE runs SET position = ? WHERE commit_hash = ?", known)
        return len(known)

    def counts(self) -> dict[str, int]:
        tables = ("runs", "benchmarks", "results", "commits")
        query = "SELECT count(*) FROM {}"  # fixed table names, never user text
        counts = {t: int(self._db.execute(query.format(t)).fetchone()[0]) for t in tables}
        undated = "SELECT count(*) FROM runs WHERE position IS NULL AND date IS NULL"
        counts["undated"] = int(self._db.execute(undated).fetchone()[0])
        return counts

    def series_keys(self, *, probes: bool = False) -> list[SeriesKey]:
        """Every (benchmark, machine, environment) with at least one stored value; the
        series of bisect probes only with ``probes`` (detection and the site leave them out:
        a probe measures a few commits out of order)."""
        rows = self._db.execute(
            "SELECT DISTINCT b.name, b.unit, b.direction, u.machine, u.environment "
            "FROM results r JOIN benchmarks b ON b.id = r.benchmark_id "
            "JOIN runs u ON u.id = r.run_id ORDER BY b.name, b.unit, u.machine, u.environment"
        )
        return [
            SeriesKey(name=n, unit=unit, direction=d, machine=m, environment=e)
            for n, unit, d, m, e in rows
            if probes or not is_probe(e)
        ]

    def names_like(self, pattern: str) -> list[str]:
        rows = self._db.execute(
            "SELECT DISTINCT name FROM benchmarks WHERE name LIKE ? ORDER BY name LIMIT 5",
            (f"%{pattern}%",),
        )
        return [row[0] for row in rows]

    def names_ending(self, short: str) -> list[str]:
        """Full names whose part after the last ``::`` (pytest) or ``.`` (asv) is ``short``:
        the short names tables print."""
        escaped = short.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(
            "SELECT DISTINCT name FROM benchmarks WHERE name LIKE ? ESCAPE '\\' ORDER BY name",
            (f"%{escaped}",),
        )
        return [
            name for (name,) in rows if name.endswith((f"::{short}", f".{short}")) and name != short
        ]

    def series(
        self,
        name: str,
        metric: str = "p95",
        *,
        unit: str | None = None,
        machine: str | None = None,
        environment: str | None = None,
    ) -> list[tuple[SeriesKey, list[Point]]]:
        """The history of benchmark ``name``, one series per unit, machine and environment,
        each in commit order (position in the repository when known, then date), with the
        ``metric`` of each run (one of SUMMARY_COLUMNS; the mean where only that was stored;
        None for p25 and p99 of runs stored before schema version 2)."""
        query = (_SERIES_QUERY if self.version >= 2 else _SERIES_QUERY_V1).get(metric)
        if query is None:
            raise ValueError(f"metric {metric!r} is not one of {', '.join(SUMMARY_COLUMNS)}")
        benchmarks = self._db.execute(
            "SELECT id, unit, direction FROM benchmarks "
            "WHERE name = ?1 AND (?2 IS NULL OR unit = ?2) ORDER BY unit",
            (name, unit),
        ).fetchall()
        # One query per (machine, environment) with those two as parameters, not columns:
        # building Python strings for them on every row was a fifth of the cost. Sorted by
        # SQLite in commit order (position in the repository when known, then date, then
        # import order), one metric only, and built with Point._make.
        found: list[tuple[SeriesKey, list[Point]]] = []
        make = Point._make
        for bench_id, unit_, direction in benchmarks:
            groups = self._db.execute(
                "SELECT DISTINCT u.machine, u.environment FROM results r "
                "JOIN runs u ON u.id = r.run_id WHERE r.benchmark_id = ?1 "
                "AND (?2 IS NULL OR u.machine = ?2) AND (?3 IS NULL OR u.environment = ?3) "
                "ORDER BY 1, 2",
                (bench_id, machine, environment),
            ).fetchall()
            for mach, env in groups:
                rows = self._db.execute(query, (bench_id, mach, env)).fetchall()
                key = SeriesKey(
                    name=name, unit=unit_, direction=direction, machine=mach, environment=env
                )
                points = [
                    make((commit, date, mach, env, n, rounds, value, stand_in == 1))
                    for commit, date, n, rounds, value, stand_in in rows
                ]
                found.append((key, points))
        return found

    def durations(self, commit: str) -> dict[str, float]:
        """Seconds each timed benchmark measured in the runs of ``commit`` (samples x mean;
        the last run's where there are several): what a shard partition balances."""
        # each benchmark's results of those runs, through the results' key (there is no
        # index of results by run: see migration 3)
        rows = self._db.execute(
            "SELECT b.name, r.n, r.mean FROM results r "
            "JOIN benchmarks b ON b.id = r.benchmark_id "
            "WHERE r.run_id IN (SELECT id FROM runs WHERE commit_hash = ?) "
            "AND b.unit = 's' AND r.mean IS NOT NULL ORDER BY r.run_id",
            (commit,),
        ).fetchall()
        return {name: float(mean) * max(int(n), 1) for name, n, mean in rows}

    def recent_samples(
        self, key: SeriesKey, last: int
    ) -> list[tuple[str | None, tuple[float, ...] | None, float | None]]:
        """The last ``last`` runs of a series, oldest first: (commit, raw samples, mean)."""
        # runs stored before schema 3 have their samples in ``samples``
        chunked = (
            ("c.data, r.sample_offset", "LEFT JOIN sample_chunks c ON c.run_id = r.run_id "
             "AND c.chunk = r.sample_chunk ")
            if self.version >= 3
            else ("NULL, NULL", "")
        )  # fmt: skip
        rows = self._db.execute(
            f"SELECT u.commit_hash, r.mean, r.n, s.data, {chunked[0]} FROM benchmarks b "  # noqa: S608 - fixed text
            "JOIN results r ON r.benchmark_id = b.id JOIN runs u ON u.id = r.run_id "
            "LEFT JOIN samples s ON s.benchmark_id = r.benchmark_id AND s.run_id = r.run_id "
            f"{chunked[1]}"
            "WHERE b.name = ? AND b.unit = ? AND u.machine = ? AND u.environment = ? "
            "ORDER BY u.position IS NULL DESC, u.position DESC, u.date IS NULL DESC, u.date DESC, "
            "u.id DESC LIMIT ?",
            (key.name, key.unit, key.machine, key.environment, last),
        ).fetchall()
        found = []
        for commit, mean, n, alone, chunk, offset in reversed(rows):
            # a chunk gone missing (a database edited by hand) reads as no samples
            blob = alone if chunk is None else bytes(chunk[offset * 8 : (offset + n) * 8])
            found.append((commit, tuple(array("d", blob)) if blob else None, mean))
        return found


def open_store(path: Location, *, create: bool, read_only: bool | None = None) -> Store:
    """Open (and with ``create``, create or migrate) the history database at ``path`` (an
    SQLite file, or a ``postgresql://`` URL: :mod:`perfgate.history.postgres`). Raises
    InputError for a missing, locked, corrupt, foreign or newer database.

    A database this process may not write (a read-only mount, another user's file; or
    ``read_only=True``) is read as it is: no migration, no WAL files, no locks."""
    if isinstance(path, str) and is_url(path):
        from perfgate.history import postgres  # noqa: PLC0415 - psycopg only where used

        db, version = postgres.open_postgres(
            path, create=create, migrations=MIGRATIONS, lock_timeout=lock_timeout()
        )
        return Store(path, db, version, write_errors=(postgres.Error,))
    path = Path(path)
    return _open_sqlite(path, create=create, read_only=read_only)


def _open_sqlite(path: Path, *, create: bool, read_only: bool | None) -> Store:
    shown = str(path)
    if not create and not path.is_file():
        raise InputError(
            shown, "no history database here (create one with `perfgate history import`)"
        )
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    if read_only is None:
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        read_only = not create and not writable
    timeout = lock_timeout()
    try:
        if read_only:
            db = _connect_read_only(path)
        else:
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise InputError(shown, f"cannot open the history database: {exc}") from None
    try:
        # reads first: nothing is written to a file that turns out not to be ours
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        if version == 0 and tables:
            raise InputError(shown, "an SQLite database, but not a perfgate history")
        if version > SCHEMA_VERSION:
            raise InputError(
                shown,
                f"history schema version {version} is newer than this perfgate "
                f"understands ({SCHEMA_VERSION}); upgrade perfgate",
            )
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if not read_only and (create or version < SCHEMA_VERSION):
            db.execute("PRAGMA journal_mode = WAL")
            _migrate(db, version)
            version = SCHEMA_VERSION
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.OperationalError as exc:
        db.close()
        raise _locked(path, exc) from None
    except sqlite3.DatabaseError as exc:
        db.close()
        raise InputError(
            shown, f"not a perfgate history database, or it is corrupt ({exc})"
        ) from None
    except InputError:
        db.close()
        raise
    return Store(path, db, version)  # type: ignore[arg-type]


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """``mode=ro`` reads a WAL database's newest writes too, but needs its ``-shm`` file or a
    writable folder; where neither is there, the file is read as immutable (what the last
    writer checkpointed, which is everything once it closed)."""
    uri = path.resolve().as_uri()
    db = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None)
    try:
        db.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)
    return db


def _migrate(db: sqlite3.Connection, version: int) -> None:
    for target in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        # another writer may have migrated while this one waited for the lock
        if int(db.execute("PRAGMA user_version").fetchone()[0]) > target:
            db.execute("ROLLBACK")
            continue
        for statement in MIGRATIONS[target].split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {target + 1}")
        db.execute("COMMIT")


def _locked(path: Path | str, exc: Exception) -> InputError:
    if "locked" in str(exc) or "busy" in str(exc) or "lock timeout" in str(exc):
        return InputError(
            str(path),
            f"the history database is locked by another process (waited {lock_timeout():g} s; "
            "PERFGATE_LOCK_TIMEOUT sets the wait)",
        )
    return InputError(str(path), f"history database error: {exc}")


def run_key(run: Run) -> str:
    """What identifies a run across imports: the same file imported twice has the same key."""
    meta = run.metadata
    parts = [
        meta.harness or "",
        meta.commit or "",
        meta.machine or "",
        meta.environment or "",
        meta.timestamp or "",
        meta.branch or "",
    ]
    if not meta.commit and not meta.timestamp:
        parts.append(run.source or "")  # nothing else tells two such runs apart
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _blob(rounds: Sequence[Sequence[float]]) -> bytes:
    """A benchmark's samples, every round's in order, as float64 bytes."""
    if len(rounds) == 1 and isinstance(rounds[0], array) and rounds[0].typecode == "d":
        return rounds[0].tobytes()  # as the readers return one round: no copy through Python
    return array("d", [v for r in rounds for v in r]).tobytes()


def _epoch(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    try:
        parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
