"""``perfgate history import``: result files and folders into the store.

What a path may be: an asv results directory (every machine and environment under it, as asv
lays them out; ``benchmarks.json`` and ``machine.json`` are read for units, not imported), a
pytest-benchmark storage folder (``.benchmarks/``), a github-action-benchmark ``data.js``,
native perfgate files, or any single result file. A file that cannot be read is listed and
skipped; the rest is imported. Each run is its own transaction, so a re-import after a crash
picks up where the last one stopped (runs already stored are recognized and skipped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfgate import formats
from perfgate.decisions.quantiles import plan as quantile_plan
from perfgate.errors import InputError
from perfgate.formats import action_benchmark, asv
from perfgate.formats.json_reader import read_json
from perfgate.harness.git import GitError, git
from perfgate.history.store import (
    SUMMARY_COLUMNS,
    Location,
    Store,
    StoredSummary,
    StoreWriteError,
    open_store,
    shown_location,
)
from perfgate.loading import collector_paused
from perfgate.model import Benchmark, Run

_NUMPY_FROM = 2000  # samples from which numpy sorts faster than Python


@dataclass
class ImportResult:
    imported: int = 0  # runs newly stored
    already: int = 0  # runs that were stored before (re-import)
    files: int = 0  # files that held runs
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def candidate_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files to import under ``paths``, in a stable order."""
    for path in paths:
        if not path.exists():
            raise InputError(str(path), "no such file or directory")
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob("*")):
            if found.is_file() and (found.suffix == ".json" or action_benchmark.is_data_js(found)):
                yield found


def read_runs(path: Path) -> list[Run]:
    """The runs in one file (none for asv's auxiliary files); InputError when unreadable."""
    if action_benchmark.is_data_js(path):
        return action_benchmark.load(path)
    if path.name in ("benchmarks.json", "machine.json") and asv.is_auxiliary(read_json(path)):
        return []
    return formats.load(path)


def summary(bench: Benchmark) -> StoredSummary:
    """The per-run values the store keeps beside the samples, in SUMMARY_COLUMNS order
    (type-7 percentiles from one sort, bit for bit numpy's, as in :mod:`perfgate.decisions.stats`).
    Made for each of a history's 50,000 results, so the four quantiles are taken inline from
    a plan cached per sample count (:func:`perfgate.decisions.quantiles.sorted_quantiles` in a loop
    cost a third more)."""
    rounds = bench.rounds
    if not rounds:
        stored = bench.stored
        return tuple(stored.get(column) for column in SUMMARY_COLUMNS)
    values = rounds[0] if len(rounds) == 1 else [v for r in rounds for v in r]
    n = len(values)
    ordered = sorted(values) if n < _NUMPY_FROM else _numpy_sorted(values)
    plan = _PLANS.get(n)
    if plan is None:
        if len(_PLANS) >= _PLANS_KEPT:  # pytest-benchmark's sample counts vary without end
            _PLANS.clear()
        plan = _PLANS[n] = quantile_plan(n, _QUANTILES)
    (l25, h25, g25), (l50, h50, g50), (l95, h95, g95), (l99, h99, g99) = plan
    # numpy's lerp from the nearer end, as quantiles.lerp
    a, b = ordered[l25], ordered[h25]
    p25 = b - (b - a) * (1 - g25) if g25 >= 0.5 else a + (b - a) * g25
    a, b = ordered[l50], ordered[h50]
    p50 = b - (b - a) * (1 - g50) if g50 >= 0.5 else a + (b - a) * g50
    a, b = ordered[l95], ordered[h95]
    p95 = b - (b - a) * (1 - g95) if g95 >= 0.5 else a + (b - a) * g95
    a, b = ordered[l99], ordered[h99]
    p99 = b - (b - a) * (1 - g99) if g99 >= 0.5 else a + (b - a) * g99
    return (p50, p95, math.fsum(values) / n, ordered[0], ordered[-1], p25, p99)


_QUANTILES = (0.25, 0.50, 0.95, 0.99)
_PLANS: dict[int, tuple[tuple[int, int, float], ...]] = {}  # sample count -> its plan
_PLANS_KEPT = 4096


def _numpy_sorted(values: Sequence[float]) -> list[float]:
    from perfgate.loading import import_numpy_single_threaded  # noqa: PLC0415

    import_numpy_single_threaded(with_scipy=False)  # only long rounds: asv's ten never
    import numpy as np  # noqa: PLC0415

    return np.sort(np.asarray(values, dtype=np.float64)).tolist()  # type: ignore[no-any-return]


BATCH_RUNS = 64  # runs committed together (all or none: a killed import leaves no half run)


def import_paths(
    store: Store,
    files: list[Path],
    *,
    advance: Callable[[], None] | None = None,
    packages: Mapping[str, str] | None = None,
) -> ImportResult:
    """Store the runs in ``files``; ``packages``: what was installed where they ran, for runs
    whose file does not say."""
    result = ImportResult()
    batch: list[tuple[Run, list[StoredSummary], Path]] = []
    with collector_paused():
        _import_files(store, files, batch, result, advance, packages=packages)
    _store_batch(store, batch, result)
    return result


