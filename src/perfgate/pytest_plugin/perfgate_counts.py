"""Exact counts of one call of each benchmark, features of perfgate's pytest plugin
(perfgate_plugin): the instructions it executes (``--perfgate-instructions``, under valgrind's
callgrind, through client requests made without a compiler) and its Python bytecodes.

**Bytecodes**: ``--perfgate-bytecodes=OUT.json`` counts the Python bytecodes one call of each
benchmark executes in the calling thread (``sys.settrace`` opcode events; one warm-up call,
then one call and 1 + ``--perfgate-bytecodes-calls`` calls, differenced): exact for pure
Python, blind to work inside C.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import mmap
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from perfgate.pytest_plugin import perfgate_bytecodes as bytecodes
    from perfgate.pytest_plugin.perfgate_steps import Arguments, Step
else:  # this folder's module: from the package, or top-level where the folder is on sys.path
    bytecodes = importlib.import_module(
        f"{__package__}.perfgate_bytecodes" if __package__ else "perfgate_bytecodes"
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
        config.stash[_REQUEST] = _client_request()


def instructions_step(config: pytest.Config, nodeid: str, calls: int) -> Step:
    request = config.stash[_REQUEST]
    counted = config.stash.setdefault(_COUNTED, [])

    def count(arguments: Arguments, function: Callable[..., Any]) -> None:
        index = len(counted)
        counted.append(nodeid)
        args, kwargs = arguments()
        function(*args, **kwargs)  # a warm-up: first-call work (imports, caches) left out
        for label, repeat in (("one", 1), ("more", 1 + calls)):
            made = [arguments() for _ in range(repeat)]  # setup outside the count
            request(_ZERO_STATS)
            request(_TOGGLE_COLLECT)
            for args, kwargs in made:
                function(*args, **kwargs)
            request(_TOGGLE_COLLECT)
            name = ctypes.create_string_buffer(f"perfgate-{index}-{label}".encode())
            request(_DUMP_STATS_AT, ctypes.addressof(name))

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


# Valgrind client requests (valgrind.h, callgrind.h) without a compiler: the amd64 "special
# instruction" preamble (rdi rotated by 128 bits: unchanged) and `xchg rbx, rbx`, with the
# request's words at [rax] and the answer in rdx, as machine code in an executable page.
_AMD64_REQUEST = bytes.fromhex(
    "4889f8"  # mov rax, rdi: the request's six words
    "31d2"  # xor edx, edx: the answer when not under valgrind (0)
    "48c1c70348c1c70d48c1c73d48c1c733"  # rol rdi, 3; 13; 61; 51
    "4887db"  # xchg rbx, rbx: the request
    "4889d0"  # mov rax, rdx
    "c3"  # ret
)
_CALLGRIND = (ord("C") << 24) | (ord("T") << 16)
_DUMP_STATS_AT, _ZERO_STATS, _TOGGLE_COLLECT = _CALLGRIND + 3, _CALLGRIND + 1, _CALLGRIND + 2
_RUNNING_ON_VALGRIND = 0x1001


_PAGES: list[mmap.mmap] = []


def is_x86_64_userland() -> bool:
    """Whether this Python is a 64-bit x86 process: the kernel's machine name alone passes a
    32-bit userland on a 64-bit kernel, which the request sequence would crash."""
    return (
        platform.machine().lower() in ("x86_64", "amd64")
        and sys.maxsize > 2**32
        and platform.architecture()[0] == "64bit"
    )


def executable_page(code: bytes) -> int:
    """The address of a page holding ``code``, never writable and executable at once (W^X):
    written while read-write, then made read-execute. One line (pytest's UsageError) where
    the kernel refuses executable memory."""
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    page.write(code)
    _PAGES.append(page)  # the code must outlive every call: kept for the process
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    if libc.mprotect(address, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
        problem = os.strerror(ctypes.get_errno())
        raise pytest.UsageError(
            f"--perfgate-instructions: this system does not let a process make a page "
            f"executable ({problem}): instructions cannot be counted here"
        )
    return address


def _client_request() -> Callable[..., int]:
    """``request(code, arg)``: one valgrind client request. UsageError where there can be
    none (not amd64, or not running under valgrind)."""
    if not is_x86_64_userland():
        raise pytest.UsageError(
            "--perfgate-instructions: valgrind client requests are built for x86-64 only "
            f"(this is {platform.machine()}, {platform.architecture()[0]} Python)"
        )
    address = executable_page(_AMD64_REQUEST)
    call = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64))(address)

    def request(code: int, argument: int = 0) -> int:
        words = (ctypes.c_uint64 * 6)(code, argument, 0, 0, 0, 0)
        return int(call(words))

    if not request(_RUNNING_ON_VALGRIND):
        raise pytest.UsageError(
            "--perfgate-instructions: run pytest under valgrind --tool=callgrind "
            "--collect-atstart=no (perfgate run does, with metrics: [time, instructions])"
        )
    return request


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
