"""Stored base first, on django's real CI jobs: how much of the same-job base it saves, and
what it costs in false alarms and recall, against the same-job default.

Each django job measured HEAD^ and HEAD in one job (2 paired rounds a side,
``benchmarks/quality_data.py``). Here a job's HEAD is head; the stored runs are the HEAD
results of the ``--stored`` jobs before it (other days, other GitHub runners: what main's
history holds); the job's own HEAD^ is the same-job base.

* same-job default: head against the job's base, every benchmark (the suite judged together).
* stored base first: head cleared against the stored runs where it can be
  (:mod:`perfgate.decisions.stored_base`, ``--margin``); the rest judged against the same-job
  base as a suite of their own. A cleared benchmark is never flagged.

Unchanged: every benchmark of every job as recorded (a near-A/A). Slowed: one benchmark at a
time, head's samples times 1 + s, the rest of its suite unchanged. Suite +10%: every benchmark
of head 10% slower at once (a change no speed factor may hide).

The jobs are split in time: the first half to choose the margin on (``--part tuning``), the
second looked at once with the margin chosen (``--part held-out``).

Run: ``python -m benchmarks.stored_base --part tuning --margin 0.05``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks import quality_rules as rules
from benchmarks.quality_data import SHARED, Job, Rounds, django_jobs
from perfgate.config import Config
from perfgate.decisions.compare import decision_statistic
from perfgate.decisions.inference import Evidence
from perfgate.decisions.stored_base import clear, log_value, suite_prior, triage
from perfgate.report.model import Change

SLOWDOWNS = (0.10, 0.25, 0.50, 1.00)


@dataclass
class Tally:
    benchmarks: int = 0
    alarms: int = 0
    suites: int = 0
    suites_alarmed: int = 0
    cleared: int = 0
    hits: dict[float, int] = field(default_factory=dict)
    critical_2x: int = 0
    trials: int = 0
    uniform_failed: int = 0
    uniform_cleared: int = 0
    uniform_rows: int = 0

    def row(self, label: str) -> str:
        def rate(k: int, n: int) -> str:
            return f"{100 * k / n:.1f}%" if n else "-"

        cells = [
            label,
            rate(self.cleared, self.benchmarks),
            rate(self.alarms, self.benchmarks),
            rate(self.suites_alarmed, self.suites),
            *(rate(self.hits.get(s, 0), self.trials) for s in SLOWDOWNS),
            rate(self.critical_2x, self.trials),
            rate(self.uniform_failed, self.suites),
            rate(self.uniform_cleared, self.uniform_rows),
        ]
        return "| " + " | ".join(cells) + " |"


HEADER = (
    "| base | base not measured | unchanged flagged | suite runs flagged | +10% found | "
    "+25% found | +50% found | 2x found | 2x critical | suite +10%: suite flagged | "
    "suite +10%: rows cleared |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def flagged(change: Change) -> bool:
    return change.direction == "slower" and change.severity != "none"


def run(jobs: Sequence[Job], stored_runs: int, margin: float) -> tuple[Tally, Tally]:
    config = Config()
    metric = decision_statistic(config)
    default, first = Tally(), Tally()
    for j in range(stored_runs, len(jobs)):
        job = jobs[j]
        earlier = jobs[j - stored_runs : j]
        names = job.common()
        stored = {
            n: [v for e in earlier if n in e.head if (v := _value(e.head[n], metric)) is not None]
            for n in names
        }
        head = {n: v for n in names if (v := _value(job.head[n], metric)) is not None}
        names = [n for n in names if n in head]
        suite = [rules.perfgate_evidence(n, job.base[n], job.head[n], config) for n in names]
        sorted_out = triage(stored, head, margin)
        prior = suite_prior(stored, names)
        measured = [i for i, n in enumerate(names) if n in set(sorted_out.measure)]
        for tally in (default, first):
            tally.suites += 1
            tally.benchmarks += len(names)
            tally.trials += len(names)
        first.cleared += len(names) - len(measured)
        # unchanged
        full = rules.perfgate_decide(suite, config)
        default.alarms += sum(map(flagged, full))
        default.suites_alarmed += any(map(flagged, full))
        part = rules.perfgate_decide([suite[i] for i in measured], config) if measured else []
        first.alarms += sum(map(flagged, part))
        first.suites_alarmed += any(map(flagged, part))
        # one benchmark slowed at a time
        for i, name in enumerate(names):
            for s in SLOWDOWNS:
                shift = math.log1p(s)
                change = rules.perfgate_one_changed(suite, i, suite[i].shifted(shift), config)
                default.hits[s] = default.hits.get(s, 0) + flagged(change)
                if s == SLOWDOWNS[-1]:
                    default.critical_2x += change.severity == "critical"
                found = _first(
                    stored, head, name, shift, prior, margin, names, measured, suite, config
                )
                first.hits[s] = first.hits.get(s, 0) + (found is not None and flagged(found))
                if s == SLOWDOWNS[-1]:
                    first.critical_2x += found is not None and found.severity == "critical"
        # every benchmark 10% slower
        shift = math.log1p(0.10)
        slowed = [e.shifted(shift) for e in suite]
        default.uniform_failed += any(map(flagged, rules.perfgate_decide(slowed, config)))
        moved = triage(stored, {n: v + shift for n, v in head.items()}, margin)
        still = [i for i, n in enumerate(names) if n in set(moved.measure)]
        first.uniform_rows += len(names)
        first.uniform_cleared += len(names) - len(still)
        if still:
            judged = rules.perfgate_decide([slowed[i] for i in still], config)
            first.uniform_failed += any(map(flagged, judged))
    return default, first


def _first(  # noqa: PLR0917 - the trial's state, once
    stored: dict[str, list[float]],
    head: dict[str, float],
    name: str,
    shift: float,
    prior: tuple[float, float],
    margin: float,
    names: list[str],
    measured: list[int],
    suite: list[Evidence],
    config: Config,
) -> Change | None:
    """Stored base first's verdict on benchmark ``name`` slowed by ``shift`` (None: cleared;
    the prior is the stored runs' alone, so slowing head does not move it)."""
    if clear(name, stored[name], head[name] + shift, prior, margin) is not None:
        return None
    index = names.index(name)
    rows = sorted({*measured, index})
    evidence = [suite[i] if i != index else suite[i].shifted(shift) for i in rows]
    return rules.perfgate_decide(evidence, config)[rows.index(index)]


def _value(rounds: Rounds, metric: str) -> float | None:
    return log_value([x for r in rounds for x in r], metric)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("tuning", "held-out"), required=True)
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument("--stored", type=int, default=5, help="stored runs (earlier jobs)")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit("benchmarks/stored_base.py: ../shared/data is not here")
    began = time.monotonic()
    jobs = django_jobs()
    half = len(jobs) // 2
    part = jobs[:half] if args.part == "tuning" else jobs[half - args.stored :]
    default, first = run(part, args.stored, args.margin)
    print(
        f"django jobs ({args.part}: {default.suites} suite runs, {default.benchmarks} "
        f"benchmark comparisons; {args.stored} stored runs; margin {args.margin:.0%}; "
        f"{time.monotonic() - began:.0f} s)\n"
    )
    print(HEADER)
    print(default.row("same job (default)"))
    print(first.row(f"stored first, margin {args.margin:.0%}"))


if __name__ == "__main__":
    main()
