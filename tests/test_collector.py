"""The garbage collector paused while result files are read, and as it was afterwards."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from perfgate import formats
from perfgate.loading import collector_paused
from perfgate.model import Run


def test_paused_inside_restored_after_even_on_error_and_nested() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves the outer one's pause alone
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_files_are_read_with_it_paused_and_it_is_on_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    original = formats.load

    def load(path: Path, *args: Any, **kwargs: Any) -> list[Run]:
        seen.append(gc.isenabled())
        return original(path, *args, **kwargs)

    monkeypatch.setattr(formats, "load", load)
    side = formats.load_side([Path(__file__).parent / "data" / "pytest-benchmark.json"])
    assert side.benchmarks
    assert seen == [False]
    assert gc.isenabled()
