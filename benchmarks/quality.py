"""Detection quality: perfgate's default side by side with the rules maintainers use today.

Rules (how each decides: ``benchmarks/quality_rules.py``): perfgate's default config; asv
compare (factor 1.1, asv's own code); pytest-benchmark ``--benchmark-compare-fail=mean:10%``
(its own code); github-action-benchmark (current vs previous value, 150% and its default 200%);
the median of the last 10 stored values (10% alarm, 50% critical); Bencher's t-test threshold.

Data (``benchmarks/quality_data.py``):

* django-asv jobs: each job measured HEAD^ and HEAD in one job, 2 interleaved processes each
  (2 paired rounds). Real changes between adjacent commits are rare, so a job is a near-A/A
  suite run. Rules that compare two sides get the job's own two sides; rules that compare
  with stored values get the history of earlier jobs' HEAD results (a stored baseline).
* "10 rounds": 5 jobs drawn at random, their 2 paired rounds each put together. This is how
  the A/A noise of 10 interleaved rounds on GitHub's runners is measured from the data at hand;
  the rounds come from 5 runners, not one (see the measured within-job correlation).
* Slowdowns of 2/5/10/25/50%: head's samples (or the current stored value) multiplied by
  1 + s, for one benchmark at a time while the rest of its suite run stays unchanged, so that
  perfgate's Holm correction counts the whole suite, as it would for a lone regression.
* pypdf (data.js) and sunpy (asv) histories: the history rules at every commit, unchanged and
  with the step injected at that commit; perfgate's own history answer, ``history detect``,
  with one step injected per series.
* The live A/B pool of ``benchmarks/ab_quality.py`` (this machine, real slowed code).

Alarm: the rule's regression signal (perfgate: a slowdown of severity minor or above).
Critical: what fails the build by default (perfgate: critical; median baseline: above 50%;
asv, pytest-benchmark, github-action-benchmark and Bencher: their only signal).

Run: ``nox -s quality`` (writes ``docs/quality.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import quality_rules as rules
from benchmarks.quality_data import (
    MIN_HISTORY,
    ROOT,
    SHARED,
    Job,
    Rounds,
    Series,
    django_jobs,
    histories,
)
from benchmarks.quality_data import median as median_of
from benchmarks.quality_tally import SLOWDOWNS, Tally, table
from perfgate.config import Config
from perfgate.decisions.compare import decision_statistic
from perfgate.decisions.inference import Evidence
from perfgate.report.model import Change

CACHE = ROOT / ".perfgate" / "cache" / "quality-history.sqlite"
JOBS_PER_TRIAL = 5  # 10 rounds a side
MDE_MULTIPLES = (1.0, 1.5, 2.0, 3.0)
POWER_Z = 0.8416  # 80% power


def flagged(change: Change) -> bool:
    return change.direction == "slower" and change.severity != "none"


def critical(change: Change) -> bool:
    return change.direction == "slower" and change.severity == "critical"


def scale(rounds: Sequence[Sequence[float]], factor: float) -> Rounds:
    return tuple(tuple(x * factor for x in r) for r in rounds)


def flat(rounds: Rounds) -> list[float]:
    return [x for r in rounds for x in r]


class Perfgate:
    """perfgate's default decisions over one suite run, a lone benchmark slowed at a time."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.metric = decision_statistic(config)

    def suite(
        self, names: Sequence[str], base: dict[str, Rounds], head: dict[str, Rounds]
    ) -> list[Evidence]:
        return [rules.perfgate_evidence(n, base[n], head[n], self.config) for n in names]

    def lone(self, suite: Sequence[Evidence], index: int, factor: float) -> Change:
        """The verdict when benchmark ``index`` alone is ``factor`` times as slow."""
        changed = suite[index].shifted(math.log(factor))
        return rules.perfgate_one_changed(suite, index, changed, self.config)


