"""``perfgate compare``'s decision: base and head benchmarks + config -> a Report.

The change of each benchmark is the ratio head/base of the *decision statistic* (by default
:data:`DEFAULT_STATISTIC`, chosen by measurement: docs/verdict-engine.md; ``regression:
{statistic: ...}`` chooses another; ``metric:`` is for budgets and tables), judged over the whole
suite by :mod:`perfgate.decisions.inference`. A slowdown is flagged when all hold:

1. it is *significant*: its Holm-adjusted p-value across all compared benchmarks is below
   ``regression.alpha`` (5%), which bounds the chance of any false alarm in a suite run;
2. its interval *reaches* the minor threshold (10%), and its measured change (the estimate) is
   at least 70% of it (+7%): the magnitude floor.

Its severity is the highest threshold (minor 10%, major 20%, critical 50%) its *measured*
change reaches, as the ecosystem reads a threshold ("the change is at least 50%"), and minor
for a flagged change below +10%. Grading on how far the interval reaches failed pull requests
in proportion to noise (docs/verdict-engine.md, "Severity"). Improvements are graded the same
way and never fail the gate.

A row that is not significant is ``unchanged`` only when the run rules out a slowdown of the
minor threshold (its one-sided 95% upper bound is below +10%); otherwise it is
``inconclusive``, with that bound: a slowdown up to it is not ruled out. Such a row shows the
one-sided 95% bounds as its interval, so the label and the interval say the same thing. A
benchmark with neither raw samples nor a stored median on both sides cannot be assessed.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from perfgate import units
from perfgate.config import Config, Thresholds
from perfgate.decisions import gate
from perfgate.decisions.check import calibration_notes, head_row, unused_budgets
from perfgate.decisions.inference import (
    DEFAULT_TAU,
    MIN_SUITE,
    Evidence,
    RatioEstimate,
    infer,
    measure,
    measure_stored,
    per_round,
)
from perfgate.decisions.stats import min_samples, summarize, two_groups
from perfgate.model import COUNTED_SHARE, Benchmark, Interval, Summary, measurement_notes
from perfgate.options import (
    FAIL_ON_GRADE,
    GRADES,
    GRADES_WORST_FIRST,
    ChangeDirection,
    FailOn,
    Severity,
)
from perfgate.report.model import Change, Report, Row
from perfgate.units import BYTECODES, INSTRUCTIONS

DEFAULT_STATISTIC = "p25"


def decision_statistic(config: Config) -> str:
    """The per-round statistic the regression decision compares."""
    return config.statistic or DEFAULT_STATISTIC


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
            rows.append(_compared_row(head_row(bench, config, used), other, bench, changes))
    notes = [
        *_notes(rows, decision_statistic(config)),
        *measurement_notes([*base, *head]),
        *calibration_notes(head, config),
    ]
    return gate.finish(
        "compare",
        rows,
        config.fail_on,
        unused_budgets=unused_budgets(config, used),
        failed=failed,
        sources=sources,
        config=config.source,
        accepted=config.accepted,
        added=[b.name for b in head if b.name not in base_by_name],
        removed=[b.name for b in base if b.name not in head_names],
        notes=notes,
    )


def _compared_row(row: Row, base: Benchmark, head: Benchmark, changes: dict[str, Change]) -> Row:
    """A row of both sides whose columns show what its change compares: the decision
    statistic of each side (a budget keeps the value it judged, its own statistic)."""
    change = changes.get(head.name)
    if change is None or not change.statistic or change.method in COUNT_METHODS.values():
        return replace(row, base=summarize(base, row.metric), change=change)
    statistic = change.statistic
    return replace(
        row,
        metric=statistic,
        head=decision_summary(head, statistic),
        base=decision_summary(base, statistic),
        change=change,
    )


def decision_summary(bench: Benchmark, statistic: str) -> Summary:
    """One side as its change sees it: the geometric mean of each round's ``statistic`` (the
    change is the mean of per-round log-ratios, so head/base of these is the change before the
    suite's speed factor). No interval of its own: the change carries the interval, and a
    side's bootstrap would double the cost of a comparison."""
    if not bench.raw_samples:
        return summarize(bench, statistic)
    values = per_round(bench.rounds, statistic)
    positive = values.size > 0 and bool(np.all(values > 0))
    value = float(np.exp(np.mean(np.log(values)))) if positive else float(np.median(values))
    n = sum(len(r) for r in bench.rounds)
    return Summary(
        name=bench.name,
        unit=bench.unit,
        direction=bench.direction,
        metric=statistic,
        value=value,
        interval=Interval(None, None, "none"),
        n=n,
        rounds=len(bench.rounds),
        raw_samples=True,
        few_samples=n < min_samples(statistic),
        min_n=min_samples(statistic),
        metric_used=statistic,
    )


