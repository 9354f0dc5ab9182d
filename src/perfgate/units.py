"""Human units for durations, sizes and percentages, parsing and formatting.

Canonical units inside perfgate: durations in seconds (``"s"``), memory in bytes (``"B"``).
Sizes use decimal SI prefixes (``1MB = 10**6 B``, like asv's output and ``ls --si``) and the
IEC binary prefixes when written (``1MiB = 2**20 B``).
"""

from __future__ import annotations

import math
import re

SECONDS = "s"
BYTES = "B"

_DURATIONS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
}
_SIZES = {
    "b": 1.0,
    "kb": 1e3,
    "mb": 1e6,
    "gb": 1e9,
    "tb": 1e12,
    "kib": 2.0**10,
    "mib": 2.0**20,
    "gib": 2.0**30,
    "tib": 2.0**40,
}
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([^\d\s]*)\s*$")


class UnitError(ValueError):
    """A quantity that cannot be parsed; the message says what is accepted."""


def parse_duration(text: str) -> float:
    """A positive duration like ``"10min"`` or ``"90s"``, in seconds; UnitError otherwise."""
    seconds, unit = parse_quantity(text, SECONDS)
    if unit != SECONDS or seconds <= 0:
        raise UnitError(f"{text!r} is not a positive duration like 10min")
    return seconds


def parse_quantity(text: str | float, expected: str | None = None) -> tuple[float, str]:
    """Parse ``"200ms"``, ``"500MB"`` or ``"10%"`` into ``(value, canonical_unit)``.

    A bare number is returned with unit ``""``; ``expected`` (``"s"`` or ``"B"``) then assigns
    it. A percentage returns a fraction with unit ``"%"`` (``"10%"`` -> ``0.1``).
    """
    if isinstance(text, bool):
        raise UnitError(f"expected a quantity like '200ms' or '500MB', got {text!r}")
    if isinstance(text, (int, float)):
        value, suffix = float(text), ""
    else:
        match = _QUANTITY.match(str(text))
        if not match:
            raise UnitError(f"expected a quantity like '200ms' or '500MB', got {text!r}")
        value, suffix = float(match.group(1)), match.group(2)
    if not math.isfinite(value):
        raise UnitError(f"expected a finite number, got {text!r}")
    if suffix == "":
        return value, expected or ""
    if suffix == "%":
        return value / 100.0, "%"
    if suffix in _DURATIONS:
        return value * _DURATIONS[suffix], SECONDS
    if suffix.lower() in _SIZES:
        return value * _SIZES[suffix.lower()], BYTES
    accepted = "ns, us, ms, s, min; B, kB, MB, GB, KiB, MiB, GiB; %"
    raise UnitError(f"unknown unit {suffix!r} in {text!r} (accepted: {accepted})")


INSTRUCTIONS = "instructions"  # the unit of instruction counts, shown with k/M/G
BYTECODES = "bytecodes"  # the unit of bytecode counts (Python-level), shown with k/M/G
# the units of exact counts: a count repeats itself, its smallest value is the count
COUNTS = (INSTRUCTIONS, BYTECODES)


# per unit, its prefixes largest first; the last applies to anything smaller
_SCALES: dict[str, tuple[tuple[str, float], ...]] = {
    SECONDS: ((" s", 1.0), (" ms", 1e-3), (" us", 1e-6), (" ns", 1e-9)),
    BYTES: ((" GB", 1e9), (" MB", 1e6), (" kB", 1e3), (" B", 1.0)),
    INSTRUCTIONS: (
        ("G instructions", 1e9),
        ("M instructions", 1e6),
        ("k instructions", 1e3),
        (" instructions", 1.0),
    ),
    BYTECODES: (
        ("G bytecodes", 1e9),
        ("M bytecodes", 1e6),
        ("k bytecodes", 1e3),
        (" bytecodes", 1.0),
    ),
}


def format_value(value: float, unit: str, digits: int = 3) -> str:
    """Format a value in its canonical unit with a readable prefix: ``0.0123 s -> '12.3 ms'``."""
    if not math.isfinite(value):
        return str(value)
    scales = _SCALES.get(unit)
    if scales is None:
        text = _sig(value, digits)
        return f"{text} {shown_unit(unit)}" if unit else text
    suffix, scale = next(((s, f) for s, f in scales if abs(value) >= f), scales[-1])
    return f"{_sig(value / scale, digits)}{suffix}"


# A unit comes from the result file (asv's `unit`, a native file's): it is shown through this
# set only, so no unit can carry markup, a mention or an escape sequence into a report
_UNIT_SHOWN = re.compile(r"[^A-Za-z0-9 /%()_\-\u00b5]")
_UNIT_LIMIT = 24


def shown_unit(unit: str) -> str:
    """A unit as reports show it: letters, digits, ``/ % ( ) _ -`` and µ kept, anything else
    (``.``, ``:`` and ``@`` too: GitHub links ``www.x``, ``https://x`` and ``a@b.c``) shown as
    ``?``, at most 24 characters (the JSON report keeps it whole)."""
    text = _UNIT_SHOWN.sub("?", unit)
    return text if len(text) <= _UNIT_LIMIT else text[: _UNIT_LIMIT - 1] + "?"


def _sig(value: float, digits: int) -> str:
    """``digits`` significant figures, without scientific notation for ordinary magnitudes."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    return f"{value:.{decimals}f}"


def format_change(ratio: float) -> str:
    """A ratio head/base as a signed percentage change: ``1.25 -> '+25.0%'``."""
    return f"{(ratio - 1.0) * 100:+.1f}%"


def format_ratio_interval(ratio: float, low: float, high: float) -> str:
    """``'+25.0% [+20.1%, +30.2%]'``: a change with its interval."""
    return f"{format_change(ratio)} [{format_change(low)}, {format_change(high)}]"
