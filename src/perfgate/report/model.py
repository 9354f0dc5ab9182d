"""The one report model: what ``check`` and ``compare`` decided, and its versioned JSON form.

Every output reads this model: the terminal table, markdown, JSON, JUnit, the PR comment, the
job summary, the annotations and the Action's outputs. A JSON report is read back into the same
model by :func:`perfgate.report.read.report_from_dict` (the Action and the fork poster do).

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
    calibration; ``value`` is ``raw * scale``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perfgate.model import Summary
from perfgate.options import (
    AnnotationLevel,
    BudgetStatus,
    ChangeDirection,
    ChangeInterval,
    Direction,
    FailOn,
    Kind,
    RowFinding,
    Severity,
    Status,
    Verdict,
)

REPORT_VERSION = 2
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True, kw_only=True)
class Budget:
    """The budget that applied to a benchmark, and the status of its value against it."""

    pattern: str  # the budget's name glob in the config
    target: float  # limits in the benchmark's unit
    warning: float
    critical: float
    status: BudgetStatus
    note: str | None = None
    # the value judged and its statistic (a compare row's columns show the decision statistic,
    # the budget its own); None in reports written before they were recorded
    value: float | None = None
    metric: str | None = None
    # with a calibration reference: the value as measured, and the scale it was judged at
    # (reference calibration / this run's); ``value`` is then the scaled one
    raw: float | None = None
    scale: float | None = None


@dataclass(frozen=True, kw_only=True)
class Change:
    """head vs base for one benchmark: ratio head/base of the metric with its interval.

    ``direction`` is judged in the benchmark's own sense (for throughput, a lower ratio is
    ``slower``); ``severity`` grades a slowdown or an improvement alike.
    """

    ratio: float
    low: float
    high: float
    p_value: float
    p_adjusted: float  # Holm, across the suite
    significant: bool
    direction: ChangeDirection
    severity: Severity
    method: str  # paired-rounds, unpaired-rounds, within-process
    decisive: bool  # no further round could change whether it reaches the minor threshold
    upper: float = float("inf")  # one-sided 95% bound on the slowdown (in the worse sense)
    statistic: str = ""  # the decision statistic compared (per round)
    rounds: int = 0  # rounds per side the inference used (the fewer of the two)
    note: str | None = None
    # what (low, high) is: "suite-wide" (Holm-consistent 95%, a significant change) or
    # "one-sided" (each bound a one-sided 95% bound, what unchanged/inconclusive rest on)
    interval: ChangeInterval = "suite-wide"


@dataclass(frozen=True, kw_only=True)
class Gate:
    """What the gate made of one row (see :mod:`perfgate.gate`): whether it fails the gate
    under the report's ``fail-on``, the annotation level it deserves, and why, in words."""

    fails: bool = False
    level: AnnotationLevel | None = None  # "error" exactly when it fails the gate
    reasons: tuple[str, ...] = ()
    # `--accept NAME[=REASON]`: a finding that would fail, passed because it is intended (the
    # reason, "" when none was given); None when not accepted
    accepted: str | None = None
    # what the row shows (None: nothing to say; renderers fold or leave out such rows)
    finding: RowFinding | None = None


PROFILE_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class FunctionChange:
    """One function in a profile diff, per benchmark call: self seconds and calls on each side
    (None where the side never called it); ``function`` is ``name (file:line)``."""

    function: str
    base: float | None
    head: float | None
    calls_base: float | None
    calls_head: float | None
    cumulative_base: float | None = None
    cumulative_head: float | None = None

    @property
    def added(self) -> float:
        return (self.head or 0.0) - (self.base or 0.0)

    @property
    def calls_changed(self) -> bool:
        return self.calls_base != self.calls_head


@dataclass(frozen=True, kw_only=True)
class Profile:
    """Where a flagged benchmark's time went: the functions with the most added self time
    (cProfile, ``calls`` profiled calls per side, after the measured rounds), and in words why
    there is no diff when there is none (``note``)."""

    functions: tuple[FunctionChange, ...] = ()
    calls: int = 0  # profiled benchmark calls per side
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Row:
    """One benchmark in a report. ``head`` is the side being checked (``check`` has no base)."""

    name: str
    metric: str
    unit: str
    direction: Direction
    head: Summary
    budget: Budget | None = None
    base: Summary | None = None
    change: Change | None = None
    gate: Gate = field(default_factory=Gate)
    profile: Profile | None = None

    @property
    def status(self) -> Status:
        return self.budget.status if self.budget else "none"

    @property
    def severity(self) -> Severity:
        return self.change.severity if self.change else "none"

    @property
    def slower(self) -> bool:
        return self.change is not None and self.change.direction == "slower"

    @property
    def faster(self) -> bool:
        return self.change is not None and self.change.direction == "faster"

    @property
    def inconclusive(self) -> bool:
        """Compared, but the run could not decide: a slowdown of the minor threshold is
        neither shown nor ruled out (or nothing could be compared at all)."""
        return self.base is not None and (
            self.change is None or self.change.direction == "inconclusive"
        )


@dataclass(frozen=True)
class DependencyChange:
    """A package whose installed version differs between the sides' environments (None: not
    installed on that side)."""

    name: str
    base: str | None
    head: str | None

    def shown(self) -> str:
        if self.base is None:
            return f"{self.name} {self.head} (head only)"
        if self.head is None:
            return f"{self.name} {self.base} (base only)"
        return f"{self.name} {self.base} \u2192 {self.head}"


@dataclass(frozen=True, kw_only=True)
class Report:
    kind: Kind
    verdict: Verdict
    fail_on: FailOn
    rows: tuple[Row, ...]  # worst first (the gate's order)
    failed: tuple[str, ...] = ()  # benchmarks the harness reported as failed
    unused_budgets: tuple[str, ...] = ()  # budget globs that matched no benchmark
    config: str | None = None
    sources: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # compare: only in head
    removed: tuple[str, ...] = ()  # compare: only in base
    rounds_used: int | None = None  # run: interleaved rounds per side
    notes: tuple[str, ...] = ()
    # run: benchmarks the change cannot reach, listed instead of compared
    not_affected: tuple[str, ...] = ()
    # run --base: packages installed in one side's environment at another version, or not at all
    dependencies: tuple[DependencyChange, ...] = ()
    # `--accept NAME[=REASON]`: benchmarks (full or short names) whose findings are intended
    accepted: Mapping[str, str] = field(default_factory=dict)

    @property
    def compared(self) -> bool:
        return self.kind == "compare"

    def count_severity(self, severity: Severity, direction: ChangeDirection = "slower") -> int:
        return sum(
            1
            for r in self.rows
            if r.change and r.change.direction == direction and r.change.severity == severity
        )

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "perfgate_report": REPORT_VERSION,
            "kind": self.kind,
            "verdict": self.verdict,
            "fail_on": self.fail_on,
            "config": self.config,
            "sources": list(self.sources),
            "benchmarks": [_row_to_dict(row) for row in self.rows],
            "failed": list(self.failed),
            "unused_budgets": list(self.unused_budgets),
            "added": list(self.added),
            "removed": list(self.removed),
            "rounds_used": self.rounds_used,
            "notes": list(self.notes),
            "not_affected": list(self.not_affected),
            "accepted": dict(self.accepted),
            "dependency_changes": [
                {"name": d.name, "base": d.base, "head": d.head} for d in self.dependencies
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
