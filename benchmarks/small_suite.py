"""Small suites: rounds to a decision for 3 benchmarks (one made 2x slower, or none).

Uses the pool of real rounds ``benchmarks/loaded_runner.py`` collects (8 benchmarks of 0.2 to
2.5 ms, unchanged twice, +30% and 2x, each collection round's variants back to back). A trial
draws 3 of the 8 benchmarks and 10 collection rounds; the suite is base = A, head = A2 for the
A/A, and A2 with one of the three taken from the 2x variant for the 2x case; rounds are added
from ``rounds.min`` until every row is decided or a settled slowdown fails the check
whatever the others show, as ``perfgate run`` does.

Run: ``nox -s small_suite -- --hogs 0`` (collects the pool first unless it is cached;
``--hogs 2`` for the loaded pool). Prints a table (docs/verdict-engine.md has it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks.loaded_runner import side, wall_pool  # noqa: E402
from perfgate.config import Config  # noqa: E402
from perfgate.decisions import gate  # noqa: E402
from perfgate.decisions.compare import compare  # noqa: E402
from perfgate.model import Benchmark  # noqa: E402

Pool = dict[str, list[list[Benchmark]]]


def trial(pool: Pool, rng: random.Random, *, planted: bool, size: int) -> tuple[int, str]:
    """Rounds used and the outcome at the stop: 'critical' (the planted one found critical),
    'planted major' or 'planted minor' (found, graded below: as it measured), 'alarm' (an
    unchanged benchmark flagged), 'pass' or 'undecided'."""
    config = Config()
    chosen = rng.sample(range(len(pool["A"][0])), size)
    picks = rng.sample(range(len(pool["A"])), min(10, len(pool["A"])))
    slow = chosen[0]
    head_rounds = [
        [pool["slow100"][k][i] if planted and i == slow else pool["A2"][k][i] for i in chosen]
        for k in range(len(pool["A"]))
    ]
    base_rounds = [[pool["A"][k][i] for i in chosen] for k in range(len(pool["A"]))]
    stop, changes, failure, named = 0, [], None, {}
    for r in range(config.rounds.min, len(picks) + 1):
        report = compare(side(base_rounds, picks[:r]), side(head_rounds, picks[:r]), config)
        changes = [row.change for row in report.rows if row.change is not None]
        named = {id(row.change): row.name for row in report.rows if row.change is not None}
        stop = r
        # as `perfgate run`: every row decided, or a settled slowdown fails the check anyway
        failure = gate.settled_failure(report)
        if all(c.decisive for c in changes) or failure is not None:
            break
    slower = [c for c in changes if c.direction == "slower" and c.severity != "none"]
    target = pool["A"][0][slow].name if planted else None
    others = [c for c in slower if named[id(c)] != target]
    mine = [c for c in slower if named[id(c)] == target]
    if others or (failure is not None and failure.name != target):
        outcome = "alarm"  # an unchanged benchmark flagged
    elif failure is not None:
        outcome = "critical"
    elif not all(c.decisive for c in changes):
        outcome = "undecided"
    elif mine:
        # the planted one, graded as measured: the "2x" dict build of 15,000 entries is
        # +39% in time (the dict's resizes), so it is major, not critical
        outcome = "critical" if mine[0].severity == "critical" else f"planted {mine[0].severity}"
    else:
        outcome = "pass"
    return stop, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=0)
    parser.add_argument("--pool", type=int, default=12, help="collection rounds")
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--size", type=int, default=3, help="benchmarks in a suite")
    args = parser.parse_args()
    pool = wall_pool(args.hogs, args.pool)
    print(
        f"{len(pool['A'])} collection rounds, {args.hogs} CPU hogs; {args.trials} trials of "
        f"{args.size} benchmarks\n\n| case | median rounds | mean | outcomes at the stop |\n"
        "|---|---:|---:|---|"
    )
    for planted in (True, False):
        rng = random.Random(3)  # noqa: S311 - sampling, not a secret
        results = [trial(pool, rng, planted=planted, size=args.size) for _ in range(args.trials)]
        used = [r for r, _ in results]
        tally = {o: sum(1 for _, x in results if x == o) for o in sorted({x for _, x in results})}
        shown = ", ".join(f"{o} {n}" for o, n in tally.items())
        case = "one of 3 made 2x slower" if planted else "A/A"
        print(f"| {case} | {statistics.median(used):g} | {statistics.mean(used):.1f} | {shown} |")


if __name__ == "__main__":
    main()
