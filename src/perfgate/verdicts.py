"""The report every renderer consumes, and its versioned JSON form (DESIGN.md section 5).

JSON report versions:
  1 (perfgate 0.1): verdict, fail_on, benchmarks with per-side statistics and budget status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from perfgate.budgets import BudgetVerdict
from perfgate.stats import Summary

REPORT_VERSION = 1
Verdict = Literal["pass", "fail"]


@dataclass(frozen=True, kw_only=True)
class Row:
    """One benchmark in a report. ``head`` is the side being checked (``check`` has no base)."""

    name: str
    metric: str
    unit: str
    direction: Literal["lower", "higher"]
    head: Summary
    budget: BudgetVerdict | None = None

    @property
    def status(self) -> str:
        return self.budget.status if self.budget else "none"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "metric": self.metric,
            "unit": self.unit,
            "direction": self.direction,
            "head": side_to_dict(self.head),
        }
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
        }
