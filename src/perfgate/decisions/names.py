"""One naming rule for benchmarks: a benchmark answers to its full id, to the short name the
tables print (the part after the last ``::``), and to an ``fnmatch`` glob over either. A name
is itself before it is a glob: a parametrized name's ``[1000]`` would read as a glob's
character class and match nothing. Budgets, ``bisect --benchmark`` and the monitor's budgets
read it here.

The rows perfgate measures beside a benchmark are named ``NAME (what)``: its peak memory and
its counts (instructions, bytecodes); :func:`bare` is the benchmark's own name again, as the
harness knows it (what a round selects, a shard holds, a profile runs)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from perfgate.units import COUNTS

MEMORY = "peak memory"
BESIDE = (MEMORY, *COUNTS)  # what perfgate measures beside a benchmark, a row each


def beside(name: str, what: str) -> str:
    """The row of ``what`` (one of :data:`BESIDE`) measured beside the benchmark ``name``."""
    return f"{name} ({what})"


def bare(name: str) -> str:
    """The benchmark a row measures: its name without the ``(what)`` of a row beside it."""
    for what in BESIDE:
        suffix = f" ({what})"
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def short(name: str) -> str:
    """The name the tables print: the part after the last ``::``."""
    return name.rsplit("::", 1)[-1]


def of(name: str, short_name: str | None = None) -> tuple[str, ...]:
    """The names a benchmark answers to, each once: its full id, its short name
    (``short_name``, a harness's own, else the part after the last ``::``) and that part."""
    after = short(name)
    if short_name is None or short_name == after:
        return (name,) if after == name else (name, after)
    return (name, short_name) if after == name else (name, short_name, after)


def matches(pattern: str, names: tuple[str, ...]) -> bool:
    """``pattern`` names the benchmark of ``names`` (:func:`of`): one of them exactly, or a
    glob over one of them."""
    if pattern in names:
        return True
    if len(names) == 2:  # the usual case, without a generator's cost (budgets x benchmarks)
        return fnmatchcase(names[0], pattern) or fnmatchcase(names[1], pattern)
    return any(fnmatchcase(name, pattern) for name in names)
