"""The option table: each option declared once and read by the CLI, the Action and the config;
and the light import path of `perfgate --help` and `perfgate.config`."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from perfgate import formats
from perfgate._cli import build_parser
from perfgate.config import parse_fail_on
from perfgate.errors import UsageError
from perfgate.options import INPUT_FORMATS, OPTIONS, RENDERERS
from tests.helpers import TESTS

ROOT = TESTS.parent


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser by its path (``history detect``)."""
    found = {" ".join(path): parser} if path else {}
    for action in parser._actions:  # argparse offers no public walk
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_parsers(sub, (*path, name)))
    return found


def test_every_option_of_every_command_is_the_tables() -> None:
    """The parser is built from the table: each option a subcommand takes is there with the
    table's flag, help, name and choices, and the subcommand takes no option the table does
    not give it (the older spellings the table lists are taken, not shown)."""
    parsers = _parsers(build_parser())
    assert len(parsers) > 15
    given = {path: [o for o in OPTIONS.values() if path in o.commands] for path in parsers}
    unknown = {c for o in OPTIONS.values() for c in o.commands} - set(parsers)
    assert not unknown  # a table entry names a subcommand that does not exist
    for path, parser in parsers.items():
        flags = {f: a for a in parser._actions for f in a.option_strings}
        for option in given[path]:
            assert option.flag is not None
            action = flags[option.flag]
            assert action.help == option.help.replace("%", "%%"), (path, option.name)
            assert action.dest == (option.dest or option.name), (path, option.name)
            if option.choices is not None:
                shown = tuple(action.choices or ())[: len(option.choices)]
                assert shown == option.choices, (path, option.name)
        declared = {f for o in given[path] for f in (o.flag, *o.older)}
        extra = set(flags) - declared - {"-h", "--help"}
        assert not extra, (path, sorted(extra))


def test_action_yml_declares_the_tables_inputs_and_no_other() -> None:
    spec = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    table = {o.action_input: o for o in OPTIONS.values() if o.action_input is not None}
    assert set(spec["inputs"]) == set(table)
    for name, option in table.items():
        assert option.env_var is not None
        setup_only = name in ("python-version", "install-valgrind")  # used by action.yml
        assert setup_only or option.env_var in text, name


def test_fail_on_parses_only_its_choices() -> None:
    for choice in OPTIONS["fail_on"].choices or ():
        assert parse_fail_on(choice) == choice
    with pytest.raises(
        UsageError, match="fail-on must be one of critical, major, warning, inconclusive, never"
    ):
        parse_fail_on("sometimes")


def test_renderer_registry_names_importable_renderers() -> None:
    for name, (target, suffixes) in RENDERERS.items():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), name
        assert all(s.startswith(".") for s in suffixes)


def test_input_formats_are_the_readers() -> None:
    readers = {
        formats.asv.FORMAT, formats.native.FORMAT, formats.pytest_benchmark.FORMAT,
        formats.pyperf.FORMAT,
    }  # fmt: skip
    assert set(INPUT_FORMATS) == {"auto", *readers}


@pytest.mark.parametrize(
    "code",
    [
        "import perfgate.config",
        "import perfgate.options, perfgate.report.model",
        "from perfgate._cli import build_parser; build_parser().format_help()",
    ],
)
def test_light_paths_import_nothing_heavy(code: str) -> None:
    check = (
        f"{code}\nimport sys\n"
        "print(','.join(m for m in ('numpy', 'scipy', 'rich', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    assert done.stdout.strip() == ""


def test_change_point_methods_are_the_segmenters() -> None:
    from perfgate.decisions.changepoints import DEFAULT_METHOD, SEGMENTERS  # noqa: PLC0415
    from perfgate.options import CHANGE_POINT_METHODS  # noqa: PLC0415

    assert set(CHANGE_POINT_METHODS) == set(SEGMENTERS)
    assert CHANGE_POINT_METHODS[0] == DEFAULT_METHOD


def test_the_configs_defaults_and_choices_are_the_tables(tmp_path: Path) -> None:
    """Every option with a perfgate.yml key: the Config's default is the table's, and a value
    outside the table's choices is refused with exactly those choices named."""
    from perfgate.config import Config, load_config  # noqa: PLC0415
    from perfgate.errors import ConfigError  # noqa: PLC0415
    from perfgate.units import parse_duration  # noqa: PLC0415

    config = Config()
    defaults = {
        "fail-on": config.fail_on,
        "metric": config.metric,
        "harness.type": config.harness.type,
        "rounds.time-budget": config.rounds.time_budget,
        "history.db": config.history_db,
    }
    keyed = {o.config_key: o for o in OPTIONS.values() if o.config_key is not None}
    assert set(keyed) == set(defaults)
    for key, option in keyed.items():
        expected = parse_duration(str(option.default)) if key == "rounds.time-budget" else None
        assert defaults[key] == (expected if expected is not None else option.default), key
        if option.choices is None:
            continue
        *parents, leaf = key.split(".")
        text = "".join(f"{'  ' * i}{p}:\n" for i, p in enumerate(parents))
        path = tmp_path / f"{key}.yml"
        path.write_text(f"version: 1\n{text}{'  ' * len(parents)}{leaf}: nonsense\n")
        with pytest.raises(ConfigError) as failed:
            load_config(path)
        assert ", ".join(option.choices) in str(failed.value), key
