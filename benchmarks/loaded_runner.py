"""The verdict engine on this machine, idle and with CPU hogs: which decision statistic holds.

A real pytest-benchmark suite of 8 benchmarks of about 0.2 to 2.5 ms a call runs in K
collection rounds; each collection round runs, in random order and each in a fresh process, the
unchanged code twice (A, A2) and the code slowed by 30% and by 2x (the work loop runs longer:
``PERFGATE_SLOWDOWN``). With ``--hogs N``, N processes spin (``while True: pass``) for the whole
collection, as two CPU hogs do on a shared 2-core runner.

Trials draw R rounds from the pool (base = A's rounds, head = A2, +30% or 2x from the same
collection rounds, so each pair ran back to back as ``perfgate run`` interleaves them) and go
through perfgate's own ``assess_changes`` for each candidate statistic. Adaptive: rounds are
added from ``rounds.min`` until every benchmark is decided (what ``perfgate run`` does).

Run: ``nox -s loaded_runner -- --hogs 2`` (prints a table; docs/verdict-engine.md has them).
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from perfgate.config import Config  # noqa: E402
from perfgate.decisions.compare import assess_changes  # noqa: E402
from perfgate.formats import load  # noqa: E402
from perfgate.harness.runner import timer_args  # noqa: E402
from perfgate.model import Benchmark  # noqa: E402
from perfgate.options import TIMERS, Timer  # noqa: E402

VARIANTS = {"A": 0.0, "A2": 0.0, "slow30": 0.30, "slow100": 1.0}
CANDIDATES = ("min", "p10", "p25", "p50", "mean", "p95")

SUITE = """
import os

import pytest

FACTOR = 1.0 + float(os.environ.get("PERFGATE_SLOWDOWN", "0"))


def loop_sum(n):
    total = 0
    for i in range(int(n * FACTOR)):
        total += i
    return total


def build_dict(n):
    return {i: i for i in range(int(n * FACTOR))}


@pytest.mark.parametrize("size", [5_000, 15_000, 30_000, 60_000])
@pytest.mark.parametrize("work", [loop_sum, build_dict])
def test_work(benchmark, work, size):
    benchmark(work, size)
"""


Pool = dict[str, list[list[Benchmark]]]  # variant -> collection rounds -> benchmarks


def collect(rounds: int, hogs: int, folder: Path, timers: list[Timer]) -> dict[str, Pool]:
    """Each collection round runs every variant under every timer, in random order."""
    (folder / "test_suite.py").write_text(SUITE, encoding="utf-8")
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(hogs)]
    pools: dict[str, Pool] = {timer: {name: [] for name in VARIANTS} for timer in timers}
    rng = random.Random(0)  # noqa: S311 - an order, not a secret
    plugin = str(ROOT / "src" / "perfgate" / "pytest_plugin")
    try:
        for k in range(rounds):
            order = [(name, timer) for name in VARIANTS for timer in timers]
            rng.shuffle(order)
            for name, timer in order:
                out = folder / f"{name}-{timer}-{k}.json"
                env = {
                    **os.environ,
                    "PERFGATE_SLOWDOWN": str(VARIANTS[name]),
                    "PYTHONPATH": plugin,
                }
                subprocess.run(
                    [
                        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--rootdir", str(folder), "-c", os.devnull, "--benchmark-only",
                        f"--benchmark-json={out}", "--benchmark-min-rounds=30",
                        "--benchmark-max-time=0.1", "--benchmark-warmup=off",
                        *timer_args(timer), str(folder / "test_suite.py"),
                    ],
                    check=True, cwd=folder, env=env, capture_output=True,
                )  # fmt: skip
                (run,) = load(out)
                pools[timer][name].append(list(run.benchmarks))
            print(f"collection round {k + 1}/{rounds}", file=sys.stderr, flush=True)
    finally:
        for spinner in spinners:
            spinner.kill()
    return pools


def cache_path(hogs: int, timers: list[Timer]) -> Path:
    """Where a pool is kept (``.perfgate/cache``): the wall clock's under its first name."""
    tail = "" if timers == ["wall"] else "-" + "-".join(timers)
    return ROOT / ".perfgate" / "cache" / f"loaded-{hogs}-hogs{tail}.pickle"


def cached(path: Path) -> dict[str, Pool]:
    """A cached pool per timer (a cache from before timers were collected side by side holds
    the wall clock's pool alone)."""
    pools = pickle.loads(path.read_bytes())  # noqa: S301 - this script's own cache
    return {"wall": pools} if "A" in pools else pools