def same_job(jobs: list[Job], pg: Perfgate) -> list[Tally]:
    """Each job's own two sides, as recorded: perfgate, asv and pytest-benchmark."""
    ours = Tally("**perfgate default**", "same job, 2 rounds a side")
    asv = Tally("asv compare (1.1)", "same job, asv's 2 processes (10 samples)")
    pyb = Tally("pytest-benchmark mean:10%", "same job, the same 10 samples")
    for job in jobs:
        names = job.common()
        suite = pg.suite(names, job.base, job.head)
        changes = rules.perfgate_decide(suite, pg.config)
        ours.suite(any(map(flagged, changes)))
        for i, _name in enumerate(names):
            ours.unchanged(flagged(changes[i]), critical(changes[i]))
            ours.rounds.append(2)
            for s in SLOWDOWNS:
                change = pg.lone(suite, i, 1 + s)
                ours.slowed(s, flagged(change), critical(change))
        sample_rules(asv, pyb, [(flat(job.base[n]), flat(job.head[n])) for n in names])
    return [ours, asv, pyb]


def sample_rules(asv: Tally, pyb: Tally, sides: Sequence[tuple[list[float], list[float]]]) -> None:
    """asv compare and pytest-benchmark over one suite run's (base, head) samples, unchanged
    and with each slowdown."""
    alarmed = [False, False]
    for base, head in sides:
        for s in (0.0, *SLOWDOWNS):
            slow = [x * (1 + s) for x in head]
            verdicts = (rules.asv_compare(base, slow), rules.pytest_benchmark_fails(base, slow))
            for k, tally in enumerate((asv, pyb)):
                if s:
                    tally.slowed(s, verdicts[k], verdicts[k])
                else:
                    tally.unchanged(verdicts[k], verdicts[k])
                    alarmed[k] |= verdicts[k]
    asv.suite(alarmed[0])
    pyb.suite(alarmed[1])


class Composite:
    """Trials of 10 rounds a side: 5 jobs' paired rounds, in random order."""

    def __init__(self, jobs: list[Job], rng: random.Random) -> None:
        picked = rng.sample(jobs, JOBS_PER_TRIAL)
        self.names = sorted(set.intersection(*(set(j.common()) for j in picked)))
        order = [(j, k) for j in picked for k in range(2)]
        rng.shuffle(order)
        self.base = {n: tuple(j.base[n][k] for j, k in order) for n in self.names}
        self.head = {n: tuple(j.head[n][k] for j, k in order) for n in self.names}

    def first(self, rounds: int) -> tuple[dict[str, Rounds], dict[str, Rounds]]:
        return (
            {n: r[:rounds] for n, r in self.base.items()},
            {n: r[:rounds] for n, r in self.head.items()},
        )


def ten_rounds(trials: list[Composite], pg: Perfgate) -> list[Tally]:
    """perfgate at 10 rounds and adaptive (3 to 10), asv and pytest-benchmark on the same
    rounds' samples put together."""
    fixed = Tally("**perfgate default**", "10 rounds a side (5 jobs)")
    adaptive = Tally("**perfgate default**", "adaptive, 3 to 10 rounds a side (5 jobs)")
    asv = Tally("asv compare (1.1)", "the same 10 rounds (50 samples)")
    pyb = Tally("pytest-benchmark mean:10%", "the same 10 rounds (50 samples)")
    policy = pg.config.rounds
    for trial in trials:
        names = trial.names
        by_rounds = {r: trial.first(r) for r in range(policy.min, policy.max + 1)}
        suites = {r: pg.suite(names, *by_rounds[r]) for r in by_rounds}
        plain = {r: rules.perfgate_decide(suites[r], pg.config) for r in by_rounds}
        stop = next((r for r in by_rounds if all(c.decisive for c in plain[r])), policy.max)
        for tally, r in ((fixed, policy.max), (adaptive, stop)):
            tally.suite(any(map(flagged, plain[r])))
            for change in plain[r]:
                tally.unchanged(flagged(change), critical(change))
                tally.rounds.append(r)
        full_base, full_head = by_rounds[policy.max]
        sample_rules(asv, pyb, [(flat(full_base[n]), flat(full_head[n])) for n in names])
        for i, _name in enumerate(names):
            for s in SLOWDOWNS:
                r, change = _adaptive_lone(
                    pg,
                    index=i,
                    slowdown=s,
                    by_rounds=by_rounds,
                    suites=suites,
                    plain=plain,
                )
                adaptive.slowed(s, flagged(change), critical(change))
                adaptive.rounds.append(r)
                change = pg.lone(suites[policy.max], i, 1 + s)
                fixed.slowed(s, flagged(change), critical(change))
    return [fixed, adaptive, asv, pyb]


