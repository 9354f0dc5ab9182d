"""Whether a change can reach any benchmark at all (pure).

The first, safe step of measuring only what a change can affect: a pull request that changes
only comments, docstrings or formatting of Python files runs exactly the program it ran
before, so no benchmark can be slower for it. That is decided on the files' syntax trees
(docstrings removed), never on names or guesses: any other change (a statement, a new or
deleted file, a non-Python file such as pyproject.toml, a lock file or C source) can reach
any benchmark, and everything is measured.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FileChange:
    """One file that differs between base and head: git's status letter (M, A, D, R, ...)
    and, for a modified file, both texts."""

    path: str
    status: str
    old: str | None = None
    new: str | None = None


def unreachable(changes: Sequence[FileChange]) -> str | None:
    """Why no benchmark can be affected by ``changes``, or None when some may be. No change
    at all is not "unreachable": an A/A run is asked for on purpose, to see the noise."""
    if not changes:
        return None
    for change in changes:
        if change.status != "M" or not change.path.endswith(".py"):
            return None
        if change.old is None or change.new is None or not same_program(change.old, change.new):
            return None
    files = f"{len(changes)} Python file{'s' if len(changes) != 1 else ''}"
    return f"it changes only comments, docstrings or formatting in {files}"


def same_program(old: str, new: str) -> bool:
    """Whether two Python sources compile to the same program: equal syntax trees once
    docstrings are dropped (comments and formatting never reach the tree). A source that
    does not parse is never the same."""
    try:
        trees = [ast.parse(text) for text in (old, new)]
    except (SyntaxError, ValueError):
        return False
    return _shape(trees[0]) == _shape(trees[1])


def _shape(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)
