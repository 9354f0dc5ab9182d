"""``perfgate merge DIR...``: the shards of one sharded run, as one report.

Each DIR is the rounds folder of a ``perfgate run --shard K/N`` job (its ``base/`` and
``head/`` round files and ``shard.json``). The shards must compare the same commits, be of the
same N, and not share a benchmark. Their rounds are compared together, so the suite-wide
false-alarm control (Holm) and the per-round speed factor span the whole suite, exactly as if
one job had run it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from perfgate import formats, shards
from perfgate.commands._output import ReportOptions
from perfgate.compare import compare
from perfgate.errors import InputError
from perfgate.report.model import Report


def merge_command(folders: list[Path], options: ReportOptions) -> Report:
    """One report from the shards' rounds; InputError (one line) for shards that do not fit."""
    config = options.config()
    recorded = [shards.read(folder) for folder in folders]
    first = recorded[0]
    for folder, shard in zip(folders, recorded, strict=True):
        if (shard.base, shard.head) != (first.base, first.head):
            raise InputError(
                str(folder),
                f"shard {shard.shard} compares {shard.base[:10]} with {shard.head[:12]}, "
                f"shard {first.shard} {first.base[:10]} with {first.head[:12]}: not one run",
            )
        if shard.shard.count != first.shard.count:
            raise InputError(str(folder), f"shard {shard.shard} is not one of {first.shard.count}")
    indexes = [shard.shard.index for shard in recorded]
    if len(set(indexes)) != len(indexes):
        twice = sorted({i for i in indexes if indexes.count(i) > 1})
        raise InputError(", ".join(map(str, folders)), f"shard {twice[0]} is given twice")
    # a shard may hold none of the suite's benchmarks (a small suite, many shards)
    filled = [folder for folder in folders if any((folder / "head").glob("*.json"))]
    if not filled:
        raise InputError(", ".join(map(str, folders)), "no shard holds any round file")
    sides = {}
    owner: dict[str, Path] = {}
    for name in ("base", "head"):
        sides[name] = formats.load_side([folder / name for folder in filled])
    for folder in filled:
        for bench in formats.load_side([folder / "head"]).benchmarks:
            if bench.name in owner:
                raise InputError(
                    str(folder), f"{bench.name} is also in {owner[bench.name]}: shards overlap"
                )
            owner[bench.name] = folder
    base, head = sides["base"], sides["head"]
    try:
        report = compare(
            base.benchmarks,
            head.benchmarks,
            config,
            failed=[*head.failed, *(f for f in base.failed if f not in head.failed)],
            sources=[str(folder) for folder in folders],
        )
    except ValueError as exc:
        raise InputError(", ".join(map(str, folders)), str(exc)) from None
    missing = first.shard.count - len(recorded)
    notes = [f"merged {len(recorded)} of {first.shard.count} shards"]
    if missing:
        notes.append(f"{missing} shard(s) missing: their benchmarks are not in this report")
    return options.emit(replace(report, notes=(*report.notes, "; ".join(notes) + ".")))
