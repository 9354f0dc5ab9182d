from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.config import Config, find_config, load_config
from perfgate.errors import ConfigError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    assert load_config(None) == Config()


def test_budget_defaults_and_units(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "perfgate.yml",
            (
                "version: 1\n"
                "metric: p99\n"
                "fail-on: warning\n"
                "budgets:\n"
                '  "test_parse_*":\n'
                "    target: 200ms\n"
                '  "*peakmem_*":\n'
                "    target: 500MB\n"
                "    critical: 1GB\n"
                "    metric: max\n"
                '  "*throughput*":\n'
                "    target: 1000\n"
                "    direction: higher\n"
            ),
        )
    )
    parse, peak, throughput = config.budgets
    assert (parse.target, parse.warning, parse.critical) == pytest.approx((0.2, 0.24, 0.3))
    assert parse.unit == "s"
    assert parse.metric == "p99"  # the file's default metric
    assert parse.where == f"{tmp_path / 'perfgate.yml'}:5"
    assert (peak.target, peak.warning, peak.critical) == pytest.approx((5e8, 6e8, 1e9))
    assert peak.metric == "max"
    assert throughput.unit == ""
    assert (throughput.warning, throughput.critical) == pytest.approx((1000 / 1.2, 1000 / 1.5))
    assert config.fail_on == "warning"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        (
            '[project]\nname = "x"\n\n'
            "[tool.perfgate]\nversion = 1\n\n"
            '[tool.perfgate.budgets."load_*"]\ntarget = "2s"\n'
        ),
    )
    path = find_config(None, tmp_path)
    assert path == tmp_path / "pyproject.toml"
    [budget] = load_config(path).budgets
    assert budget.pattern == "load_*"
    assert budget.target == 2.0


def test_pyproject_problem_has_a_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pyproject.toml",
        ('[tool.perfgate]\nversion = 1\n[tool.perfgate.budgets."load_*"]\ntarget = "fast"\n'),
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f'{path}: tool.perfgate.budgets["load_*"].target: expected a quantity like '
        "'200ms' or '500MB', got 'fast'"
    )