def fixed_rounds(trials: list[Composite], pg: Perfgate) -> Tally:
    """perfgate with another config (here: another metric) on the same 10-round trials."""
    tally = Tally(f"perfgate, `statistic: {pg.metric}`", "10 rounds a side (5 jobs)")
    for trial in trials:
        suite = pg.suite(trial.names, trial.base, trial.head)
        changes = rules.perfgate_decide(suite, pg.config)
        tally.suite(any(map(flagged, changes)))
        for i, name in enumerate(trial.names):
            tally.unchanged(flagged(changes[i]), critical(changes[i]))
            tally.rounds.append(len(trial.base[name]))
            for s in SLOWDOWNS:
                change = pg.lone(suite, i, 1 + s)
                tally.slowed(s, flagged(change), critical(change))
    return tally


def _adaptive_lone(
    pg: Perfgate,
    *,
    index: int,
    slowdown: float,
    by_rounds: dict[int, tuple[dict[str, Rounds], dict[str, Rounds]]],
    suites: dict[int, list[Evidence]],
    plain: dict[int, list[Change]],
) -> tuple[int, Change]:
    """Adaptive stopping with one benchmark slowed: rounds are added until every verdict of
    the suite run is decisive (what ``perfgate run`` checks), at most the policy's max.
    A shortcut skips the whole-suite check when another benchmark was undecided in the
    unchanged suite: the slowed one can only change the others' Holm-adjusted p-values, which
    decides a benchmark only if its interval already lies above +10% (not seen in A/A)."""
    last = max(by_rounds)
    for r in by_rounds:
        estimate = suites[r][index].shifted(math.log(1 + slowdown))
        change = rules.perfgate_one_changed(suites[r], index, estimate, pg.config)
        if r == last:
            return r, change
        if not change.decisive or not all(c.decisive for i, c in enumerate(plain[r]) if i != index):
            continue
        estimates = list(suites[r])
        estimates[index] = estimate
        if all(c.decisive for c in rules.perfgate_decide(estimates, pg.config)):
            return r, change
    raise AssertionError("unreachable: the last round count returns")


HISTORY_RULES = {
    "gab150": "github-action-benchmark 150%",
    "gab200": "github-action-benchmark 200% (its default)",
    "median": "median of last 10, 10% / 50%",
    "bencher": "Bencher t-test (0.99)",
}


def history_verdicts(stored: Sequence[float], current: float) -> dict[str, tuple[bool, bool]]:
    """(alarm, critical) of every stored-value rule for one new value."""
    gab150 = rules.gab_alert(stored[-1], current, 1.5)
    gab200 = rules.gab_alert(stored[-1], current, 2.0)
    bencher = rules.bencher_t_test(stored, current)
    return {
        "gab150": (gab150, gab150),
        "gab200": (gab200, gab200),
        "median": (
            rules.median_baseline(stored, current, rules.MEDIAN_THRESHOLDS[0]),
            rules.median_baseline(stored, current, rules.MEDIAN_THRESHOLDS[1]),
        ),
        "bencher": (bencher, bencher),
    }


