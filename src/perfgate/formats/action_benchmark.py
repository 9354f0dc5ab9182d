"""github-action-benchmark's history file ``data.js`` (``window.BENCHMARK_DATA = {...}``).

One file holds many runs: ``entries`` maps a suite name to a list of entries, one per commit,
each with ``commit`` (id, message, timestamp), ``date`` (ms) and ``benches`` (``name``,
``value``, ``unit``, optional ``range`` and ``extra``). Only one value per benchmark is stored,
so a benchmark here has stored statistics and no raw samples: the value is kept as the
``mean`` in the file's own unit (``iter/sec`` for pytest suites: higher is better), because
that is the number github-action-benchmark itself compares.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from perfgate.errors import InputError
from perfgate.formats.json_reader import MAX_CONTAINERS, max_input_bytes, too_many_containers
from perfgate.model import Benchmark, Metadata, Run, direction_for_unit

FORMAT = "github-action-benchmark"
MAX_DATA_JS_BYTES = 256_000_000
_PREFIX = "window.BENCHMARK_DATA"


def is_data_js(path: Path) -> bool:
    if path.suffix != ".js" or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(64).lstrip().startswith(_PREFIX.encode())


def load(path: Path) -> list[Run]:
    """Every (suite, commit) entry of ``data.js`` as a run; InputError for a bad file."""
    shown = str(path)
    # read whole (JavaScript, not JSON: no streaming), so bounded more tightly than result
    # files: the largest public data.js seen is a few tens of megabytes
    limit = min(max_input_bytes(), MAX_DATA_JS_BYTES)
    if path.stat().st_size > limit:
        raise InputError(
            shown, f"file is over the {limit / 1e6:.0f} MB data.js limit (PERFGATE_MAX_INPUT_MB)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(shown, f"cannot read: {exc}") from None
    start = text.find("{")
    if not text.lstrip().startswith(_PREFIX) or start < 0:
        raise InputError(shown, f"not a github-action-benchmark data.js ({_PREFIX} = {{...}})")
    if too_many_containers(text.encode()):
        raise InputError(shown, f"more than {MAX_CONTAINERS:,} JSON objects and arrays")
    try:
        data = json.loads(text[start:].rstrip().rstrip(";"))
        suites = data["entries"]
        return [
            _run(suite, entry, f"{shown}#{suite}/{i}")
            for suite, entries in suites.items()
            for i, entry in enumerate(entries)
        ]
    except json.JSONDecodeError as exc:
        raise InputError(shown, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(shown, "JSON nested too deeply") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(shown, f"not a valid data.js: {exc!r}") from None


def _run(suite: str, entry: Mapping[str, Any], source: str) -> Run:
    commit = entry["commit"]
    benchmarks = []
    for bench in entry["benches"]:
        value = float(bench["value"])
        if not math.isfinite(value):
            raise ValueError(f"{bench['name']}: value {value} is not finite")
        unit = str(bench.get("unit") or "")
        benchmarks.append(
            Benchmark(
                name=str(bench["name"]),
                short_name=str(bench["name"]).rsplit("::", 1)[-1],
                unit=unit,
                direction=direction_for_unit(unit),
                stored={"mean": value},
            )
        )
    date = entry.get("date")
    when = commit.get("timestamp")
    if not isinstance(when, str):  # a timestamp that is not text is not one (a bool, a number)
        when = None
        if isinstance(date, (int, float)) and not isinstance(date, bool):
            try:
                when = datetime.fromtimestamp(date / 1000, tz=timezone.utc).isoformat()
            except (OverflowError, OSError, ValueError):  # a date no calendar holds
                when = None
    metadata = Metadata(
        commit=str(commit["id"]),
        timestamp=when,
        harness=FORMAT,
        environment=suite,
    )
    return Run(metadata=metadata, benchmarks=tuple(benchmarks), source=source)
