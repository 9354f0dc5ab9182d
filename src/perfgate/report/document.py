"""The JSON report format, written and read side by side: a key is spelled here and nowhere
else. :func:`report_to_dict` writes the one :class:`~perfgate.report.model.Report`;
:func:`load_report` reads it back.

Reading:
the Action renders the comment from the JSON report it wrote, and the fork poster from a
report made by a fork's workflow run, so everything here is untrusted: sizes are bounded,
choices checked, numbers finite, and a problem names its key path (``benchmarks[3].head.n``).
Text stays plain strings for the renderers to escape. The rows' gate decisions and the verdict
are made again by :mod:`perfgate.decisions.gate` under the report's ``fail_on``, so what is
shown follows the same rules whoever wrote the file.

JSON report versions (``perfgate_report``):
  1 (perfgate 0.1): verdict, fail_on, benchmarks with per-side statistics, budget status, and
    (compare) base, ratio, ci, severity, change; added/removed benchmarks.
    Later in 0.1, compatible additions: ``kind`` (check | compare), per benchmark ``gate``
    (fails, level, reasons) and per side ``min_n``. A reader of 1 that ignores unknown keys
    reads both; perfgate reads reports without them (kind then follows from the base columns).
  2 (perfgate 0.2, the verdict engine v2): new values a reader of 1 would refuse - verdict
    ``inconclusive`` (a comparison that assessed nothing), fail_on ``inconclusive``, change
    direction ``inconclusive`` - and per change ``upper`` (the one-sided 95% bound on the
    slowdown), ``statistic`` (the decision statistic) and ``rounds``; ``ci`` is suite-wide
    (Holm-consistent). perfgate reads 1 and 2.
    Later in 0.2, a compatible addition: per benchmark ``profile`` (the profile diff of a
    flagged benchmark, see :class:`Profile`; ``profile.version`` numbers its own layout).
    Later still, compatible additions: per change ``interval`` (``suite-wide`` or
    ``one-sided``: which interval ``ci`` is; a report without it is ``suite-wide``), and per
    budget ``value`` and ``metric`` (what the budget judged: in a compare report the sides
    show the decision statistic, named by the benchmark's ``metric``), and ``raw`` and
    ``scale`` (with a calibration reference: the measured value, and reference / measured
    calibration; ``value`` is ``raw * scale``). ``notes`` holds every note on the report as a
    whole, those implied by its rows too (``Report.every_note``; a report read back does not
    say them twice).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from perfgate.decisions import gate
from perfgate.errors import InputError
from perfgate.formats.json_reader import MAX_CONTAINERS, too_many_containers
from perfgate.model import Interval, Summary
from perfgate.options import (
    BUDGET_STATUSES,
    CHANGE_DIRECTIONS,
    DIRECTIONS,
    FAIL_ON,
    INTERVAL_METHODS,
    KINDS,
    SEVERITIES,
    VERDICTS,
    Direction,
)
from perfgate.report.model import (
    Budget,
    Change,
    DependencyChange,
    FunctionChange,
    Profile,
    Report,
    Row,
)

REPORT_VERSION = 2
READABLE_VERSIONS = (1, 2)
PROFILE_VERSION = 1

MAX_REPORT_BYTES = 50 * 1024 * 1024
MAX_BENCHMARKS = 100_000
MAX_NAMES = 100_000
MAX_STATS = 64  # descriptive statistics per side
MAX_PROFILE_FUNCTIONS = 100  # functions in one benchmark's profile diff

_Choice = TypeVar("_Choice", bound=str)


class ReportFormatError(ValueError):
    """A decoded JSON value that is not a perfgate report; the message has the key path."""


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as the JSON document ``--format json`` writes."""
    return {
        "perfgate_report": REPORT_VERSION,
        "kind": report.kind,
        "verdict": report.verdict,
        "fail_on": report.fail_on,
        "config": report.config,
        "sources": list(report.sources),
        "benchmarks": [_row_to_dict(row) for row in report.rows],
        "failed": list(report.failed),
        "unused_budgets": list(report.unused_budgets),
        "added": list(report.added),
        "removed": list(report.removed),
        "rounds_used": report.rounds_used,
        "notes": list(report.every_note()),
        "not_affected": list(report.not_affected),
        "accepted": dict(report.accepted),
        "dependency_changes": [
            {"name": d.name, "base": d.base, "head": d.head} for d in report.dependencies
        ],
    }


