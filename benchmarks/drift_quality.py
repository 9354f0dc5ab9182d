"""The drift check on real histories: how often it flags untouched windows, and how often it
catches a creeping slowdown planted into them that change-point detection misses.

Data: the shared histories of ``benchmarks/changepoint_quality.py`` (django-asv,
sunpy-benchmarks, pypdf-bench), one window of ``--length`` consecutive p50 values per series
with enough commits. The drift check runs as ``history detect`` runs it (the default
reference, 50 commits back, the default threshold, and the default change-point method's
findings to say what is explained). Series are split by a hash of their name: half to look at
while choosing (tuning), half looked at once (held out); nothing in the check was fitted to
either.

* untouched: windows whose latest level is flagged as a drift not explained by change points
  (real creeps are in there too, so this is an upper bound on false alarms);
* planted: each window's values from index 20 on multiplied by a ramp of +``--step`` per commit
  for ``--commits`` commits (then held): the share flagged as an unexplained drift, the share
  change-point detection alone reports as a slowdown of the threshold or more, and the share
  reported by either (what ``history notify`` opens an issue for).

Run: ``nox -s drift_quality`` (needs ../shared/data).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.changepoint_quality import SHARED, windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", type=float, default=0.02, help="slowdown per commit")
    parser.add_argument("--commits", type=int, default=15, help="commits the creep takes")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the shared histories in {SHARED}")
    from perfgate.history.drift import Reference, drift_of  # noqa: PLC0415
    from perfgate.history.findings import findings_of  # noqa: PLC0415
    from perfgate.history.store import Point, SeriesKey  # noqa: PLC0415
    from perfgate.options import DEFAULT_DRIFT  # noqa: PLC0415

    reference = Reference("50 commits back")

    def judged(label: str, values: list[float]) -> tuple[bool, bool]:
        """(an unexplained drift, a change point of the threshold or more)."""
        key = SeriesKey(name=label, unit="s", direction="lower", machine="", environment="")
        points = [Point(f"c{i}", None, "", "", 1, 1, v) for i, v in enumerate(values)]
        found = findings_of(key, points)
        step = any(f.slower and f.change.magnitude >= DEFAULT_DRIFT for f in found)
        drift = drift_of(key, points, reference, DEFAULT_DRIFT, found)
        return drift is not None and not drift.explained, step

    total = (1 + args.step) ** args.commits - 1
    print(
        f"windows of {args.length} commits, seed {args.seed}; planted: +{args.step:.0%} a commit "
        f"for {args.commits} commits (+{total:.0%} in all); threshold {DEFAULT_DRIFT:.0%}\n"
    )
    print(
        "| part | windows | untouched: drift flagged | untouched: a step of >= "
        f"{DEFAULT_DRIFT:.0%} | planted: drift | planted: a step | planted: either |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    series = windows(args.length, args.seed)
    for part in ("tuning", "held-out"):
        mine = [
            (label, values)
            for label, values in series
            if (hashlib.sha256(label.encode()).digest()[0] % 2 == 0) == (part == "tuning")
        ]
        flagged = stepped = drift = step = either = 0
        for label, values in mine:
            untouched = judged(label, values)
            flagged, stepped = flagged + untouched[0], stepped + untouched[1]
            planted = [
                v * (1 + args.step) ** min(max(0, i - 19), args.commits)
                for i, v in enumerate(values)
            ]
            d, s = judged(label, planted)
            drift, step, either = drift + d, step + s, either + (d or s)
        n = len(mine)

        def pct(k: int, n: int = n) -> str:
            return f"{k / n:.1%} ({k})"

        print(
            f"| {part} | {n} | {pct(flagged)} | {pct(stepped)} | {pct(drift)} | {pct(step)} "
            f"| {pct(either)} |"
        )


if __name__ == "__main__":
    main()
