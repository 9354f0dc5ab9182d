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
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# the plugin's map format (perfgate_reach.VERSION; a test checks): 2 records a module's own code
# at line 0; a kept map of another format is not reused
REACH_FORMAT = 2


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


@dataclass(frozen=True)
class ReachMap:
    """What each benchmark ran on base, by function (the file as the interpreter named it and
    the code's first line), as the plugin ``perfgate_reach`` records it."""

    benchmarks: dict[str, frozenset[tuple[str, int]]]
    outside: frozenset[tuple[str, int]]  # imports, fixtures, setup: not one benchmark's
    opaque: frozenset[str]  # benchmarks that started a process: their work is not seen
    spawned_outside: bool  # a process started outside every benchmark: none is seen whole
    seconds: dict[str, float] = field(default_factory=dict)  # each call under the hook

    def beside(self, measured: frozenset[str], count: int) -> list[str]:
        """Up to ``count`` of the other benchmarks, the cheapest first, to measure beside
        ``measured`` until there are ``count`` in all: the suite's per-round speed factor and
        variance prior need several benchmarks a round (``inference.MIN_SUITE``)."""
        others = sorted(
            self.benchmarks.keys() - measured,
            key=lambda name: (self.seconds.get(name, math.inf), name),
        )
        return others[: max(0, count - len(measured))]


@dataclass(frozen=True)
class Reached:
    """The benchmarks a change can affect (None: every one) and why, in words."""

    benchmarks: frozenset[str] | None
    why: str


def affected(changes: Sequence[FileChange], reach_map: ReachMap) -> Reached:
    """The benchmarks ``changes`` can affect, by the map: a change inside a function's body
    reaches the benchmarks that ran that function; anything the map cannot place reaches every
    benchmark - a file other than a modified Python file (pyproject.toml, a lock file, C
    source, a new or deleted module), a changed line outside every function body in a module
    the suite ran (it runs at import), a changed function that ran outside a benchmark (at
    import, in a fixture), a process started outside the benchmarks. Benchmarks that started a
    process are always reached. Both sides' line numbers are used (base's code and head's
    suite may have run), so a function is matched whichever version the map saw."""
    if reach_map.spawned_outside:
        return Reached(None, "a process was started outside the benchmarks (the map cannot see it)")
    files = sorted({name for keys in reach_map.benchmarks.values() for name, _ in keys}
                   | {name for name, _ in reach_map.outside})  # fmt: skip
    suite = {name.split("::", 1)[0] for name in reach_map.benchmarks}
    reached: set[str] = set()
    touched = 0
    for change in changes:
        unmapped = _unmappable(change, suite)
        if unmapped is not None:
            return Reached(None, f"{change.path} {unmapped}")
        if change.old is None or change.new is None or same_program(change.old, change.new):
            continue
        executed = _executed_as(change.path, files)
        if not executed:
            continue  # the suite never ran this file: nothing in it reaches a benchmark
        functions = _changed_functions(change.old, change.new)
        if functions is None:
            return Reached(None, f"{change.path} changes code outside a function (run at import)")
        touched += len(functions)
        keys = {(name, line) for name in executed for line in functions}
        if keys & reach_map.outside:
            return Reached(None, f"{change.path} changes a function run outside a benchmark")
        reached.update(b for b, ran in reach_map.benchmarks.items() if keys & ran)
    opaque = reach_map.opaque & reach_map.benchmarks.keys()
    why = (
        f"the {touched} changed function(s) are run by {len(reached)} benchmark(s)"
        if touched
        else "the changed code runs in no benchmark"
    )
    if opaque - reached:
        why += f"; {len(opaque - reached)} more start a process (measured whatever it runs)"
    return Reached(frozenset(reached | opaque), why)


def _unmappable(change: FileChange, suite: set[str]) -> str | None:
    """Why the map cannot place ``change`` at all, or None."""
    if change.status != "M" or not change.path.endswith(".py"):
        return "is not a modified Python file"
    if any(change.path == f or change.path.endswith("/" + f) for f in suite):
        return "holds benchmarks"  # new or renamed ones: the map, made on base, cannot name them
    if change.old is None or change.new is None:
        return "could not be read on both sides"
    return None


def _executed_as(path: str, files: Sequence[str]) -> list[str]:
    """The recorded file names that may be ``path`` (a path in the repository): every one that
    ends in its file name and folder (an installed copy drops ``src/``; tests run from the
    tree). More than one may match: each counts, so nothing the change reaches is missed."""
    parts = tuple(path.replace("\\", "/").split("/"))
    tail = parts[-min(2, len(parts)) :]
    return [
        name for name in files if tuple(name.replace("\\", "/").split("/"))[-len(tail) :] == tail
    ]


def _changed_functions(old: str, new: str) -> set[int] | None:
    """The first lines (decorators included), on either side, of the functions whose bodies
    hold a changed line of code; None when one lies outside every function body. A function
    is the same on both sides by its qualified name, so an insertion seen on head's lines is
    also placed at base's."""
    import difflib  # noqa: PLC0415

    texts = (old.splitlines(), new.splitlines())
    try:
        spans = [_function_spans(ast.parse(text)) for text in (old, new)]
    except (SyntaxError, ValueError):
        return None
    names: set[str] = set()
    matcher = difflib.SequenceMatcher(a=texts[0], b=texts[1], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for side, (start, end) in enumerate(((i1, i2), (j1, j2))):
            for number in range(start + 1, end + 1):  # 1-based
                if _blank(texts[side][number - 1]):
                    continue
                inside = {name for name, low, high, _ in spans[side] if low <= number <= high}
                if not inside:
                    return None
                names.update(inside)
    return {first for side in spans for name, _, _, first in side if name in names}


def _function_spans(tree: ast.Module) -> list[tuple[str, int, int, int]]:
    """(qualified name, first body line, last line, first line with decorators) of every
    function, methods and nested functions included."""
    spans: list[tuple[str, int, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                end = child.end_lineno or child.lineno
                spans.append((name, child.body[0].lineno, end, first))
                visit(child, f"{name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def _blank(line: str) -> bool:
    text = line.strip()
    return not text or text.startswith("#")


def map_from(document: object) -> ReachMap:
    """The map from the plugin's JSON document; ValueError when it is not one."""
    if not isinstance(document, dict) or document.get("perfgate_reach") != REACH_FORMAT:
        raise ValueError(f"not a perfgate reach map of version {REACH_FORMAT}")
    if document.get("complete") is not True:
        raise ValueError("the map is incomplete (its profile hook was replaced or failed)")
    try:
        files = [str(name) for name in document["files"]]

        def keys(pairs: object) -> frozenset[tuple[str, int]]:
            if not isinstance(pairs, list):
                raise TypeError("a list of [file, line] pairs")
            return frozenset((files[int(index)], int(line)) for index, line in pairs)

        return ReachMap(
            benchmarks={str(k): keys(v) for k, v in dict(document["benchmarks"]).items()},
            outside=keys(document["outside"]),
            opaque=frozenset(str(name) for name in document["opaque"]),
            spawned_outside=bool(document["spawned_outside"]),
            seconds={str(k): float(v) for k, v in dict(document.get("seconds", {})).items()},
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"a malformed reach map ({exc})") from None
