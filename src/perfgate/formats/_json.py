"""Reading JSON result files defensively: size limits, empty files, corrupt text, NaN.

Files up to :data:`STREAM_ABOVE_BYTES` are parsed whole, by orjson (2-3x the standard
library's speed); what orjson refuses (NaN and Infinity, which Python's json writes, integers
beyond 64 bits, invalid text) goes to the standard library, which accepts the first two and
words the errors. Larger ones
(pytest-benchmark at its default settings writes hundreds of megabytes for a suite of
microsecond benchmarks) are streamed with ijson: each array of numbers goes straight into a
float64 array (8 bytes a sample instead of a Python float's 32), so memory stays near the
samples' own size instead of several times the file's.
"""

from __future__ import annotations

import json
import math
import os
from array import array
from pathlib import Path
from typing import IO, Any

from perfgate.errors import InputError, UsageError

# A pytest-benchmark file with 1,000 benchmarks x 1,000 raw samples is about 25 MB; one of
# 64 microsecond benchmarks at pytest-benchmark's defaults, 315 MB. Beyond 4 GB a file is
# almost certainly not a result file; PERFGATE_MAX_INPUT_MB raises (or lowers) the limit.
DEFAULT_MAX_INPUT_MB = 4000
_LARGEST_LIMIT_MB = 10**9  # a petabyte: any larger value is a typo
STREAM_ABOVE_BYTES = 64 * 1024 * 1024
# Result files hold a few objects per benchmark (pytest-benchmark: 6, asv: 10, perfgate's own
# format: one array a round). Two million is far beyond any real suite; a file of a million
# `{}` would otherwise take gigabytes as Python objects.
MAX_CONTAINERS = 2_000_000
MAX_DEPTH = 64  # result files nest 5 levels deep at most
_INT_DIGITS = 300  # a longer integer is read as a float (inf beyond 1e308), never as a bignum


def max_input_bytes() -> int:
    """The input limit in bytes; UsageError (one line, exit 2) for a value that is not a
    positive, finite number of megabytes (nan and inf were a traceback)."""
    text = os.environ.get("PERFGATE_MAX_INPUT_MB", "").strip()
    if not text:
        return int(DEFAULT_MAX_INPUT_MB * 1e6)
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and 0 < megabytes <= _LARGEST_LIMIT_MB):
        raise UsageError(
            f"PERFGATE_MAX_INPUT_MB={text!r}: give a number of megabytes above 0 and at most "
            f"{_LARGEST_LIMIT_MB:,} (default {DEFAULT_MAX_INPUT_MB:,})"
        )
    return int(megabytes * 1e6)


def _nan(token: str) -> float:
    # Python's json accepts NaN/Infinity; keep them as floats and let the readers decide
    # whether they mean "skipped" (asv) or are an error (a raw sample).
    return float(token.lower().replace("infinity", "inf"))


def _int(token: str) -> int | float:
    # Python refuses to convert integers of over 4,300 digits (a ValueError in the middle of
    # parsing); no measurement has 300 digits, so such a number becomes a float and the
    # readers reject it as out of range
    return int(token) if len(token) <= _INT_DIGITS else float(token)


def read_json(path: Path) -> Any:
    """Parse a JSON file or raise :class:`InputError` naming the file and the problem."""
    shown = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror}") from None
    limit = max_input_bytes()
    if size > limit:
        raise InputError(
            shown,
            f"file is {size / 1e6:.0f} MB, over the {limit / 1e6:.0f} MB input limit "
            "(set PERFGATE_MAX_INPUT_MB to raise it)",
        )
    if size == 0:
        raise InputError(shown, "file is empty")
    try:
        if size > STREAM_ABOVE_BYTES:
            with path.open("rb") as handle:
                return _stream(handle, shown)
        raw = _read_bytes(path, size)
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror}") from None
    if too_many_containers(raw):
        raise InputError(shown, _too_many())
    fast = _fast_parse(raw)  # it checks the UTF-8 itself
    if fast is not _REFUSED:
        return fast
    text = _text(raw, shown)
    try:
        return json.loads(text, parse_constant=_nan, parse_int=_int)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        # a cut inside a number or a string makes the parser fail at that token's start,
        # just before the end: an error within the last 64 characters of a file that parsed
        # well up to there is a truncation
        end = len(text.rstrip())
        expecting = exc.msg.startswith(("Expecting", "Unterminated"))
        if expecting and end - 64 <= exc.pos and exc.pos > end // 2:
            raise InputError(shown, f"truncated JSON (ends at {where})") from None
        raise InputError(shown, f"invalid JSON at {where}: {exc.msg}") from None
    except RecursionError:
        raise InputError(shown, "JSON nested too deeply") from None


