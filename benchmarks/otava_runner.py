"""Apache Otava's change points (E-divisive as in Hunter) for series given as JSON on stdin.

Runs in its own environment (otava pins numpy 2.2 and scipy < 1.17): ``nox -s
changepoint_f1`` builds it and ``benchmarks/changepoint_f1.py`` calls this script with that
environment's python. Input: a JSON list of series (lists of numbers); output: a JSON list of
lists of change-point indices (the first point at the new level), Otava's defaults: a window
of 50 points and a p-value of 0.001.
"""

from __future__ import annotations

import json
import sys

from otava.analysis import compute_change_points


def main() -> None:
    series = json.load(sys.stdin)
    found = []
    for values in series:
        points, _weak = compute_change_points(values, window_len=50, max_pvalue=0.001)
        found.append(sorted(int(p.index) for p in points))
    json.dump(found, sys.stdout)


if __name__ == "__main__":
    main()
