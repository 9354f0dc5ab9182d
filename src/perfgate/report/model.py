"""The one report model: what ``check`` and ``compare`` decided.

Every output reads this model: the terminal table, markdown, JSON, JUnit, the PR comment, the
job summary, the annotations and the Action's outputs. A JSON report is read back into the same
model (the Action and the fork poster do).
Its JSON form is written and read in :mod:`perfgate.report.document`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    """What the gate made of one row (see :mod:`perfgate.decisions.gate`): whether it fails the gate
    under the report's ``fail-on``, the annotation level it deserves, and why, in words."""

    fails: bool = False
    level: AnnotationLevel | None = None  # "error" exactly when it fails the gate
    reasons: tuple[str, ...] = ()
    # `--accept NAME[=REASON]`: a finding that would fail, passed because it is intended (the
    # reason, "" when none was given); None when not accepted
    accepted: str | None = None
    # what the row shows (None: nothing to say; renderers fold or leave out such rows)
    finding: RowFinding | None = None


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
    # its Python bytecodes in one benchmark call, when counted (metrics: bytecodes): exact
    bytecodes_base: float | None = None
    bytecodes_head: float | None = None

    @property
    def added(self) -> float:
        return (self.head or 0.0) - (self.base or 0.0)

    @property
    def bytecodes_added(self) -> float:
        """How much the bytecode count changed (either way; 0 when not counted)."""
        if self.bytecodes_base is None and self.bytecodes_head is None:
            return 0.0
        return abs((self.bytecodes_head or 0.0) - (self.bytecodes_base or 0.0))

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

    def every_note(self) -> tuple[str, ...]:
        """Every note on the report as a whole, decided here so that each output (table,
        markdown, JSON, JUnit, the PR comment) carries the same ones: the commands' notes, then
        what the rows imply. A report read back from JSON already holds the implied ones, so
        a note is never said twice."""
        implied = []
        within = sum(1 for row in self.rows if row.head.interval.method == "within-process")
        if within and not self.compared:
            implied.append(
                f"{within} of {len(self.rows)} intervals come from 1-2 rounds and are "
                "within-process only: they leave out the noise between processes (give more "
                "rounds for that)."
            )
        return (*self.notes, *(note for note in implied if note not in self.notes))
