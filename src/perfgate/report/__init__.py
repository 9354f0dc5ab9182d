"""The report: one model (:mod:`.model`), its reader (:mod:`.read`) and the renderers.

Each renderer takes a Report and returns text; none of them decides anything (the gate did).
Which renderer makes which format is :data:`perfgate.options.RENDERERS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from perfgate.options import RENDERERS
from perfgate.report.model import Report

Renderer = Callable[..., str]


def render(report: Report, fmt: str, width: int | None = None) -> str:
    """``report`` as text in format ``fmt`` (a key of RENDERERS); the table is ``width`` wide."""
    module, _, function = RENDERERS[fmt][0].partition(":")
    renderer = cast(Renderer, getattr(importlib.import_module(module), function))
    return renderer(report, width=width)


def format_for(path: Path, fmt: str) -> str:
    """The format written to ``path``: the one whose suffix it has, else ``fmt``."""
    suffix = path.suffix.lower()
    for name, (_, suffixes) in RENDERERS.items():
        if suffix in suffixes:
            return name
    return fmt
