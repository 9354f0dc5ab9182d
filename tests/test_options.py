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


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse offers no public walk
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("command", ["check", "compare", "run"])
def test_every_flag_in_the_table_is_the_cli_option(command: str) -> None:
    parser = _subcommands(build_parser())[command]
    flags = {f: a for a in parser._actions for f in a.option_strings}
    used = 0
    for option in OPTIONS.values():
        if option.flag is None or option.flag not in flags:
            continue
        used += 1
        action = flags[option.flag]
        assert action.help == option.help
        assert action.dest == option.name
        if option.choices is not None:
            assert tuple(action.choices or ()) == option.choices
    assert used >= 3  # config, format and fail-on at least


def test_every_action_input_in_the_table_is_declared_in_action_yml() -> None:
    spec = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    declared = set(spec["inputs"])
    for option in OPTIONS.values():
        if option.action_input is not None:
            assert option.action_input in declared, option.name
            assert option.env_var is not None
            assert option.env_var in (ROOT / "action.yml").read_text(encoding="utf-8")


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
    }
    keyed = {o.config_key: o for o in OPTIONS.values() if o.config_key is not None}
    assert set(keyed) == set(defaults)
    for key, option in keyed.items():
        expected = parse_duration(option.default or "") if key == "rounds.time-budget" else None
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
