"""Change-point methods scored as the standard benchmark scores them: F1 with a margin of 5
points and the segmentation cover, on injected steps and on pypdf's real annotated steps.

Run: ``nox -s changepoint_f1`` (writes the F1 section of ``docs/changepoints.md`` to stdout;
needs ../shared/data). The scores follow van den Burg & Williams, "An Evaluation of Change
Point Detection Algorithms" (2020): index 0 counts as a change point in every set; a predicted
point is a true positive when it lies within MARGIN points of an annotation not matched yet;
precision is against the union of all annotators' points, recall is averaged per annotator;
F1 is their harmonic mean. The cover is the mean, over annotators, of how well the predicted
segments cover each annotated segment (Jaccard index, weighted by segment length).

Data:

* **injected**: the windows of ``benchmarks/changepoint_quality.py`` (200 consecutive commits
  of every long-enough series of the shared histories, p50 per commit), each with one step of
  +10%, +25% or +50% (in turn) at a random point of its middle 60%. Two annotators: the
  injected step alone, and the injected step plus the real steps of the untouched window that
  at least half of the methods find (a consensus, so that a method is not charged for finding
  a real step).
* **pypdf PI:**: pypdf's six benchmark series (github-action-benchmark, ~1,700 commits each),
  annotated at every commit whose message starts with ``PI:`` (a performance improvement, by
  the project's own convention). Weak labels: a PI commit need not change every benchmark, so
  precision and recall are both low for every method; the comparison is what counts.

Every method goes through perfgate's filters (5% magnitude floor, rank-test confidence 0.99),
so the segmentations are compared. Methods: perfgate's recursive asv, one-pass asv, ruptures'
PELT (L1 and L2) and binary segmentation (L2) with the BIC-like penalty of
``perfgate.decisions.changepoints`` (3 sigma^(1 or 2) log n, sigma from successive differences: one
documented rule, not tuned per series), and Apache Otava's E-divisive (Hunter; window 50,
p 0.001; run in its own environment, see ``benchmarks/otava_runner.py``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.changepoint_quality import SHARED, windows  # noqa: E402

MARGIN = 5
STEPS = (0.10, 0.25, 0.50)
METHODS = (
    "asv-recursive+pelt-l1", "asv-recursive", "asv", "pelt-l1", "pelt-l2", "binseg-l2", "otava",
)  # fmt: skip
# the real steps of an untouched window: what at least half of these single methods find
REFEREES = ("asv-recursive", "asv", "pelt-l1", "pelt-l2", "binseg-l2", "otava")


def matched(truth: set[int], predicted: set[int]) -> set[int]:
    """Predicted points within MARGIN of a true point, each true point matched at most once
    (the closest unmatched prediction)."""
    free = set(predicted)
    hits: set[int] = set()
    for t in sorted(truth):
        near = [p for p in free if abs(p - t) <= MARGIN]
        if near:
            best = min(near, key=lambda p: (abs(p - t), p))
            free.discard(best)
            hits.add(best)
    return hits


def f1(annotators: Sequence[set[int]], predicted: set[int]) -> tuple[float, float, float]:
    found = set(predicted) | {0}
    union = set().union(*annotators) | {0}
    precision = len(matched(union, found)) / len(found)
    recall = sum(len(matched(a | {0}, found)) / len(a | {0}) for a in annotators) / len(annotators)
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def segments(points: set[int], n: int) -> list[tuple[int, int]]:
    bounds = sorted({0, n, *(p for p in points if 0 < p < n)})
    return list(itertools.pairwise(bounds))


def cover(annotators: Sequence[set[int]], predicted: set[int], n: int) -> float:
    mine = segments(predicted, n)

    def jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
        inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
        return inter / (max(a[1], b[1]) - min(a[0], b[0]))

    total = 0.0
    for annotated in annotators:
        total += sum((hi - lo) * max(jaccard((lo, hi), s) for s in mine)
                     for lo, hi in segments(annotated, n)) / n  # fmt: skip
    return total / len(annotators)


def pypdf_series() -> list[tuple[str, list[float], set[int]]]:
    """pypdf's series from data.js with the indices of its PI: commits."""
    text = (SHARED / "pypdf-bench" / "data.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("{") :].rstrip().rstrip(";"))
    by_name: dict[str, list[tuple[float, bool]]] = {}
    for entries in data["entries"].values():
        for entry in entries:
            improvement = str(entry["commit"].get("message", "")).startswith("PI:")
            for bench in entry["benches"]:
                value = float(bench["value"])
                if value > 0:
                    by_name.setdefault(bench["name"], []).append((value, improvement))
    return [
        (name, [v for v, _pi in rows], {i for i, (_v, pi) in enumerate(rows) if pi and i > 0})
        for name, rows in sorted(by_name.items())
    ]


def otava(series: list[list[float]], python: str) -> dict[tuple[float, ...], list[int]]:
    done = subprocess.run(
        [python, str(ROOT / "benchmarks" / "otava_runner.py")],
        input=json.dumps(series), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {tuple(s): found for s, found in zip(series, json.loads(done.stdout), strict=True)}


def main() -> None:
    from perfgate.decisions import changepoints  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    parser.add_argument("--otava-python", help="python of an environment with apache-otava")
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the shared histories in {SHARED}")
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not a secret
    untouched = [values for _label, values in windows(args.length, args.seed)]
    injected, truth = [], []
    for k, values in enumerate(untouched):
        n = len(values)
        at = rng.randrange(int(0.2 * n), int(0.8 * n))
        step = STEPS[k % len(STEPS)]
        injected.append(values[:at] + [v * (1 + step) for v in values[at:]])
        truth.append(at)
    pypdf = pypdf_series()
    methods = [m for m in METHODS if m != "otava" or args.otava_python]
    if args.otava_python:
        cache = otava([*untouched, *injected, *(v for _n, v, _a in pypdf)], args.otava_python)
        changepoints.SEGMENTERS["otava"] = lambda v: cache[tuple(v)]

    def find(values: list[float], method: str) -> set[int]:
        return {c.index for c in changepoints.detect(values, method=method)}

    began = {m: time.perf_counter() for m in methods}
    spent = dict.fromkeys(methods, 0.0)
    base: dict[str, list[set[int]]] = {}
    for m in methods:
        began[m] = time.perf_counter()
        base[m] = [find(v, m) for v in untouched]
        spent[m] += time.perf_counter() - began[m]
    referees = [m for m in REFEREES if m in methods]
    consensus = [agreed(i, base, referees) for i in range(len(untouched))]
    rows: dict[str, dict[str, str]] = {}
    for m in methods:
        t0 = time.perf_counter()
        rows[m] = score(m, find, injected=injected, truth=truth, consensus=consensus, pypdf=pypdf)
        spent[m] += time.perf_counter() - t0
        points = sum(map(len, untouched))
        rows[m]["untouched: change points per 1,000 points"] = (
            f"{1000 * sum(map(len, base[m])) / points:.1f}"
        )
        rows[m]["seconds"] = f"{spent[m]:.1f}"
    print(
        f"Command: `nox -s changepoint_f1 -- --length {args.length} --seed {args.seed}`. "
        f"{len(injected)} windows of {args.length} commits with one injected step each "
        f"(+10/25/50% in turn); pypdf: {len(pypdf)} series, "
        f"{sum(len(a) for _n, _v, a in pypdf)} annotated PI: points; margin {MARGIN}.\n"
    )
    print("| measure | " + " | ".join(methods) + " |")
    print("|---|" + "---:|" * len(methods))
    for measure in next(iter(rows.values())):
        print(f"| {measure} | " + " | ".join(rows[m][measure] for m in methods) + " |")


def agreed(i: int, base: dict[str, list[set[int]]], methods: Sequence[str]) -> set[int]:
    """The real steps of untouched window ``i``: found by at least half of the methods."""
    candidates = sorted({p for m in methods for p in base[m][i]})
    return {
        p for p in candidates
        if sum(any(abs(p - q) <= MARGIN for q in base[m][i]) for m in methods)
        >= len(methods) / 2
    }  # fmt: skip


def score(
    method: str,
    find: Callable[[list[float], str], set[int]],
    *,
    injected: list[list[float]],
    truth: list[int],
    consensus: list[set[int]],
    pypdf: list[tuple[str, list[float], set[int]]],
) -> dict[str, str]:
    scores, covers = [], []
    for values, at, real in zip(injected, truth, consensus, strict=True):
        found = find(values, method)
        annotators = [{at}, {at} | {p for p in real if abs(p - at) > MARGIN}]
        scores.append(f1(annotators, found))
        covers.append(cover(annotators, found, len(values)))
    pf, pc = [], []
    for _name, values, improvements in pypdf:
        found = find(values, method)
        pf.append(f1([improvements], found))
        pc.append(cover([improvements], found, len(values)))
    return {
        "all scored series: F1": f"**{sum(x[2] for x in scores + pf) / len(scores + pf):.3f}**",
        "injected: F1 (precision / recall)": _f1_cell(scores),
        "injected: cover": f"{sum(covers) / len(covers):.3f}",
        "pypdf PI: F1 (precision / recall)": _f1_cell(pf),
        "pypdf PI: cover": f"{sum(pc) / len(pc):.3f}",
    }


def _f1_cell(scores: list[tuple[float, float, float]]) -> str:
    n = len(scores)
    precision = sum(s[0] for s in scores) / n
    recall = sum(s[1] for s in scores) / n
    return f"{sum(s[2] for s in scores) / n:.3f} ({precision:.2f} / {recall:.2f})"


if __name__ == "__main__":
    main()
