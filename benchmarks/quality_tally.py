"""Counting a rule's verdicts and turning the counts into table rows (no decisions here)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

SLOWDOWNS = (0.02, 0.05, 0.10, 0.25, 0.50)
HEADER = (
    "| rule | input | false alarms / benchmark | suite runs with a false alarm "
    "| false critical / benchmark | "
    + " | ".join(f"recall +{s:.0%}" for s in SLOWDOWNS)
    + " | +50% called critical | rounds a side |"
)


@dataclass
class Tally:
    """One rule on one data set: unchanged (A/A) verdicts, suite runs, and slowed verdicts."""

    rule: str
    data: str
    aa_alarms: int = 0
    aa_critical: int = 0
    aa_total: int = 0
    suites_alarmed: int = 0
    suites: int = 0
    hits: dict[float, int] = field(default_factory=dict)
    trials: dict[float, int] = field(default_factory=dict)
    critical_at_50: int = 0
    rounds: list[int] = field(default_factory=list)

    def unchanged(self, alarm: bool, critical: bool) -> None:
        self.aa_total += 1
        self.aa_alarms += alarm
        self.aa_critical += critical

    def suite(self, alarmed: bool) -> None:
        self.suites += 1
        self.suites_alarmed += alarmed

    def slowed(self, slowdown: float, alarm: bool, critical: bool) -> None:
        self.trials[slowdown] = self.trials.get(slowdown, 0) + 1
        self.hits[slowdown] = self.hits.get(slowdown, 0) + alarm
        if slowdown == SLOWDOWNS[-1]:
            self.critical_at_50 += critical

    def recall(self, slowdown: float) -> float:
        return self.hits.get(slowdown, 0) / max(1, self.trials.get(slowdown, 0))

    def row(self) -> str:
        cells = [
            self.rule,
            self.data,
            _rate(self.aa_alarms, self.aa_total),
            _rate(self.suites_alarmed, self.suites),
            _rate(self.aa_critical, self.aa_total),
            *(_rate(self.hits.get(s, 0), self.trials.get(s, 0)) for s in SLOWDOWNS),
            _rate(self.critical_at_50, self.trials.get(SLOWDOWNS[-1], 0)),
            f"{statistics.mean(self.rounds):.1f}" if self.rounds else "-",
        ]
        return "| " + " | ".join(cells) + " |"


def _rate(count: int, total: int) -> str:
    if not total:
        return "-"
    share = count / total
    text = f"{share:.1%}" if 0 < share < 0.1 else f"{share:.0%}"
    return f"{text} ({count:,}/{total:,})" if share < 0.01 else text


def table(tallies: list[Tally]) -> str:
    divider = "|---|---|" + "---:|" * (len(HEADER.split("|")) - 4)
    return "\n".join([HEADER, divider, *(t.row() for t in tallies)])
