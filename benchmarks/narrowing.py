"""Per-benchmark rounds: machine time and outcomes with and without narrowing.

Uses the pool of real rounds ``benchmarks/loaded_runner.py`` collects (8 benchmarks of 0.2 to
2.5 ms a call, unchanged twice, +30% and 2x, each collection round's variants back to back).
A trial draws 10 collection rounds and runs perfgate's adaptive schedule over them (from
``rounds.min``, stopping when every row is decided): once every benchmark in every round
(``rounds.per-benchmark: false``), once as ``perfgate run`` now does (after the minimum, a
round runs the undecided benchmarks and enough decided ones for 5 in all). Machine time is
the rounds' processes (an overhead a process, ``--overhead``, default 0.5 s: pytest's
start-up measured here) plus the benchmarks' own time in the pool (each benchmark's samples
summed, as a round of pytest-benchmark spends it).

Run: ``nox -s narrowing -- --hogs 0`` (the loaded_runner pool must be cached: run
``nox -s loaded_runner -- --hogs 0`` first). Prints a table (docs/performance.md has it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks.loaded_runner import timer_pool  # noqa: E402
from perfgate.config import Config  # noqa: E402
from perfgate.decisions import gate, rounds_plan  # noqa: E402
from perfgate.decisions.compare import compare  # noqa: E402
from perfgate.decisions.names import bare as bare_name  # noqa: E402
from perfgate.model import Benchmark  # noqa: E402

Pool = dict[str, list[list[Benchmark]]]


def _side(pool: list[list[Benchmark]], picks: list[int], ran: dict[str, int]) -> list[Benchmark]:
    first = pool[picks[0]]
    return [
        replace(b, rounds=tuple(pool[k][i].rounds[0] for k in picks[: ran[b.name]]))
        for i, b in enumerate(first)
    ]


def trial(
    pool: Pool, variant: str, picks: list[int], *, narrow: bool, overhead: float
) -> tuple[int, float, str]:
    """Rounds used, machine time (s) and the outcome at the stop."""
    config = Config()
    names = [b.name for b in pool["A"][0]]
    index = {name: i for i, name in enumerate(names)}
    ran = dict.fromkeys(names, 0)
    selected = list(names)
    seconds = 0.0
    report = None
    for done in range(1, len(picks) + 1):
        for name in selected:
            ran[name] += 1
            for side in ("A", variant):  # base and head, one process each
                seconds += sum(pool[side][picks[done - 1]][index[name]].rounds[0])
        seconds += 2 * overhead
        if done < config.rounds.min:
            continue
        base, head = _side(pool["A"], picks, ran), _side(pool[variant], picks, ran)
        report = compare(base, head, config)
        if all(r.change is None or r.change.decisive for r in report.rows):
            break
        if gate.settled_failure(report) is not None:  # fails whatever the others show
            break
        chosen = rounds_plan.next_round(report, head) if narrow else []
        selected = [n for n in names if bare_name(n) in set(chosen)] if chosen else names
    assert report is not None
    worst = max(
        (r.severity for r in report.rows if r.change and r.change.direction == "slower"),
        key=["none", "minor", "major", "critical"].index,
        default="none",
    )
    open_rows = sum(1 for r in report.rows if r.change and not r.change.decisive)
    outcome = f"{worst}{' +undecided' if open_rows else ''}"
    return done, seconds, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=0)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--overhead", type=float, default=0.5)
    parser.add_argument("--timer", default="wall", help="a timer loaded_runner --timer cached")
    args = parser.parse_args()
    pool: Pool = timer_pool(args.hogs, args.timer)
    print(
        f"{len(pool['A'])} collection rounds, {args.hogs} CPU hogs, {len(pool['A'][0])} "
        f"benchmarks; {args.trials} trials\n\n| case | schedule | median rounds | median "
        "machine time | outcomes at the stop |\n|---|---|---:|---:|---|"
    )
    for variant, case in (("A2", "A/A"), ("slow30", "+30% all"), ("slow100", "2x all")):
        rng = random.Random(4)  # noqa: S311 - sampling, not a secret
        draws = [rng.sample(range(len(pool["A"])), 10) for _ in range(args.trials)]
        for narrow in (False, True):
            results = [
                trial(pool, variant, picks, narrow=narrow, overhead=args.overhead)
                for picks in draws
            ]
            tally: dict[str, int] = {}
            for _, _, outcome in results:
                tally[outcome] = tally.get(outcome, 0) + 1
            shown = ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
            print(
                f"| {case} | {'per benchmark' if narrow else 'every benchmark'} | "
                f"{statistics.median(r for r, _, _ in results):g} | "
                f"{statistics.median(s for _, s, _ in results):.1f} s | {shown} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
