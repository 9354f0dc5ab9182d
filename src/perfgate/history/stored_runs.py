"""The stored runs stored base first compares head with: each timed benchmark's last runs in
the history recorded on this machine (``perfgate run --base auto --record`` on main), as one log
value a run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from perfgate.decisions.stored_base import log_value
from perfgate.errors import InputError
from perfgate.history import Location, shown_location
from perfgate.units import SECONDS

LAST = 5  # stored runs a benchmark is compared with: its latest ones


@dataclass(frozen=True, kw_only=True)
class StoredRuns:
    logs: dict[str, list[float]]  # benchmark -> its stored runs' log values, oldest first
    why_none: str | None = None  # why nothing could be read (no history, no run of this machine)


def read(db: Location, machine: str, names: Iterable[str], metric: str) -> StoredRuns:
    """The last :data:`LAST` runs of each of ``names`` recorded on ``machine`` (its name as the
    harness records it), in any environment the history keeps for it (the most runs win)."""
    from perfgate.history.store import open_store  # noqa: PLC0415 - only when configured

    wanted = set(names)
    try:
        store = open_store(db, create=False, read_only=True)
    except InputError as exc:
        return StoredRuns(logs={}, why_none=f"no history to read ({exc})")
    try:
        logs: dict[str, list[float]] = {}
        for key in store.series_keys():
            if key.machine != machine or key.name not in wanted or key.unit != SECONDS:
                continue
            runs = store.recent_samples(key, LAST)
            values = [
                v
                for _c, samples, _m in runs
                if samples and (v := log_value(samples, metric)) is not None
            ]
            if len(values) > len(logs.get(key.name, [])):
                logs[key.name] = values
    finally:
        store.close()
    if not logs:
        return StoredRuns(
            logs={},
            why_none=f"{shown_location(db)} holds no run of these benchmarks recorded on {machine}",
        )
    return StoredRuns(logs=logs)
