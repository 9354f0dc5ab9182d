"""How severity is graded, measured: candidate rules on django's same-job pairs (issue 41).

Every candidate sees the same inference (``infer`` over the suite, Holm, the speed factor):
a rule only maps an estimate (point, Holm-consistent interval, one-sided bounds, adjusted
p-value) to "flagged?" and a severity. Per pair (one asv file a side, with samples, or what
asv stores without them) the targets are counted:

* ``A/A suites``: suites of an unchanged pair with any flagged slowdown (asv's rule beside);
* ``+10% lone``: recall, one benchmark made +10% slower, the rest unchanged;
* ``+25% lone crit`` / ``2x lone crit``: that benchmark graded critical;
* ``+25% suite fails`` / ``+50% suite fails``: every benchmark slower, any graded critical
  (the gate's default ``fail-on: critical``).

The lone injections take ``--lone`` benchmarks a pair, drawn with a fixed seed. The first 100
jobs are the tuning part (``--part tune``); the rest are held out (``--part held-out``), looked
at once for the chosen rule.

Run: ``nox -s severity_eval -- --part tune`` (docs/verdict-engine.md has the tables).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.quality_data import SHARED, Job, django_jobs
from benchmarks.verdict_eval import asv_rule, no_samples, one_file
from perfgate.config import Config, Thresholds
from perfgate.decisions.inference import Evidence, RatioEstimate, infer
from perfgate.options import Severity

TUNING_JOBS = 100

Rule = Callable[[RatioEstimate, Thresholds], Severity]  # "none": not flagged


def _grade(factor: float, t: Thresholds) -> Severity:
    for name, limit in (("critical", t.critical), ("major", t.major), ("minor", t.minor)):
        if factor >= 1.0 + limit - 1e-12:
            return name  # type: ignore[return-value]
    return "none"


def _significant(e: RatioEstimate, t: Thresholds) -> bool:
    return e.p_adjusted < t.alpha and e.ratio > 1.0


def far_end(e: RatioEstimate, t: Thresholds) -> Severity:
    """perfgate 0.2: the highest threshold the interval reaches."""
    return _grade(e.high, t) if _significant(e, t) else "none"


def point(e: RatioEstimate, t: Thresholds) -> Severity:
    """The ecosystem's rule: the estimate reaches the threshold (and it is significant)."""
    return _grade(e.ratio, t) if _significant(e, t) else "none"


def point_floor(floor: float) -> Rule:
    """Graded on the estimate; flagged (as minor at least) from an estimate of ``floor``
    when the interval reaches the minor threshold."""

    def rule(e: RatioEstimate, t: Thresholds) -> Severity:
        if not _significant(e, t) or e.ratio < 1.0 + floor or e.high < 1.0 + t.minor:
            return "none"
        graded = _grade(e.ratio, t)
        return "minor" if graded == "none" else graded

    rule.__name__ = f"point, floor +{floor:.0%}"
    return rule


def near_end(e: RatioEstimate, t: Thresholds) -> Severity:
    """Graded on the interval's near end: it is at least that large."""
    if not _significant(e, t) or e.high < 1.0 + t.minor:
        return "none"
    graded = _grade(e.low, t)
    return "minor" if graded == "none" else graded


RULES: dict[str, Rule] = {
    "far end (0.2)": far_end,
    "point": point,
    **{f"point, floor +{f:.0%}": point_floor(f) for f in (0.05, 0.07)},
    "near end": near_end,
}


@dataclass
class Tally:
    hits: dict[str, list[int]] = field(default_factory=dict)

    def add(self, target: str, hit: bool) -> None:
        cell = self.hits.setdefault(target, [0, 0])
        cell[0] += hit
        cell[1] += 1

    def pct(self, target: str) -> str:
        hit, total = self.hits.get(target, [0, 0])
        return f"{hit / total:.1%}" if total else "-"


