"""History across commits: the SQLite store, importers, and what the CLI reads from them.

Where a history lives is decided here, in a module light enough for the CLI's parser."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from perfgate.escaping import DATABASE_SCHEMES

if TYPE_CHECKING:
    from perfgate.config import Config

DEFAULT_DB = Path(".perfgate") / "history.sqlite"
# where a history lives: an SQLite file, or a postgresql:// URL (kept a string: a Path would
# fold its "//")
Location = Path | str


def location(text: str) -> Location:
    """``--db`` and ``history.db`` as given: a URL stays a string, anything else is a path."""
    return text if text.startswith(DATABASE_SCHEMES) else Path(text)


def is_url(where: object) -> bool:
    """Whether a history location is a PostgreSQL URL."""
    return isinstance(where, str) and where.startswith(DATABASE_SCHEMES)


def shown_location(where: Location) -> str:
    """A history's location for messages: a path as it is, a URL without its password (which
    is kept secret, so that no message of libpq's that quotes it is printed whole)."""
    if isinstance(where, Path):
        return str(where)
    from perfgate.escaping import database_url_shown  # noqa: PLC0415 - stdlib only, but rare

    return database_url_shown(where)


def db_path(db: Location | None, config_path: Path | None) -> Location:
    """Where a command's history is: --db, else ``history.db`` from the config, else
    ``.perfgate/history.sqlite`` (history, run --record and bisect ask alike)."""
    if db is not None:
        return db
    from perfgate.config import find_config, load_config  # noqa: PLC0415 - only without --db

    found = find_config(config_path, Path.cwd())
    return DEFAULT_DB if found is None else configured(None, load_config(found))


def configured(db: Location | None, config: Config) -> Location:
    """:func:`db_path` with the config already read."""
    if db is not None:
        return db
    return location(config.history_db) if config.history_db else DEFAULT_DB
