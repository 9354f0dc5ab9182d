"""Counts of an asv suite: ``python -m perfgate_asv_counts --benchmark-dir DIR --out FILE
--calls N [--bench REGEX]... [--instructions]``, run by ``perfgate run`` in a side's environment
(this folder on ``PYTHONPATH``) after the side's asv round, with ``metrics: [time, bytecodes]``
(bytecodes) or ``[time, instructions]`` (under valgrind's callgrind, ``--instructions``).

Benchmarks are found as asv finds them (``asv_runner``'s discovery, which ``perfgate run``
installs in every asv side). Each ``time_*`` benchmark, at each parameter combination, gets
asv's own set-up (``setup_cache``, ``setup``), then one warm-up call, one call and 1 + N calls
counted (:mod:`perfgate_bytecodes`, or callgrind's client requests: :mod:`perfgate_valgrind`),
then its teardown. Rows are named as perfgate names asv's (``module.Class.time_x(10, 'a')``).
``--bench`` keeps the benchmarks a regex finds in the name, as ``asv run --bench`` does. The
file written is the plugin's: its ``--perfgate-bytecodes`` file, or its
``--perfgate-instructions`` order file (the names in the order of the dumps' labels).
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfgate.pytest_plugin import perfgate_bytecodes as bytecodes
    from perfgate.pytest_plugin import perfgate_valgrind as valgrind
else:
    bytecodes = importlib.import_module(
        f"{__package__}.perfgate_bytecodes" if __package__ else "perfgate_bytecodes"
    )
    valgrind = importlib.import_module(
        f"{__package__}.perfgate_valgrind" if __package__ else "perfgate_valgrind"
    )

FORMAT = 1  # the plugin's file formats (perfgate_counts.BYTECODES_FORMAT, INSTRUCTIONS_FORMAT)
# counts one benchmark at its current parameters: (name, arguments, function) -> its counts
Counter = Callable[[str, "bytecodes.Arguments", Callable[..., Any]], None]


def label(name: str, combo: tuple[str, ...]) -> str:
    """asv's benchmark name with its parameters, as perfgate's asv reader names it."""
    return f"{name}({', '.join(combo)})" if combo else name


def count_suite(root: Path, patterns: list[str], counter: Counter) -> None:
    """``counter`` on every ``time_*`` benchmark under ``root`` the ``patterns`` select (none:
    all), at each parameter combination, with asv's set-up around it."""
    from asv_runner.discovery import disc_benchmarks  # noqa: PLC0415 - the side's asv_runner

    sys.path.insert(0, str(root.parent))
    chosen = [re.compile(p) for p in patterns]
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
            _count_one(bench, name, counter)


def _count_one(bench: Any, name: str, counter: Counter) -> None:
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

        counter(name, arguments, bench.func)
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
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args(argv)
    calls = max(1, args.calls)
    root, out = args.benchmark_dir.resolve(), args.out.resolve()
    os.chdir(root.parent)
    document: dict[str, Any]
    if args.instructions:
        try:
            request = valgrind.client_request()
        except valgrind.RequestError as exc:
            sys.stderr.write(f"perfgate_asv_counts: {exc}\n")
            return 2
        order: list[str] = []
        labels: list[int] = []  # each counted benchmark's label; a failed one's is not reused
        tried = [0]

        def instructions(name: str, arguments: bytecodes.Arguments, function: Any) -> None:
            tried[0] += 1
            valgrind.count_call(request, tried[0] - 1, arguments, function, calls)
            order.append(name)
            labels.append(tried[0] - 1)

        count_suite(root, args.bench, instructions)
        document = {
            "perfgate_instructions": FORMAT, "calls": calls, "benchmarks": order, "labels": labels,
        }  # fmt: skip
    else:
        counts: dict[str, float] = {}
        shares: dict[str, float] = {}

        def python(name: str, arguments: bytecodes.Arguments, function: Any) -> None:
            counts[name], shares[name] = bytecodes.per_call(arguments, function, calls)

        count_suite(root, args.bench, python)
        document = {"perfgate_bytecodes": FORMAT, "counts": counts, "shares": shares}
    out.write_text(json.dumps(document), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
