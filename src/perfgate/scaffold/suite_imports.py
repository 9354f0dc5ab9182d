"""What a benchmark suite imports, and which of a project's extras and dependency groups
provide it (pure: texts and tables in, a choice out; ``perfgate init`` reads the files).

``init`` used to take the first extra named like ``test`` or ``bench``: a suite importing
``msgspec`` and ``orjson`` from extras of those names got neither, and a ``bench`` group
listing tools the suite never uses was installed. Now the suite's imports (every ``import``
and ``from ... import`` of its files and conftests, found with :mod:`ast`) are matched to
requirement names; an import the standard library, the project itself, the suite's own
files, pytest or the project's dependencies provide needs nothing more; for the rest the
fewest extras (then dependency groups) that provide them are chosen, and an import nothing
provides is named. A requirement's import name is its distribution name normalized (``-``
and ``.`` to ``_``, lower case), or the one in :data:`IMPORT_NAMES` when the two differ.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# distributions whose import name is not their name normalized (the common ones)
IMPORT_NAMES = {
    "pyyaml": "yaml", "pillow": "PIL", "scikit_learn": "sklearn", "scikit_image": "skimage",
    "beautifulsoup4": "bs4", "python_dateutil": "dateutil", "opencv_python": "cv2",
    "opencv_python_headless": "cv2", "pyzmq": "zmq", "pyjwt": "jwt", "attrs": "attr",
    "psycopg2_binary": "psycopg2", "msgpack_python": "msgpack", "protobuf": "google",
    "pycryptodome": "Crypto", "python_magic": "magic", "pyserial": "serial",
    "pytest_benchmark": "pytest_benchmark", "setuptools": "pkg_resources",
}  # fmt: skip
# installed with every pytest-benchmark suite perfgate runs
ALWAYS = frozenset({"pytest", "_pytest", "pytest_benchmark", "perfgate", "asv", "asv_runner"})
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def imports_of(text: str) -> set[str]:
    """The top-level modules a Python file imports (relative imports left out; a file that
    does not parse imports nothing)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def import_names(requirement: str) -> set[str]:
    """The import names a requirement string (PEP 508) provides, as far as its name tells."""
    match = _NAME.match(requirement)
    if match is None:
        return set()
    normalized = re.sub(r"[-_.]+", "_", match.group(1)).lower()
    names = {normalized, IMPORT_NAMES.get(normalized, normalized)}
    if normalized.startswith("python_"):
        names.add(normalized.removeprefix("python_"))
    return names


@dataclass(frozen=True, kw_only=True)
class Choice:
    extras: tuple[str, ...]  # the optional-dependency extras to install with the project
    groups: tuple[str, ...]  # the dependency groups whose requirements are written out
    why: tuple[str, ...]  # "msgspec (extra fast)", one per import that needed one
    missing: tuple[str, ...]  # imports nothing found provides


def choose(
    imported: Iterable[str],
    *,
    local: Iterable[str],
    dependencies: Sequence[str],
    extras: Mapping[str, Sequence[str]],
    groups: Mapping[str, Sequence[str]],
) -> Choice:
    """The fewest extras, then groups, that provide what the suite imports beyond the
    standard library, ``local`` modules (the project's and the suite's own), pytest and the
    project's ``dependencies``; each chosen in the order of its most imports provided."""
    given = set(sys.stdlib_module_names) | ALWAYS | set(local)
    for requirement in dependencies:
        given |= import_names(requirement)
    needed = sorted(name for name in set(imported) if name not in given)
    chosen: dict[str, list[str]] = {"extra": [], "group": []}
    why: list[str] = []
    left = list(needed)
    for kind, table in (("extra", extras), ("group", groups)):
        provides = {
            name: {n for r in requirements for n in import_names(r)}
            for name, requirements in table.items()
        }
        while left:
            # the one providing most of what is left; a tie goes to the first in pyproject.toml
            best = max(provides, key=lambda name: len(provides[name] & set(left)), default=None)
            if best is None or not provides[best] & set(left):
                break
            chosen[kind].append(best)
            covered = sorted(provides[best] & set(left))
            why += [f"{name} ({kind} {best})" for name in covered]
            left = [name for name in left if name not in covered]
    return Choice(
        extras=tuple(chosen["extra"]),
        groups=tuple(chosen["group"]),
        why=tuple(why),
        missing=tuple(left),
    )
