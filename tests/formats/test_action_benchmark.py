"""github-action-benchmark's data.js: commit times that are not times are dropped, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.formats import action_benchmark

DATA_JS = (
    'window.BENCHMARK_DATA = {"lastUpdate": 1, "repoUrl": "https://github.com/o/r", "entries": '
    '{"suite": [{"commit": {"id": "abc", "message": "m", "timestamp": TS}, "date": DATE, '
    '"tool": "pytest", "benches": [{"name": "t", "value": 1.5, "unit": "iter/sec"}]}]}}'
)


@pytest.mark.parametrize(
    ("timestamp", "date", "expected"),
    [
        ('"2024-01-02T03:04:05Z"', "1", "2024-01-02T03:04:05Z"),
        ("true", "1700000000000", "2023-11-14T22:13:20+00:00"),  # found by hypothesis
        ("null", "1e20", None),  # beyond any calendar
        ("null", "1e300", None),
        ("7", "true", None),
    ],
)
def test_commit_time(tmp_path: Path, timestamp: str, date: str, expected: str | None) -> None:
    path = tmp_path / "data.js"
    path.write_text(DATA_JS.replace("TS", timestamp).replace("DATE", date), encoding="utf-8")
    [run] = action_benchmark.load(path)
    assert run.metadata.timestamp == expected
    assert run.metadata.commit == "abc"
