"""Choose the change-point method by evaluation: real histories with injected steps.

Data: ``../shared/data`` (django-asv, sunpy-benchmarks, pypdf-bench/data.js), imported with
perfgate's own importer into a cache database. Series: every (benchmark, machine,
environment) with at least ``--length`` points; a window of ``--length`` consecutive points is
taken from each (the same window for every method).

Per series and step size s: a position is drawn in the middle 60% of the window, away (more
than ``TOLERANCE`` points) from anything the method already finds in the untouched window (real
changes), and every value from there on is multiplied by 1 + s (a slowdown). Then:

* recall: a change point within ``TOLERANCE`` points of the injected position;
* spurious: change points in the injected window that are neither near the injected position
  nor near a point the method found in the untouched window;
* precision: hits / (hits + spurious);
* position error: median |found - injected| over hits;
* on the untouched windows: change points per 1,000 points (real changes are rare in these
  projects, so a high count mostly means noise called a step).

Every method goes through perfgate's own filters (:func:`perfgate.decisions.changepoints.detect`:
magnitude floor 5%, rank-test confidence 0.99), so the segmentation is what is compared.

Run: ``nox -s changepoint_quality`` (writes ``docs/changepoints.md``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".perfgate" / "cache" / "changepoint-history.sqlite"
STEPS = (0.05, 0.10, 0.25, 0.50)
TOLERANCE = 5
METHODS = ("asv-recursive", "asv", "pelt-l1", "binseg-l2")


def history() -> Path:
    from perfgate.history.importer import candidate_files, import_paths  # noqa: PLC0415
    from perfgate.history.store import open_store  # noqa: PLC0415

    if not CACHE.exists():
        store = open_store(CACHE, create=True)
        sources = [
            SHARED / "django-asv" / "results",
            SHARED / "sunpy-benchmarks" / "results",
            SHARED / "pypdf-bench" / "data.js",
        ]
        import_paths(store, list(candidate_files(sources)))
        store.close()
    return CACHE


def windows(length: int, seed: int) -> list[tuple[str, list[float]]]:
    from perfgate.history.store import open_store  # noqa: PLC0415

    store = open_store(history(), create=False)
    rng = random.Random(seed)  # noqa: S311 - sampling, not a secret
    out = []
    for key in store.series_keys():
        for _key, points in store.series(
            key.name, "p50", unit=key.unit, machine=key.machine, environment=key.environment
        ):
            values = [p.value for p in points]
            clean = [v for v in values if v is not None and v > 0]
            if len(clean) < length:
                continue
            start = rng.randrange(len(clean) - length + 1)
            label = f"{key.name} [{key.machine}/{key.environment}]"
            out.append((label, clean[start : start + length]))
    store.close()
    return out


def near(index: int, found: list[int]) -> bool:
    return any(abs(index - f) <= TOLERANCE for f in found)


def evaluate(method: str, series: list[tuple[str, list[float]]], seed: int) -> dict[str, str]:
    from perfgate.decisions.changepoints import detect  # noqa: PLC0415

    rng = random.Random(seed)  # noqa: S311
    began = time.perf_counter()
    base_found: list[list[int]] = []
    points = 0
    for _label, values in series:
        base_found.append([c.index for c in detect(values, method=method)])
        points += len(values)
    per_1000 = 1000 * sum(map(len, base_found)) / points
    row: dict[str, str] = {"change points per 1,000 points, untouched": f"{per_1000:.1f}"}
    spurious_all = hits_all = 0
    for step in STEPS:
        hits = trials = spurious = 0
        errors: list[int] = []
        for (_label, values), real in zip(series, base_found, strict=True):
            n = len(values)
            allowed = [i for i in range(int(0.2 * n), int(0.8 * n)) if not near(i, real)]
            if not allowed:
                continue
            at = rng.choice(allowed)
            injected = values[:at] + [v * (1 + step) for v in values[at:]]
            found = [c.index for c in detect(injected, method=method)]
            trials += 1
            close = [f for f in found if abs(f - at) <= TOLERANCE]
            if close:
                hits += 1
                errors.append(min(abs(f - at) for f in close))
            spurious += sum(1 for f in found if abs(f - at) > TOLERANCE and not near(f, real))
        hits_all += hits
        spurious_all += spurious
        error = f"{statistics.median(errors):.0f}" if errors else "-"
        row[f"+{step:.0%}: recall / position error (points)"] = f"{hits / trials:.0%} / {error}"
    total = hits_all + spurious_all
    row["precision over all steps"] = f"{hits_all / total:.0%}" if total else "-"
    row["seconds (all series, all steps)"] = f"{time.perf_counter() - began:.1f}"
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-series", type=int, default=80)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "changepoints.md")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument(
        "--append", action="store_true", help="add this run's table to --output as a section"
    )
    args = parser.parse_args()
    methods = tuple(args.methods.split(","))
    if not SHARED.is_dir():
        sys.exit(f"needs the shared histories in {SHARED}")
    series = windows(args.length, args.seed)
    random.Random(args.seed).shuffle(series)  # noqa: S311 - sampling, not a secret
    series = series[: args.max_series]
    columns = {}
    for method in methods:
        print(f"evaluating {method} on {len(series)} series...", flush=True)
        columns[method] = evaluate(method, series, args.seed)
    keys = list(columns[methods[0]])
    lines = [
        "| measure | " + " | ".join(methods) + " |",
        "|---|" + "---:|" * len(methods),
        *(f"| {k} | " + " | ".join(columns[m][k] for m in methods) + " |" for k in keys),
    ]
    table = "\n".join(lines)
    print(table)
    text = TEMPLATE.format(
        table=table,
        count=len(series),
        length=args.length,
        tolerance=TOLERANCE,
        command=f"nox -s changepoint_quality -- --length {args.length} --seed {args.seed} "
        f"--max-series {args.max_series} --methods {args.methods}",
    )
    if args.append:
        section = SECTION.format(table=table, count=len(series), length=args.length)
        command = text.splitlines()[2]
        with args.output.open("a", encoding="utf-8") as out:
            out.write(section.replace("COMMAND", command))
    else:
        args.output.write_text(text, encoding="utf-8")


TEMPLATE = """# Change-point detection: which method, measured

Command: `{command}` (method in `benchmarks/changepoint_quality.py`'s docstring).
Data: {count} windows of {length} consecutive commits, drawn from the real histories in
`../shared/data` (django asv, sunpy asv, pypdf github-action-benchmark), p50 per commit (the
stored mean for pypdf). A step of +5/10/25/50% is injected at a random position away from
what the method already finds; a hit is a change point within {tolerance} commits of it. Every
method shares perfgate's filters (magnitude >= 5%, rank-test confidence >= 0.99).

{table}

"""


SECTION = """## Long histories: {count} windows of {length} commits

COMMAND

{table}

"""


if __name__ == "__main__":
    main()
