"""Measure the A/B gate on this machine: false alarms (A/A) and detection of injected slowdowns.

Run: ``nox -s ab_quality`` (or ``python benchmarks/ab_quality.py [--rounds-pool K]``). It writes
``docs/ab-gate.md``.

Method. A real pytest-benchmark suite of 20 benchmarks (4 kinds of work x 5 sizes, from about
10 us to 50 ms per call) runs in K collection rounds. Each collection round runs, in random
order and each in a fresh process, the unchanged code twice (A and A') and the code slowed by
2, 5, 10, 25 and 50% (the work loop runs that much longer: ``PERFGATE_SLOWDOWN``). Comparisons
are then drawn from this pool: R collection rounds are picked at random, base = A's rounds and
head = A' (A/A) or a slowed variant (A/B) from the *same* collection rounds, so each base/head
pair ran back to back as `perfgate run` interleaves them. Every comparison goes through
perfgate's own `compare` with the default config. Because trials draw from one pool of K
rounds, trials with large R overlap and the rates are less independent than their count
suggests: the pool size is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from perfgate.config import Config  # noqa: E402
from perfgate.decisions.compare import assess_changes  # noqa: E402
from perfgate.formats import load  # noqa: E402
from perfgate.model import Benchmark  # noqa: E402

POOL = ROOT / ".perfgate" / "cache" / "ab-pool"
SLOWDOWNS = (0.02, 0.05, 0.10, 0.25, 0.50)
VARIANTS = {"A": 0.0, "A2": 0.0, **{f"slow{int(s * 100)}": s for s in SLOWDOWNS}}
EXPECTED = {0.02: "none", 0.05: "none", 0.10: "minor", 0.25: "major", 0.50: "critical"}

SUITE = """
import os

import pytest

FACTOR = 1.0 + float(os.environ.get("PERFGATE_SLOWDOWN", "0"))
SIZES = [400, 2_000, 20_000, 200_000, 2_000_000]


