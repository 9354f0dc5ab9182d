"""``perfgate run``: validate -> resolve base -> build sides -> rounds -> compare -> profile
(:func:`perfgate.harness.ab.measure`) -> emit -> record -> tidy."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from perfgate import units
from perfgate.commands.output import emit
from perfgate.config import Config, find_config, load_config, with_overrides
from perfgate.errors import UsageError
from perfgate.harness import ab, shards
from perfgate.history import configured
from perfgate.history.recording import store_acceptances, store_head
from perfgate.pytest_plugin import MODULE
from perfgate.report.model import Report


def run_command(
    *,
    base_ref: str | None,
    rounds: int | None,
    out: Path | None,
    config_path: Path | None,
    fmt: str,
    outputs: Sequence[Path] = (),
    extra: Sequence[str] = (),
    seed: int = 0,
    fail_on: str | None = None,
    accept: Sequence[str] = (),
    time_budget: str | None = None,
    record: bool = False,
    shard: str | None = None,
    measure_all: bool = False,
    db: Path | str | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> Report:
    """``perfgate run``. ``base_ref`` None: head alone, in this environment; ``"auto"``: the
    merge-base of HEAD and the default branch, or head alone in its own environment when there
    is nothing to compare. ``record``: store a head-only run in the history."""
    stdout = stdout or sys.stdout  # at call time: tests and callers swap them
    stderr = stderr or sys.stderr  # at call time: tests and callers swap them
    _check_arguments(
        rounds=rounds, base_ref=base_ref, measure_all=measure_all, db=db, record=record
    )
    cwd = Path.cwd()
    config = with_overrides(
        load_config(find_config(config_path, cwd)),
        fail_on=fail_on,
        time_budget=_duration(time_budget),
        accept=accept,
    )
    part = _shard(shard, config, base_ref)
    out = out or cwd / ".perfgate" / "run"
    if part is not None:  # the plugin runs only this shard's benchmarks
        extra = (*extra, *_shard_args(part, out))
    with ab.session(out, stderr, ab.preflight(config)) as progress:
        job = ab.Job(
            config=config, config_path=config_path, rounds=rounds, out=out, extra=tuple(extra),
            seed=seed, shard=part, progress=progress, measure_all=measure_all,
        )  # fmt: skip
        outcome = ab.measure(job, base_ref, cwd)
        emitted = emit(outcome.report, fmt, outputs, stdout)
        if record:
            _record(job, outcome, configured(db, config))
        ab.tidy(job, outcome)
    return emitted


def _check_arguments(
    *, rounds: int | None, base_ref: str | None, measure_all: bool, db: object, record: bool
) -> None:
    """Flags that cannot work together: one line each, exit 2 (never ignored silently)."""
    if rounds is not None and rounds < 1:
        raise UsageError(f"--rounds must be 1 or more, got {rounds}")
    if measure_all and base_ref is None:  # it was ignored without a word
        raise UsageError("--all compares base and head: give --base REF (or auto)")
    if db is not None and not record:  # it would be ignored without a word
        raise UsageError("--db is where --record stores the run: give --record too")


def _duration(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return units.parse_duration(text)
    except units.UnitError as exc:
        raise UsageError(f"--time-budget: {exc}") from None


def _shard(text: str | None, config: Config, base_ref: str | None) -> shards.Shard | None:
    if text is None:
        return None
    part = shards.parse(text)
    if config.harness.type != "pytest-benchmark":
        raise UsageError("--shard needs a pytest-benchmark suite (harness.type)")
    if base_ref is None:
        raise UsageError("--shard compares: give --base REF (or auto)")
    return part


def _shard_args(part: shards.Shard, out: Path) -> tuple[str, ...]:
    shard_map = out / shards.MAP_FILE
    return ("-p", MODULE, f"--perfgate-shard={part}", f"--perfgate-shard-map={shard_map.resolve()}")


def _record(job: ab.Job, outcome: ab.Outcome, db: Path | str) -> None:
    """--record: head's run, or the slowdowns an A/B run accepted; nothing of a run that
    measured head only for its budgets."""
    if outcome.measured == "head":
        (side,) = outcome.sides
        store_head(db, job.out / "head", side.python, job.progress)
    elif outcome.measured == "compared" and outcome.repo is not None:
        store_acceptances(db, outcome.report, outcome.repo, job.progress)