def _row_to_dict(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": row.name,
        "metric": row.metric,
        "unit": row.unit,
        "direction": row.direction,
        "head": _side_to_dict(row.head),
    }
    if row.base is not None:
        data["base"] = _side_to_dict(row.base)
    if row.change is not None:
        change = row.change
        data["ratio"] = change.ratio
        data["ci"] = [change.low, change.high]
        data["severity"] = change.severity
        data["change"] = {
            "ratio": change.ratio,
            "ci": [change.low, change.high],
            "p_value": change.p_value,
            "p_adjusted": change.p_adjusted,
            "significant": change.significant,
            "direction": change.direction,
            "severity": change.severity,
            "method": change.method,
            "decisive": change.decisive,
            "upper": change.upper,
            "statistic": change.statistic,
            "rounds": change.rounds,
            "note": change.note,
            "interval": change.interval,
        }
    if row.budget is not None:
        budget = row.budget
        data["budget"] = {
            "pattern": budget.pattern,
            "target": budget.target,
            "warning": budget.warning,
            "critical": budget.critical,
            "status": budget.status,
            "note": budget.note,
            "value": budget.value,
            "metric": budget.metric,
            "raw": budget.raw,
            "scale": budget.scale,
        }
    data["gate"] = {
        "fails": row.gate.fails,
        "level": row.gate.level,
        "reasons": list(row.gate.reasons),
        "accepted": row.gate.accepted,
    }
    if row.profile is not None:
        data["profile"] = {
            "version": PROFILE_VERSION,
            "calls": row.profile.calls,
            "note": row.profile.note,
            "unit": "s",
            "functions": [
                {
                    "function": f.function,
                    "base": f.base,
                    "head": f.head,
                    "calls_base": f.calls_base,
                    "calls_head": f.calls_head,
                    "cumulative_base": f.cumulative_base,
                    "cumulative_head": f.cumulative_head,
                    **(
                        {"bytecodes_base": f.bytecodes_base, "bytecodes_head": f.bytecodes_head}
                        if f.bytecodes_base is not None or f.bytecodes_head is not None
                        else {}
                    ),
                }
                for f in row.profile.functions
            ],
        }
    return data


def _side_to_dict(summary: Summary) -> dict[str, Any]:
    interval = summary.interval
    return {
        "value": summary.value,
        "metric_used": summary.metric_used,
        "ci": [interval.low, interval.high],
        "ci_method": interval.method,
        "n": summary.n,
        "rounds": summary.rounds,
        "raw_samples": summary.raw_samples,
        "few_samples": summary.few_samples,
        "min_n": summary.min_n,
        "stats": summary.describe,
    }


