"""Whether a change can reach any benchmark: decided on syntax trees, docstrings dropped."""

from __future__ import annotations

import pytest

from perfgate.decisions.reach import (
    REACH_FORMAT,
    FileChange,
    Reached,
    ReachMap,
    affected,
    map_from,
    same_program,
    unreachable,
)

CODE = '''"""A module."""

import time


def work(n):
    """Sleep a while."""
    # the loop below is the work
    time.sleep(n / 1e7)
    return n
'''


@pytest.mark.parametrize(
    "edited",
    [
        CODE.replace("# the loop below is the work", "# a comment, reworded"),
        CODE.replace('"""Sleep a while."""', '"""Sleep a while,\\n    longer."""'),
        CODE.replace('"""A module."""\n', ""),
        CODE.replace("time.sleep(n / 1e7)", "time.sleep( n/1e7 )  # reformatted"),
        CODE + "\n\n# a trailing comment\n",
    ],
    ids=["comment", "docstring", "module docstring dropped", "formatting", "appended comment"],
)
def test_comments_docstrings_and_formatting_are_the_same_program(edited: str) -> None:
    assert same_program(CODE, edited)


@pytest.mark.parametrize(
    "edited",
    [
        CODE.replace("1e7", "1e6"),
        CODE.replace("return n", "return n + 0"),
        CODE.replace("import time", "import time\nimport os"),
        CODE.replace('"""Sleep a while."""', 'x = """Sleep a while."""'),
        CODE.replace("def work(n):", "def work(n"),  # does not parse
    ],
    ids=["constant", "expression", "import", "assigned string", "syntax error"],
)
def test_any_other_change_is_another_program(edited: str) -> None:
    assert not same_program(CODE, edited)


def test_only_modified_python_files_of_the_same_program_reach_nothing() -> None:
    same = FileChange("src/pkg/mod.py", "M", CODE, CODE.replace("# the loop", "# loop"))
    assert unreachable([same]) == (
        "it changes only comments, docstrings or formatting in 1 Python file"
    )
    assert unreachable([]) is None  # an A/A is asked for on purpose
    for other in (
        FileChange("pyproject.toml", "M"),  # dependencies, build options: anything
        FileChange("src/pkg/new.py", "A"),
        FileChange("src/pkg/old.py", "D"),
        FileChange("src/pkg/moved.py", "R"),
        FileChange("src/pkg/fast.c", "M"),
        FileChange("src/pkg/mod.py", "M", CODE, CODE.replace("1e7", "1e6")),
        FileChange("src/pkg/mod.py", "M", CODE, None),  # not text
    ):
        assert unreachable([same, other]) is None, other


LIBRARY = """import functools

LIMIT = 3


def fast(n):
    return n + 1


@functools.cache
def slow(n):
    total = 0
    for i in range(n):
        total += i
    return total


class Box:
    size = 2

    def grow(self, n):
        helper = lambda k: k * 2  # noqa: E731
        return helper(n)
"""
# where the interpreter ran it (an installed copy: no src/), by each function's first line
RAN = "/env/lib/python3.11/site-packages/lib_pkg/core.py"
FAST, SLOW, GROW = (RAN, 6), (RAN, 10), (RAN, 21)


def _map(**extra: object) -> ReachMap:
    fields: dict[str, object] = {
        "benchmarks": {
            "b/test.py::test_fast": frozenset({FAST}),
            "b/test.py::test_slow": frozenset({SLOW}),
            "b/test.py::test_grow": frozenset({GROW, (RAN, 22)}),
        },
        "outside": frozenset({(RAN, 1)}),
        "opaque": frozenset(),
        "spawned_outside": False,
    }
    fields.update(extra)
    return ReachMap(**fields)  # type: ignore[arg-type]


def _reached(
    new: str, reach_map: ReachMap | None = None, path: str = "src/lib_pkg/core.py"
) -> Reached:
    change = FileChange(path, "M", LIBRARY, new)
    return affected([change], reach_map or _map())


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        (LIBRARY.replace("total += i", "total += 2 * i"), {"b/test.py::test_slow"}),
        (LIBRARY.replace("return n + 1", "x = 1\n    return n + x"), {"b/test.py::test_fast"}),
        (LIBRARY.replace("k * 2", "k * 3"), {"b/test.py::test_grow"}),  # a lambda's body
        (LIBRARY.replace("    return n + 1\n", "    return n + 1\n    # said twice\n"), set()),
        # lines inserted above: head's line numbers move, base's do not
        (
            LIBRARY.replace("import functools\n", "import functools\n# moved\n\n").replace(
                "total += i", "total -= i"
            ),
            {"b/test.py::test_slow"},
        ),
    ],
)
def test_a_change_inside_a_function_reaches_the_benchmarks_that_ran_it(
    edited: str, expected: set[str]
) -> None:
    found = _reached(edited)
    assert found.benchmarks == frozenset(expected), found.why


