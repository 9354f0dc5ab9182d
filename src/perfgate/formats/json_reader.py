"""Reading JSON result files defensively: size limits, empty files, corrupt text, NaN.

One contract whatever the size: the same documents are accepted (NaN, Infinity and
-Infinity, which Python's json writes; an integer of any length, read as a float beyond 300
digits) and the same ones refused, each with one :class:`InputError`.

Files up to :data:`STREAM_ABOVE_BYTES` are parsed whole, by orjson (faster than the standard
library and ijson: docs/performance.md); what orjson refuses (NaN, integers beyond 64 bits, invalid
text) goes to the standard library, which accepts the first two and words the errors. Parsed
whole, a file's objects can take 4x its size (pytest-benchmark's samples) to 15x (arrays of
one-digit numbers), so above 8 MB a file is streamed with ijson instead: each array of
numbers goes straight into a float64 array (8 bytes a sample instead of a Python float's 32,
0.4x the file for pytest-benchmark's samples), and a document whose objects would take more
than :data:`MEMORY_SHARE` times the file's size is refused as not a result file. Measured
peaks (RSS, 80 MB files) are in docs/security.md.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, NoReturn

from perfgate.errors import InputError, UsageError

# A pytest-benchmark file with 1,000 benchmarks x 1,000 raw samples is about 25 MB; one of
# 64 microsecond benchmarks at pytest-benchmark's defaults, 315 MB. Beyond 4 GB a file is
# almost certainly not a result file; PERFGATE_MAX_INPUT_MB raises (or lowers) the limit.
DEFAULT_MAX_INPUT_MB = 4000
_LARGEST_LIMIT_MB = 10**9  # a petabyte: any larger value is a typo
STREAM_ABOVE_BYTES = 8 * 1024 * 1024
# a streamed document's objects may take 1.25x the file's size, as estimated while reading;
# with the parser's buffers and the lists' spare room the peak stays within 2x (measured)
MEMORY_SHARE = 1.25
MAX_STRING_BYTES = 1 << 20  # a streamed string: names and metadata are far shorter
# Result files hold a few objects per benchmark (pytest-benchmark: 6, asv: 10, perfgate's own
# format: one array a round). Two million is far beyond any real suite; a file of a million
# `{}` would otherwise take gigabytes as Python objects.
MAX_CONTAINERS = 2_000_000
MAX_DEPTH = 64  # result files nest 5 levels deep at most
_INT_DIGITS = 300  # a longer integer is read as a float, never as a bignum
_OUT_OF_RANGE = "a number beyond 1e308: not a result file"


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


class _OutOfRangeError(ValueError):
    """A number beyond a float's range: refused both ways (yajl refuses it when streaming)."""


def _int(token: str) -> int | float:
    # Python refuses to convert integers of over 4,300 digits (a ValueError in the middle of
    # parsing); no measurement has 300 digits, so such a number becomes a float
    return int(token) if len(token) <= _INT_DIGITS else _float(token)


def _float(token: str) -> float:
    value = float(token)
    if math.isinf(value):
        raise _OutOfRangeError(token)
    return value


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
                return _stream(handle, shown, size)
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
        return json.loads(text, parse_constant=_nan, parse_int=_int, parse_float=_float)
    except _OutOfRangeError:
        raise InputError(shown, _OUT_OF_RANGE) from None
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
    """The file's bytes, in one read when it is still ``size`` bytes long: cheaper than a file
    object's buffered reader, and a history import reads a thousand files (docs/performance.md)."""
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


