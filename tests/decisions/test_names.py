"""The one naming rule: the rows measured beside a benchmark, and the benchmark's own name."""

from __future__ import annotations

import pytest

from perfgate.decisions import names
from perfgate.harness import shards
from perfgate.units import COUNTS


@pytest.mark.parametrize("what", names.BESIDE)
def test_a_row_beside_a_benchmark_names_the_benchmark_again(what: str) -> None:
    nodeid = "tests/test_x.py::test_load[1000]"
    row = names.beside(nodeid, what)
    assert row == f"{nodeid} ({what})"
    assert names.bare(row) == nodeid
    assert names.bare(nodeid) == nodeid


def test_every_count_has_its_row() -> None:
    """Counts the runner makes (instructions, bytecodes) are rows the rule knows: the
    bytecodes row kept its suffix before, so a narrowed round asked pytest for a node id
    that does not exist."""
    assert set(COUNTS) <= set(names.BESIDE)
    assert names.bare("suite.py::test_a (bytecodes)") == "suite.py::test_a"


def test_a_count_row_is_in_the_shard_of_its_benchmark() -> None:
    shard = shards.parse("2/3")
    for nodeid in (f"suite.py::test_{i}" for i in range(30)):
        held = shards.in_shard(nodeid, shard)
        assert all(shards.in_shard(names.beside(nodeid, w), shard) == held for w in names.BESIDE)