def test_perfgate_yml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.perfgate]\nversion = 1\n")
    write(tmp_path, "perfgate.yml", "version: 1\n")
    assert find_config(None, tmp_path) == tmp_path / "perfgate.yml"
    assert find_config(tmp_path / "other.yml", tmp_path) == tmp_path / "other.yml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budgets: {}\n", "perfgate.yml:1: version: missing; write `version: 1` first"),
        ("version: 2\n", "perfgate.yml:1: version: config version 2 not supported (supported: 1)"),
        ("version: 1\nversion: 1\n", "perfgate.yml:2: version: duplicate key 'version'"),
        ("- a\n- b\n", "perfgate.yml:1: the config must be a mapping of keys"),
        (
            "version: 1\nfail-on: sometimes\n",
            "perfgate.yml:2: fail-on: 'sometimes' is not one of "
            "critical, major, warning, inconclusive, never",
        ),
        (
            'version: 1\nbudgets:\n  "a*": 5\n',
            'perfgate.yml:3: budgets["a*"]: must be a mapping with at least `target`',
        ),
        (
            'version: 1\nbudgets:\n  "a*":\n    warning: 1s\n',
            'perfgate.yml:3: budgets["a*"]: missing `target`',
        ),
        (
            'version: 1\nbudgets:\n  "a*":\n    target: 10%\n',
            'perfgate.yml:4: budgets["a*"].target: 10% is a percentage',
        ),
        (
            'version: 1\nbudgets:\n  "a*":\n    target: 0ms\n',
            'perfgate.yml:4: budgets["a*"].target: 0ms must be greater than zero',
        ),
        (
            'version: 1\nbudgets:\n  "a*":\n    target: 1s\n    warning: 2MB\n',
            'perfgate.yml:5: budgets["a*"].warning: 2MB is not in the same unit as target 1s',
        ),
        (
            'version: 1\nbudgets:\n  "a*":\n    target: 100\n    critical: 200\n'
            "    direction: higher\n",
            'perfgate.yml:5: budgets["a*"].critical: 200 is above warning 83.3',
        ),
        (
            "version: 1\nrounds:\n  per-benchmark: sometimes\n",
            "perfgate.yml:3: rounds.per-benchmark: 'sometimes' must be true or false",
        ),
    ],
)
def test_problems(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "perfgate.yml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_history_db_and_asv_config_keys(tmp_path: Path) -> None:
    path = tmp_path / "perfgate.yml"
    path.write_text(
        "version: 1\nhistory:\n  db: ci/history.sqlite\n"
        "harness:\n  type: asv\n  asv-config: conf/asv.conf.json\n"
    )
    config = load_config(path)
    assert config.history_db == "ci/history.sqlite"
    assert config.harness.asv_config == "conf/asv.conf.json"
    # asv's defaults: one process per round, the project alone installed
    assert config.harness.args == ("--attribute", "processes=1")
    assert config.harness.install == ("{tree}",)
    path.write_text("version: 1\nhistory:\n  db: 3\n  dbb: x\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "history.db: must be a path" in text
    assert "did you mean 'db'?" in text


def test_history_base(tmp_path: Path) -> None:
    """history.base: the same-job base by default, stored-first when asked, else one line."""
    path = tmp_path / "perfgate.yml"
    path.write_text("version: 1\n")
    assert load_config(path).history_base == "same-job"
    path.write_text("version: 1\nhistory:\n  base: stored-first\n")
    assert load_config(path).history_base == "stored-first"
    path.write_text("version: 1\nhistory:\n  base: stored\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "history.base: 'stored' must be one of same-job, stored-first" in str(caught.value)


def test_rounds_per_benchmark_key(tmp_path: Path) -> None:
    assert Config().rounds.per_benchmark is True  # on unless turned off
    path = write(tmp_path, "perfgate.yml", "version: 1\nrounds:\n  per-benchmark: false\n")
    assert load_config(path).rounds.per_benchmark is False


def test_harness_memory_key(tmp_path: Path) -> None:
    path = tmp_path / "perfgate.yml"
    path.write_text("version: 1\nharness:\n  memory: true\n")
    assert load_config(path).harness.memory is True
    assert load_config(None).harness.memory is False
    for text, message in (
        ("harness:\n  memory: yes please\n", "harness.memory: must be true or false"),
        ("harness:\n  type: asv\n  memory: true\n", "harness.memory: is for pytest-benchmark"),
    ):
        path.write_text("version: 1\n" + text)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert message in str(caught.value)


def test_harness_lockstep_key(tmp_path: Path) -> None:
    """On by default for a pytest-benchmark suite, off for the harnesses that time themselves;
    `false` turns it off; a wrong value or an asv suite asking for it is a config error."""
    from perfgate.harness.runner import lockstep_here, timer_args  # noqa: PLC0415

    path = tmp_path / "perfgate.yml"
    assert load_config(None).harness.lockstep is True
    path.write_text("version: 1\nharness:\n  type: asv\n")
    asv = load_config(path).harness
    assert asv.lockstep is False
    assert not lockstep_here(asv)
    path.write_text("version: 1\nharness:\n  lockstep: false\n")
    assert load_config(path).harness.lockstep is False
    assert timer_args("cpu", lockstep=True) == (
        "--benchmark-timer=perfgate_calibration.turns_process_time",
    )
    assert timer_args("cpu", calibrated=True, lockstep=True) == (
        "--benchmark-timer=perfgate_calibration.process_time",  # calibrates and takes turns
    )
    assert timer_args("cpu") == ("--benchmark-timer=time.process_time",)  # alone: as before
    for text, message in (
        ("harness:\n  lockstep: sometimes\n", "harness.lockstep: must be true or false"),
        ("harness:\n  type: asv\n  lockstep: true\n", "harness.lockstep: is for pytest-benchmark"),
    ):
        path.write_text("version: 1\n" + text)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert message in str(caught.value)


def test_the_decision_statistic_has_its_own_key(tmp_path: Path) -> None:
    path = tmp_path / "perfgate.yml"
    path.write_text("version: 1\nmetric: p95\nregression:\n  statistic: p10\n")
    assert load_config(path).statistic == "p10"
    path.write_text("version: 1\nmetric: p95\n")  # metric is for budgets and tables only
    assert load_config(path).statistic is None
    path.write_text("version: 1\nregression:\n  statistic: median\n")
    with pytest.raises(ConfigError, match=r"regression.statistic: 'median' is not a statistic"):
        load_config(path)


def test_the_readme_s_example_config_loads_as_it_reads(tmp_path: Path) -> None:
    """The `perfgate.yml` block under README's "`perfgate.yml`" is a working config: every
    key in it is known, every value valid, and the values are what its comments say."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("### `perfgate.yml`") :]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "perfgate.yml"
    path.write_text(block)
    config = load_config(path)
    parse, _peakmem, throughput = config.budgets
    assert (parse.warning, parse.critical) == pytest.approx((0.24, 0.3))  # 1.2x, 1.5x
    assert throughput.direction == "higher"
    assert throughput.critical == pytest.approx(1000 / 1.5)
    assert config.harness.type == "pytest-benchmark"
    assert config.metrics == ("time",)