def _stream(handle: IO[bytes], shown: str, size: int) -> Any:
    """Build the document from ijson's events; arrays of numbers become float64 arrays."""
    import ijson  # noqa: PLC0415  # only large files need it

    for long_integers in (False, True):
        builder = _Builder(shown, budget=int(MEMORY_SHARE * size) + (1 << 20))
        source = _Literals(handle, shown, long_integers=long_integers)
        try:
            builder.feed(ijson.basic_parse(source, use_float=True, buf_size=1 << 20))
            break
        except ijson.JSONError as exc:
            # yajl refuses integers beyond 64 bits, which a whole parse reads as floats:
            # read again with those made floats (rare enough to cost a second pass)
            if "floating point) overflow" in str(exc):
                raise InputError(shown, _OUT_OF_RANGE) from None
            if long_integers or "integer overflow" not in str(exc):
                _refuse(exc, shown)
            handle.seek(0)
        except UnicodeDecodeError:
            raise InputError(shown, "not a text file (invalid UTF-8)") from None
    if builder.open:
        raise InputError(shown, "truncated JSON")
    return builder.root


def _refuse(exc: Exception, shown: str) -> NoReturn:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else "cut short"
    raise InputError(shown, f"invalid JSON: {first}") from None


# JSON has no NaN or Infinity; Python's json writes them bare. Outside strings they are
# handed to ijson as these strings (a NUL starts no real name), and read back as floats.
_LITERALS = {b"NaN": math.nan, b"Infinity": math.inf, b"-Infinity": -math.inf}
_MARKERS = {"\0" + k.decode(): v for k, v in _LITERALS.items()}
_OUTSIDE = re.compile(rb'["NI]')  # a string, or a literal's first letter (one-byte scans)
_INSIDE = re.compile(rb'[\\"]')  # an escape, or the closing quote
_LONGEST_LITERAL = max(map(len, _LITERALS))
_NUL = b"\\u0000"


class _Literals:
    """The file as ijson reads it: bare NaN/Infinity outside strings become marker strings,
    and a string over :data:`MAX_STRING_BYTES` is refused before the parser buffers it."""

    def __init__(self, handle: IO[bytes], shown: str, *, long_integers: bool) -> None:
        self.handle = handle
        self.shown = shown
        self.long_integers = _LongIntegers() if long_integers else None
        self.in_string = False
        self.string_bytes = 0
        self.carry = b""  # the start of a literal or an escape, cut by the read's end

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        chunk = self.handle.read(size if size > 0 else 1 << 20)
        data, self.carry = self.carry + chunk, b""
        if not chunk:  # the end: what is left goes as it is (the parser words any error)
            if self.long_integers is not None:
                return self.long_integers.outside(data) + self.long_integers.end()
            return data
        return self._translate(data) or self.read(size)

    def _translate(self, data: bytes) -> bytes:
        out: list[bytes] = []
        at, end = 0, len(data)
        while at < end:
            if self.in_string:
                at = self._string(data, at, out)
                continue
            found = _OUTSIDE.search(data, at)
            if found is None:  # the start of a literal at the end may go on in the next read
                keep = _literal_start(data[max(at, end - _LONGEST_LITERAL) :])
                out.append(self._outside(data[at : end - keep]))
                self.carry = data[end - keep :]
                return b"".join(out)
            stop = found.start()
            token = found.group()
            if token == b'"':
                out.append(self._outside(data[at:stop]) + b'"')
                self.in_string, self.string_bytes = True, 0
                at = stop + 1
                continue
            literal = next((x for x in (b"NaN", b"Infinity") if data.startswith(x, stop)), None)
            if literal is None:
                if end - stop < _LONGEST_LITERAL:  # perhaps cut by the read: carry it on
                    stop -= stop > at and data[stop - 1 : stop] == b"-"
                    out.append(self._outside(data[at:stop]))
                    self.carry = data[stop:]
                    return b"".join(out)
                out.append(self._outside(data[at : stop + 1]))  # not JSON: the parser words it
                at = stop + 1
                continue
            if literal == b"Infinity" and stop > at and data[stop - 1 : stop] == b"-":
                stop, literal = stop - 1, b"-Infinity"
            out.append(self._outside(data[at:stop]))
            out.append(b'"' + _NUL + literal + b'"')
            at = stop + len(literal)
        return b"".join(out)

    def _outside(self, text: bytes) -> bytes:
        return text if self.long_integers is None else self.long_integers.outside(text)

    def _string(self, data: bytes, at: int, out: list[bytes]) -> int:
        """Copy string bytes from ``at`` up to and including its closing quote. A string of
        the file that starts with a NUL gets a second one, so that no string of the file
        reads as a marker (the builder takes the second away)."""
        end = len(data)
        if self.string_bytes == 0:
            if end - at < len(_NUL) and _NUL.startswith(data[at:]):  # cut: carry it on
                self.carry = data[at:]
                return end
            if data.startswith(_NUL, at):
                out.append(_NUL)
        while (found := _INSIDE.search(data, at)) is not None:
            if found.group() == b"\\":  # an escape: its next byte is part of the string
                if found.end() == end:  # cut by the read: carry it on
                    self._count(found.start() - at)
                    out.append(data[at : found.start()])
                    self.carry = data[found.start() :]
                    return end
                self._count(found.end() + 1 - at)
                out.append(data[at : found.end() + 1])
                at = found.end() + 1
                continue
            self._count(found.end() - at)
            out.append(data[at : found.end()])
            self.in_string = False
            return found.end()
        stop = end
        self._count(stop - at)
        out.append(data[at:stop])
        return end

    def _count(self, length: int) -> None:
        self.string_bytes += length
        if self.string_bytes > MAX_STRING_BYTES:
            raise InputError(
                self.shown,
                f"a string of over {MAX_STRING_BYTES >> 20} MB: not a result file",
            )