def loop_sum(n):
    total = 0
    for i in range(int(n * FACTOR) // 10):
        total += i
    return total


def sort_list(n):
    return sorted(range(int(n * FACTOR) // 4, 0, -1))


def join_strings(n):
    return "".join(str(i) for i in range(int(n * FACTOR) // 20))


def build_dict(n):
    return {i: i for i in range(int(n * FACTOR) // 8)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("work", [loop_sum, sort_list, join_strings, build_dict])
def test_work(benchmark, work, size):
    benchmark(work, size)
"""


def collect(rounds: int) -> None:
    suite = POOL / "suite"
    suite.mkdir(parents=True, exist_ok=True)
    (suite / "test_suite.py").write_text(SUITE, encoding="utf-8")
    rng = random.Random(1)  # noqa: S311 - an order, not a secret
    start = len(list((POOL / "A").glob("round-*.json"))) if (POOL / "A").exists() else 0
    for k in range(start, rounds):
        order = list(VARIANTS)
        rng.shuffle(order)
        began = time.monotonic()
        for name in order:
            folder = POOL / name
            folder.mkdir(parents=True, exist_ok=True)
            out = folder / f"round-{k:03d}.json"
            env = {**os.environ, "PERFGATE_SLOWDOWN": str(VARIANTS[name])}
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "-c",
                    os.devnull,
                    "--rootdir",
                    str(suite),
                    "--benchmark-only",
                    "--benchmark-min-rounds=15",
                    "--benchmark-max-time=0.05",
                    f"--benchmark-json={out}",
                    str(suite / "test_suite.py"),
                ],
                check=True,
                capture_output=True,
                env=env,
                cwd=suite,
            )
        print(
            f"collection round {k + 1}/{rounds}: {time.monotonic() - began:.1f} s "
            f"for {len(VARIANTS)} variants",
            file=sys.stderr,
        )


def pool() -> dict[str, list[list[Benchmark]]]:
    """variant -> list over collection rounds of that round's benchmarks."""
    out: dict[str, list[list[Benchmark]]] = {}
    for name in VARIANTS:
        files = sorted((POOL / name).glob("round-*.json"))
        out[name] = [list(load(f)[0].benchmarks) for f in files]
    return out


def side(rounds: list[list[Benchmark]], picks: list[int]) -> list[Benchmark]:
    """Benchmarks whose rounds are the picked collection rounds, in order."""
    first = rounds[picks[0]]
    merged = []
    for i, bench in enumerate(first):
        samples = tuple(rounds[k][i].rounds[0] for k in picks)
        merged.append(
            Benchmark(name=bench.name, short_name=bench.short_name, unit=bench.unit, rounds=samples)
        )
    return merged


def outcome(base: list[Benchmark], head: list[Benchmark], config: Config) -> dict[str, object]:
    """perfgate's own decision (`assess_changes`, what `compare` reports) for one trial."""
    changes = assess_changes(base, head, config)
    slower = [n for n, c in changes.items() if c.direction == "slower"]
    return {
        "significant": slower,
        "flagged": [n for n in slower if changes[n].severity != "none"],
        "severity": {
            n: (c.severity if c.direction == "slower" else "none") for n, c in changes.items()
        },
        "decisive": all(c.decisive for c in changes.values()),
    }


def trial(
    data: dict[str, list[list[Benchmark]]],
    name: str,
    rounds: int | None,
    rng: random.Random,
    config: Config,
) -> tuple[dict[str, object], int]:
    """One comparison of A with ``name`` on randomly picked collection rounds; with
    ``rounds=None`` the default adaptive policy (min 3, max 10): add rounds until decided."""
    k = len(data["A"])
    order = rng.sample(range(k), k)
    r = rounds or 3
    while True:
        result = outcome(side(data["A"], order[:r]), side(data[name], order[:r]), config)
        if rounds is not None or result["decisive"] or r >= min(10, k):
            break
        r += 1
    if rounds is None:  # the fixed schedule on the same rounds: does stopping early change it?
        fixed = order[: min(10, k)]
        full = outcome(side(data["A"], fixed), side(data[name], fixed), config)
        result["same_as_fixed"] = full["severity"] == result["severity"]
    return result, r


def evaluate(trials: int, adaptive_trials: int) -> tuple[str, int, int]:
    data = pool()
    config = Config()
    rng = random.Random(2)  # noqa: S311 - sampling, not a secret
    count = len(data["A"][0])
    columns: list[tuple[str, dict[str, str]]] = []
    for label, rounds in (("R = 1", 1), ("R = 5", 5), ("R = 10", 10), ("adaptive", None)):
        cell: dict[str, str] = {}
        used: list[int] = []
        same_total = 0
        runs = trials if rounds is not None else adaptive_trials
        for name, slowdown in VARIANTS.items():
            if name == "A":
                continue
            flagged = significant = right = critical = suites = same = 0
            for _ in range(runs):
                result, r = trial(data, name, rounds, rng, config)
                used.append(r)
                severities = list(result["severity"].values())  # type: ignore[attr-defined]
                flagged += len(result["flagged"])  # type: ignore[arg-type]
                suites += bool(result["flagged"])
                significant += len(result["significant"])  # type: ignore[arg-type]
                critical += severities.count("critical")
                same += bool(result.get("same_as_fixed"))
                if name != "A2":
                    right += severities.count(EXPECTED[slowdown])
            total = runs * count
            same_total += same
            if name == "A2":
                cell["A/A: false alarms per benchmark"] = f"{flagged / total:.1%}"
                cell["A/A: suite runs with any false alarm"] = f"{suites / runs:.0%}"
                cell["A/A: false critical (count)"] = str(critical)
            else:
                cell[f"+{int(slowdown * 100)}%: significant / flagged / right severity"] = (
                    f"{significant / total:.0%} / {flagged / total:.0%} / {right / total:.0%}"
                )
        cell["rounds per side (mean)"] = f"{statistics.mean(used):.1f}"
        if rounds is None:
            cell["trials whose verdicts equal R = 10 on the same rounds"] = (
                f"{same_total / (runs * (len(VARIANTS) - 1)):.0%}"
            )
        cell["trials"] = str(runs)
        columns.append((label, cell))
    table = [
        "| measure | " + " | ".join(label for label, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    keys = list(dict.fromkeys(key for _label, cell in columns for key in cell))
    for key in keys:
        table.append(f"| {key} | " + " | ".join(c.get(key, "") for _, c in columns) + " |")
    return "\n".join(table), len(data["A"]), count


def noise(data: dict[str, list[list[Benchmark]]]) -> str:
    """Median over benchmarks of the sd of per-round log-ratios A'/A (p95 and p50)."""
    import numpy as np  # noqa: PLC0415

    sds = {"p95": [], "p50": []}  # type: dict[str, list[float]]
    for i in range(len(data["A"][0])):
        for metric, q in (("p95", 95), ("p50", 50)):
            logs = [
                np.log(np.percentile(b[i].rounds[0], q) / np.percentile(a[i].rounds[0], q))
                for a, b in zip(data["A"], data["A2"], strict=True)
            ]
            sds[metric].append(float(np.std(logs, ddof=1)))
    return ", ".join(f"{m} {statistics.median(v):.1%}" for m, v in sds.items())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds-pool", type=int, default=20)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--adaptive-trials", type=int, default=40)
    args = parser.parse_args()
    began = time.monotonic()
    collect(args.rounds_pool)
    collected = time.monotonic() - began
    began = time.monotonic()
    table, k, count = evaluate(args.trials, args.adaptive_trials)
    print(table)
    print(
        f"\nPool: {k} collection rounds x {len(VARIANTS)} variants x {count} benchmarks "
        f"(collection {collected:.0f} s this run, evaluation {time.monotonic() - began:.0f} s). "
        "Between-process noise, the median over benchmarks of the sd of per-round log-ratios "
        f"A'/A: {noise(pool())}."
    )


if __name__ == "__main__":
    main()
