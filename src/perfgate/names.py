"""One naming rule for benchmarks: a benchmark answers to its full id, to the short name the
tables print (the part after the last ``::``), and to an ``fnmatch`` glob over either. A name
is itself before it is a glob: a parametrized name's ``[1000]`` would read as a glob's
character class and match nothing. Budgets, ``bisect --benchmark`` and the monitor's budgets
read it here."""

from __future__ import annotations

from fnmatch import fnmatchcase


def short(name: str) -> str:
    """The name the tables print: the part after the last ``::``."""
    return name.rsplit("::", 1)[-1]


def matches(pattern: str, name: str, short_name: str | None = None) -> bool:
    """``pattern`` names the benchmark ``name`` (``short_name``: its short name when it is
    not the part after the last ``::``, e.g. a harness's own)."""
    names = (name, short(name)) if short_name is None else (name, short(name), short_name)
    return pattern in names or any(fnmatchcase(n, pattern) for n in names)
