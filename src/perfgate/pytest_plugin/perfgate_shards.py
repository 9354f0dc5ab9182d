"""Which benchmarks a shard runs (``--perfgate-shard K/N``), a feature of perfgate's pytest
plugin (perfgate_plugin): a node id's BLAKE2b hash modulo N, or the shard a balanced map
(``--perfgate-shard-map``) assigns it. perfgate.harness.shards holds the same rule for
perfgate's side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path


def shard_map(path: str | None) -> dict[str, int]:
    """The shard map perfgate wrote (empty when there is none: the hash rule for all)."""
    if not path or not Path(path).is_file():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def in_shard(nodeid: str, shard: str, assigned: Mapping[str, int] | None = None) -> bool:
    """Whether benchmark ``nodeid`` belongs to shard ``K/N``: as ``assigned`` says when it
    names it, else by hash (perfgate.harness.shards.in_shard is the same rule)."""
    index, count = (int(part) for part in shard.split("/"))
    if assigned and nodeid in assigned:
        return assigned[nodeid] == index
    digest = hashlib.blake2b(nodeid.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count == index - 1