def _read_bytes(path: Path, size: int) -> bytes:
    """The file's bytes, in one read when it is still ``size`` bytes long: a file object's
    buffered reader costs about 40 us a file against 17 us here, and a history import reads
    a thousand files."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks: list[bytes] = []
        while chunk := os.read(fd, size + 1 if not chunks else 1 << 20):  # grown: read on
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _text(raw: bytes, shown: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(shown, "not a text file (invalid UTF-8)") from None
    if not text.strip():
        raise InputError(shown, "file is empty")
    return text


_REFUSED = object()


def _fast_parse(raw: bytes) -> Any:
    """orjson's parse, or ``_REFUSED`` for NaN, a big integer or an error: the standard
    library's turn."""
    import orjson  # noqa: PLC0415 - only commands that read results need it

    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _REFUSED


def too_many_containers(raw: bytes) -> bool:
    """More opening brackets than :data:`MAX_CONTAINERS` (counted at C speed, before parsing;
    brackets inside strings count too, which only a hostile file has in such numbers)."""
    if len(raw) <= MAX_CONTAINERS:  # a bracket is a byte: a file this small cannot have so many
        return False
    return raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS


def _too_many() -> str:
    return f"more than {MAX_CONTAINERS:,} JSON objects and arrays: not a result file"


def _stream(handle: IO[bytes], shown: str) -> Any:
    """Build the document from ijson's events; arrays of numbers become float64 arrays."""
    import ijson  # noqa: PLC0415  # only large files need it

    builder = _Builder(shown)
    try:
        for event, value in ijson.basic_parse(handle, use_float=True, buf_size=1 << 20):
            builder.event(event, value)
    except ijson.JSONError as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else "cut short"
        raise InputError(shown, f"invalid JSON: {first}") from None
    except UnicodeDecodeError:
        raise InputError(shown, "not a text file (invalid UTF-8)") from None
    return builder.root


class _Builder:
    """Objects from parser events. A container joins its parent when it closes, so an array
    that held only numbers is handed over as the ``array("d")`` it was collected in."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.open: list[_Open] = []  # innermost last
        self.root: Any = None
        self.containers = 0

    def event(self, event: str, value: Any) -> None:
        if event == "number" and self.open:
            self.open[-1].number(value)
        elif event == "map_key":
            self.open[-1].key = value
        elif event in ("start_map", "start_array"):
            self.containers += 1
            if self.containers > MAX_CONTAINERS:
                raise InputError(self.shown, _too_many())
            if len(self.open) >= MAX_DEPTH:
                raise InputError(self.shown, "JSON nested too deeply")
            self.open.append(_Open(mapping=event == "start_map"))
        elif event in ("end_map", "end_array"):
            self.add(self.open.pop().value())
        else:  # string, boolean, null, or a number that is the whole document
            self.add(value)

    def add(self, value: Any) -> None:
        if self.open:
            self.open[-1].add(value)
        else:
            self.root = value


class _Open:
    """An object or array being read; an array's leading numbers are kept as float64."""

    __slots__ = ("items", "key", "numbers")

    def __init__(self, *, mapping: bool) -> None:
        self.items: dict[str, Any] | list[Any] = {} if mapping else []
        self.numbers: array[float] | None = None if mapping else array("d")
        self.key = ""

    def number(self, value: float) -> None:
        if self.numbers is not None and not self.items:
            self.numbers.append(value)
        else:
            self.add(value)

    def add(self, value: Any) -> None:
        if isinstance(self.items, dict):
            self.items[self.key] = value
            return
        if self.numbers:  # a mixed array: its numbers so far become list items
            self.items.extend(self.numbers)
            self.numbers = None
        self.items.append(value)

    def value(self) -> Any:
        return self.numbers if self.numbers and not self.items else self.items
