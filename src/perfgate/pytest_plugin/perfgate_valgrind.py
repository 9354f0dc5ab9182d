"""Instructions executed by one call, counted under valgrind's callgrind through client
requests made without a compiler, and without pytest: what the plugin's
``--perfgate-instructions`` counts for a pytest-benchmark suite and what
``perfgate_asv_counts --instructions`` counts for an asv suite (this folder on ``PYTHONPATH``).

For a benchmark: one warm-up call, then callgrind's counters zeroed, collection toggled on
around one call (and then 1 + N calls), and a dump labelled ``perfgate-K-one`` (``-more``)
after each; ``perfgate.harness.instructions.read_counts`` differences the two dumps.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

# the arguments of one call, made fresh for each (a benchmark's set-up outside the count)
Arguments = Callable[[], tuple[Sequence[Any], Mapping[str, Any]]]


class RequestError(Exception):
    """No client request can be made here (the message says why, in one line)."""


def count_call(
    request: Callable[..., int],
    index: int,
    arguments: Arguments,
    function: Callable[..., Any],
    calls: int,
) -> None:
    """The ``index``-th counted benchmark: a warm-up call, then one call and 1 + ``calls``
    calls, each collected alone and dumped under its label."""
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
# The arm64 sequence (valgrind.h, arm64-linux): the default answer in x3 and the request's
# words at [x4], the preamble (x12 rotated by 128 bits: unchanged) and `orr x10, x10, x10`;
# valgrind leaves the answer in x3. Checked against binutils' assembler
# (tests/commands/test_instructions.py); not yet run on an arm64 machine.
_ARM64_REQUEST = b"".join(
    word.to_bytes(4, "little")
    for word in (
        0xAA0003E4,  # mov x4, x0: the request's six words
        0xD2800003,  # mov x3, #0: the answer when not under valgrind
        0x93CC0D8C,  # ror x12, x12, #3
        0x93CC358C,  # ror x12, x12, #13
        0x93CCCD8C,  # ror x12, x12, #51
        0x93CCF58C,  # ror x12, x12, #61
        0xAA0A014A,  # orr x10, x10, x10: the request
        0xAA0303E0,  # mov x0, x3
        0xD65F03C0,  # ret
    )
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


def is_arm64_linux_userland() -> bool:
    """Whether this Python is a 64-bit Arm process on Linux (valgrind runs on no other Arm
    system): 32-bit Arm has another sequence, which perfgate does not carry."""
    return (
        sys.platform.startswith("linux")
        and platform.machine().lower() in ("aarch64", "arm64")
        and sys.maxsize > 2**32
    )


def request_code() -> bytes:
    """This CPU's request function (the amd64 or the arm64 sequence); RequestError for any
    other."""
    if is_x86_64_userland():
        return _AMD64_REQUEST
    if is_arm64_linux_userland():
        return _ARM64_REQUEST
    raise RequestError(
        "valgrind client requests are built for x86-64 and arm64 Linux only "
        f"(this is {platform.machine()}, {platform.architecture()[0]} Python)"
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
        raise RequestError(
            f"this system does not let a process make a page executable ({problem}): "
            "instructions cannot be counted here"
        )
    return address


def client_request() -> Callable[..., int]:
    """``request(code, arg)``: one valgrind client request. RequestError where there can be
    none (not x86-64 or arm64 Linux, or not running under valgrind)."""
    address = executable_page(request_code())
    call = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64))(address)

    def request(code: int, argument: int = 0) -> int:
        words = (ctypes.c_uint64 * 6)(code, argument, 0, 0, 0, 0)
        return int(call(words))

    if not request(_RUNNING_ON_VALGRIND):
        raise RequestError(
            "run pytest under valgrind --tool=callgrind --collect-atstart=no (perfgate run "
            "does, with metrics: [time, instructions])"
        )
    return request
