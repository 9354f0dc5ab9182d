"""Which extras and dependency groups provide what a benchmark suite imports (init's choice)."""

from __future__ import annotations

from perfgate.scaffold.suite_imports import choose, import_names, imports_of


def test_imports_are_read_from_the_syntax_tree_not_run() -> None:
    text = (
        "import os, numpy.linalg as la\nfrom msgspec import json\nfrom . import helpers\n"
        "def f():\n    import orjson\n"
    )
    assert imports_of(text) == {"os", "numpy", "msgspec", "orjson"}  # relative one left out
    assert imports_of("def broken(:\n") == set()


def test_requirement_names_become_import_names() -> None:
    assert import_names("tomli-w>=1.0") == {"tomli_w"}
    assert "yaml" in import_names("PyYAML>=6")
    assert "PIL" in import_names("Pillow; python_version > '3.8'")
    assert "dateutil" in import_names("python-dateutil")
    assert import_names("fastenc @ file:///tmp/fastenc") == {"fastenc"}
    assert import_names("") == set()


def test_exactly_the_extras_that_provide_an_import_are_chosen() -> None:
    choice = choose(
        {"msgspec", "orjson", "os", "pytest", "slowpkg", "helpers", "numpy", "quickjson"},
        local={"slowpkg", "helpers"},
        dependencies=["numpy>=1.24"],
        extras={"docs": ["sphinx"], "msgspec": ["msgspec>=0.18"], "orjson": ["orjson"],
                "all": ["msgspec", "sphinx"]},
        groups={"bench": ["pyperf", "asv"], "json": ["quickjson-compat"]},
    )  # fmt: skip
    assert choice.extras == ("msgspec", "orjson")  # `all` provides no more than `msgspec`
    assert choice.groups == ()  # nothing of the bench group is imported
    assert choice.why == ("msgspec (extra msgspec)", "orjson (extra orjson)")
    assert choice.missing == ("quickjson",)


def test_an_extra_that_provides_two_imports_is_chosen_alone() -> None:
    choice = choose(
        {"msgspec", "orjson"},
        local=(),
        dependencies=[],
        extras={"msgspec": ["msgspec"], "fast": ["msgspec", "orjson"]},
        groups={},
    )
    assert choice.extras == ("fast",)
    assert choice.missing == ()


def test_a_group_is_chosen_for_what_no_extra_provides() -> None:
    choice = choose(
        {"tomli_w"}, local=(), dependencies=[], extras={"test": ["pytest"]},
        groups={"lint": ["ruff"], "bench": ["tomli-w"]},
    )  # fmt: skip
    assert (choice.extras, choice.groups) == ((), ("bench",))
    assert choice.why == ("tomli_w (group bench)",)
