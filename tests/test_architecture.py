"""ARCHITECTURE.md's import rules, checked on the source: each rule fails here when an import
breaks it (imports under ``if TYPE_CHECKING:`` do not count; imports inside functions do)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "perfgate"

# the kinds of the layout: each package holds one kind (ARCHITECTURE.md, "Layout")
KINDS = {
    "perfgate.decisions": "pure decisions",
    "perfgate.harness": "running harnesses and processes",
    "perfgate.formats": "reading result files",
    "perfgate.report": "outputs",
    "perfgate.github": "GitHub",
    "perfgate.history": "history",
    "perfgate.commands": "commands",
    "perfgate.scaffold": "what perfgate init writes",
    "perfgate.pytest_plugin": "the pytest plugin",
}
# the package root: what every kind shares, the two public APIs and the CLI's entry
ROOT = {
    "perfgate", "perfgate.__main__", "perfgate._cli", "perfgate._yaml_lines", "perfgate.options",
    "perfgate.errors", "perfgate.escaping", "perfgate.units", "perfgate.model", "perfgate.config",
    "perfgate.files", "perfgate.loading", "perfgate.progress", "perfgate.monitor", "perfgate.nox",
}  # fmt: skip
# modules that import nothing of perfgate (the standard library, pytest for the plugin)
LEAVES = {
    "perfgate.options", "perfgate.escaping", "perfgate.errors", "perfgate.units",
    "perfgate.progress", "perfgate.loading", "perfgate._yaml_lines", "perfgate.harness.proc",
    "perfgate.report.boxes", "perfgate.scaffold.suite_imports", "perfgate.decisions.quantiles",
    "perfgate.decisions.reach",
}  # fmt: skip
# pure decisions: no files, processes, git, harnesses, commands or outputs
DECISIONS = ("perfgate.decisions", "perfgate.scaffold.suite_imports")
IO = (
    "perfgate.files", "perfgate.harness", "perfgate.commands", "perfgate.github",
    "perfgate.history", "perfgate.formats", "perfgate.monitor", "perfgate.report",
)  # fmt: skip
RENDERERS = {
    "perfgate.report.table", "perfgate.report.markdown", "perfgate.report.json",
    "perfgate.report.junit", "perfgate.report.profile_html", "perfgate.report.cells",
    "perfgate.report.bisection", "perfgate.github.comment", "perfgate.history.render",
}  # fmt: skip
# the decisions that renderers may not make again (the model and names they may read)
DECIDING = tuple(
    f"perfgate.decisions.{name}"
    for name in ("gate", "compare", "check", "budgets", "stats", "inference", "rounds_plan",
                 "bisection", "changepoints", "profile", "reach")
)  # fmt: skip
# the commands (one per subcommand); the other modules of commands/ are steps they share
COMMANDS = {
    f"perfgate.commands.{name}"
    for name in ("check", "compare", "run", "profile", "bisect", "history", "github", "init",
                 "merge", "budgets", "clean")
}  # fmt: skip


def _name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_name(path): path for path in PACKAGE.rglob("*.py")}


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, here: str, is_package: bool) -> Iterator[str]:
    for node in ast.iter_child_nodes(tree):
        if _type_checking(node):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")
                parts = parts if is_package else parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        yield from _imports(node, here, is_package)


@cache
def graph() -> dict[str, frozenset[str]]:
    """perfgate's modules and the perfgate modules each imports."""
    modules = _modules()
    edges = {}
    for name, path in modules.items():
        found = _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.stem == "__init__")
        edges[name] = frozenset(m for m in found if m in modules and m != name)
    return edges


