"""A real PostgreSQL server for the tests: a throwaway cluster (initdb) on a Unix socket in a
temporary folder, no TCP, trust authentication, fsync off. As root (CI), the server runs as
Debian's `postgres` user, since PostgreSQL refuses to run as root. Skips with the reason when
PostgreSQL is not installed (`.ci/run` installs Debian's postgresql)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((str(v / name) for v in versions if (v / name).exists()), None)


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL")
    return [runuser, "-u", "postgres", "--", *argv]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a running server's `postgres` database; the server stops at the end."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("needs PostgreSQL (Debian's postgresql; .ci/run installs it)")
    root = Path(tempfile.mkdtemp(prefix="perfgate-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    try:
        done = subprocess.run(
            _as_server_user([initdb, "-D", str(data), "-A", "trust", "-U", "perfgate",
                             "--no-sync", "-E", "UTF8"]),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"initdb failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        options = f"-k {root} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        started = subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l",
                             str(root / "server.log"), "-w", "-t", "60", "start"]),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if started.returncode != 0:
            pytest.skip(f"PostgreSQL did not start: {started.stdout[-300:]}")
        try:
            yield f"postgresql://perfgate@/postgres?host={root}"
        finally:
            subprocess.run(
                _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True, check=False,
            )  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def new_database(server: str) -> str:
    """A fresh, empty database on ``server``: its URL."""
    import psycopg  # noqa: PLC0415

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.replace("/postgres?", f"/{name}?")
