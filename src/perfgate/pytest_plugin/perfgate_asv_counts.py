"""Bytecode counts of an asv suite: ``python -m perfgate_asv_counts --benchmark-dir DIR --out
FILE --calls N [--bench REGEX]...``, run by ``perfgate run`` in a side's environment (this
folder on ``PYTHONPATH``) after the side's asv round, with ``metrics: [time, bytecodes]``.

Benchmarks are found as asv finds them (``asv_runner``'s discovery, which ``perfgate run``
installs in every asv side). Each ``time_*`` benchmark, at each parameter combination, gets
asv's own set-up (``setup_cache``, ``setup``), then one warm-up call, one call and 1 + N calls
counted (:mod:`perfgate_bytecodes`), then its teardown. Rows are named as perfgate names asv's
(``module.Class.time_x(10, 'a')``). ``--bench`` keeps the benchmarks a regex finds in the name,
as ``asv run --bench`` does. The file written is the plugin's ``--perfgate-bytecodes`` file.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfgate.pytest_plugin import perfgate_bytecodes as bytecodes
else:
    bytecodes = importlib.import_module(
        f"{__package__}.perfgate_bytecodes" if __package__ else "perfgate_bytecodes"
    )

FORMAT = 1  # the plugin's bytecode file format (perfgate_counts.BYTECODES_FORMAT)


def label(name: str, combo: tuple[str, ...]) -> str:
    """asv's benchmark name with its parameters, as perfgate's asv reader names it."""
    return f"{name}({', '.join(combo)})" if combo else name


def count_suite(
    root: Path, calls: int, patterns: list[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """(name -> bytecodes per call, name -> the share of its time they explain) of every
    ``time_*`` benchmark under ``root`` the ``patterns`` select (none: all)."""
    from asv_runner.discovery import disc_benchmarks  # noqa: PLC0415 - the side's asv_runner

    sys.path.insert(0, str(root.parent))
    chosen = [re.compile(p) for p in patterns]
    counts: dict[str, float] = {}
    shares: dict[str, float] = {}
    for bench in disc_benchmarks(str(root)):
        if getattr(bench, "type", None) != "time":
            continue
        combos = list(itertools.product(*bench.params)) if bench.params else [()]
        for index, combo in enumerate(combos):
            name = label(bench.name, tuple(combo))
            if chosen and not any(p.search(bench.name) or p.search(name) for p in chosen):
                continue
            if combo:
                bench.set_param_idx(index)
            _count_one(bench, name, calls, counts, shares)
    return counts, shares


def _count_one(
    bench: Any, name: str, calls: int, counts: dict[str, float], shares: dict[str, float]
) -> None:
    """One benchmark at its current parameters; one that fails (as asv's timing run has
    reported it) is left without a count and named on stderr."""
    try:
        if bench.setup_cache_key is not None:
            cache = bench.do_setup_cache()
            if hasattr(bench, "set_cache"):
                bench.set_cache(cache)
            else:  # asv_runner before set_cache: the cache is the first parameter
                bench.insert_param(cache)
        if bench.do_setup():  # skipped (NotImplementedError, skip_params)
            return
    except Exception as exc:
        sys.stderr.write(f"perfgate_asv_counts: {name}: set-up failed ({exc!r}); not counted\n")
        return
    try:
        params = tuple(bench._build_params())

        def arguments() -> tuple[tuple[Any, ...], dict[str, Any]]:
            return params, {}

        counts[name], shares[name] = bytecodes.per_call(arguments, bench.func, calls)
    except Exception as exc:
        sys.stderr.write(f"perfgate_asv_counts: {name}: failed ({exc!r}); not counted\n")
    finally:
        bench.do_teardown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="perfgate_asv_counts")
    parser.add_argument("--benchmark-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=1)
    parser.add_argument("--bench", action="append", default=[])
    args = parser.parse_args(argv)
    os.chdir(args.benchmark_dir.parent)
    counts, shares = count_suite(args.benchmark_dir.resolve(), max(1, args.calls), args.bench)
    document = {"perfgate_bytecodes": FORMAT, "counts": counts, "shares": shares}
    args.out.write_text(json.dumps(document), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
