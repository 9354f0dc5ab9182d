"""The verdict engine's targets on django's CI results, per decision statistic.

For every same-job django pair (HEAD^ and HEAD measured in one GitHub job, asv's 2 interleaved
processes of 5 samples each) and each candidate decision statistic, the suite is judged by
perfgate's own code (``gather``/``measure_stored``, ``infer``, ``classify``) as users give it:

* ``one file``: each side's 10 samples as asv wrote them (one round a side);
* ``no samples``: what asv stores without ``--record-samples`` (asv_runner's own
  ``compute_stats`` of the same samples: median, 99% interval, quartiles, count);
* ``2 rounds``: the 2 processes as paired rounds;
* ``10 rounds``: 5 jobs' paired rounds put together (``--trials`` of them).

Counted: false alarms per benchmark and per suite (unchanged pairs), false criticals, recall of
a lone +10% and +50% slowdown (one benchmark scaled, the rest of its suite unchanged), and
whether +50% on the whole suite fails the gate. asv's own rule (``asv compare``, factor 1.1)
is run on the same inputs.

Run: ``nox -s verdict_eval`` (writes the tables to stdout; docs/verdict-engine.md has them).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.quality_data import SHARED, Job, Rounds, django_jobs
from perfgate.config import Config
from perfgate.decisions.compare import classify, gather
from perfgate.decisions.inference import Evidence, infer, measure_stored
from perfgate.model import Benchmark
from perfgate.report.model import Change

CANDIDATES = ("min", "p10", "p25", "p50", "mean", "p95")
LONE = (0.10, 0.50)
JOBS_PER_TRIAL = 5


@dataclass
class Count:
    label: str
    aa: int = 0
    aa_alarms: int = 0
    aa_critical: int = 0
    suites: int = 0
    suites_alarmed: int = 0
    lone: dict[float, list[int]] = field(default_factory=lambda: {s: [0, 0] for s in LONE})
    whole_fail: list[int] = field(default_factory=lambda: [0, 0])
    whole10_alarm: list[int] = field(default_factory=lambda: [0, 0])

    def row(self) -> str:
        def pct(hit: int, total: int) -> str:
            return f"{hit / total:.1%}" if total else "-"

        return (
            f"| {self.label} | {pct(self.aa_alarms, self.aa)} | "
            f"{pct(self.suites_alarmed, self.suites)} | {pct(self.aa_critical, self.aa)} | "
            + " | ".join(pct(*self.lone[s]) for s in LONE)
            + f" | {pct(*self.whole10_alarm)} | {pct(*self.whole_fail)} |"
        )


HEADER = (
    "| rule | false alarms / benchmark | suites with a false alarm | false critical | "
    "recall +10% (lone) | recall +50% (lone) | +10% whole suite alarmed | "
    "+50% whole suite fails |\n|---|---:|---:|---:|---:|---:|---:|---:|"
)


def flagged(change: Change) -> bool:
    return change.direction == "slower" and change.severity != "none"


SPEED_FACTOR = [True]  # --no-speed-factor turns the per-round speed factor off


def judge(evidence: Sequence[Evidence], config: Config, statistic: str) -> list[Change]:
    estimates = infer(evidence, alpha=config.regression.alpha, speed_factor=SPEED_FACTOR[0])
    return [classify(e, "lower", config.regression, statistic) for e in estimates]


def tally(count: Count, evidence: list[Evidence], config: Config, statistic: str) -> None:
    if len(evidence) < 2:
        return
    changes = judge(evidence, config, statistic)
    count.suites += 1
    count.suites_alarmed += any(map(flagged, changes))
    for change in changes:
        count.aa += 1
        count.aa_alarms += flagged(change)
        count.aa_critical += flagged(change) and change.severity == "critical"
    for s in LONE:
        for i in range(len(evidence)):
            changed = list(evidence)
            changed[i] = evidence[i].shifted(math.log1p(s))
            count.lone[s][0] += flagged(judge(changed, config, statistic)[i])
            count.lone[s][1] += 1
    for s, cell in ((0.5, count.whole_fail), (0.1, count.whole10_alarm)):
        whole = judge([e.shifted(math.log1p(s)) for e in evidence], config, statistic)
        hit = (
            any(c.severity == "critical" and c.direction == "slower" for c in whole)
            if s == 0.5
            else any(map(flagged, whole))
        )
        cell[0] += hit
        cell[1] += 1


def bench(name: str, rounds: Rounds) -> Benchmark:
    return Benchmark(name=name, short_name=name, unit="s", rounds=tuple(map(tuple, rounds)))


def one_file(job: Job, name: str, statistic: str) -> Evidence | None:
    base = (tuple(x for r in job.base[name] for x in r),)
    head = (tuple(x for r in job.head[name] for x in r),)
    return gather(bench(name, base), bench(name, head), statistic)


def two_rounds(job: Job, name: str, statistic: str) -> Evidence | None:
    return gather(bench(name, job.base[name]), bench(name, job.head[name]), statistic)


def stored(samples: Sequence[float]) -> dict[str, float]:
    """What asv stores of these samples without --record-samples (its own compute_stats)."""
    from asv_runner.statistics import compute_stats  # noqa: PLC0415

    result, stats = compute_stats(list(samples), 1)
    return {
        "p50": float(result),
        "p25": float(stats["q_25"]),
        "p75": float(stats["q_75"]),
        "ci99_low": float(stats["ci_99_a"]),
        "ci99_high": float(stats["ci_99_b"]),
        "n": float(stats["repeat"]),
    }


def no_samples(job: Job, name: str, _statistic: str) -> Evidence | None:
    flat_b = [x for r in job.base[name] for x in r]
    flat_h = [x for r in job.head[name] for x in r]
    return measure_stored(stored(flat_b), stored(flat_h))


def asv_rule(jobs: list[Job], *, with_samples: bool) -> Count:
    """asv compare's own decision on the same pairs (factor 1.1)."""
    from asv.commands.compare import _is_result_better  # noqa: PLC0415
    from asv_runner.statistics import compute_stats  # noqa: PLC0415

    def worse(base: list[float], head: list[float]) -> bool:
        b, bs = compute_stats(base, 1)
        h, hs = compute_stats(head, 1)
        return bool(
            _is_result_better(
                b, h, (bs, base if with_samples else None), (hs, head if with_samples else None),
                1.1,
            )
        )  # fmt: skip

    label = "asv compare (1.1), " + ("with samples" if with_samples else "statistics only")
    count = Count(label)
    for job in jobs:
        names = job.common()
        sides = {
            n: ([x for r in job.base[n] for x in r], [x for r in job.head[n] for x in r])
            for n in names
        }
        alarms = [worse(*sides[n]) for n in names]
        count.suites += 1
        count.suites_alarmed += any(alarms)
        count.aa += len(alarms)
        count.aa_alarms += sum(alarms)
        count.aa_critical += sum(alarms)
        for s in LONE:
            for n in names:
                b, h = sides[n]
                count.lone[s][0] += worse(b, [x * (1 + s) for x in h])
                count.lone[s][1] += 1
        for s, cell in ((0.5, count.whole_fail), (0.1, count.whole10_alarm)):
            cell[0] += any(worse(b, [x * (1 + s) for x in h]) for b, h in sides.values())
            cell[1] += 1
    return count


