"""What perfgate's plugin runs after pytest-benchmark has timed a benchmark: :class:`Probe`
stands in for the ``benchmark`` fixture, times through it, then runs each measurement step
(peak memory, a profile, instruction or bytecode counts) on the same function and arguments.

Standard library and pytest only, like every module of this folder (see perfgate_plugin).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Arguments = Callable[[], tuple[Sequence[Any], Mapping[str, Any]]]
Step = Callable[[Arguments, Callable[..., Any]], None]  # what runs after pytest-benchmark's call


class Probe:
    """Stands in for the ``benchmark`` fixture: times through it, then runs each step (a
    memory measurement, a profile) on the same function and arguments."""

    def __init__(self, fixture: Any, steps: Sequence[Step]) -> None:
        object.__setattr__(self, "_fixture", fixture)
        object.__setattr__(self, "_steps", tuple(steps))

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = self._fixture(function, *args, **kwargs)
        for step in self._steps:
            step(lambda: (args, kwargs), function)
        return result

    def pedantic(
        self,
        target: Callable[..., Any],
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        **options: Any,
    ) -> Any:
        result = self._fixture.pedantic(target, args=args, kwargs=kwargs, setup=setup, **options)

        def arguments() -> tuple[Sequence[Any], Mapping[str, Any]]:
            made = setup() if setup is not None else None
            return made if made is not None else (args, kwargs or {})

        for step in self._steps:
            step(arguments, target)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixture, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._fixture, name, value)