def _notes(rows: Sequence[Row], statistic: str) -> list[str]:
    notes = [
        f"The change is the ratio head/base of each round's {statistic} (the decision "
        "statistic), and the base and head columns show that statistic (the geometric mean "
        "over rounds). A flagged change's interval is 95% and suite-wide (Holm); any other "
        "row's interval ends at its one-sided 95% bounds, which its label rests on. Budgets "
        "judge their own statistic (shown in the budget column)."
    ]
    methods = {r.change.method for r in rows if r.change is not None}
    paired = sum(r.change is not None and r.change.method == "paired-rounds" for r in rows)
    if 1 < paired < MIN_SUITE:
        notes.append(
            f"A suite of {paired} benchmarks is too small to fit how noise varies between "
            "benchmarks: each is judged by the suite's pooled round-to-round spread, or by its "
            "own where that is larger."
        )
    if methods & {"within-process", "stored-statistics"}:
        notes.append(
            "Some comparisons rest on one round (or stored statistics) per side: the noise "
            "between processes is taken from the spread of the whole suite (with fewer than "
            f"{MIN_SUITE} such benchmarks, {DEFAULT_TAU:.0%} as measured on GitHub's runners)."
        )
    return notes


def assess_changes(
    base: Sequence[Benchmark], head: Sequence[Benchmark], config: Config
) -> dict[str, Change]:
    """The change of every benchmark on both sides, judged together. Raises ValueError when
    there is nothing to compare or units disagree."""
    base_by_name = {b.name: b for b in base}
    common = [b for b in head if b.name in base_by_name]
    if not common:
        raise ValueError("base and head have no benchmark in common")
    statistic = decision_statistic(config)
    names: list[str] = []
    evidence: list[Evidence] = []
    directions: list[str] = []
    counted: dict[str, Change] = {}  # counts: exact, judged apart from timings
    for bench in common:
        other = base_by_name[bench.name]
        if other.unit != bench.unit:
            raise ValueError(
                f"benchmark {bench.name!r} is in {other.unit!r} in base but "
                f"in {bench.unit!r} in head"
            )
        if bench.unit in COUNT_METHODS and bench.raw_samples and other.raw_samples:
            counted[bench.name] = count_change(other, bench)
            continue
        found = gather(other, bench, statistic)
        if found is not None:
            names.append(bench.name)
            evidence.append(found)
            directions.append(bench.direction)
    estimates = infer(evidence, alpha=config.regression.alpha) if evidence else []
    judged = {
        name: classify(
            estimate,
            direction,
            config.regression,
            # stored statistics compare the stored medians, whatever the decision statistic
            "p50" if estimate.method == "stored-statistics" else statistic,
            deciding=deciding_threshold(config.fail_on, config.regression),
        )
        for name, estimate, direction in zip(names, estimates, directions, strict=True)
    }
    for name, change in judged.items():
        if change.direction == "inconclusive" and change.method == "paired-rounds":
            why = two_paths(base_by_name[name], statistic) or two_paths(
                next(b for b in common if b.name == name), statistic
            )
            if why is not None:
                judged[name] = replace(change, note=why)
    return {**counted, **judged}


def two_paths(bench: Benchmark, statistic: str) -> str | None:
    """Why a row stays undecided when its samples fall into two groups and the decision
    statistic of some rounds lands in one group, of others in the other: the round-to-round
    spread is then the groups' distance, not the code's speed."""
    if not bench.raw_samples or len(bench.rounds) < 2:
        return None
    groups = two_groups([value for one in bench.rounds for value in one])
    if groups is None:
        return None
    values = per_round(bench.rounds, statistic)
    slow = int(np.sum(values > groups.edge))
    if slow in (0, values.size):
        return None
    low, high = (units.format_value(v, bench.unit) for v in (groups.low, groups.high))
    shown = f"{low} and {high}"
    return (
        f"undecided because its samples fall into two groups (about {shown}; "
        f"{groups.share:.0%} in the slower) and each round's {statistic} lands in either "
        f"({slow} of {values.size} rounds in the slower): the spread between rounds is the "
        "distance between the groups. A benchmark that takes one path per call can be "
        "decided; so can a statistic inside the fast group (`regression: {statistic: min}`)"
    )


