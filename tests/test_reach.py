"""Whether a change can reach any benchmark: decided on syntax trees, docstrings dropped."""

from __future__ import annotations

import pytest

from perfgate.reach import FileChange, same_program, unreachable

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
