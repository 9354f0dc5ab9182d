"""Sharding a suite over a CI matrix: which benchmarks a shard runs, and what it records.

Shard ``K/N`` runs the benchmarks whose pytest node id's BLAKE2b hash modulo N is K-1: stable
across base and head, across runs and machines, and balanced by count on average (perfgate's
pytest plugin applies it, ``--perfgate-shard``; CRC-32 was tried first, and its low bits put
all of ``test_x[20000]`` ... ``test_x[26000]`` in one shard). When the history holds the base
commit's run, its benchmarks are balanced by their durations instead (:func:`assign`, passed to
the plugin as ``--perfgate-shard-map``): every shard job reads the same stored run, so all
get the same partition; a benchmark the run lacks (a new one) falls back to the hash. Each
shard's rounds folder gets ``shard.json`` (the shard and the commits compared), which
``perfgate merge`` checks before it combines shards.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from perfgate.decisions import names
from perfgate.errors import InputError, UsageError
from perfgate.files import write_text_atomic

FORMAT = 1
FILE = "shard.json"
MAP_FILE = "shard-map.json"  # {node id: shard number}, what the plugin follows


@dataclass(frozen=True, kw_only=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse(text: str) -> Shard:
    """``K/N`` -> Shard; UsageError for anything else."""
    found = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if found is None or not 1 <= int(found.group(1)) <= int(found.group(2)) <= 1000:
        raise UsageError(f"--shard {text!r}: write K/N with 1 <= K <= N <= 1000, e.g. 2/4")
    return Shard(index=int(found.group(1)), count=int(found.group(2)))


def assign(durations: Mapping[str, float], count: int) -> dict[str, int]:
    """Shard numbers (1-based) for benchmarks of known duration: longest first, each onto the
    least-loaded shard (LPT: within 4/3 of the best balance). Deterministic, so that every
    shard job and both sides that read the same durations get the same partition."""
    loads = [0.0] * count
    out: dict[str, int] = {}
    for name, cost in sorted(durations.items(), key=lambda item: (-item[1], item[0])):
        k = min(range(count), key=lambda i: (loads[i], i))
        loads[k] += cost
        out[name] = k + 1
    return out


def in_shard(name: str, shard: Shard, assigned: Mapping[str, int] | None = None) -> bool:
    """Whether benchmark ``name`` (a report's name: a node id, perhaps with ``(peak memory)``
    or ``(instructions)``) belongs to ``shard``; the plugin's rule: as ``assigned`` (from
    :func:`assign`) says when it names the benchmark, else by hash."""
    bare = names.bare(name)
    if assigned and bare in assigned:
        return assigned[bare] == shard.index
    nodeid = bare.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(nodeid, digest_size=8).digest()
    return int.from_bytes(digest, "big") % shard.count == shard.index - 1


def write_map(folder: Path, shard: Shard, durations: Mapping[str, float]) -> int:
    """The partition of the benchmarks of known duration, for the plugin (an empty map when
    none is known: the hash rule for all); how many it balances."""
    folder.mkdir(parents=True, exist_ok=True)
    assigned = assign(durations, shard.count) if durations else {}
    write_text_atomic(folder / MAP_FILE, json.dumps(assigned, sort_keys=True) + "\n")
    return len(assigned)


def record(folder: Path, shard: Shard, base: str, head: str, *, empty: bool = False) -> None:
    """``shard.json``; ``empty``: the shard holds none of the suite's benchmarks (so its lack
    of rounds is not a failed job's)."""
    folder.mkdir(parents=True, exist_ok=True)
    document = {"perfgate_shard": FORMAT, "shard": str(shard), "base": base, "head": head}
    if empty:
        document["empty"] = True
    write_text_atomic(folder / FILE, json.dumps(document) + "\n")


@dataclass(frozen=True, kw_only=True)
class Recorded:
    shard: Shard
    base: str
    head: str
    empty: bool = False


_RECORD_LIMIT = 64 * 1024  # a shard record is about 150 bytes
_COMMIT = re.compile(r"^[0-9a-f]{7,64}(\+[0-9a-f]{1,64})?$")


def read(folder: Path) -> Recorded:
    """The shard record of a rounds folder, read as data from another job: a regular file
    (never through a symlink: a FIFO or /dev/zero cannot hang or fill memory), at most 64 kB,
    commits as hex ids."""
    path = folder / FILE
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError(
            str(folder), f"no {FILE}: not the rounds folder of a sharded run"
        ) from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InputError(str(path), "not a regular file")
        raw = handle.read(_RECORD_LIMIT + 1)
    if len(raw) > _RECORD_LIMIT:
        raise InputError(str(path), f"over the {_RECORD_LIMIT:,} bytes a shard record may hold")
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("perfgate_shard") != FORMAT:
            found = data.get("perfgate_shard") if isinstance(data, dict) else None
            raise ValueError(f"format {found!r}")
        base, head = data["base"], data["head"]
        for commit in (base, head):
            if not isinstance(commit, str) or not _COMMIT.match(commit):
                raise ValueError("base and head are commit ids")
        return Recorded(
            shard=parse(str(data["shard"])), base=base, head=head, empty=data.get("empty") is True
        )
    except (ValueError, KeyError, TypeError, RecursionError, UsageError) as exc:
        raise InputError(str(path), f"not a perfgate shard record ({exc})") from None