TARGETS = (
    "A/A suites",
    "+10% lone",
    "+25% lone crit",
    "2x lone crit",
    "+25% suite fails",
    "+50% suite fails",
)


def judge(evidence: Sequence[Evidence], t: Thresholds) -> list[RatioEstimate]:
    return infer(evidence, alpha=t.alpha)


def with_alpha(alpha: float) -> Thresholds:
    from dataclasses import replace  # noqa: PLC0415

    return replace(Config().regression, alpha=alpha)


def evaluate(  # noqa: PLR0917 - one call site, in main
    jobs: list[Job],
    make: Callable[[Job, str, str], Evidence | None],
    statistic: str,
    lone: int,
    seed: int,
    alpha: float,
) -> dict[str, Tally]:
    t = with_alpha(alpha)
    tallies = {name: Tally() for name in RULES}
    rng = random.Random(seed)  # noqa: S311 - sampling, not a secret
    for number, job in enumerate(jobs):
        found = [make(job, n, statistic) for n in job.common()]
        evidence = [e for e in found if e is not None]
        if len(evidence) < 2:
            continue
        aa = judge(evidence, t)
        suites = {s: judge([e.shifted(math.log1p(s)) for e in evidence], t) for s in (0.25, 0.5)}
        picks = rng.sample(range(len(evidence)), min(lone, len(evidence)))
        lones: dict[float, list[RatioEstimate]] = {}
        for s in (0.10, 0.25, 1.0):
            lones[s] = []
            for i in picks:
                changed = list(evidence)
                changed[i] = evidence[i].shifted(math.log1p(s))
                lones[s].append(judge(changed, t)[i])
        for name, rule in RULES.items():
            tally = tallies[name]
            tally.add("A/A suites", any(rule(e, t) != "none" for e in aa))
            for s, label in ((0.25, "+25% suite fails"), (0.5, "+50% suite fails")):
                tally.add(label, any(rule(e, t) == "critical" for e in suites[s]))
            for e in lones[0.10]:
                tally.add("+10% lone", rule(e, t) != "none")
            for e in lones[0.25]:
                tally.add("+25% lone crit", rule(e, t) == "critical")
            for e in lones[1.0]:
                tally.add("2x lone crit", rule(e, t) == "critical")
        if number % 20 == 19:
            print(f"  {number + 1}/{len(jobs)} pairs", file=sys.stderr, flush=True)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--part", choices=("tune", "held-out"), default="tune")
    parser.add_argument("--lone", type=int, default=8, help="lone injections a pair")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="one-file,no-samples")
    parser.add_argument("--alphas", default="0.05", help="suite-wide alpha (Holm), comma list")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"severity_eval: error: needs the shared histories in {SHARED}", file=sys.stderr)
        sys.exit(2)
    began = time.monotonic()
    every = django_jobs()
    jobs = every[:TUNING_JOBS] if args.part == "tune" else every[TUNING_JOBS:]
    print(f"{len(jobs)} django same-job pairs ({args.part}), {args.lone} lone injections a pair")
    modes = {"one-file": (one_file, "p25", True), "no-samples": (no_samples, "p50", False)}
    for mode in args.modes.split(","):
        make, statistic, with_samples = modes[mode]
        asv = asv_rule(jobs, with_samples=with_samples)
        share = asv.suites_alarmed / asv.suites
        print(f"\n{mode} (perfgate `{statistic}`; asv's rule: {asv.suites_alarmed} of "
              f"{asv.suites} A/A suites alarmed, {share:.1%})\n")  # fmt: skip
        print("| rule | alpha | " + " | ".join(TARGETS) + " |")
        print("|---|---:|" + "---:|" * len(TARGETS))
        for alpha in map(float, args.alphas.split(",")):
            tallies = evaluate(jobs, make, statistic, args.lone, args.seed, alpha)
            for name, tally in tallies.items():
                cells = " | ".join(tally.pct(x) for x in TARGETS)
                print(f"| {name} | {alpha:g} | {cells} |", flush=True)
    print(f"\n({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
