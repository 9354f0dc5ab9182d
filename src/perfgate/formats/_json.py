"""Reading JSON result files defensively: size limit, empty files, corrupt text, NaN."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from perfgate.errors import InputError

# A pytest-benchmark file with 1,000 benchmarks x 1,000 raw samples is about 25 MB. Anything
# above this limit is almost certainly not a result file (or would exhaust a CI runner's
# memory); PERFGATE_MAX_INPUT_MB raises it.
DEFAULT_MAX_INPUT_MB = 100


def max_input_bytes() -> int:
    text = os.environ.get("PERFGATE_MAX_INPUT_MB", "")
    try:
        megabytes = float(text) if text else DEFAULT_MAX_INPUT_MB
    except ValueError:
        megabytes = DEFAULT_MAX_INPUT_MB
    return int(megabytes * 1e6)


def _nan(token: str) -> float:
    # Python's json accepts NaN/Infinity; keep them as floats and let the readers decide
    # whether they mean "skipped" (asv) or are an error (a raw sample).
    return float(token.lower().replace("infinity", "inf"))


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
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(shown, "not a text file (invalid UTF-8)") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror}") from None
    if not text.strip():
        raise InputError(shown, "file is empty")
    try:
        return json.loads(text, parse_constant=_nan)
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
