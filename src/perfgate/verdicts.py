"""The report every renderer consumes, and its versioned JSON form (DESIGN.md section 5).

JSON report versions:
  1 (perfgate 0.1): verdict, fail_on, benchmarks with per-side statistics, budget status, and
    (compare) base, ratio, ci, severity, change; added/removed benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from perfgate.budgets import BudgetVerdict
from perfgate.stats import Summary

REPORT_VERSION = 1
Verdict = Literal["pass", "fail"]
Severity = Literal["none", "minor", "major", "critical"]
SEVERITIES: tuple[Severity, ...] = ("none", "minor", "major", "critical")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}


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
    direction: Literal["slower", "faster", "unchanged"]
    severity: Severity
    method: str  # paired-rounds, unpaired-rounds, within-process
    decisive: bool  # no further round could change whether it reaches the minor threshold
    # (nor lift a few-rounds cap on its severity)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ratio": self.ratio,
            "ci": [self.low, self.high],
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "significant": self.significant,
            "direction": self.direction,
            "severity": self.severity,
            "method": self.method,
            "decisive": self.decisive,
            "note": self.note,
        }


@dataclass(frozen=True, kw_only=True)
class Row:
    """One benchmark in a report. ``head`` is the side being checked (``check`` has no base)."""

    name: str
    metric: str
    unit: str
    direction: Literal["lower", "higher"]
    head: Summary
    budget: BudgetVerdict | None = None
    base: Summary | None = None
    change: Change | None = None

    @property
    def status(self) -> str:
        return self.budget.status if self.budget else "none"

    @property
    def severity(self) -> str:
        return self.change.severity if self.change else "none"

    @property
    def slower(self) -> bool:
        return self.change is not None and self.change.direction == "slower"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "metric": self.metric,
            "unit": self.unit,
            "direction": self.direction,
            "head": side_to_dict(self.head),
        }
        if self.base is not None:
            data["base"] = side_to_dict(self.base)
        if self.change is not None:
            data["ratio"] = self.change.ratio
            data["ci"] = [self.change.low, self.change.high]
            data["severity"] = self.change.severity
            data["change"] = self.change.to_dict()
        if self.budget is not None:
            rule = self.budget.rule
            data["budget"] = {
                "pattern": rule.pattern,
                "target": rule.target,
                "warning": rule.warning,
                "critical": rule.critical,
                "status": self.budget.status,
                "note": self.budget.note,
            }
        return data


def side_to_dict(summary: Summary) -> dict[str, Any]:
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
        "stats": summary.describe,
    }


@dataclass(frozen=True, kw_only=True)
class Report:
    verdict: Verdict
    fail_on: str
    rows: tuple[Row, ...]
    failed: tuple[str, ...] = ()  # benchmarks the harness reported as failed
    unused_budgets: tuple[str, ...] = ()  # budget globs that matched no benchmark
    config: str | None = None
    sources: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # compare: only in head
    removed: tuple[str, ...] = ()  # compare: only in base
    rounds_used: int | None = None  # run: interleaved rounds per side
    notes: tuple[str, ...] = ()

    @cached_property
    def compared(self) -> bool:
        # cached: renderers ask once per row, and a scan per row made 500-row reports O(n^2)
        return any(row.change is not None for row in self.rows)

    def count_severity(self, severity: str, direction: str = "slower") -> int:
        return sum(
            1
            for r in self.rows
            if r.change and r.change.direction == direction and r.change.severity == severity
        )

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "perfgate_report": REPORT_VERSION,
            "verdict": self.verdict,
            "fail_on": self.fail_on,
            "config": self.config,
            "sources": list(self.sources),
            "benchmarks": [row.to_dict() for row in self.rows],
            "failed": list(self.failed),
            "unused_budgets": list(self.unused_budgets),
            "added": list(self.added),
            "removed": list(self.removed),
            "rounds_used": self.rounds_used,
            "notes": list(self.notes),
        }