def load_report(path: Path) -> Report:
    """Read and validate ``path``; any problem is one InputError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise ReportFormatError(
                f"{size:,} bytes, more than the {MAX_REPORT_BYTES:,} a report may have"
            )
        raw = path.read_bytes()
        if too_many_containers(raw):  # `[{},{},...]`: gigabytes of objects from 50 MB
            raise ReportFormatError(f"more than {MAX_CONTAINERS:,} JSON objects and arrays")
        data = json.loads(raw)
        return report_from_dict(data)
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except (ReportFormatError, RecursionError) as exc:
        raise InputError(str(path), f"not a perfgate JSON report: {exc}") from None
    except ValueError as exc:  # Python's own limits, e.g. integers of over 4,300 digits
        raise InputError(str(path), f"not a perfgate JSON report: {exc}") from None


def report_from_dict(data: object) -> Report:
    """Validate a decoded JSON report; a ReportFormatError says what is unexpected, where."""
    root = _Node(data, "the report").mapping()
    version = root.get("perfgate_report")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        readable = " or ".join(map(str, READABLE_VERSIONS))
        raise ReportFormatError(f"`perfgate_report` is {version!r}, not {readable}")
    top = _Node(root, "")
    benchmarks = top["benchmarks"].items(MAX_BENCHMARKS)
    rows = [_row(item) for item in benchmarks]
    kind = top.get("kind")
    if kind is not None:
        chosen = kind.choice(KINDS)
    else:  # written before reports named their kind: a base column means compare
        chosen = "compare" if any(r.base is not None for r in rows) else "check"
    fail_on = top["fail_on"].choice(FAIL_ON)
    top["verdict"].choice(VERDICTS)  # checked, then decided again by the gate
    rounds = top.get("rounds_used")
    return gate.finish(
        chosen,
        rows,
        fail_on,
        unused_budgets=top.names("unused_budgets"),
        failed=top.names("failed"),
        sources=top.names("sources"),
        config=top.optional_text("config"),
        added=top.names("added"),
        not_affected=top.names("not_affected"),
        dependencies=_dependencies(top.get("dependency_changes")),
        accepted=_accepted(top.get("accepted")),
        removed=top.names("removed"),
        rounds_used=None if rounds is None else rounds.count(),
        notes=top.names("notes"),
    )


def _accepted(node: _Node | None) -> dict[str, str]:
    """``accepted`` (absent from reports written before it was added): name -> reason."""
    if node is None:
        return {}
    data = node.mapping()
    if len(data) > MAX_NAMES:
        raise ReportFormatError(f"accepted has more than {MAX_NAMES:,} entries")
    return {str(name): node[str(name)].text() for name in data}


def _dependencies(node: _Node | None) -> list[DependencyChange]:
    """``dependency_changes`` (absent from reports written before it was added)."""
    if node is None:
        return []
    return [
        DependencyChange(
            name=item["name"].text(),
            base=item.optional_text("base"),
            head=item.optional_text("head"),
        )
        for item in node.items(MAX_NAMES)
    ]


def _row(node: _Node) -> Row:
    base = node.get("base")
    change = node.get("change")
    budget = node.get("budget")
    profile = node.get("profile")
    unit = node.optional_text("unit") or ""
    direction = node.get("direction")
    chosen: Direction = "lower" if direction is None else direction.choice(DIRECTIONS)
    name, metric = node["name"].text(), node["metric"].text()
    return Row(
        name=name,
        metric=metric,
        unit=unit,
        direction=chosen,
        head=_side(node["head"], name, unit, chosen, metric),
        base=None if base is None else _side(base, name, unit, chosen, metric),
        change=None if change is None else _change(change),
        budget=None if budget is None else _budget(budget),
        profile=None if profile is None else _profile(profile),
    )


def _profile(node: _Node) -> Profile:
    def optional(item: _Node, key: str) -> float | None:
        found = item.get(key)
        return None if found is None else found.number()

    calls = node.get("calls")
    return Profile(
        functions=tuple(
            FunctionChange(
                function=item["function"].text(),
                base=optional(item, "base"),
                head=optional(item, "head"),
                calls_base=optional(item, "calls_base"),
                calls_head=optional(item, "calls_head"),
                cumulative_base=optional(item, "cumulative_base"),
                cumulative_head=optional(item, "cumulative_head"),
                bytecodes_base=optional(item, "bytecodes_base"),
                bytecodes_head=optional(item, "bytecodes_head"),
            )
            for item in node["functions"].items(MAX_PROFILE_FUNCTIONS)
        ),
        calls=0 if calls is None else calls.count(),
        note=node.optional_text("note"),
    )


def _side(node: _Node, name: str, unit: str, direction: Direction, metric: str) -> Summary:
    """One side's summary; its name, unit, direction and metric asked for are the row's."""
    low, high = node["ci"].pair(optional=True) if node.get("ci") is not None else (None, None)
    method = node.get("ci_method")
    raw = node.get("raw_samples")
    few = node.get("few_samples")
    min_n = node.get("min_n")
    stats = node.get("stats")
    return Summary(
        name=name,
        unit=unit,
        direction=direction,
        metric=metric,
        value=node["value"].number(),
        interval=Interval(low, high, "none" if method is None else method.choice(INTERVAL_METHODS)),
        n=node["n"].count(),
        rounds=node["rounds"].count(),
        raw_samples=True if raw is None else raw.boolean(),
        few_samples=False if few is None else few.boolean(),
        min_n=1 if min_n is None else min_n.count(),
        metric_used=node.optional_text("metric_used") or "",
        describe={} if stats is None else stats.numbers(MAX_STATS),
    )


def _change(node: _Node) -> Change:
    low, high = node["ci"].pair()
    note = node.optional_text("note")
    p_value, p_adjusted = node.get("p_value"), node.get("p_adjusted")
    significant, decisive = node.get("significant"), node.get("decisive")
    upper, rounds = node.get("upper"), node.get("rounds")
    return Change(
        ratio=node["ratio"].number(),
        low=low if low is not None else math.nan,
        high=high if high is not None else math.nan,
        p_value=1.0 if p_value is None else p_value.number(),
        p_adjusted=1.0 if p_adjusted is None else p_adjusted.number(),
        significant=False if significant is None else significant.boolean(),
        direction=node["direction"].choice(CHANGE_DIRECTIONS),
        severity=node["severity"].choice(SEVERITIES),
        method=node.optional_text("method") or "",
        decisive=True if decisive is None else decisive.boolean(),
        upper=math.inf if upper is None else upper.number(),
        statistic=node.optional_text("statistic") or "",
        rounds=0 if rounds is None else rounds.count(),
        note=note,
        interval="one-sided" if node.optional_text("interval") == "one-sided" else "suite-wide",
    )


def _budget(node: _Node) -> Budget:
    return Budget(
        pattern=node.optional_text("pattern") or "",
        target=node["target"].number(),
        warning=node["warning"].number(),
        critical=node["critical"].number(),
        status=node["status"].choice(BUDGET_STATUSES),
        note=node.optional_text("note"),
        value=None if (value := node.get("value")) is None else value.number(),
        metric=node.optional_text("metric"),
        raw=None if (raw := node.get("raw")) is None else raw.number(),
        scale=None if (scale := node.get("scale")) is None else scale.number(),
    )


class _Node:
    """A decoded JSON value and its key path; typed getters raise ReportFormatError."""

    def __init__(self, value: object, where: str) -> None:
        self.value = value
        self.where = where

    def _fail(self, what: str) -> ReportFormatError:
        return ReportFormatError(f"{self.where or 'the report'} is not {what}")

    def mapping(self) -> Mapping[str, Any]:
        if not isinstance(self.value, dict):
            raise self._fail("an object")
        return self.value

    def _child(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str) -> _Node | None:
        value = self.mapping().get(key)
        return None if value is None else _Node(value, self._child(key))

    def __getitem__(self, key: str) -> _Node:
        return _Node(self.mapping().get(key), self._child(key))

    def items(self, limit: int) -> list[_Node]:
        if not isinstance(self.value, list):
            raise self._fail("a list")
        if len(self.value) > limit:
            raise ReportFormatError(f"{self.where} has more than {limit:,} entries")
        return [_Node(v, f"{self.where}[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            raise self._fail("a string")
        return self.value

    def optional_text(self, key: str) -> str | None:
        node = self.get(key)
        return None if node is None else node.text()

    def names(self, key: str) -> tuple[str, ...]:
        node = self.get(key)
        return () if node is None else tuple(item.text() for item in node.items(MAX_NAMES))

    def choice(self, choices: tuple[_Choice, ...]) -> _Choice:
        for choice in choices:
            if self.value == choice:
                return choice
        raise self._fail(f"one of {', '.join(choices)}")

    def number(self) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail("a finite number")
        if not math.isfinite(value):
            raise self._fail("a finite number")
        return float(value)

    def count(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise self._fail("a count")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self._fail("true or false")
        return self.value

    def pair(self, *, optional: bool = False) -> tuple[float | None, float | None]:
        items = self.items(2)
        if len(items) != 2:
            raise self._fail("[low, high]")
        low, high = (None if optional and i.value is None else i.number() for i in items)
        return low, high

    def numbers(self, limit: int) -> dict[str, float]:
        data = self.mapping()
        if len(data) > limit:
            raise ReportFormatError(f"{self.where} has more than {limit} entries")
        return {str(k): _Node(v, f"{self.where}.{k}").number() for k, v in data.items()}
