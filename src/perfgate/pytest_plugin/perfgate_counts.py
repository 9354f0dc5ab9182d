"""Exact counts of one call of each benchmark, features of perfgate's pytest plugin
(perfgate_plugin): the instructions it executes (``--perfgate-instructions``, under valgrind's
callgrind, through client requests made without a compiler) and its Python bytecodes.

**Bytecodes**: ``--perfgate-bytecodes=OUT.json`` counts the Python bytecodes one call of each
benchmark executes in the calling thread (``sys.settrace`` opcode events; one warm-up call,
then one call and 1 + ``--perfgate-bytecodes-calls`` calls, differenced): exact for pure
Python, blind to work inside C.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from perfgate.pytest_plugin import perfgate_bytecodes as bytecodes
    from perfgate.pytest_plugin import perfgate_valgrind as valgrind
    from perfgate.pytest_plugin.perfgate_steps import Arguments, Step
else:  # this folder's module: from the package, or top-level where the folder is on sys.path
    bytecodes = importlib.import_module(
        f"{__package__}.perfgate_bytecodes" if __package__ else "perfgate_bytecodes"
    )
    valgrind = importlib.import_module(
        f"{__package__}.perfgate_valgrind" if __package__ else "perfgate_valgrind"
    )

# {"perfgate_instructions": 1, "calls": N, "benchmarks": [nodeid, ...]}: the k-th benchmark's
# callgrind dumps are labelled "perfgate-k-one" (one call) and "perfgate-k-more" (1 + N calls)
INSTRUCTIONS_FORMAT = 1
_BYTECODES = pytest.StashKey[dict[str, float]]()
_SHARES = pytest.StashKey[dict[str, float]]()
# {"perfgate_bytecodes": 1, "counts": {nodeid: bytecodes per call}, "shares": {nodeid: the
# estimated share of one call's time its bytecodes explain}}
BYTECODES_FORMAT = 1
_COUNTED = pytest.StashKey[list[str]]()
_REQUEST = pytest.StashKey[Callable[..., int]]()


def prepare_instructions(config: pytest.Config) -> None:
    """With ``--perfgate-instructions``, the client request, so that a usage error comes
    before any test runs."""
    if config.getoption("perfgate_instructions", None):
        try:
            config.stash[_REQUEST] = valgrind.client_request()
        except valgrind.RequestError as exc:
            raise pytest.UsageError(f"--perfgate-instructions: {exc}") from None


def instructions_step(config: pytest.Config, nodeid: str, calls: int) -> Step:
    request = config.stash[_REQUEST]
    counted = config.stash.setdefault(_COUNTED, [])

    def count(arguments: Arguments, function: Callable[..., Any]) -> None:
        counted.append(nodeid)
        valgrind.count_call(request, len(counted) - 1, arguments, function, calls)

    return count


def bytecodes_step(config: pytest.Config, nodeid: str, calls: int) -> Step:
    """One warm-up call, then the bytecodes of one call and of 1 + ``calls`` calls: their
    difference over ``calls`` is one call's, with set-up and the tracing's own edges gone."""
    found = config.stash.setdefault(_BYTECODES, {})
    shares = config.stash.setdefault(_SHARES, {})

    def count(arguments: Arguments, function: Callable[..., Any]) -> None:
        found[nodeid], shares[nodeid] = bytecodes.per_call(arguments, function, calls)

    return count


# what the plugin's profile diff counts per function (perfgate_plugin), and the tests
bytecodes_of = bytecodes.bytecodes_of
bytecodes_by_function = bytecodes.bytecodes_by_function


def write_counts(config: pytest.Config) -> None:
    """The counts of this session to ``--perfgate-bytecodes``'s and
    ``--perfgate-instructions``' files, for those that were asked for."""
    out = config.getoption("perfgate_bytecodes")
    bytecodes = config.stash.get(_BYTECODES, None)
    if out and bytecodes is not None:
        shares = config.stash.get(_SHARES, {})
        document = {"perfgate_bytecodes": BYTECODES_FORMAT, "counts": bytecodes, "shares": shares}
        Path(out).write_text(json.dumps(document), encoding="utf-8")
    out = config.getoption("perfgate_instructions")
    counted = config.stash.get(_COUNTED, None)
    if out and counted is not None:
        document = {
            "perfgate_instructions": INSTRUCTIONS_FORMAT,
            "calls": max(1, int(config.getoption("perfgate_instructions_calls"))),
            "benchmarks": counted,
        }
        Path(out).write_text(json.dumps(document), encoding="utf-8")