def wall_pool(hogs: int, rounds: int = 12) -> Pool:
    """The wall clock's pool for ``hogs``: cached, or collected now and cached."""
    path = cache_path(hogs, ["wall"])
    if path.is_file():
        return cached(path)["wall"]
    with tempfile.TemporaryDirectory() as scratch:
        pools = collect(rounds, hogs, Path(scratch), ["wall"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(pools))
    return pools["wall"]


def timer_pool(hogs: int, timer: str) -> Pool:
    """A cached pool of ``timer`` for ``hogs`` (collected by ``--timer``); the wall clock's
    is collected when none is cached."""
    for path in sorted(cache_path(hogs, ["wall"]).parent.glob(f"loaded-{hogs}-hogs*.pickle")):
        pools = cached(path)
        if timer in pools:
            return pools[timer]
    if timer != "wall":
        raise SystemExit(f"no cached pool of timer {timer}: run loaded_runner --timer {timer}")
    return wall_pool(hogs)


def side(rounds: list[list[Benchmark]], picks: list[int]) -> list[Benchmark]:
    first = rounds[picks[0]]
    return [
        replace(bench, rounds=tuple(rounds[k][i].rounds[0] for k in picks))
        for i, bench in enumerate(first)
    ]


def flagged(direction: str, severity: str) -> bool:
    return direction == "slower" and severity != "none"


def evaluate(pool: Pool, statistic: str, rounds: int, trials: int) -> str:
    config = Config(statistic=statistic)
    rng = random.Random(1)  # noqa: S311 - sampling, not a secret
    count = len(pool["A"])
    aa_suites = aa_alarms = aa_total = 0
    hits30 = crit30 = fail30 = crit100 = fail100 = total = 0
    for _ in range(trials):
        picks = rng.sample(range(count), rounds)
        base = side(pool["A"], picks)
        aa = assess_changes(base, side(pool["A2"], picks), config).values()
        alarms = sum(flagged(c.direction, c.severity) for c in aa)
        aa_suites += alarms > 0
        aa_alarms += alarms
        aa_total += len(aa)
        slow30 = assess_changes(base, side(pool["slow30"], picks), config).values()
        slow100 = list(assess_changes(base, side(pool["slow100"], picks), config).values())
        hits30 += sum(flagged(c.direction, c.severity) for c in slow30)
        crit30 += sum(c.direction == "slower" and c.severity == "critical" for c in slow30)
        fail30 += any(c.direction == "slower" and c.severity == "critical" for c in slow30)
        crit100 += sum(c.direction == "slower" and c.severity == "critical" for c in slow100)
        fail100 += any(c.severity == "critical" and c.direction == "slower" for c in slow100)
        total += len(slow100)
    return (
        f"| `{statistic}` | {rounds} | {aa_alarms / aa_total:.1%} | {aa_suites / trials:.0%} | "
        f"{hits30 / total:.0%} | {crit30 / total:.1%} | {fail30 / trials:.0%} | "
        f"{crit100 / total:.0%} | {fail100 / trials:.0%} |"
    )


def adaptive(pool: Pool, variant: str, trials: int) -> tuple[list[int], int]:
    """Rounds used with ``rounds: {min: 3, max: 10}`` until every benchmark is decided, and
    in how many trials the run, stopped there, graded a benchmark critical."""
    config = Config()
    rng = random.Random(2)  # noqa: S311 - sampling, not a secret
    count = len(pool["A"])
    used = []
    critical = 0
    for _ in range(trials):
        picks = rng.sample(range(count), min(10, count))
        stop = len(picks)
        for r in range(config.rounds.min, len(picks) + 1):
            changes = assess_changes(
                side(pool["A"], picks[:r]), side(pool[variant], picks[:r]), config
            ).values()
            stop = r
            if all(c.decisive for c in changes):
                break
        used.append(stop)
        critical += any(c.direction == "slower" and c.severity == "critical" for c in changes)
    return used, critical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hogs", type=int, default=0)
    parser.add_argument("--pool", type=int, default=12, help="collection rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument(
        "--reuse", action="store_true", help="evaluate the pool the last run collected again"
    )
    parser.add_argument(
        "--timer",
        action="append",
        choices=TIMERS,
        help="harness.timer to collect with (repeat for several, alternated in each round)",
    )
    args = parser.parse_args()
    timers: list[Timer] = args.timer or ["wall"]
    began = time.monotonic()
    cache = cache_path(args.hogs, timers)
    if args.reuse and cache.is_file():
        pools = cached(cache)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            pools = collect(args.pool, args.hogs, Path(scratch), timers)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(pools))
    for timer, pool in pools.items():
        report(pool, timer, args)
    print(f"\n({time.monotonic() - began:.0f} s)")


def report(pool: Pool, timer: str, args: argparse.Namespace) -> None:
    call = statistics.median(b.rounds[0][len(b.rounds[0]) // 2] for b in pool["A"][0])
    print(
        f"\n## timer {timer}\n\n{len(pool['A'])} collection rounds, {args.hogs} CPU hogs, "
        f"{len(pool['A'][0])} benchmarks (median call {call * 1e3:.2f} ms), {args.trials} "
        f"trials of {args.rounds} rounds"
        "\n\n| statistic | rounds | A/A alarms / benchmark | A/A suites alarmed | "
        "+30% flagged | +30% critical | +30% fails the gate | 2x critical | 2x fails the gate |"
        "\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for statistic in CANDIDATES:
        print(evaluate(pool, statistic, args.rounds, args.trials), flush=True)
    for variant in ("A2", "slow30", "slow100"):
        used, critical = adaptive(pool, variant, args.trials)
        print(
            f"\nadaptive ({variant}): median rounds {statistics.median(used):g}, "
            f"mean {statistics.mean(used):.1f}; a benchmark graded critical at the stop in "
            f"{critical} of {len(used)} trials"
        )


if __name__ == "__main__":
    main()
