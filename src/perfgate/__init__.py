"""perfgate: performance CI for Python projects.

The command line is the main interface (``perfgate --help``). The importable API is kept small
on purpose; implementation lives in modules whose names start with an underscore or in
sub-packages that are documented as internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
