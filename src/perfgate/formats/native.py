"""perfgate's own result format (see :mod:`perfgate.model` for its version history)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfgate.model import (
    NATIVE_FORMAT_VERSION,
    NATIVE_KEY,
    Benchmark,
    Metadata,
    Run,
    as_samples,
)

FORMAT = "native"


def sniff(data: Any) -> bool:
    return isinstance(data, dict) and NATIVE_KEY in data


def read(data: Mapping[str, Any], source: str) -> Run:
    version = data[NATIVE_KEY]
    reader = _READERS.get(version) if isinstance(version, int) else None
    if reader is None:
        supported = ", ".join(str(v) for v in _READERS)
        raise ValueError(f"native format version {version!r} not supported ({supported})")
    return reader(data, source)


def _read_v1(data: Mapping[str, Any], source: str) -> Run:
    benchmarks: list[Benchmark] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["benchmarks"]):
        name = entry["name"]
        if not isinstance(name, str) or not name:
            raise ValueError(f"benchmarks[{index}].name must be a non-empty string")
        if name in seen:
            raise ValueError(f"duplicate benchmark name {name!r}")
        seen.add(name)
        unit = str(entry["unit"])
        direction = entry.get("direction", "lower")
        if direction not in ("lower", "higher"):
            raise ValueError(f"{name}: direction must be 'lower' or 'higher', got {direction!r}")
        rounds = tuple(as_samples(r, unit, name) for r in entry.get("rounds") or [])
        stored = entry.get("stored") or {}
        if stored:
            values = as_samples(list(stored.values()), unit, f"{name}: stored statistics")
            stored = dict(zip(map(str, stored), values, strict=False))
        if not rounds and not stored:
            raise ValueError(f"{name}: no rounds of samples and no stored statistics")
        benchmarks.append(
            Benchmark(
                name=name,
                short_name=str(entry.get("short_name") or name),
                unit=unit,
                direction=direction,
                params={str(k): str(v) for k, v in (entry.get("params") or {}).items()},
                group=None if entry.get("group") is None else str(entry["group"]),
                extra=dict(entry.get("extra") or {}),
                rounds=rounds,
                stored=stored,
            )
        )
    failed = data.get("failed") or []
    packages = data.get("packages")
    if packages is not None and not (
        isinstance(packages, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in packages.items())
    ):
        raise ValueError("packages must map package names to versions (strings)")
    return Run(
        metadata=Metadata.from_dict(data.get("metadata") or {}),
        benchmarks=tuple(benchmarks),
        failed=tuple(str(f) for f in failed),
        source=source,
        packages=packages,
    )


_READERS: dict[int, Callable[[Mapping[str, Any], str], Run]] = {NATIVE_FORMAT_VERSION: _read_v1}


def dumps(run: Run) -> str:
    """The native JSON text of ``run`` (strict JSON: samples are always finite)."""
    import json  # noqa: PLC0415

    return json.dumps(run.to_dict(), allow_nan=False, separators=(",", ":")) + "\n"