def _import_files(
    store: Store,
    files: list[Path],
    batch: list[tuple[Run, list[StoredSummary], Path]],
    result: ImportResult,
    advance: Callable[[], None] | None,
    *,
    packages: Mapping[str, str] | None = None,
) -> None:
    for path in files:
        try:
            runs = read_runs(path)
            _check_storable(path, runs)
            if packages is not None:
                runs = [run if run.packages else replace(run, packages=packages) for run in runs]
        except InputError as exc:
            result.skipped.append((exc.path, exc.problem))
        else:
            result.files += bool(runs)  # asv's benchmarks.json and machine.json hold none
            batch.extend((run, [summary(b) for b in run.benchmarks], path) for run in runs)
            if len(batch) >= BATCH_RUNS:
                _store_batch(store, batch, result)
                batch.clear()
        if advance is not None:
            advance()


def _check_storable(path: Path, runs: Sequence[Run]) -> None:
    """InputError for text that one of the backends cannot hold (PostgreSQL's text holds no
    NUL character), so that such a file is skipped alike on both, the rest imported."""
    for run in runs:
        texts = [*run.metadata.to_dict().values()]
        texts.extend(text for b in run.benchmarks for text in (b.name, b.unit))
        if any("\x00" in text for text in texts):
            raise InputError(str(path), "a name or value holds a NUL character (\\x00)")


def _store_batch(
    store: Store,
    batch: Sequence[tuple[Run, list[StoredSummary], Path]],
    result: ImportResult,
) -> None:
    """Store a batch in one transaction; when a run cannot be stored, the batch again run
    by run, so that what fits is kept and the run that did not is named."""
    batch = [item for item in batch if item[0].benchmarks]
    if not batch:
        return
    try:
        added = store.add_runs([(run, summaries) for run, summaries, _path in batch])
    except StoreWriteError as exc:
        if len(batch) > 1:  # store what fits, run by run, and name the run that did not
            for item in batch:
                _store_batch(store, [item], result)
        raise StoreWriteError(
            exc.path,
            f"{exc.problem} while importing {batch[0][2]}: the {result.imported} run(s) "
            "imported before it are kept; free space and import again (runs already stored "
            "are skipped)",
        ) from None
    except UnicodeEncodeError:  # SQLite stores UTF-8, which a lone surrogate is not
        if len(batch) == 1:
            result.skipped.append(
                (str(batch[0][2]), "a name or value holds a lone surrogate (like \\ud800)")
            )
            return
        for item in batch:
            _store_batch(store, [item], result)
        return
    result.imported += sum(added)
    result.already += len(added) - sum(added)


@dataclass(frozen=True, kw_only=True)
class ImportOutcome:
    """What an import did, for the command to say."""

    db: Location
    result: ImportResult
    ordered: int  # commits placed in git's order (0: ordered by the files' dates)
    runs: int  # in the store afterwards
    benchmarks: int
    undated: int = 0  # runs neither git nor a readable date places (they follow, in import order)

    def lines(self) -> list[str]:
        """The outcome in words: a line per skipped file, then one summary line."""
        result = self.result
        order = (
            f"commit order from git for {self.ordered} commit(s)"
            if self.ordered
            else "commit order from the files' dates (no git repository given or found)"
        )
        return [
            *(f"skipped {source}: {problem}" for source, problem in result.skipped),
            f"imported {result.imported} run(s) from {result.files} file(s) into "
            f"{shown_location(self.db)} ({result.already} already there, "
            f"{len(result.skipped)} file(s) skipped); "
            f"{order}; the store holds {self.runs} runs of {self.benchmarks} benchmarks",
            *(
                [
                    f"{self.undated} run(s) have neither a commit git knows nor a readable date: "
                    "they follow the others in the order they were imported"
                ]
                if self.undated
                else []
            ),
        ]


def import_into(
    db: Location,
    files: Sequence[Path],
    *,
    repo: Path | None,
    advance: Callable[[], None] = lambda: None,
    packages: Mapping[str, str] | None = None,
) -> ImportOutcome:
    """Import ``files`` into the store at ``db`` (made if missing) and order its commits by
    git (``repo``, else the repository perfgate runs in, if any); ``packages``: what was
    installed where the runs ran (``run --record`` knows it)."""
    store = open_store(db, create=True)
    try:
        result = import_paths(store, list(files), advance=advance, packages=packages)
        ordered = _order_by_git(store, repo)
        counts = store.counts()
    finally:
        store.close()
    return ImportOutcome(
        db=db,
        result=result,
        ordered=ordered,
        runs=counts["runs"],
        benchmarks=counts["benchmarks"],
        undated=counts["undated"],
    )


def _order_by_git(store: Store, repo: Path | None) -> int:
    """Positions of the stored commits in ``git rev-list --topo-order`` of ``repo`` (or of
    the repository perfgate runs in, if any); 0 when there is none."""
    try:
        listed = git(repo or Path.cwd(), "rev-list", "--topo-order", "--reverse", "--all")
    except GitError:
        if repo is not None:
            raise InputError(
                str(repo), "not a git repository (--repo gives commit order)"
            ) from None
        return 0
    return store.set_positions(listed.split())