@pytest.mark.parametrize(
    ("edited", "why"),
    [
        (LIBRARY.replace("LIMIT = 3", "LIMIT = 4"), "outside a function"),
        (LIBRARY.replace("@functools.cache\n", ""), "outside a function"),  # runs at import
        (LIBRARY.replace("    size = 2", "    size = 3"), "outside a function"),  # class body
    ],
)
def test_code_that_runs_at_import_reaches_every_benchmark(edited: str, why: str) -> None:
    found = _reached(edited)
    assert found.benchmarks is None
    assert why in found.why


def test_what_the_map_cannot_see_reaches_every_benchmark() -> None:
    slower = LIBRARY.replace("total += i", "total += 2 * i")
    run_outside = _map(outside=frozenset({SLOW}))  # a fixture or an import ran `slow`
    assert _reached(slower, run_outside).benchmarks is None
    assert _reached(slower, _map(spawned_outside=True)).benchmarks is None
    opaque = _map(opaque=frozenset({"b/test.py::test_fast"}))  # it started a process
    both = frozenset({"b/test.py::test_slow", "b/test.py::test_fast"})
    assert _reached(slower, opaque).benchmarks == both
    other = FileChange("pyproject.toml", "M", "a", "b")
    assert affected([other], _map()).benchmarks is None
    added = FileChange("src/lib_pkg/new.py", "A", None, "x = 1\n")
    assert affected([added], _map()).benchmarks is None
    suite = FileChange(
        "proj/b/test.py", "M", "def test_a():\n    pass\n", "def test_a():\n    x = 1\n"
    )
    assert affected([suite], _map()).benchmarks is None  # new benchmarks: not in the map


def test_a_file_the_suite_never_ran_reaches_nothing() -> None:
    found = _reached(LIBRARY.replace("LIMIT = 3", "LIMIT = 4"), path="tools/release.py")
    assert found.benchmarks == frozenset()
    assert found.why == "the changed code runs in no benchmark"


def test_every_copy_of_a_changed_file_the_suite_ran_counts() -> None:
    """The tree's copy (a longer match of the path) and the installed one were both run: a
    change reaches the benchmarks of either."""
    tree = "/repo/src/lib_pkg/core.py"
    both = _map(benchmarks={"b/test.py::test_slow": frozenset({SLOW}),
                            "b/test.py::test_tree": frozenset({(tree, 10)})})  # fmt: skip
    found = _reached(LIBRARY.replace("total += i", "total += 2 * i"), both)
    assert found.benchmarks == frozenset({"b/test.py::test_slow", "b/test.py::test_tree"})


def test_the_plugins_document_is_read_back() -> None:
    document = {
        "perfgate_reach": REACH_FORMAT,
        "files": [RAN],
        "benchmarks": {"b/test.py::test_fast": [[0, 6]]},
        "outside": [[0, 1]],
        "opaque": [],
        "spawned_outside": False,
        "complete": True,
    }
    found = map_from(document)
    assert found.benchmarks == {"b/test.py::test_fast": frozenset({FAST})}
    assert found.outside == {(RAN, 1)}
    with pytest.raises(ValueError, match="malformed"):
        map_from({**document, "outside": [[3, 1]]})
    with pytest.raises(ValueError, match="incomplete"):  # the hook was replaced mid-run
        map_from({**document, "complete": False})
    with pytest.raises(ValueError, match=f"version {REACH_FORMAT}"):  # a map of version 1
        map_from({**document, "perfgate_reach": 1})  # keyed a module's import as its line 1


def test_the_cheapest_other_benchmarks_are_measured_beside_the_reached_ones() -> None:
    names = {f"t::{k}": frozenset({(RAN, k)}) for k in range(8)}
    seconds = {f"t::{k}": 1.0 / (k + 1) for k in range(8)}  # t::7 the cheapest
    found = _map(benchmarks=names, seconds=seconds)
    assert found.beside(frozenset({"t::0", "t::1"}), 5) == ["t::7", "t::6", "t::5"]
    assert found.beside(frozenset({f"t::{k}" for k in range(6)}), 5) == []
