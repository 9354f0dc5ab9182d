"""Where long work reports: one implementation for ``perfgate run``, ``profile`` and
``bisect``. Plain lines in CI and pipes; on a terminal, the same lines above a rich progress
bar (rich imported only then)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    import rich.progress
    from rich.console import Console


class Progress(Protocol):
    """Where a run reports: log lines, and the rounds done so far (a bar on a terminal)."""

    def line(self, text: str) -> None: ...

    def waiting(self, text: str) -> None:
        """A sign of life during long work (a line in CI, the bar's text on a terminal)."""

    def rounds(self, done: int, total: int) -> None: ...


class Quiet:
    """Nothing said (bisect's probes, tests)."""

    def line(self, text: str) -> None:
        pass

    def waiting(self, text: str) -> None:
        pass

    def rounds(self, done: int, total: int) -> None:
        pass


class Lines:
    """CI and pipes: one plain line per event."""

    def __init__(self, stderr: TextIO) -> None:
        self._stderr = stderr

    def line(self, text: str) -> None:
        self._stderr.write(f"perfgate: {text}\n")
        self._stderr.flush()

    def waiting(self, text: str) -> None:
        self.line(text)

    def rounds(self, done: int, total: int) -> None:
        pass  # the line for the round says it already


class Bar:
    """A terminal: log lines above a bar of finished rounds (out of the most it may take)."""

    def __init__(self, console: Console, bar: rich.progress.Progress) -> None:
        self._console = console
        self._bar = bar
        self._task = bar.add_task("benchmark rounds", total=None)

    def line(self, text: str) -> None:
        self._console.log(text)
        self._bar.update(self._task, description="benchmark rounds")

    def waiting(self, text: str) -> None:
        self._bar.update(self._task, description=text)

    def rounds(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)


@contextmanager
def progress_lines(stderr: TextIO) -> Iterator[Progress]:
    """Plain lines in CI and pipes; on a terminal, the same lines above a progress bar."""
    if not stderr.isatty() or os.environ.get("CI"):
        yield Lines(stderr)
        return
    import rich.progress  # noqa: PLC0415
    from rich.console import Console  # noqa: PLC0415

    console = Console(file=stderr)
    columns = (
        rich.progress.TextColumn("{task.description}"),
        rich.progress.BarColumn(),
        rich.progress.MofNCompleteColumn(),
        rich.progress.TimeElapsedColumn(),
    )
    with rich.progress.Progress(*columns, console=console, transient=True) as bar:
        yield Bar(console, bar)


# the throttle: at most one update per interval, so that a loop over thousands of items does
# not spend its time redrawing a progress bar
DEFAULT_INTERVAL = 0.25  # seconds: four redraws a second look live and cost nothing


class ProgressThrottler:
    """``ready()`` is True at most once per ``interval`` seconds (the first call always is);
    ``force_next()`` lets the next call through regardless, e.g. for the last item."""

    def __init__(
        self, interval: float = DEFAULT_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be 0 or more seconds, got {interval}")
        self.interval = interval
        self._clock = clock
        self._last: float | None = None
        self._forced = False

    def ready(self) -> bool:
        now = self._clock()
        if self._forced or self._last is None or now - self._last >= self.interval:
            self._last = now
            self._forced = False
            return True
        return False

    def force_next(self) -> None:
        self._forced = True
