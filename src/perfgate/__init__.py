"""perfgate: performance CI for Python projects.

The command line is the main interface (``perfgate --help``); ARCHITECTURE.md maps the
packages. The supported Python APIs are ``perfgate.monitor`` (runtime instrumentation) and
``perfgate.nox`` (helpers for noxfiles); every other module is internal and may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