def _under(module: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_graph_sees_imports_of_every_kind() -> None:
    """The checker itself: relative, lazy and from-package imports are found."""
    edges = graph()
    assert "perfgate.report.model" in edges["perfgate.decisions.gate"]  # module level
    assert "perfgate.history" in edges["perfgate._cli"]  # inside a function
    assert "perfgate.formats.json_reader" in edges["perfgate.formats"]  # from the package


def test_leaves_import_nothing_of_perfgate() -> None:
    edges = graph()
    broken = {m: sorted(edges[m]) for m in LEAVES if edges[m]}
    assert not broken


def test_the_pytest_plugin_runs_without_perfgate() -> None:
    edges = graph()
    broken = {
        m: sorted(d for d in deps if not _under(d, ("perfgate.pytest_plugin",)))
        for m, deps in edges.items()
        if _under(m, ("perfgate.pytest_plugin",))
    }
    assert not {m: d for m, d in broken.items() if d}


def test_decisions_do_no_io() -> None:
    """Nothing under ``decisions/`` reads files, runs processes or renders: every import of
    I/O or an output package fails here (the report's model is the one exception: decisions
    build it)."""
    edges = graph()
    decisions = [m for m in edges if _under(m, DECISIONS)]
    assert len(decisions) >= 10
    broken = {
        m: sorted(d for d in edges[m] if _under(d, IO) and d != "perfgate.report.model")
        for m in decisions
    }
    assert not {m: d for m, d in broken.items() if d}


def test_every_module_is_of_a_kind() -> None:
    """A module lives in the package of its kind; the package root holds only what every kind
    shares, the public APIs (monitor, nox) and the CLI's entry: a new module left at the root
    fails here."""
    edges = graph()
    homeless = sorted(m for m in edges if m not in ROOT and not _under(m, tuple(KINDS)))
    assert not homeless
    assert not sorted(ROOT - set(edges))  # the list stays true


def test_renderers_make_no_decisions() -> None:
    edges = graph()
    broken = {m: sorted(d for d in edges[m] if _under(d, DECIDING)) for m in RENDERERS}
    assert not {m: d for m, d in broken.items() if d}


def test_the_library_never_imports_commands_or_the_cli() -> None:
    edges = graph()
    cli = ("perfgate.commands", "perfgate._cli", "perfgate.__main__")
    outside = [m for m in edges if not _under(m, cli)]
    broken = {
        m: sorted(d for d in edges[m] if _under(d, ("perfgate.commands", "perfgate._cli")))
        for m in outside
    }
    assert not {m: d for m, d in broken.items() if d}


def test_commands_never_call_other_commands() -> None:
    """A command is a list of steps from the library (``harness.ab`` measures for run, the
    Action and bisect alike); it never imports another command, and the CLI's parser chains
    none."""
    edges = graph()
    assert set(edges) >= COMMANDS
    calls = {(m, d) for m, deps in edges.items() if _under(m, ("perfgate.commands",))
             for d in deps if d in COMMANDS and d != m}  # fmt: skip
    assert not calls, sorted(calls)


def test_an_underscored_module_is_imported_only_within_its_package() -> None:
    """The one rule for underscores: ``pkg._mod`` is imported only by modules of ``pkg``
    itself, the top package included (``perfgate._cli`` by ``perfgate.__main__``,
    ``perfgate._yaml_lines`` by ``perfgate.config``), never from a subpackage or another
    package; a module more than one package needs has a name without one."""
    edges = graph()
    broken = []
    for module, deps in edges.items():
        for dep in deps:
            package, _, last = dep.rpartition(".")
            private = last.startswith("_") and not last.startswith("__")
            home = module if _modules()[module].stem == "__init__" else module.rpartition(".")[0]
            if private and home != package:
                broken.append((module, dep))
    assert not broken


@pytest.mark.parametrize("kind", ["module level", "with lazy imports"])
def test_the_import_graph_has_no_cycle(kind: str) -> None:
    """No two modules import each other, directly or around a loop (the history store and its
    PostgreSQL adapter did); a package's ``__init__`` re-exporting its modules is not a loop."""
    edges = graph()
    if kind == "module level":
        edges = {m: frozenset(d for d in deps if d in _eager(m)) for m, deps in edges.items()}
    seen: set[str] = set()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycles.append([*path[path.index(node) :], node])
            return
        if node in seen:
            return
        seen.add(node)
        for dep in sorted(edges[node]):
            if not node.startswith(dep + "."):  # a module importing its own package
                visit(dep, [*path, node])

    for module in sorted(edges):
        visit(module, [])
    assert not cycles


@cache
def _eager(module: str) -> frozenset[str]:
    path = _modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = ast.Module(
        body=[n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.ClassDef)],
        type_ignores=[],
    )
    return frozenset(_imports(top, module, path.stem == "__init__"))


def test_a_new_severity_touches_three_files() -> None:
    """The grades of a slowdown are spelled in ``options`` (the vocabulary) and nowhere else
    in the source; a new one adds a threshold to ``config.Thresholds`` and an output to
    action.yml, and every other place reads the vocabulary."""
    import dataclasses  # noqa: PLC0415
    import re  # noqa: PLC0415

    import yaml  # noqa: PLC0415

    from perfgate.config import Thresholds  # noqa: PLC0415
    from perfgate.options import GRADES  # noqa: PLC0415

    spelled = re.compile(r"""["'](?:minor|major)["']""")
    files = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if spelled.search(path.read_text(encoding="utf-8"))
    }
    assert files == {"options.py"}
    assert set(GRADES) <= {field.name for field in dataclasses.fields(Thresholds)}
    action = yaml.safe_load((SRC.parent / "action.yml").read_text(encoding="utf-8"))
    assert set(GRADES) <= set(action["outputs"])


def test_exit_codes_are_declared_in_one_place() -> None:
    import re  # noqa: PLC0415

    declared = re.compile(r"^\s*(?:EXIT_\w+\s*,\s*)*EXIT_\w+\s*=", re.MULTILINE)
    files = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if declared.search(path.read_text(encoding="utf-8"))
    }
    assert files == {"options.py"}
