"""``perfgate merge DIR...``: the shards of one sharded run, as one report.

Each DIR is the rounds folder of a ``perfgate run --shard K/N`` job (its ``base/`` and
``head/`` round files and ``shard.json``). The shards must compare the same commits, be of the
same N, and not share a benchmark (base rounds included). A shard without head rounds is
refused unless its record says it is empty, and a merge with a shard missing is never a pass:
the report is shown, verdict inconclusive, and the command exits 2 naming the missing shards
(a critical slowdown among the shards given still fails, exit 1). Their rounds are compared
together, so the suite-wide false-alarm control (Holm) and the per-round speed factor span
the whole suite, exactly as if one job had run it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from perfgate import formats
from perfgate.commands.output import ReportOptions
from perfgate.decisions.compare import compare
from perfgate.errors import InputError
from perfgate.harness import shards
from perfgate.report.model import Report

SIDES = ("base", "head")


def merge_command(folders: list[Path], options: ReportOptions) -> Report:
    """One report from the shards' rounds; InputError (one line) for shards that do not fit."""
    config = options.config()
    recorded = [shards.read(folder) for folder in folders]
    _check_one_run(folders, recorded)
    first = recorded[0]
    # a shard may hold none of the suite's benchmarks (a small suite, many shards): it says
    # so in its record; any other shard without head rounds is a job that failed
    for folder, shard in zip(folders, recorded, strict=True):
        if not shard.empty and not _has_rounds(folder / "head"):
            raise InputError(
                str(folder),
                f"shard {shard.shard} has no head rounds (its job failed, or its rounds folder "
                "was not uploaded whole): not merged",
            )
    filled = [folder for folder, shard in zip(folders, recorded, strict=True) if not shard.empty]
    if not filled:
        raise InputError(", ".join(map(str, folders)), "no shard holds any round file")
    sides = {name: formats.load_side([folder / name for folder in filled]) for name in SIDES}
    owner: dict[str, Path] = {}
    for folder in filled:
        # base rounds too: a shard may not bring rounds of another shard's benchmark
        names = {b.name for side in SIDES for b in formats.load_side([folder / side]).benchmarks}
        for name in sorted(names):
            if name in owner:
                raise InputError(str(folder), f"{name} is also in {owner[name]}: shards overlap")
            owner[name] = folder
    base, head = sides["base"], sides["head"]
    try:
        report = compare(
            base.benchmarks,
            head.benchmarks,
            config,
            failed=formats.failed_on_either(base, head),
            sources=[str(folder) for folder in folders],
        )
    except ValueError as exc:
        raise InputError(", ".join(map(str, folders)), str(exc)) from None
    given = {shard.shard.index for shard in recorded}
    missing = [
        f"{k}/{first.shard.count}" for k in range(1, first.shard.count + 1) if k not in given
    ]
    notes = [f"merged {len(recorded)} of {first.shard.count} shards"]
    if missing:
        notes.append(f"missing: shard {', '.join(missing)} (their benchmarks are not here)")
    report = replace(report, notes=(*report.notes, "; ".join(notes) + "."))
    if missing and report.verdict != "fail":
        report = replace(report, verdict="inconclusive")
    emitted = options.emit(report)
    if missing and report.verdict != "fail":
        # never a pass with part of the suite unmeasured: the report above, then exit 2
        raise IncompleteMergeError(
            ", ".join(map(str, folders)),
            f"shard {', '.join(missing)} missing: no verdict without the whole suite (merge "
            "every shard's rounds folder)",
        )
    return emitted


def _check_one_run(folders: list[Path], recorded: list[shards.Recorded]) -> None:
    """The shards compare the same commits, are of one N, and none is given twice."""
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


class IncompleteMergeError(InputError):
    """A merge without every shard: the report is shown, the command exits 2."""


def _has_rounds(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.json"))
