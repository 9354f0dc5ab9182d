"""A 1,150-benchmark suite (pandas' size) on 1, 4, 8 and 16 shards, simulated from measured
per-benchmark costs. Prints the table in docs/performance.md.

Run: ``python benchmarks/shard_sim.py`` (needs ../shared/data).

Costs. asv records how long each benchmark took (``duration``, seconds, on GitHub's 2-core
runners): every benchmark of every django and sunpy result file is one measured cost. The
suite is 1,150 costs drawn from them (seeded), named ``bench_0`` ... ``bench_1149``. A shard's
wall time is its benchmarks' costs x 2 sides x ROUNDS rounds, plus the job's fixed cost
(checkout, Python, the two environments: JOB_SETUP seconds, the issue's measured 138 s of venv
+ pip for a first run). The merge job's cost is scaled from the measured compare of 2,000
benchmarks x 10 rounds (docs/performance.md: 7.66 s CPU), linearly in benchmarks x rounds,
plus its own setup (MERGE_SETUP). Shards are perfgate's hash partition (``--shard K/N``,
:func:`perfgate.harness.shards.in_shard`); beside it, what a partition balanced by the costs would
give (longest first onto the least-loaded shard: :func:`perfgate.harness.shards.assign`, which
``--shard`` uses when the history holds the base commit's durations).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

BENCHMARKS = 1150
ROUNDS = 5
JOB_SETUP = 138.0 + 60.0  # two environments (venv + pip, measured), checkout and Python
MERGE_SETUP = 60.0  # checkout, Python, perfgate, artifacts
COMPARE_2000x10 = 7.66  # CPU seconds, docs/performance.md


def measured_costs() -> list[float]:
    costs = []
    for folder in ("django-asv/results", "sunpy-benchmarks/results"):
        for path in sorted((SHARED / folder).rglob("*.json")):
            if path.name in ("benchmarks.json", "machine.json"):
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            columns = data.get("result_columns") or []
            if "duration" not in columns:
                continue
            at = columns.index("duration")
            for row in data.get("results", {}).values():
                if isinstance(row, list) and len(row) > at and isinstance(row[at], (int, float)):
                    costs.append(float(row[at]))
    return costs


def main() -> None:
    from perfgate.harness.shards import Shard, in_shard  # noqa: PLC0415

    if not SHARED.is_dir():
        sys.exit(f"needs the shared histories in {SHARED}")
    pool = measured_costs()
    rng = random.Random(1150)  # noqa: S311 - sampling, not a secret
    suite = {f"bench_{i}": rng.choice(pool) for i in range(BENCHMARKS)}
    per_round = 2 * ROUNDS  # both sides, every round
    total = sum(suite.values()) * per_round
    merge = MERGE_SETUP + COMPARE_2000x10 * (BENCHMARKS / 2000) * (ROUNDS / 10)
    print(
        f"{len(pool):,} measured benchmark costs (median {sorted(pool)[len(pool) // 2]:.2f} s); "
        f"suite: {BENCHMARKS:,} of them, {sum(suite.values()) / 60:.0f} min for one pass; "
        f"{ROUNDS} rounds x 2 sides; job setup {JOB_SETUP:.0f} s; merge job {merge:.0f} s.\n"
    )
    print("| shards | slowest shard, hash partition | slowest shard, balanced by cost | "
          "wall time with merge (hash) | machine time |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for count in (1, 4, 8, 16):
        loads = [0.0] * count
        for name, cost in suite.items():
            k = next(i for i in range(count) if in_shard(name, Shard(index=i + 1, count=count)))
            loads[k] += cost * per_round
        balanced = [0.0] * count
        for cost in sorted(suite.values(), reverse=True):
            balanced[balanced.index(min(balanced))] += cost * per_round
        slowest, best = max(loads) + JOB_SETUP, max(balanced) + JOB_SETUP
        wall = slowest + (merge if count > 1 else 0.0)
        machine = total + count * JOB_SETUP + (merge if count > 1 else 0.0)
        print(
            f"| {count} | {slowest / 60:.0f} min | {best / 60:.0f} min | {wall / 60:.0f} min | "
            f"{machine / 3600:.1f} h |"
        )


if __name__ == "__main__":
    main()
