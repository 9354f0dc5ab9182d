"""ProgressThrottler on a fake clock, and in use: `history import` on a terminal."""

from __future__ import annotations

import io

import pytest
import rich.progress

from perfgate.commands.history import _progress
from perfgate.progress import ProgressThrottler


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_at_most_one_update_per_interval() -> None:
    clock = Clock()
    throttle = ProgressThrottler(clock=clock)
    assert throttle.interval == 0.25
    passed = []
    for step in range(1000):  # 1,000 items over 1 s
        clock.now = 100.0 + step / 1000
        passed.append(throttle.ready())
    assert passed[0]  # the first one always
    assert sum(passed) == 4  # at 0, 0.25, 0.5 and 0.75 s
    throttle.force_next()
    assert throttle.ready()  # forced, though only 1 ms passed
    assert not throttle.ready()  # and only once


def test_zero_interval_lets_everything_through_and_negative_is_refused() -> None:
    throttle = ProgressThrottler(0.0, clock=Clock())
    assert all(throttle.ready() for _ in range(10))
    with pytest.raises(ValueError, match="0 or more"):
        ProgressThrottler(-1.0)


def test_history_import_progress_bar_is_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    updates: list[object] = []
    real_update = rich.progress.Progress.update

    def counting(self: rich.progress.Progress, *args: object, **kwargs: object) -> None:
        updates.append(kwargs.get("completed"))
        real_update(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rich.progress.Progress, "update", counting)
    with _progress(Terminal(), 5_000) as advance:
        for _ in range(5_000):
            advance()
    assert updates[-1] == 5_000  # the last item is always shown
    assert len(updates) < 50  # not one redraw per file