class _LongIntegers:
    """Integers of 19 digits and more (past what yajl takes) get an exponent, ``e0``, so
    that they are read as floats, as a whole parse reads them; a run of digits may go on
    in the next read."""

    _PIECES = re.compile(rb"[0-9]+|[^0-9]+")
    _DELIMITERS = frozenset(b"[,: \t\r\n")

    def __init__(self) -> None:
        self.digits = 0  # of the integer part being read
        self.integer_next = True  # digits now would start an integer part

    def outside(self, text: bytes) -> bytes:
        out: list[bytes] = []
        for piece in self._PIECES.findall(text):
            if piece[0] in b"0123456789":
                if self.integer_next or self.digits:
                    self.digits += len(piece)
                self.integer_next = False
                out.append(piece)
                continue
            if self.digits and piece[0] not in b".eE":
                out.append(self.end())
            self.digits = 0
            last = piece[-1]
            before = piece[-2] if len(piece) > 1 else None
            self.integer_next = last in self._DELIMITERS or (
                last == ord("-") and (before is None or before in self._DELIMITERS)
            )
            out.append(piece)
        return b"".join(out)

    def end(self) -> bytes:
        long, self.digits = self.digits >= 19, 0
        return b"e0" if long else b""


def _literal_start(tail: bytes) -> int:
    """How many bytes at the end of ``tail`` could start NaN, Infinity or -Infinity."""
    for keep in range(min(len(tail), _LONGEST_LITERAL), 0, -1):
        if any(literal.startswith(tail[-keep:]) for literal in _LITERALS):
            return keep
    return 0