# Counts (valgrind's instructions, Python's bytecodes) repeat themselves (PYTHONHASHSEED=0): a
# change of 1% is real. Their thresholds are their own; a count may wobble by 0.01% (a dict
# resized at another moment) and still be called exact.
COUNT_METHODS = {INSTRUCTIONS: "instruction-counts", BYTECODES: "bytecode-counts"}
COUNT_THRESHOLDS = Thresholds(minor=0.01, major=0.05, critical=0.20)
COUNT_TOLERANCE = 1e-4


def count_change(base: Benchmark, head: Benchmark) -> Change:
    """head vs base for a count: the median of the per-round ratios, with the
    range of those ratios (widened by the tolerance) as the interval; no statistics needed."""
    olds = [value for round_ in base.rounds for value in round_]
    news = [value for round_ in head.rounds for value in round_]
    pairs = min(len(olds), len(news))
    if pairs and all(v > 0 for v in olds[:pairs]):
        ratios = sorted(new / old for old, new in zip(olds[:pairs], news[:pairs], strict=True))
    else:
        middle_old, middle_new = sorted(olds)[len(olds) // 2], sorted(news)[len(news) // 2]
        ratios = [middle_new / middle_old if middle_old > 0 else math.inf]
    ratio = ratios[len(ratios) // 2]
    low, high = ratios[0] * (1 - COUNT_TOLERANCE), ratios[-1] * (1 + COUNT_TOLERANCE)
    state: ChangeDirection
    severity: Severity = "none"
    if low > 1.0:
        state, severity = "slower", grade(ratio, COUNT_THRESHOLDS)
    elif high < 1.0:
        state, severity = "faster", grade(1.0 / ratio, COUNT_THRESHOLDS)
    else:
        state = "unchanged" if high < 1.0 + COUNT_THRESHOLDS.minor else "inconclusive"
    significant = state in ("slower", "faster")
    return Change(
        ratio=ratio,
        low=low,
        high=high,
        p_value=0.0 if significant else 1.0,
        p_adjusted=0.0 if significant else 1.0,
        significant=significant,
        direction=state,
        severity=severity,
        method=COUNT_METHODS[head.unit],
        decisive=state != "inconclusive",
        upper=high,
        statistic=f"{head.unit} per call",
        rounds=pairs or 1,
        note="; ".join(
            note
            for note in (
                None
                if ratios[-1] / ratios[0] < 1 + COUNT_TOLERANCE
                else (
                    f"the count varied between rounds ({ratios[0]:.4f}x to {ratios[-1]:.4f}x): "
                    "something in the benchmark is not deterministic"
                ),
                counted_share(head),
            )
            if note
        )
        or None,
    )


def counted_share(bench: Benchmark) -> str | None:
    """How much of a bytecode-counted benchmark's time its counted Python explains (the
    plugin's estimate), in words; None for other benchmarks."""
    share = bench.extra.get(COUNTED_SHARE)
    if not isinstance(share, (int, float)) or isinstance(share, bool):
        return None
    said = f"its bytecodes explain about {min(share, 1.0):.0%} of one call's time (an estimate)"
    if share < 0.5:
        said += ": most of it is spent in C, which bytecodes do not count; trust its time row"
    return said


def gather(base: Benchmark, head: Benchmark, statistic: str) -> Evidence | None:
    """One benchmark's evidence: from raw samples where both sides have them, else from the
    stored statistics; None when neither side can be compared."""
    if base.raw_samples and head.raw_samples:
        if base.n < 2 and head.n < 2 and len(base.rounds) < 2:
            return None  # a single measurement a side (asv's mem_, track_): nothing to infer
        return measure(
            base.rounds,
            head.rounds,
            statistic,
            paired=True,
            seed=zlib.crc32(head.name.encode("utf-8", "surrogatepass")),
        )
    return measure_stored(dict(base.stored), dict(head.stored))


# A flagged change's estimate must be at least this share of the minor threshold (+7% for
# the default +10%): below it, a significant change is shown as small but not flagged. Chosen
# on django's tuning pairs, checked on the held-out ones (docs/verdict-engine.md, "Severity").
FLAG_FLOOR_SHARE = 0.7


def deciding_threshold(fail_on: FailOn, thresholds: Thresholds) -> float:
    """The relative slowdown that decides the gate under ``fail_on``: the threshold of the
    mildest severity that fails it (the critical one when no severity fails, ``never``)."""
    mildest = FAIL_ON_GRADE[fail_on]
    return thresholds.limit(mildest or GRADES_WORST_FIRST[0])


def classify(
    estimate: RatioEstimate,
    direction: str,
    thresholds: Thresholds,
    statistic: str = "",
    *,
    deciding: float | None = None,
) -> Change:
    """Significance, direction, severity and decisiveness of one estimate.

    Severity is graded on the *measured* change (the point estimate), as asv, pytest-benchmark
    and github-action-benchmark read a threshold: ``critical: 50%`` means the change measured
    +50% or more, and is significant. A change is flagged when it is significant, its estimate
    is at least :data:`FLAG_FLOOR_SHARE` of the minor threshold and its interval reaches that
    threshold; a flagged change below the minor threshold is minor. The interval shown is the
    suite-wide one for a significant change and the one-sided 95% bounds otherwise, which are
    what ``unchanged`` and ``inconclusive`` are decided on: a label and its interval agree.
    ``deciding`` is the threshold that decides the gate (:func:`deciding_threshold`; the
    critical one by default): a flagged row is decisive once its interval no longer straddles
    it."""
    # orient so that > 1 is worse: for higher-is-better units a lower ratio is a slowdown
    if direction == "higher":
        worse, low, high = 1 / estimate.ratio, 1 / estimate.high, 1 / estimate.low
        upper, lower = 1 / estimate.lower, 1 / estimate.upper
    else:
        worse, low, high = estimate.ratio, estimate.low, estimate.high
        upper, lower = estimate.upper, estimate.lower
    significant = estimate.p_adjusted < thresholds.alpha and worse != 1.0
    minor_limit = 1.0 + thresholds.minor
    state: ChangeDirection
    severity: Severity = "none"
    if significant:
        slower = worse > 1.0
        state = "slower" if slower else "faster"
        factor, reach = (worse, high) if slower else (1.0 / worse, 1.0 / low)
        severity = _flagged_severity(factor, reach, thresholds)
        shown = (estimate.low, estimate.high)
    else:
        state = "unchanged" if upper < minor_limit else "inconclusive"
        bounds = (lower, upper) if direction != "higher" else (1 / upper, 1 / lower)
        shown = (min(bounds[0], estimate.ratio), max(bounds[1], estimate.ratio))
    return Change(
        ratio=estimate.ratio,
        low=shown[0],
        high=shown[1],
        p_value=estimate.p_value,
        p_adjusted=estimate.p_adjusted,
        significant=significant,
        direction=state,
        severity=severity,
        method=estimate.method,
        decisive=_settled(
            significant,
            (low, high, upper),
            thresholds,
            thresholds.critical if deciding is None else deciding,
        ),
        upper=upper,
        statistic=statistic,
        rounds=estimate.rounds,
        interval="suite-wide" if significant else "one-sided",
    )


def _flagged_severity(factor: float, reach: float, thresholds: Thresholds) -> Severity:
    """The severity of a significant change by ``factor`` (> 1, the measured change in the
    worse sense) whose interval reaches ``reach``."""
    if factor < 1.0 + FLAG_FLOOR_SHARE * thresholds.minor or reach < 1.0 + thresholds.minor:
        return "none"
    graded = grade(factor, thresholds)
    return GRADES[0] if graded == "none" else graded


def _settled(
    significant: bool,
    bounds: tuple[float, float, float],
    thresholds: Thresholds,
    deciding: float,
) -> bool:
    """No further round could change the row's outcome at the gate: a slowdown of the minor
    threshold is ruled out, or the change is significant, clears the minor threshold and its
    interval (``low``, ``high``; ``upper`` the one-sided bound) no longer straddles
    ``deciding``, the threshold that fails the gate."""
    low, high, upper = bounds
    if upper < 1.0 + thresholds.minor:
        return True
    limit = 1.0 + deciding
    return significant and low >= 1.0 + thresholds.minor and not low < limit <= high


def grade(reach: float, thresholds: Thresholds) -> Severity:
    """The highest threshold a change factor (> 1) reaches."""
    for name in GRADES_WORST_FIRST:
        if reach >= 1.0 + thresholds.limit(name) - 1e-12:
            return name
    return "none"
