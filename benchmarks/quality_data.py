"""The inputs of the quality benchmark, read from ``../shared/data`` and the A/B pool.

django-asv: each daily job ran ``asv continuous --interleave-processes -a processes=2 HEAD^
HEAD``, so a job left two result files, one per commit, with 10 samples per benchmark: 5 from
each of 2 processes, in process order (asv appends a later process's samples to the earlier
ones; the first and last five differ more than random halves do, 1.28% vs 0.82% median, which
is what process boundaries look like). With ``--interleave-processes`` the processes alternate
between the two commits, so process k of HEAD^ and of HEAD ran back to back: two paired
*rounds* in perfgate's sense. Jobs are found by the benchmarks' ``started_at``: two files whose
runs began within an hour of each other; base is the one with the older commit date (HEAD^).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DJANGO = SHARED / "django-asv" / "results" / "ubuntu-latest"
JOB_GAP_MS = 3_600_000
SAMPLES = 10  # per benchmark and file: 2 processes x 5
MIN_HISTORY = 10  # stored values a history rule needs before it judges (the median's window)

Rounds = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Job:
    """One django CI job: HEAD^ (base) and HEAD (head), 2 paired rounds each, by benchmark."""

    started: float  # ms since the epoch
    base: dict[str, Rounds]
    head: dict[str, Rounds]

    def common(self) -> list[str]:
        return sorted(set(self.base) & set(self.head))


def _rounds(samples: Sequence[float]) -> Rounds:
    half = len(samples) // 2
    return (tuple(samples[:half]), tuple(samples[half:]))


def _read(path: Path) -> tuple[float, float, dict[str, Rounds]]:
    """(first started_at, commit date, name -> 2 rounds) of one asv result file, read with
    perfgate's own asv reader; started_at is not in perfgate's model, so it is read here."""
    from perfgate.formats import load  # noqa: PLC0415

    raw = json.loads(path.read_text(encoding="utf-8"))
    column = raw["result_columns"].index("started_at")
    started = min(
        row[column] for row in raw["results"].values() if len(row) > column and row[column]
    )
    (run,) = load(path)
    out = {}
    for bench in run.benchmarks:
        if bench.unit == "s" and len(bench.rounds) == 1 and len(bench.rounds[0]) == SAMPLES:
            out[bench.name] = _rounds(bench.rounds[0])
    return float(started), float(raw["date"]), out


def django_jobs(folder: Path = DJANGO) -> list[Job]:
    """Every job with exactly two files, in time order."""
    files = sorted(_read(p) for p in folder.glob("*-conda-py3.10.json"))
    groups: list[list[tuple[float, float, dict[str, Rounds]]]] = []
    for item in files:
        if groups and item[0] - groups[-1][-1][0] < JOB_GAP_MS:
            groups[-1].append(item)
        else:
            groups.append([item])
    jobs = []
    for group in groups:
        if len(group) != 2:
            continue
        older, newer = sorted(group, key=lambda g: g[1])
        jobs.append(Job(started=group[0][0], base=older[2], head=newer[2]))
    return jobs


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Series:
    """One benchmark's stored values over commits (times: larger is worse)."""

    project: str
    name: str
    commits: tuple[str, ...]
    values: tuple[float, ...]


def histories(cache: Path) -> list[Series]:
    """pypdf (github-action-benchmark ``data.js``) and sunpy (asv) series, imported with
    perfgate's own importer into ``cache``; the value per commit is the stored p50 (asv's
    result) or the stored value (data.js), times and memory alike."""
    from perfgate.history.importer import candidate_files, import_paths  # noqa: PLC0415
    from perfgate.history.store import open_store  # noqa: PLC0415

    sources = {
        "pypdf": SHARED / "pypdf-bench" / "data.js",
        "sunpy": SHARED / "sunpy-benchmarks" / "results",
    }
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        store = open_store(cache, create=True)
        import_paths(store, list(candidate_files(list(sources.values()))))
        store.close()
    store = open_store(cache, create=False)
    out = []
    for key in store.series_keys():
        project = "sunpy" if key.machine == "GH-Actions" else f"pypdf ({key.environment})"
        for _key, points in store.series(
            key.name, "p50", unit=key.unit, machine=key.machine, environment=key.environment
        ):
            kept = [(p.commit or "", p.value) for p in points if p.value and p.value > 0]
            if len(kept) < 2 * MIN_HISTORY:
                continue
            # iter/sec (pypdf) turned into time per iteration, so larger is worse everywhere
            flip = key.direction == "higher"
            out.append(
                Series(
                    project=project,
                    name=key.name,
                    commits=tuple(c for c, _ in kept),
                    values=tuple(1.0 / v if flip else v for _, v in kept if v is not None),
                )
            )
    store.close()
    return out