def stored_baseline(jobs: list[Job], pg: Perfgate, min_history: int) -> list[Tally]:
    """Each job's HEAD against stored results of earlier jobs (other runners, other days)."""
    value = {
        key: Tally(label, "earlier jobs' stored results") for key, label in HISTORY_RULES.items()
    }
    asv = Tally("asv compare (1.1)", "previous job's stored result")
    pyb = Tally("pytest-benchmark mean:10%", "previous job's stored run")
    ours = Tally("perfgate default", "previous job's stored result, 2 rounds a side")
    stored: dict[str, list[float]] = {}
    for j, job in enumerate(jobs):
        previous = jobs[j - 1].head if j else {}
        names = [
            n for n in sorted(job.head) if n in previous and len(stored.get(n, ())) >= min_history
        ]
        if names:
            suite = pg.suite(names, previous, job.head)
            changes = rules.perfgate_decide(suite, pg.config)
            ours.suite(any(map(flagged, changes)))
            alarmed = dict.fromkeys([*value, "asv", "pyb"], False)
            for i, name in enumerate(names):
                ours.unchanged(flagged(changes[i]), critical(changes[i]))
                ours.rounds.append(2)
                base, head = flat(previous[name]), flat(job.head[name])
                for s in (0.0, *SLOWDOWNS):
                    slow = [x * (1 + s) for x in head]
                    verdicts = history_verdicts(stored[name], median_of(slow))
                    verdicts["asv"] = (a := rules.asv_compare(base, slow), a)
                    verdicts["pyb"] = (p := rules.pytest_benchmark_fails(base, slow), p)
                    tallies = {**value, "asv": asv, "pyb": pyb}
                    for key, (alarm, crit) in verdicts.items():
                        if s == 0.0:
                            tallies[key].unchanged(alarm, crit)
                            alarmed[key] |= alarm
                        else:
                            tallies[key].slowed(s, alarm, crit)
                    if s:
                        change = pg.lone(suite, i, 1 + s)
                        ours.slowed(s, flagged(change), critical(change))
            for key, tally in {**value, "asv": asv, "pyb": pyb}.items():
                tally.suite(alarmed[key])
        for name, rounds in job.head.items():
            stored.setdefault(name, []).append(median_of(flat(rounds)))
    return [ours, asv, pyb, *value.values()]


def history_section(series: list[Series], min_history: int) -> list[Tally]:
    """The stored-value rules at every commit of the pypdf and sunpy histories."""
    tallies = {
        key: Tally(label, "pypdf + sunpy, every commit") for key, label in HISTORY_RULES.items()
    }
    suites: dict[tuple[str, str], dict[str, bool]] = {}
    for one in series:
        for i in range(min_history, len(one.values)):
            stored, current = one.values[:i], one.values[i]
            flags = suites.setdefault((one.project, one.commits[i] or f"#{i}"), {})
            for key, (alarm, crit) in history_verdicts(stored, current).items():
                tallies[key].unchanged(alarm, crit)
                flags[key] = flags.get(key, False) or alarm
            for s in SLOWDOWNS:
                for key, (alarm, crit) in history_verdicts(stored, current * (1 + s)).items():
                    tallies[key].slowed(s, alarm, crit)
    for flags in suites.values():
        for key, tally in tallies.items():
            tally.suite(flags.get(key, False))
    return list(tallies.values())


