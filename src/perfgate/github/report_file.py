"""Read a JSON report (``perfgate_report: 1``) into what the PR comment shows.

The Action renders from the JSON report only (DESIGN.md section 5). A report may come from a
fork's workflow run (the ``workflow_run`` poster), so everything in it is untrusted: sizes are
bounded, enumerations are checked, numbers must be finite, and text is kept as plain strings
for the renderer to escape.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.errors import InputError

MAX_REPORT_BYTES = 50 * 1024 * 1024
MAX_BENCHMARKS = 100_000
SEVERITIES = ("none", "minor", "major", "critical")
STATUSES = ("none", "ok", "slow", "warning", "critical")
DIRECTIONS = ("slower", "faster", "unchanged")


@dataclass(frozen=True, kw_only=True)
class Side:
    value: float
    metric_used: str
    n: int
    rounds: int


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One benchmark of the report, as the comment needs it."""

    name: str
    metric: str
    unit: str
    head: Side
    base: Side | None
    ratio: float | None
    ci: tuple[float, float] | None
    direction: str  # slower / faster / unchanged; "unchanged" without a change
    severity: str
    budget_status: str
    budget_target: float | None


@dataclass(frozen=True, kw_only=True)
class ReportData:
    verdict: str
    fail_on: str
    entries: tuple[Entry, ...]
    rounds_used: int | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    failed: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def compared(self) -> bool:
        return any(e.base is not None for e in self.entries)


class _BadReportError(ValueError):
    pass


def load_report(path: Path) -> ReportData:
    """Read and validate ``path``; any problem is one InputError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise _BadReportError(
                f"{size:,} bytes, more than the {MAX_REPORT_BYTES:,} a report may have"
            )
        data = json.loads(path.read_bytes())
        return parse_report(data)
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except (_BadReportError, RecursionError) as exc:
        raise InputError(str(path), f"not a perfgate JSON report: {exc}") from None


def parse_report(data: object) -> ReportData:
    """Validate a decoded JSON report; a ValueError says what is unexpected."""
    root = _mapping(data, "the report")
    if root.get("perfgate_report") != 1:
        raise _BadReportError("`perfgate_report` is not 1")
    benchmarks = _list(root.get("benchmarks"), "benchmarks")
    if len(benchmarks) > MAX_BENCHMARKS:
        raise _BadReportError(f"more than {MAX_BENCHMARKS:,} benchmarks")
    rounds = root.get("rounds_used")
    return ReportData(
        verdict=_choice(root.get("verdict"), ("pass", "fail"), "verdict"),
        fail_on=_choice(root.get("fail_on"), ("critical", "major", "warning", "never"), "fail_on"),
        entries=tuple(_entry(item, i) for i, item in enumerate(benchmarks)),
        rounds_used=None if rounds is None else _count(rounds, "rounds_used"),
        added=_strings(root.get("added", []), "added"),
        removed=_strings(root.get("removed", []), "removed"),
        failed=_strings(root.get("failed", []), "failed"),
        notes=_strings(root.get("notes", []), "notes"),
    )


def _entry(item: object, index: int) -> Entry:
    where = f"benchmarks[{index}]"
    data = _mapping(item, where)
    change = data.get("change")
    budget = data.get("budget")
    ci = data.get("ci")
    return Entry(
        name=_text(data.get("name"), f"{where}.name"),
        metric=_text(data.get("metric"), f"{where}.metric"),
        unit=_text(data.get("unit", ""), f"{where}.unit"),
        head=_side(data.get("head"), f"{where}.head"),
        base=None if data.get("base") is None else _side(data["base"], f"{where}.base"),
        ratio=None if data.get("ratio") is None else _number(data["ratio"], f"{where}.ratio"),
        ci=None if ci is None else _pair(ci, f"{where}.ci"),
        direction=(
            "unchanged"
            if change is None
            else _choice(_mapping(change, where).get("direction"), DIRECTIONS, f"{where}.change")
        ),
        severity=_choice(data.get("severity", "none"), SEVERITIES, f"{where}.severity"),
        budget_status=(
            "none"
            if budget is None
            else _choice(_mapping(budget, where).get("status"), STATUSES, f"{where}.budget")
        ),
        budget_target=(
            None
            if budget is None
            else _number(_mapping(budget, where).get("target"), f"{where}.budget.target")
        ),
    )


def _side(value: object, where: str) -> Side:
    data = _mapping(value, where)
    return Side(
        value=_number(data.get("value"), f"{where}.value"),
        metric_used=_text(data.get("metric_used", ""), f"{where}.metric_used"),
        n=_count(data.get("n"), f"{where}.n"),
        rounds=_count(data.get("rounds"), f"{where}.rounds"),
    )


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _BadReportError(f"{where} is not an object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _BadReportError(f"`{where}` is not a list")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _BadReportError(f"{where} is not a string")
    return value


def _strings(value: object, where: str) -> tuple[str, ...]:
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(_list(value, where)))


def _choice(value: object, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise _BadReportError(f"{where} is not one of {', '.join(choices)}")
    return str(value)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _BadReportError(f"{where} is not a finite number")
    return float(value)


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadReportError(f"{where} is not a count")
    return value


def _pair(value: object, where: str) -> tuple[float, float]:
    items = _list(value, where)
    if len(items) != 2:
        raise _BadReportError(f"{where} is not [low, high]")
    return _number(items[0], where), _number(items[1], where)
