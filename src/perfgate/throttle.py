"""A progress throttle: at most one update per interval, so that a loop over thousands of
items does not spend its time redrawing a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable

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
