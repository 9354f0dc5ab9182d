"""The CLI end to end, as a user runs it: real harness output in, report and exit code out."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perfgate import __version__
from perfgate._cli import build_parser, main
from perfgate.options import RENDERERS
from tests.conftest import result_files
from tests.helpers import run_cli, write_config


def test_check_json_reports_documented_p95(bench_json: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, "version: 1\n")
    done = run_cli("check", bench_json, "--config", config, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["perfgate_report"] == 2
    assert report["verdict"] == "pass"
    raw = {
        b["fullname"]: b["stats"]["data"] for b in json.loads(bench_json.read_text())["benchmarks"]
    }
    assert {b["name"] for b in report["benchmarks"]} == set(raw)
    for bench in report["benchmarks"]:
        samples = raw[bench["name"]]
        assert bench["metric"] == "p95"
        assert bench["unit"] == "s"
        assert bench["head"]["value"] == pytest.approx(
            float(np.percentile(samples, 95, method="linear")), rel=1e-12
        )
        assert bench["head"]["n"] == len(samples)
        assert bench["head"]["rounds"] == 1
        low, high = bench["head"]["ci"]
        assert low <= bench["head"]["value"] <= high


def test_one_run_writes_several_reports_by_suffix(bench_json: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, "version: 1\n")
    out_json, out_md, out_txt = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.txt"
    done = run_cli(
        "check", bench_json, "--config", config, "--format", "markdown",
        "--output", out_json, "--output", out_md, "--output", out_txt,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(out_json.read_text())["perfgate_report"] == 2
    assert out_md.read_text().startswith("### ")  # markdown
    assert out_txt.read_text() == out_md.read_text()  # any other suffix: --format
    assert "\u2503" in done.stdout  # the terminal still gets the table
    assert done.stdout.count("wrote ") == 3


def test_check_fails_when_critical_limit_is_clearly_below(bench_json: Path, tmp_path: Path) -> None:
    # test_sleep_2ms sleeps 2 ms per call: its p95 is at least 2 ms
    config = write_config(tmp_path, 'version: 1\nbudgets:\n  "*sleep*":\n    target: 0.2ms\n')
    done = run_cli("check", bench_json, "--config", config, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "fail"
    [sleep] = [b for b in report["benchmarks"] if "sleep" in b["name"]]
    assert sleep["budget"]["status"] == "critical"
    assert sleep["budget"]["critical"] == pytest.approx(0.0003)
    others = [b for b in report["benchmarks"] if "sleep" not in b["name"]]
    assert all("budget" not in b for b in others)


def test_fail_on_option_overrides_the_config(bench_json: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, 'version: 1\nbudgets:\n  "*sleep*":\n    target: 0.2ms\n')
    done = run_cli(
        "check", bench_json, "--config", config, "--fail-on", "never", "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["fail_on"] == "never"
    assert report["verdict"] == "pass"
    bad = run_cli("check", bench_json, "--config", config, "--fail-on", "sometimes")
    assert bad.returncode == 2
    assert "invalid choice: 'sometimes'" in bad.stderr


def test_run_time_budget_must_be_a_duration(tmp_path: Path) -> None:
    write_config(tmp_path, "version: 1\n")
    for value, message in (
        ("soon", "expected a quantity like '200ms' or '500MB', got 'soon'"),
        ("0s", "'0s' is not a positive duration like 10min"),
    ):
        done = run_cli("run", "--time-budget", value, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr.splitlines() == [f"perfgate: error: --time-budget: {message}"]


def test_check_passes_when_critical_limit_is_clearly_above(
    bench_json: Path, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path,
        'version: 1\nbudgets:\n  "*sleep*":\n    target: 1s\n  "test_parse_*":\n    target: 10ms\n',
    )
    done = run_cli("check", bench_json, "--config", config, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    statuses = {b["name"]: b["budget"]["status"] for b in report["benchmarks"] if "budget" in b}
    assert len(statuses) == 3  # the sleep benchmark and both test_parse_sum variants
    assert set(statuses.values()) == {"ok"}


def test_minimal_config_from_the_issue_works_as_written(bench_json: Path, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        (
            "version: 1\n"
            "budgets:\n"
            '  "test_parse_*":        # a name glob, matched against a benchmark\'s full and short'
            " name\n"
            "    target: 200ms        # warning defaults to 1.2x target, critical to 1.5x\n"
            '  "*peakmem_*":\n'
            "    target: 500MB\n"
        ),
    )
    done = run_cli("check", bench_json, "--config", config, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    budgets = [b["budget"] for b in report["benchmarks"] if "budget" in b]
    assert len(budgets) == 2
    for budget in budgets:
        assert (budget["target"], budget["warning"], budget["critical"]) == pytest.approx(
            (0.2, 0.24, 0.3)
        )
    assert report["unused_budgets"] == ["*peakmem_*"]


def test_check_asv_results_with_memory_budget(asv_results: Path, tmp_path: Path) -> None:
    [path] = result_files(asv_results)
    config = write_config(
        tmp_path,
        'version: 1\nbudgets:\n  "*peakmem_*":\n    target: 1kB\n'
        '  "time_range*":\n    target: 1s\n',
    )
    done = run_cli("check", path, "--config", config, "--format", "json")
    report = json.loads(done.stdout)
    by_name = {b["name"]: b for b in report["benchmarks"]}
    peak = by_name["bench.peakmem_list"]
    assert peak["unit"] == "B"
    # one measurement, no interval: judged on the value alone, and far over 1.5 kB
    assert peak["budget"]["status"] == "critical"
    assert peak["head"]["ci_method"] == "none"
    assert done.returncode == 1
    ranges = [b for n, b in by_name.items() if n.startswith("bench.TimeSuite.time_range(")]
    assert len(ranges) == 4
    assert {b["budget"]["status"] for b in ranges} == {"ok"}
    assert report["failed"] == ["bench.time_fails"]


def test_check_sunpy_results_directory_layout(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "sunpy-benchmarks" / "results" / "GH-Actions"
    path = next(p for p in sorted(folder.glob("*.json")) if p.name != "machine.json")
    config = write_config(tmp_path, 'version: 1\nbudgets:\n  "*peakmem_*":\n    target: 5GB\n')
    done = run_cli("check", path, "--config", config, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    peaks = [b for b in report["benchmarks"] if ".peakmem_" in b["name"]]
    assert peaks
    assert all(b["unit"] == "B" and b["budget"]["status"] == "ok" for b in peaks)
    timings = [b for b in report["benchmarks"] if ".time_" in b["name"]]
    assert all(b["head"]["metric_used"] == "p50" and not b["head"]["raw_samples"] for b in timings)


def test_check_django_results_with_raw_samples(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "django-asv" / "results" / "ubuntu-latest"
    path = next(p for p in sorted(folder.glob("*.json")) if p.name != "machine.json")
    done = run_cli("check", path, "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    raw = json.loads(path.read_text())
    columns = raw["result_columns"]
    report = json.loads(done.stdout)
    by_name = {b["name"]: b for b in report["benchmarks"]}
    checked = 0
    for name, row in raw["results"].items():
        fields = dict(zip(columns, row, strict=False))
        if fields.get("params") or not fields.get("samples") or name not in by_name:
            continue
        samples = fields["samples"][0]
        assert by_name[name]["head"]["value"] == pytest.approx(
            float(np.percentile(samples, 95)), rel=1e-12
        )
        assert by_name[name]["head"]["few_samples"] is True  # 10 samples < 72
        checked += 1
    assert checked > 10


def test_round_files_give_a_round_bootstrap_interval(bench_rounds: Path) -> None:
    done = run_cli("check", bench_rounds, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for bench in report["benchmarks"]:
        assert bench["head"]["rounds"] == 3
        assert bench["head"]["ci_method"] == "round-bootstrap"
        assert bench["head"]["n"] >= 180


def test_table_is_the_default_output(bench_json: Path, tmp_path: Path) -> None:
    done = run_cli("check", bench_json, cwd=tmp_path)
    assert done.returncode == 0
    assert "perfgate check: PASS" in done.stdout
    assert "benchmark names after test_bench.py::" in done.stdout  # said once
    assert "│ test_sleep_2ms" in done.stdout
    assert " ms " in done.stdout


def test_output_file_is_written_and_table_printed(bench_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "report.md"
    done = run_cli("check", bench_json, "--format", "markdown", "--output", out, cwd=tmp_path)
    assert done.returncode == 0
    assert out.read_text().startswith("### \u2705 perfgate check: pass")
    assert "| benchmark | p95 | 95% interval | n (rounds) | target | status |" in out.read_text()
    assert "perfgate check: PASS" in done.stdout
    assert f"wrote {out}" in done.stdout


def test_help_does_not_import_numpy_scipy_or_rich() -> None:
    code = (
        "import sys\n"
        "from perfgate._cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('numpy', 'scipy', 'rich', 'yaml') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stdout


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: perfgate" in capsys.readouterr().out


def test_lone_surrogates_in_names_are_shown_escaped_and_skipped_by_history(
    tmp_path: Path,
) -> None:
    """JSON may hold "\\ud800", which no encoding can write: check and compare show it as its
    escape, and a history import lists that file as skipped and imports the rest."""
    odd = tmp_path / "odd.json"
    odd.write_text(
        '{"perfgate_result": 1, "metadata": {}, "benchmarks": [{"name": "x\\ud800y", '
        '"unit": "s", "rounds": [[0.1, 0.2, 0.3]]}]}'
    )
    plain = tmp_path / "plain.json"
    plain.write_text(odd.read_text().replace("x\\ud800y", "plain"))
    runs: list[list[str | Path]] = [
        ["check", odd],
        ["check", odd, "--format", "markdown"],
        ["compare", odd, odd],
    ]
    for args in runs:
        done = run_cli(*args)
        assert done.returncode == 0, done.stderr
        assert "x\\ud800y" in done.stdout
    written = tmp_path / "report.md"
    assert run_cli("check", odd, "--output", written).returncode == 0
    assert "x\\ud800y" in written.read_text()
    done = run_cli("history", "import", odd, plain, "--db", tmp_path / "h.sqlite")
    assert done.returncode == 2
    assert f"skipped {odd}: a name or value holds a lone surrogate" in done.stderr
    assert "imported 1 run(s)" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_says_what_the_commands_take(capsys: pytest.CaptureFixture[str]) -> None:
    """One vocabulary in the help: `table` for bisect as for every command (`text` still
    taken), history's every action and both stores, baseline's --output shown required."""
    for argv in (["--help"], ["history", "--help"], ["bisect", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
    shown = capsys.readouterr().out
    assert "site,\n" in shown or "site, notify" in shown  # wrapped or not
    assert "notify" in shown
    assert "PostgreSQL" in shown
    assert "--format {table,json}" in shown
    assert "0.2" not in shown
    with pytest.raises(SystemExit) as caught:
        main(["history", "baseline"])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    usage = error.split("perfgate: error:")[0]
    assert "--output FILE" in usage  # in the usage, not in [brackets]
    assert "[--output" not in usage
    assert error.endswith("perfgate: error: the following arguments are required: --output\n")


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(sub, (*path, name))
    return found


def test_every_subcommands_help_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    """Every command and action has a description and every option its help; every --format
    takes names of the one renderer table (bisect's old `text` still taken, not shown);
    required options show as required in the usage; --version is the package's."""
    parsers = _parsers(build_parser())
    assert len(parsers) > 15
    for path, parser in parsers:
        assert parser.description, path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, (path, action.dest)
            if "--format" in action.option_strings:
                assert action.choices is not None
                assert set(action.choices) - {"text"} <= set(RENDERERS), path
                assert "text" not in parser.format_usage(), path
            if action.required and action.option_strings:
                usage = parser.format_usage()
                assert f"[{action.option_strings[0]}" not in usage, (path, action.dest)
                assert action.option_strings[0] in usage, (path, action.dest)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.split()[-1] == __version__


def test_bisect_still_takes_format_text(tmp_path: Path) -> None:
    done = run_cli("bisect", "a", "b", "--format", "text", cwd=tmp_path)
    assert "invalid choice" not in done.stderr
    assert done.returncode == 2  # not a git repository: the format was accepted


def test_run_all_without_a_base_is_one_line(tmp_path: Path) -> None:
    done = run_cli("run", "--all", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "perfgate: error: --all compares base and head: give --base REF (or auto)\n"
    )
