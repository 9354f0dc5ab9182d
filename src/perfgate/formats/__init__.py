"""Result readers: one module per foreign format, plus format detection.

``load(path)`` accepts a result file or a directory (an asv results tree, or a folder of round
files of one side) and returns one :class:`~perfgate.model.Run` per results file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR
from typing import Any

from perfgate.errors import InputError
from perfgate.formats import asv, native, pyperf, pytest_benchmark
from perfgate.formats.json_reader import read_json
from perfgate.loading import collector_paused
from perfgate.model import STORED_BASELINE, Benchmark, Run, combine

_MALFORMED = (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError)


# A file already read, by (path, size, modification time): None for asv's auxiliary files
ReadCache = dict[tuple[Path, int, int], Run | None]


def load(path: Path, input_format: str = "auto", cache: ReadCache | None = None) -> list[Run]:
    """Read every run under ``path``; raise :class:`InputError` for anything unreadable.

    With a ``cache``, a file of a directory read before (same size and modification time) is
    not read again: `perfgate run` checks after each round whether it may stop, and reads only
    the new round's files."""
    try:  # one stat: a history import reads a thousand files through here
        is_dir = S_ISDIR(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(str(path), "no such file or directory") from None
    except OSError:
        is_dir = False  # reading it says why it cannot be read
    if is_dir:
        return _load_dir(path, input_format, {} if cache is None else cache)
    data = read_json(path)
    if input_format == "auto" and asv.is_auxiliary(data):
        raise InputError(
            str(path),
            "this is asv's benchmarks.json or machine.json, "
            "not a results file (pass a results file or the results directory)",
        )
    return [_read(path, data, input_format)]


@dataclass(frozen=True, kw_only=True)
class SideResults:
    """Everything read for one side of a comparison (or the one side of a check)."""

    benchmarks: list[Benchmark]
    failed: list[str]  # benchmarks the harness reported as failed
    stored_baseline: bool  # written by `perfgate history baseline`, not measured in this job


def failed_on_either(base: SideResults, head: SideResults) -> list[str]:
    """The benchmarks the harness reported failed on either side, head's first (the one rule
    of compare, merge and run)."""
    return [*head.failed, *(name for name in base.failed if name not in head.failed)]


def load_side(
    paths: Sequence[Path], input_format: str = "auto", cache: ReadCache | None = None
) -> SideResults:
    """One side's benchmarks (the rounds of every file combined); InputError names the paths
    when the files do not combine."""
    with collector_paused():  # many small objects, no cycles
        runs = [run for path in paths for run in load(path, input_format, cache)]
    try:
        benchmarks, failed = combine(runs)
    except ValueError as exc:
        raise InputError(", ".join(str(p) for p in paths), str(exc)) from None
    return SideResults(
        benchmarks=benchmarks,
        failed=failed,
        stored_baseline=any(r.metadata.harness == STORED_BASELINE for r in runs),
    )


def _load_dir(folder: Path, input_format: str, cache: ReadCache) -> list[Run]:
    runs: list[Run] = []
    for path in sorted(folder.rglob("*.json")):
        stat = path.stat()
        key = (path, stat.st_size, stat.st_mtime_ns)
        if key not in cache:
            data = read_json(path)
            auxiliary = input_format in ("auto", asv.FORMAT) and asv.is_auxiliary(data)
            cache[key] = None if auxiliary else _read(path, data, input_format)
        run = cache[key]
        if run is not None:
            runs.append(run)
    if not runs:
        raise InputError(str(folder), "directory holds no result files (*.json)")
    return runs


def _read(path: Path, data: Any, input_format: str) -> Run:
    shown = str(path)
    fmt = input_format if input_format != "auto" else _sniff(data)
    if fmt is None:
        raise InputError(
            shown,
            "JSON of no known result format (expected pytest-benchmark, asv, pyperf or perfgate "
            "native)",
        )
    if not isinstance(data, dict):
        raise InputError(shown, f"not a {fmt} file: the top level is not a JSON object")
    try:
        if fmt == pytest_benchmark.FORMAT:
            run = pytest_benchmark.read(data, shown)
        elif fmt == asv.FORMAT:
            run = asv.read(data, shown, asv.described_near(path))
        elif fmt == pyperf.FORMAT:
            run = pyperf.read(data, shown)
        else:
            run = native.read(data, shown)
    except asv.UnsupportedVersionError as exc:
        raise InputError(shown, str(exc)) from None
    except KeyError as exc:
        raise InputError(shown, f"not a valid {fmt} file: missing key {exc}") from None
    except _MALFORMED as exc:
        raise InputError(shown, f"not a valid {fmt} file: {exc}") from None
    if not run.benchmarks and not run.failed:
        raise InputError(shown, "the file holds no benchmarks")
    return run


def _sniff(data: Any) -> str | None:
    sniffers: tuple[tuple[str, Callable[[Any], bool]], ...] = (
        (native.FORMAT, native.sniff),
        (pytest_benchmark.FORMAT, pytest_benchmark.sniff),
        (asv.FORMAT, asv.sniff),
        (pyperf.FORMAT, pyperf.sniff),
    )
    return next((name for name, sniff in sniffers if sniff(data)), None)
