"""History across commits: the SQLite store, importers, and what the CLI reads from them.

Where a history lives is decided here, in a module light enough for the CLI's parser."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB = Path(".perfgate") / "history.sqlite"
# where a history lives: an SQLite file, or a postgresql:// URL (kept a string: a Path would
# fold its "//")
Location = Path | str


def location(text: str) -> Location:
    """``--db`` and ``history.db`` as given: a URL stays a string, anything else is a path."""
    return text if text.startswith(("postgresql://", "postgres://")) else Path(text)
