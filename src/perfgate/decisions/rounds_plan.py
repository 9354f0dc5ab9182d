"""Which benchmarks the next interleaved round runs (pure).

After the minimum rounds most benchmarks of a suite are decided and one or two noisy ones
hold the run; re-running every benchmark in every round spent most of a PR's time on rows
whose outcome no round could change. The next round runs the undecided benchmarks and, beside
them, the cheapest decided ones, so that each round still has :data:`FOLLOWERS` benchmarks
(when the suite has them) for the per-round speed factor, which is the median over the
benchmarks of that round (``inference.remove_speed_factor``). Every benchmark keeps the
rounds it ran: the suite is judged on all of them together, as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from perfgate.config import Thresholds
from perfgate.decisions.inference import MIN_SUITE
from perfgate.decisions.names import bare as bare_name
from perfgate.model import Benchmark
from perfgate.report.model import Report

FOLLOWERS = MIN_SUITE  # benchmarks a narrowed round keeps, undecided or not


def next_round(report: Report, head: Sequence[Benchmark]) -> list[str]:
    """The harness names (node ids, asv names) the next round runs; empty: every benchmark
    (nothing to narrow, or narrowing would keep them all).

    Only rows that wait to be told apart from no change are narrowed for. A significant
    row waiting for its severity to settle keeps every benchmark running: its interval is
    Holm's, at a level set by its rank among the suite's p-values, and benchmarks stopped
    early keep larger p-values, which moves it to a stricter level (measured in
    docs/performance.md, "Per-benchmark rounds")."""
    changes = {row.name: row.change for row in report.rows if row.change is not None}
    everything = {bare_name(name) for name in changes}
    undecided = {bare_name(name) for name, change in changes.items() if not change.decisive}
    if not undecided or any(c.significant and not c.decisive for c in changes.values()):
        return []
    cost = {bare_name(b.name): _cost(b) for b in head if b.unit == "s"}
    decided = sorted(everything - undecided, key=lambda name: (cost.get(name, math.inf), name))
    chosen = undecided | set(decided[: max(0, FOLLOWERS - len(undecided))])
    return [] if chosen == everything else sorted(chosen)


def _cost(bench: Benchmark) -> float:
    """What a round of the benchmark took, roughly: its first round's samples summed (the
    first, so that the same decided benchmarks follow in every narrowed round)."""
    return float(sum(bench.rounds[0])) if bench.rounds else math.inf


def note(rounds: Sequence[int], used: int, minimum: int) -> str | None:
    """What the report says when benchmarks ran different numbers of rounds."""
    if not rounds or min(rounds) == max(rounds):
        return None
    return (
        f"Rounds per benchmark: {min(rounds)} to {max(rounds)} of {used}. After round "
        f"{minimum}, a round ran only the benchmarks still undecided, with decided ones beside "
        "them to follow the machine's speed (rounds.per-benchmark in perfgate.yml); each "
        "benchmark is judged on the rounds it ran."
    )


def rounds_left(report: Report, thresholds: Thresholds) -> int | None:
    """A rough estimate of the rounds still needed until every row is decided: an interval's
    width shrinks as 1/sqrt(rounds), and a row is decided when its interval clears the
    boundary nearest its estimate (the minor threshold, or the critical one for a flagged
    change). None when some row's estimate sits on a boundary (no number of rounds is
    likely to decide it)."""
    needed, open_rows = 0, 0
    for row in report.rows:
        change = row.change
        if change is None or change.decisive or change.rounds < 1:
            continue
        open_rows += 1
        worse = change.ratio if row.direction != "higher" else 1.0 / change.ratio
        if worse <= 0 or change.low <= 0:
            return None
        estimate, minor = math.log(worse), math.log(1.0 + thresholds.minor)
        if change.significant:
            margin = abs(estimate - math.log(1.0 + thresholds.critical))
            if estimate < minor:
                margin = min(margin, minor - estimate)
            width = (math.log(change.high) - math.log(change.low)) / 2
        else:
            margin = abs(minor - estimate)
            width = math.log(change.upper) - estimate if math.isfinite(change.upper) else math.inf
        if margin < 1e-3 or not math.isfinite(width):
            return None
        total = math.ceil(change.rounds * (width / margin) ** 2)
        needed = max(needed, total - change.rounds)
    return max(needed, 1) if open_rows else 0
