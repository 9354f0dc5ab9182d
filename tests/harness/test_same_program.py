"""Kept rounds of a comment-only change: found while young and whole, pruned to the latest."""

from __future__ import annotations

import os
import time
from pathlib import Path

from perfgate.harness import same_program


def _rounds(folder: Path, text: str = "{}") -> Path:
    folder.mkdir(parents=True)
    (folder / "round-000.json").write_text(text)
    return folder


def test_a_kept_round_is_found_by_its_key_until_it_is_a_day_old(tmp_path: Path) -> None:
    digest = same_program.key({"base": "abc", "harness": "pytest-benchmark"})
    assert digest != same_program.key({"base": "abd", "harness": "pytest-benchmark"})
    assert same_program.find(tmp_path, digest) is None
    same_program.keep(tmp_path, digest, _rounds(tmp_path / "run" / "head", '{"a": 1}'))
    found = same_program.find(tmp_path, digest)
    assert found is not None
    kept, age = found
    assert (kept / "round-000.json").read_text() == '{"a": 1}'
    assert 0 <= age < 60
    later = time.time() + same_program.MAX_AGE_SECONDS + 1
    assert same_program.find(tmp_path, digest, now=later) is None  # measured again
    same_program.restore(kept, tmp_path / "again")
    assert (tmp_path / "again" / "round-000.json").read_text() == '{"a": 1}'


def test_a_folder_without_a_round_file_is_not_a_kept_round(tmp_path: Path) -> None:
    digest = same_program.key({"base": "abc"})
    (same_program.folder(tmp_path) / digest).mkdir(parents=True)
    assert same_program.find(tmp_path, digest) is None


def test_only_the_latest_kept_rounds_stay(tmp_path: Path) -> None:
    digests = [same_program.key({"base": str(n)}) for n in range(same_program.KEPT + 2)]
    for n, digest in enumerate(digests):
        same_program.keep(tmp_path, digest, _rounds(tmp_path / "src" / str(n)))
        stamp = time.time() - 1000 + n  # kept in this order
        os.utime(same_program.folder(tmp_path) / digest, (stamp, stamp))
    left = {p.name for p in same_program.folder(tmp_path).iterdir()}
    assert left == set(digests[-same_program.KEPT :])