def ten_rounds(
    jobs: list[Job], trials: int, seed: int, statistic: str, *, config: Config, rounds: int = 10
) -> Count:
    rng = random.Random(seed)  # noqa: S311 - sampling, not a secret
    count = Count(f"perfgate `{statistic}`, {rounds} rounds")
    for _ in range(trials):
        picked = rng.sample(jobs, JOBS_PER_TRIAL)
        names = sorted(set.intersection(*(set(j.common()) for j in picked)))
        order = [(j, k) for j in picked for k in range(2)]
        rng.shuffle(order)
        order = order[:rounds]
        evidence = []
        for n in names:
            base = tuple(j.base[n][k] for j, k in order)
            head = tuple(j.head[n][k] for j, k in order)
            found = gather(bench(n, base), bench(n, head), statistic)
            if found is not None:
                evidence.append(found)
        tally(count, evidence, config, statistic)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--statistics", default=",".join(CANDIDATES))
    parser.add_argument("--max-jobs", type=int)
    parser.add_argument(
        "--skip-jobs", type=int, default=0, help="leave out the first N jobs (a held-out run)"
    )
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--rounds", default="10", help="rounds a side in the composite trials")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="one-file,no-samples,2-rounds,10-rounds")
    parser.add_argument("--no-speed-factor", action="store_true")
    args = parser.parse_args()
    SPEED_FACTOR[0] = not args.no_speed_factor
    if not SHARED.is_dir():
        print(f"verdict_eval: error: needs the shared histories in {SHARED}", file=sys.stderr)
        sys.exit(2)
    began = time.monotonic()
    jobs = django_jobs()[args.skip_jobs :][: args.max_jobs]
    config = Config()
    modes: dict[str, Callable[[Job, str, str], Evidence | None]] = {
        "one-file": one_file,
        "no-samples": no_samples,
        "2-rounds": two_rounds,
    }
    wanted = args.modes.split(",")
    print(f"{len(jobs)} django same-job pairs\n\n{HEADER}")
    for mode, make in modes.items():
        if mode not in wanted:
            continue
        for statistic in args.statistics.split(","):
            if mode == "no-samples" and statistic != "p50":
                continue  # asv stores the median only
            count = Count(f"perfgate `{statistic}`, {mode}")
            for job in jobs:
                found = [make(job, n, statistic) for n in job.common()]
                tally(count, [e for e in found if e is not None], config, statistic)
            print(count.row(), flush=True)
    if "one-file" in wanted:
        print(asv_rule(jobs, with_samples=True).row(), flush=True)
    if "no-samples" in wanted:
        print(asv_rule(jobs, with_samples=False).row(), flush=True)
    if "10-rounds" in wanted:
        for rounds in map(int, args.rounds.split(",")):
            for statistic in args.statistics.split(","):
                count = ten_rounds(
                    jobs, args.trials, args.seed, statistic, config=config, rounds=rounds
                )
                print(count.row(), flush=True)
    print(f"\n({time.monotonic() - began:.0f} s; median suite size "
          f"{statistics.median(len(j.common()) for j in jobs):.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
