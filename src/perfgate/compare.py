"""``perfgate compare``'s decision: base and head benchmarks + config -> a Report.

A slowdown is flagged when both hold:

1. it is *significant*: its Holm-adjusted p-value across all compared benchmarks is below
   ``regression.alpha`` (5%), which bounds the chance of any false alarm in a suite run;
2. its interval *reaches* the minor threshold (10%): the magnitude floor. A change whose whole
   interval lies below +10% is never flagged, however significant.

Its severity is the highest threshold (minor 10%, major 20%, critical 50%) its interval reaches:
"at least this bad is consistent with the data, and no slowdown at all is not". Improvements
are graded the same way and never fail the gate.

With a single round on a side the interval is within-process only: it cannot see the noise
between processes, so such a comparison is capped at ``major`` (it never fails the gate under
the default ``fail-on: critical``) and the report says so. Two rounds a side are capped the same
way: the paired t interval then has one degree of freedom, and its variance estimate, from a
single difference of differences, is near zero often enough that in a 200-benchmark A/A suite
one benchmark passed even Holm's alpha/200 and came out critical.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace

from perfgate import gate
from perfgate.budgets import find_rule
from perfgate.check import head_row, unused_budgets
from perfgate.config import Config, Thresholds
from perfgate.inference import RatioEstimate, estimate_ratio, holm
from perfgate.model import Benchmark
from perfgate.options import ChangeDirection, Severity
from perfgate.report.model import Change, Report, Row
from perfgate.stats import CONFIDENCE, summarize

SINGLE_ROUND_CAP: Severity = "major"
FEW_ROUNDS = 3  # fewer rounds than this on a side: severity capped at SINGLE_ROUND_CAP


def compare(
    base: Sequence[Benchmark],
    head: Sequence[Benchmark],
    config: Config,
    *,
    failed: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> Report:
    base_by_name = {b.name: b for b in base}
    head_names = {b.name for b in head}
    changes = assess_changes(base, head, config)
    rows: list[Row] = []
    used: set[str] = set()
    for bench in head:
        other = base_by_name.get(bench.name)
        if other is not None:
            row = head_row(bench, config, used)
            rows.append(
                replace(row, base=summarize(other, row.metric), change=changes.get(bench.name))
            )
    notes = []
    if any(r.change and r.change.method == "within-process" for r in rows):
        notes.append(
            "Some comparisons rest on a single round per side: their intervals are "
            "within-process only and their severity is capped at major."
        )
    elif any(r.change and r.change.note == TWO_ROUNDS_NOTE for r in rows):
        notes.append(
            f"Comparisons on fewer than {FEW_ROUNDS} rounds per side are capped at major: "
            "give more rounds for a verdict that can fail the gate."
        )
    return gate.finish(
        "compare",
        rows,
        config.fail_on,
        unused_budgets=unused_budgets(config, used),
        failed=failed,
        sources=sources,
        config=config.source,
        added=[b.name for b in head if b.name not in base_by_name],
        removed=[b.name for b in base if b.name not in head_names],
        notes=notes,
    )


def assess_changes(
    base: Sequence[Benchmark], head: Sequence[Benchmark], config: Config
) -> dict[str, Change]:
    """The change of every benchmark on both sides (with raw samples), Holm-adjusted together.
    Raises ValueError when there is nothing to compare or units disagree."""
    base_by_name = {b.name: b for b in base}
    common = [b for b in head if b.name in base_by_name]
    if not common:
        raise ValueError("base and head have no benchmark in common")
    names: list[str] = []
    estimates: list[RatioEstimate] = []
    directions: list[str] = []
    for bench in common:
        other = base_by_name[bench.name]
        if other.unit != bench.unit:
            raise ValueError(
                f"benchmark {bench.name!r} is in {other.unit!r} in base but "
                f"in {bench.unit!r} in head"
            )
        rule = find_rule(bench.name, bench.short_name, bench.unit, config.budgets)
        estimate = _estimate(other, bench, rule.metric if rule else config.metric)
        if estimate is not None:
            names.append(bench.name)
            estimates.append(estimate)
            directions.append(bench.direction)
    adjusted = holm([e.p_value for e in estimates])
    return {
        name: classify(estimate, p, direction, config.regression)
        for name, estimate, p, direction in zip(names, estimates, adjusted, directions, strict=True)
    }


def _estimate(base: Benchmark, head: Benchmark, metric: str) -> RatioEstimate | None:
    if not base.raw_samples or not head.raw_samples:
        return None  # stored statistics only: nothing to infer from
    return estimate_ratio(
        base.rounds,
        head.rounds,
        metric,
        paired=True,
        confidence=CONFIDENCE,
        seed=zlib.crc32(head.name.encode("utf-8", "surrogatepass")),
    )


def classify(
    estimate: RatioEstimate, p_adjusted: float, direction: str, thresholds: Thresholds
) -> Change:
    """Significance, direction, severity and decisiveness of one estimate."""
    # orient so that > 1 is worse: for higher-is-better units a lower ratio is a slowdown
    if direction == "higher":
        worse, low, high = 1 / estimate.ratio, 1 / estimate.high, 1 / estimate.low
    else:
        worse, low, high = estimate.ratio, estimate.low, estimate.high
    significant = p_adjusted < thresholds.alpha
    minor_limit = 1.0 + thresholds.minor
    # decided: either no minor slowdown is possible any more, or a flagged one is certain
    # (significant after Holm, not only by its own interval)
    decisive = high < minor_limit or (significant and low >= minor_limit)
    note = None
    if not significant or worse == 1.0:
        return _change(
            estimate,
            p_adjusted,
            significant=False,
            direction="unchanged",
            severity="none",
            decisive=decisive,
            note=note,
        )
    slower = worse > 1.0
    reach = high if slower else 1.0 / low  # how large the change could be
    severity = grade(reach, thresholds)
    if severity == "critical" and estimate.method == "within-process":
        severity = SINGLE_ROUND_CAP
        note = "capped at major: a single round per side cannot rule out a one-process fluke"
    elif severity == "critical" and 0 < estimate.rounds < FEW_ROUNDS:
        severity = SINGLE_ROUND_CAP
        note = TWO_ROUNDS_NOTE
        decisive = False  # another round can lift the cap: adaptive stopping goes on
    return _change(
        estimate,
        p_adjusted,
        significant=True,
        direction="slower" if slower else "faster",
        severity=severity,
        decisive=decisive,
        note=note,
    )


TWO_ROUNDS_NOTE = (
    f"capped at major: fewer than {FEW_ROUNDS} rounds per side leave the t interval too few "
    "degrees of freedom to rule out a fluke"
)


def grade(reach: float, thresholds: Thresholds) -> Severity:
    """The highest threshold a change factor (> 1) reaches."""
    levels: tuple[tuple[Severity, float], ...] = (
        ("critical", thresholds.critical),
        ("major", thresholds.major),
        ("minor", thresholds.minor),
    )
    for name, limit in levels:
        if reach >= 1.0 + limit - 1e-12:
            return name
    return "none"


def _change(
    estimate: RatioEstimate,
    p_adjusted: float,
    *,
    significant: bool,
    direction: ChangeDirection,
    severity: Severity,
    decisive: bool,
    note: str | None,
) -> Change:
    return Change(
        ratio=estimate.ratio,
        low=estimate.low,
        high=estimate.high,
        p_value=estimate.p_value,
        p_adjusted=p_adjusted,
        significant=significant,
        direction=direction,
        severity=severity,
        method=estimate.method,
        decisive=decisive,
        note=note,
    )