def live_section(trials: int, seed: int) -> tuple[list[Tally], str]:
    """The A/B pool of ``ab_quality.py`` (this machine, the code itself slowed): every rule on
    the same collection rounds. perfgate and asv get same-job rounds (10, and asv's default 2
    processes); pytest-benchmark one stored round; the stored-value rules the A rounds of the
    other 10 collection rounds, in the order drawn."""
    from benchmarks import ab_quality  # noqa: PLC0415

    ab_quality.collect(20)
    data = ab_quality.pool()
    rng = random.Random(seed)  # noqa: S311 - sampling, not a secret
    count = len(data["A"])
    ours = Tally("**perfgate default**", "10 rounds a side, same job")
    asv = Tally("asv compare (1.1)", "2 rounds (its 2 processes, 5 samples each), same job")
    pyb = Tally("pytest-benchmark mean:10%", "1 round against 1 stored round")
    value = {key: Tally(label, "10 stored rounds") for key, label in HISTORY_RULES.items()}
    config = Config()
    for _ in range(trials):
        picks = rng.sample(range(count), count)
        now, stored_rounds = picks[: count // 2], picks[count // 2 :]
        for variant, slowdown in ab_quality.VARIANTS.items():
            if variant == "A":
                continue
            base = ab_quality.side(data["A"], now)
            head = ab_quality.side(data[variant], now)
            changes = rules.perfgate_decide(
                [
                    rules.perfgate_evidence(b.name, b.rounds, h.rounds, config)
                    for b, h in zip(base, head, strict=True)
                ],
                config,
            )
            alarmed = dict.fromkeys(["ours", "asv", "pyb", *value], False)
            for i, (b, h) in enumerate(zip(base, head, strict=True)):
                means = [statistics.fmean(data["A"][k][i].rounds[0]) for k in stored_rounds]
                verdicts = history_verdicts(means, statistics.fmean(h.rounds[0]))
                verdicts["ours"] = (flagged(changes[i]), critical(changes[i]))
                a = rules.asv_compare(asv_like(b.rounds[:2]), asv_like(h.rounds[:2]))
                p = rules.pytest_benchmark_fails(b.rounds[1], h.rounds[0])
                verdicts["asv"], verdicts["pyb"] = (a, a), (p, p)
                tallies = {"ours": ours, "asv": asv, "pyb": pyb, **value}
                for key, (alarm, crit) in verdicts.items():
                    if slowdown == 0.0:
                        tallies[key].unchanged(alarm, crit)
                        alarmed[key] |= alarm
                    else:
                        tallies[key].slowed(slowdown, alarm, crit)
                ours.rounds.append(len(now))
            if slowdown == 0.0:
                for key, tally in {"ours": ours, "asv": asv, "pyb": pyb, **value}.items():
                    tally.suite(alarmed[key])
    return [
        ours,
        asv,
        pyb,
        *value.values(),
    ], f"{count} collection rounds x {len(data['A'][0])} benchmarks"


def asv_like(rounds: Sequence[Sequence[float]], per_round: int = 5) -> list[float]:
    """What asv would have recorded in these processes: 5 samples a process (asv's default
    with 2 processes), each the mean time of a batch of calls. pytest-benchmark's thousands of
    single-call samples are cut into 5 consecutive batches; their means are asv's samples
    (asv's own rank test on 14,000 raw samples takes seconds per comparison)."""
    import numpy as np  # noqa: PLC0415

    parts = [np.array_split(np.asarray(r, dtype=float), per_round) for r in rounds]
    return [float(chunk.mean()) for chunks in parts for chunk in chunks if chunk.size]


def round_log_ratios(jobs: list[Job], metric: str) -> dict[str, list[tuple[float, float]]]:
    """Per benchmark, each job's two per-round log-ratios head/base of ``metric`` (A/A)."""
    import numpy as np  # noqa: PLC0415

    from perfgate.decisions.stats import statistic  # noqa: PLC0415

    out: dict[str, list[tuple[float, float]]] = {}
    for job in jobs:
        for name in job.common():
            pair = tuple(
                math.log(statistic(np.asarray(h), metric) / statistic(np.asarray(b), metric))
                for b, h in zip(job.base[name], job.head[name], strict=True)
            )
            out.setdefault(name, []).append((pair[0], pair[1]))
    return out


def mde_section(
    jobs: list[Job], trials: list[Composite], configs: Sequence[Perfgate]
) -> tuple[str, dict[str, float]]:
    """Detection at multiples of the theoretical minimum detectable slowdown, per benchmark:
    2 rounds (as recorded) with the default, and 10 rounds with every config given."""
    from scipy.special import ndtri  # noqa: PLC0415

    size = round(statistics.median(len(j.common()) for j in jobs))
    alpha = configs[0].config.regression.alpha
    z_alpha = float(ndtri(1 - alpha / (2 * size)))
    facts = {"suite size": float(size), "z_alpha": z_alpha}
    lines = [
        "| statistic | rounds a side | median sd of a round's log-ratio | median theoretical MDE | "
        + " | ".join(f"detected at {k:g}x MDE" for k in MDE_MULTIPLES)
        + " | perfgate / theoretical |",
        "|---|---:|---:|---:|" + "---:|" * (len(MDE_MULTIPLES) + 1),
    ]
    recorded = [(j.common(), j.base, j.head) for j in jobs]
    composite = [(t.names, t.base, t.head) for t in trials]
    cases = [(configs[0], 2, recorded), *((pg, 2 * JOBS_PER_TRIAL, composite) for pg in configs)]
    for pg, rounds, suites in cases:
        ratios = round_log_ratios(jobs, pg.metric)
        sigma = {n: statistics.stdev([x for p in v for x in p]) for n, v in ratios.items()}
        if pg is configs[0]:
            facts["within-job correlation"] = _correlation(ratios)
        mde = {n: (z_alpha + POWER_Z) * s / math.sqrt(rounds) for n, s in sigma.items()}
        hits = dict.fromkeys(MDE_MULTIPLES, 0)
        total = 0
        for names, base, head in suites:
            suite = pg.suite(names, base, head)
            for i, name in enumerate(names):
                total += 1
                for k in MDE_MULTIPLES:
                    factor = math.exp(k * mde[name])
                    change = pg.lone(suite, i, factor)
                    hits[k] += change.significant and change.direction == "slower"
        rates = [hits[k] / total for k in MDE_MULTIPLES]
        lines.append(
            f"| {pg.metric} | {rounds} | {statistics.median(sigma.values()):.2%} | "
            f"{math.expm1(statistics.median(mde.values())):.1%} | "
            + " | ".join(f"{r:.0%}" for r in rates)
            + f" | {_crossing(rates)} |"
        )
    return "\n".join(lines), facts


def _crossing(rates: list[float], power: float = 0.8) -> str:
    """The multiple of the MDE at which detection reaches ``power`` (linear between points)."""
    points = list(zip(MDE_MULTIPLES, rates, strict=True))
    if points[0][1] >= power:
        return f"<= {points[0][0]:g}x"
    for (k0, r0), (k1, r1) in itertools.pairwise(points):
        if r1 >= power:
            return f"{k0 + (power - r0) / (r1 - r0) * (k1 - k0):.2f}x"
    return f"> {points[-1][0]:g}x"


def _correlation(ratios: dict[str, list[tuple[float, float]]]) -> float:
    """Correlation of a job's two per-round log-ratios (centred per benchmark): how much
    rounds of one job share, which a 10-round trial made of 5 jobs leaves out."""
    xs: list[float] = []
    ys: list[float] = []
    for pairs in ratios.values():
        mean = statistics.fmean(x for p in pairs for x in p)
        xs.extend(a - mean for a, _ in pairs)
        ys.extend(b - mean for _, b in pairs)
    return statistics.correlation(xs, ys)


LOWER_IS_BETTER = (2, 3, 4)  # table columns: false alarms, suite false alarms, false critical
HIGHER_IS_BETTER = (7, 8, 9, 10)  # recall at +10/25/50%, +50% called critical
BEGIN, END = "<!-- quality tables: begin -->", "<!-- quality tables: end -->"


def not_best(tallies: list[Tally], ours: Tally) -> list[str]:
    """Every column (from +10% on) where another rule did better than ``ours``."""
    from benchmarks.quality_tally import HEADER  # noqa: PLC0415

    names = [h.strip() for h in HEADER.strip("|").split("|")]
    mine = ours.row().strip("|").split("|")
    out = []
    for tally in tallies:
        if tally.rule.strip("*").startswith("perfgate"):
            continue  # perfgate itself, in another mode or config
        cells = tally.row().strip("|").split("|")
        for column in (*LOWER_IS_BETTER, *HIGHER_IS_BETTER):
            a, b = _share(mine[column]), _share(cells[column])
            if a is None or b is None:
                continue
            if (b < a) if column in LOWER_IS_BETTER else (b > a):
                out.append(
                    f"- {names[column]}: {tally.rule} ({tally.data}) {cells[column].strip()}"
                    f" vs perfgate ({ours.data}) {mine[column].strip()}"
                )
    return out


def _share(cell: str) -> float | None:
    text = cell.strip().split(" ")[0].rstrip("%")
    try:
        return float(text)
    except ValueError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=100, help="10-round trials (5 jobs each)")
    parser.add_argument("--live-trials", type=int, default=60, help="trials on the A/B pool")
    parser.add_argument("--no-live", action="store_true", help="leave out the A/B pool")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-jobs", type=int, help="only the first N django jobs (a quick run)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="history database to reuse")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "quality.md")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"quality: error: needs the shared histories in {SHARED}", file=sys.stderr)
        sys.exit(2)
    began = time.monotonic()
    pg = Perfgate(Config())
    jobs = django_jobs()[: args.max_jobs]

    def say(message: str) -> None:
        print(f"[{time.monotonic() - began:6.0f} s] {message}", file=sys.stderr, flush=True)

    say(f"django: {len(jobs)} jobs")
    same = same_job(jobs, pg)
    say("django: same-job rules done")
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not a secret
    trials = [Composite(jobs, rng) for _ in range(args.trials)]
    p50 = Perfgate(dataclasses.replace(Config(), statistic="p50"))
    ten = [*ten_rounds(trials, pg), fixed_rounds(trials, p50)]
    say(f"django: {args.trials} ten-round trials done")
    stored = stored_baseline(jobs, pg, MIN_HISTORY)
    say("django: stored-baseline rules done")
    series = histories(args.cache)
    history = history_section(series, MIN_HISTORY)
    say(f"histories: {len(series)} series done")
    mde, facts = mde_section(jobs, trials, [pg, p50])
    say("minimum detectable slowdown done")
    live: list[Tally] = []
    pool = ""
    if not args.no_live:
        live, pool = live_section(args.live_trials, args.seed)
        say("live A/B pool done")
    django = [*same, *ten, *stored]
    sections = [
        ("django-asv, GitHub-hosted runners (a, b)", django, ten[1]),
        ("pypdf and sunpy histories, injected steps (c)", history, None),
    ]
    if live:
        sections.append((f"This machine, the live A/B pool ({pool}) (d)", live, live[0]))
    text = render(
        sections=sections,
        mde=mde,
        facts=facts,
        args=args,
        jobs=len(jobs),
        series=len(series),
        seconds=time.monotonic() - began,
    )
    write(args.output, text)
    say(f"wrote {args.output}")