class _Builder:
    """Objects from parser events. A container joins its parent when it closes, so an array
    that held only numbers is handed over as the ``array("d")`` it was collected in. The
    objects' size is estimated as they are made (CPython's sizes); past ``budget`` the file
    is refused."""

    def __init__(self, shown: str, budget: int) -> None:
        self.shown = shown
        self.open: list[_Open] = []  # innermost last
        self.root: Any = None
        self.containers = 0
        self.budget = budget
        self.cost = 0
        self.keys: dict[str, str] = {}  # one copy of each key, as a whole parse keeps

    def feed(self, events: Iterable[tuple[str, Any]]) -> None:
        """Every event; a number joining an array of numbers, nearly all of a large file's
        events, takes the short way (half the time of :meth:`event`)."""
        numbers: array[float] | None = None  # the innermost array, while numbers only
        pending = 0  # numbers appended and not yet spent
        for event, value in events:
            if numbers is not None and event == "number":
                numbers.append(value)
                pending += 1
                if pending == _BATCH:
                    self.spend(pending * _FLOAT64)
                    pending = 0
                continue
            self.spend(pending * _FLOAT64)
            pending = 0
            self.event(event, value)
            top = self.open[-1] if self.open else None
            numbers = top.numbers if top is not None and not top.items else None
        self.spend(pending * _FLOAT64)

    def event(self, event: str, value: Any) -> None:
        if event == "number" and self.open:
            self.number(value)
        elif event == "string":
            self.string(value)
        elif event == "map_key":
            self.open[-1].key = self.key(value)
        elif event in ("start_map", "start_array"):
            self.containers += 1
            if self.containers > MAX_CONTAINERS:
                raise InputError(self.shown, _too_many())
            if len(self.open) >= MAX_DEPTH:
                raise InputError(self.shown, "JSON nested too deeply")
            self.spend(_MAP if event == "start_map" else _ARRAY)
            self.open.append(_Open(mapping=event == "start_map"))
        elif event in ("end_map", "end_array"):
            self.add(self.open.pop().value())
        else:  # boolean, null, or a number that is the whole document
            self.add(value)

    def string(self, value: str) -> None:
        if value[:1] == "\0":
            if value in _MARKERS:
                if self.open:
                    self.number(_MARKERS[value])
                else:
                    self.root = _MARKERS[value]
                return
            value = value[1:]  # a string of the file, its NUL doubled by the filter
        self.spend(sys.getsizeof(value))
        self.add(value)

    def key(self, value: str) -> str:
        if value[:1] == "\0":
            if value in _MARKERS:  # a bare NaN where a key goes: invalid, as read whole
                raise InputError(self.shown, "invalid JSON: a key that is not a string")
            value = value[1:]
        key = self.keys.setdefault(value, value)
        self.spend(_DICT_ENTRY + (sys.getsizeof(key) if key is value else 0))
        return key

    def number(self, value: float) -> None:
        self.spend(self.open[-1].number(value))

    def add(self, value: Any) -> None:
        if self.open:
            self.spend(self.open[-1].add(value))
        else:
            self.root = value

    def spend(self, size: int) -> None:
        self.cost += size
        if self.cost > self.budget:
            raise InputError(
                self.shown,
                f"its values would take over {MEMORY_SHARE}x the file's size in memory: "
                "not a result file",
            )


# CPython's sizes in bytes (64-bit), rounded up for the containers' spare room; an object
# starts with room for a few keys
_FLOAT64, _FLOAT, _LIST_ITEM, _DICT_ENTRY = 9, 24, 9, 48
_MAP, _ARRAY = sys.getsizeof({"k": 0}), sys.getsizeof([])
_BATCH = 1 << 16  # numbers between two looks at the budget


class _Open:
    """An object or array being read; an array's leading numbers are kept as float64."""

    __slots__ = ("items", "key", "numbers")

    def __init__(self, *, mapping: bool) -> None:
        self.items: dict[str, Any] | list[Any] = {} if mapping else []
        self.numbers: array[float] | None = None if mapping else array("d")
        self.key = ""

    def number(self, value: float) -> int:
        """Keep a number; the bytes it took."""
        if self.numbers is not None and not self.items:
            self.numbers.append(value)
            return _FLOAT64
        return _FLOAT + self.add(value)

    def add(self, value: Any) -> int:
        """Keep an item; the bytes that took beyond the item's own (a list's slot, the
        floats moved out of the float64 array)."""
        if isinstance(self.items, dict):
            self.items[self.key] = value
            return 0
        moved = 0
        if self.numbers:  # a mixed array: its numbers so far become list items
            self.items.extend(self.numbers)
            moved = len(self.numbers) * (_LIST_ITEM + _FLOAT)
            self.numbers = None
        self.items.append(value)
        return moved + _LIST_ITEM

    def value(self) -> Any:
        return self.numbers if self.numbers and not self.items else self.items
