"""Lockstep pairing: does running base and head call by call, in two processes that take turns,
cancel more of a busy machine's noise than perfgate's rounds (one side's process, then the
other's)?

Two worker processes run the same fixed work (an A/A: any spread of their ratio is noise).
Each round starts a fresh pair of workers and takes ``--calls`` timed calls of each:

* ``rounds``: as `perfgate run` does: one worker makes all its calls, then the other (the
  order of the two drawn at random each round);
* ``lockstep``: the workers take turns, one call each, so both see the same moments of the
  machine.

A round's statistic is each side's p25 (perfgate's default), its log-ratio the round's
measurement; printed: the standard deviation of the per-round log-ratio per mode, idle and
with ``--hogs`` CPU hogs, the modes alternating round by round. The smaller it is, the fewer
rounds a decision takes (the interval shrinks with sd / sqrt(rounds)). Timed by the wall clock
less the run-queue wait where Linux has it (perfgate's default timer), else the wall clock.

Run: ``python benchmarks/lockstep.py --rounds 30 --hogs 2`` (docs/performance.md has the
table).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.hogs import spinning  # noqa: E402

PLUGIN = ROOT / "src" / "perfgate" / "pytest_plugin"

# a worker: on each line "go" from its parent, one timed call; the duration back on stdout
WORKER = """
import sys
sys.path.insert(0, sys.argv[1])
import perfgate_timers
timer = perfgate_timers.wall_minus_runqueue if perfgate_timers.available() else None
if timer is None:
    import time
    timer = time.perf_counter
size = int(sys.argv[2])

def work():
    table = {}
    for i in range(size):
        table[i % 1009] = table.get(i % 1009, 0) + i * i
    return sorted(table.values())

work()
for line in sys.stdin:
    began = timer()
    work()
    print(timer() - began, flush=True)
"""


class _Worker:
    def __init__(self, size: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(PLUGIN), str(size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def call(self) -> float:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def _p25(values: list[float]) -> float:
    return statistics.quantiles(values, n=4, method="inclusive")[0]


def one_round(mode: str, calls: int, size: int, rng: random.Random) -> float:
    """The log-ratio of the two workers' p25 in one round of ``mode``."""
    workers = [_Worker(size), _Worker(size)]
    try:
        times: list[list[float]] = [[], []]
        if mode == "lockstep":
            for _ in range(calls):
                for side in (0, 1):
                    times[side].append(workers[side].call())
        else:
            for side in rng.sample((0, 1), 2):
                times[side] = [workers[side].call() for _ in range(calls)]
    finally:
        for worker in workers:
            worker.close()
    return math.log(_p25(times[1]) / _p25(times[0]))


def measure(rounds: int, hogs: int, calls: int, size: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)  # noqa: S311 - an order of sides, not a secret
    found: dict[str, list[float]] = {"rounds": [], "lockstep": []}
    with spinning(hogs):
        for _ in range(rounds):
            for mode in rng.sample(list(found), 2):
                found[mode].append(one_round(mode, calls, size, rng))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--hogs", type=int, default=2)
    parser.add_argument("--calls", type=int, default=100, help="timed calls a side a round")
    parser.add_argument("--size", type=int, default=20_000, help="the work's loop (~2 ms)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.monotonic()
    print(
        f"{args.rounds} rounds a mode and load, {args.calls} calls a side a round; sd of the "
        "per-round log-ratio of the two sides' p25 (A/A)\n\n| load | rounds (one side, then "
        "the other) | lockstep (call by call) | lockstep / rounds |\n|---|---:|---:|---:|"
    )
    for hogs in (0, args.hogs):
        found = measure(args.rounds, hogs, args.calls, args.size, args.seed)
        sds = {mode: statistics.stdev(values) for mode, values in found.items()}
        load = "idle" if hogs == 0 else f"{hogs} CPU hogs"
        print(
            f"| {load} | {sds['rounds']:.4f} | {sds['lockstep']:.4f} | "
            f"{sds['lockstep'] / sds['rounds']:.2f} |"
        )
    print(f"\n({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