def render(
    *,
    sections: list[tuple[str, list[Tally], Tally | None]],
    mde: str,
    facts: dict[str, float],
    args: argparse.Namespace,
    jobs: int,
    series: int,
    seconds: float,
) -> str:
    command = f"nox -s quality -- --trials {args.trials} --seed {args.seed}"
    command += f" --max-jobs {args.max_jobs}" if args.max_jobs else ""
    command += " --no-live" if args.no_live else f" --live-trials {args.live_trials}"
    parts = [
        BEGIN,
        f"Command: `{command}` ({seconds / 60:.0f} min on this project's 2-core VM). "
        f"Inputs: {jobs} django jobs, {series} pypdf/sunpy series.",
    ]
    for title, tallies, ours in sections:
        parts += [f"### {title}", table(tallies)]
        if ours is not None:
            worse = not_best(tallies, ours)
            parts.append(
                f"Where another rule did better than perfgate ({ours.data}), from +10% on:"
                if worse
                else f"No other rule did better than perfgate ({ours.data}) from +10% on."
            )
            if worse:
                parts.append("\n".join(worse))
    parts += [
        "### The theoretical limit (django same-job rounds)",
        mde,
        f"Suite size {facts['suite size']:.0f} benchmarks, so z(1 - alpha/2m) = "
        f"{facts['z_alpha']:.2f} for perfgate's suite-wide alpha of 5% (Holm's first step); "
        f"power 80%. The two rounds of one job correlate at {facts['within-job correlation']:.2f}.",
        END,
    ]
    return "\n\n".join(parts) + "\n"


def write(path: Path, tables: str) -> None:
    """Replace the generated part of ``path`` and keep the prose around it."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        text = old[: old.index(BEGIN)] + tables.rstrip("\n") + old[old.index(END) + len(END) :]
    else:
        text = "# Detection quality, side by side\n\n" + tables
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
