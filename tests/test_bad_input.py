"""Bad input: one line naming the file and the problem, exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfgate.model import NATIVE_KEY
from tests.conftest import result_files
from tests.helpers import run_cli


def assert_one_line_error(args: list[str | Path], *expected: str, cwd: Path | None = None) -> str:
    done = run_cli(*args, cwd=cwd)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


def _pytest_benchmark_edit(
    edit: Callable[[dict[str, Any]], None],
) -> Callable[[Path, Path], Path]:
    def make(source: Path, folder: Path) -> Path:
        data = json.loads(source.read_text())
        edit(data)
        path = folder / "edited.json"
        path.write_text(json.dumps(data))
        return path

    return make


def _set_sample(value: float) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["benchmarks"][0]["stats"]["data"][0] = value

    return edit


def _duplicate(data: dict[str, Any]) -> None:
    data["benchmarks"].append(data["benchmarks"][0])


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda _src, d: _write(d / "empty.json", ""), "file is empty"),
        (lambda _src, d: _write(d / "blank.json", "  \n"), "file is empty"),
        (
            lambda src, d: _write(d / "cut.json", src.read_text()[: len(src.read_text()) // 2]),
            "truncated JSON",
        ),
        (lambda _src, d: _write(d / "junk.json", "{not json"), "invalid JSON at line 1"),
        (
            lambda _src, d: _write(d / "other.json", '{"hello": [1, 2]}'),
            "JSON of no known result format",
        ),
        (lambda _src, d: _write(d / "list.json", "[1, 2, 3]"), "JSON of no known result format"),
        (lambda _src, d: _write(d / "binary.json", b"\xff\xfe\x00garbage"), "not a text file"),
        (
            lambda _src, d: _write(
                d / "future.json", json.dumps({NATIVE_KEY: 99, "benchmarks": []})
            ),
            "native format version 99 not supported",
        ),
        (_pytest_benchmark_edit(_set_sample(float("nan"))), "not a finite number"),
        (_pytest_benchmark_edit(_set_sample(-0.5)), "sample -0.5 is negative"),
        (_pytest_benchmark_edit(_duplicate), "duplicate benchmark name"),
    ],
    ids=[
        "empty",
        "blank",
        "truncated",
        "invalid",
        "unknown-format",
        "list",
        "binary",
        "native-version",
        "nan",
        "negative",
        "duplicate",
    ],
)
def test_bad_result_file(
    make: Callable[[Path, Path], Path], problem: str, bench_json: Path, tmp_path: Path
) -> None:
    path = make(bench_json, tmp_path)
    assert_one_line_error(["check", path], str(path), problem)


def test_unsupported_asv_version(asv_results: Path, tmp_path: Path) -> None:
    [source] = result_files(asv_results)
    data = json.loads(source.read_text())
    data["version"] = 3
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    assert_one_line_error(["check", path], str(path), "asv results format version 3 not supported")


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(["check", tmp_path / "nope.json"], "nope.json", "no such file")


def test_directory_with_no_results(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    assert_one_line_error(["check", tmp_path], str(tmp_path), "holds no result files")


def test_file_over_the_input_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: 5 GB on paper, nothing on disk
        handle.truncate(5_000_000_000)
    assert_one_line_error(["check", path], str(path), "5000 MB", "PERFGATE_MAX_INPUT_MB")


def test_large_file_of_no_json_is_streamed_to_one_line(tmp_path: Path) -> None:
    path = tmp_path / "zeros.json"
    with path.open("wb") as handle:  # sparse: 80 MB of NUL bytes, over the streaming threshold
        handle.truncate(80_000_000)
    assert_one_line_error(["check", path], str(path), "invalid JSON")


def test_same_name_in_different_units(asv_results: Path, tmp_path: Path) -> None:
    [source] = result_files(asv_results)
    data = json.loads(source.read_text())
    other = tmp_path / "results" / "other"
    other.mkdir(parents=True)
    (tmp_path / "results" / "benchmarks.json").write_text(
        (asv_results / "benchmarks.json")
        .read_text()
        .replace('"unit": "widgets"', '"unit": "gadgets"')
    )
    (other / "r.json").write_text(json.dumps(data))
    assert_one_line_error(
        ["check", source, other / "r.json"], "bench.track_value", "'widgets'", "'gadgets'"
    )


def test_unknown_config_key_with_suggestion(bench_json: Path, tmp_path: Path) -> None:
    config = tmp_path / "perfgate.yml"
    config.write_text('version: 1\nbugdets:\n  "x*":\n    target: 1s\n')
    line = assert_one_line_error(
        ["check", bench_json, "--config", config],
        f"{config}:2: bugdets: unknown key; did you mean 'budgets'?",
    )
    assert line.startswith("perfgate: error: ")


def test_every_config_problem_reported_at_once(bench_json: Path, tmp_path: Path) -> None:
    config = tmp_path / "perfgate.yml"
    config.write_text(
        "version: 1\n"
        "metric: p97\n"
        "budgets:\n"
        '  "parse_*":\n'
        "    target: 100ms\n"
        "    warning: 200ms\n"
        "    critical: 150ms\n"
        '  "load_*":\n'
        "    target: 2 parsecs\n"
        "    critcal: 3s\n"
    )
    done = run_cli("check", bench_json, "--config", config)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"perfgate: error: {config}:2: metric: 'p97' is not one of p50, p95, p99, mean, min, max",
        f'perfgate: error: {config}:7: budgets["parse_*"].critical: 150ms is below warning 200ms',
        f"perfgate: error: {config}:9: budgets[\"load_*\"].target: unknown unit 'parsecs' in "
        "'2 parsecs' (accepted: ns, us, ms, s, min; B, kB, MB, GB, KiB, MiB, GiB; %)",
        f'perfgate: error: {config}:10: budgets["load_*"].critcal: unknown key; '
        "did you mean 'critical'?",
    ]


def test_missing_config_file(bench_json: Path, tmp_path: Path) -> None:
    assert_one_line_error(
        ["check", bench_json, "--config", tmp_path / "nope.yml"], "nope.yml: no such file"
    )


def test_invalid_yaml(bench_json: Path, tmp_path: Path) -> None:
    config = tmp_path / "perfgate.yml"
    config.write_text("version: 1\nbudgets: [unclosed\n")
    assert_one_line_error(["check", bench_json, "--config", config], f"{config}:3", "invalid YAML")


def _laughs(levels: int = 9) -> str:
    lines = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    for i in range(1, levels):
        name, previous = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x: &a [*a]\n", "nested more than 64 levels"),
        ("version: " + "9" * 5000 + "\n", "invalid YAML"),
        ("version: " + "9" * 1000 + "\n", "config version 999"),
        (_laughs(), "more than 100,000 values"),
        ("x: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
        ("? [a, b]\n: 1\n", "a key must be a plain value"),
    ],
    ids=["alias of itself", "5000-digit version", "1000-digit version", "billion laughs",
         "deep nesting", "complex key"],
)  # fmt: skip
def test_hostile_yaml_is_one_line(
    bench_json: Path, tmp_path: Path, text: str, problem: str
) -> None:
    config = tmp_path / "perfgate.yml"
    config.write_text(text)
    line = assert_one_line_error(["check", bench_json], str(config), problem, cwd=tmp_path)
    assert len(line) < 300


def _pyproject(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "pyproject.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    "toml",
    [
        '[tool.perfgate]\nversion = 1\nbudgets."*".target = "1ns"\n',
        '[tool]\nperfgate.version = 1\nperfgate.budgets."*".target = "1ns"\n',
        'tool = { perfgate = { version = 1, budgets = { "*" = { target = "1ns" } } } }\n',
    ],
    ids=["dotted budgets in the table", "dotted keys under [tool]", "inline tables"],
)
def test_pyproject_budgets_in_any_toml_spelling_are_found(
    bench_json: Path, tmp_path: Path, toml: str
) -> None:
    """Discovery parses pyproject.toml: a 1 ns budget written any valid way fails the check."""
    _pyproject(tmp_path, toml)
    done = run_cli("check", bench_json, cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "critical" in done.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[tool.perfgate]\nversion = 1\nname = '\xff\xfe'\n", "cannot read"),
        ("tool = 1\n[project]\nname = 'perfgate-user'\n", ""),
        ("[tool.perfgate]\nversion = " + "9" * 5000 + "\n", "invalid TOML"),
        ("[tool.perfgate]\nx = " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    ],
    ids=["not UTF-8", "tool = 1", "5000-digit version", "deep nesting"],
)
def test_hostile_pyproject_is_one_line_or_ignored(
    bench_json: Path, tmp_path: Path, content: str | bytes, problem: str
) -> None:
    path = _pyproject(tmp_path, content)
    if not problem:  # no perfgate configuration in it: the defaults, no error
        done = run_cli("check", bench_json, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return
    assert_one_line_error(["check", bench_json], str(path), problem, cwd=tmp_path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("metrics: [instructions]\n", "metrics: must include time"),
        ("metrics: [time, cycles]\n", "metrics: 'cycles' is not one of time, instructions"),
        ("metrics: time\n", "metrics: must be a list"),
        ("profile: {severity: huge}\n", "profile.severity: 'huge' is not one of"),
        ("profile: {calls: 0}\n", "profile.calls: 0 must be a whole number from 1"),
        (
            "profile: {seconds: 0}\n",
            "profile.seconds: 0 must be a number of seconds above 0, at most 3,600",
        ),
        ("profile: {seconds: fast}\n", "profile.seconds: 'fast' must be a number of seconds"),
    ],
)
def test_bad_metrics_and_profile_keys(
    bench_json: Path, tmp_path: Path, text: str, problem: str
) -> None:
    config = tmp_path / "perfgate.yml"
    config.write_text("version: 1\n" + text)
    assert_one_line_error(["check", bench_json, "--config", config], problem)


def test_usage_error_exits_2() -> None:
    done = run_cli("check", "--format", "pdf", "x.json")
    assert done.returncode == 2
    assert "invalid choice: 'pdf'" in done.stderr
    assert "Traceback" not in done.stderr


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "lots", "1e400"])
def test_a_bad_input_limit_is_one_line(tmp_path: Path, value: str) -> None:
    """PERFGATE_MAX_INPUT_MB that is no positive, finite number: one line and exit 2 (nan
    and inf were a traceback with exit 1, the code of a failed gate)."""
    path = tmp_path / "r.json"
    path.write_text("{}")
    done = run_cli("check", path, env={"PERFGATE_MAX_INPUT_MB": value})
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"perfgate: error: PERFGATE_MAX_INPUT_MB={value!r}: give a number of megabytes above 0 "
        "and at most 1,000,000,000 (default 4,000)\n"
    )


def test_errors_of_the_system_are_one_line_and_exit_2(tmp_path: Path) -> None:
    """A full disk or a folder where a file goes is not a verdict: one line, exit 2."""
    report = tmp_path / "out"
    report.mkdir()  # a folder where the report file goes
    source = tmp_path / "r.json"
    source.write_text(
        json.dumps({"perfgate_result": 1, "benchmarks": [
            {"name": "b", "short_name": "b", "unit": "s", "rounds": [[0.001, 0.002]]}
        ]})
    )  # fmt: skip
    done = run_cli("check", source, "--output", report / ".")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    if Path("/dev/full").exists():  # Linux: a device that is always full
        done = run_cli("check", source, "--output", "/dev/full/report.json")
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_run_where_pytest_is_not_installed_is_one_line(tmp_path: Path) -> None:
    """`perfgate run` without a base runs the suite in the interpreter it runs in; one that
    has no pytest script beside it was a FileNotFoundError traceback with exit 1."""
    bare = tmp_path / "bare" / "bin"
    bare.mkdir(parents=True)
    (bare / "python").symlink_to(sys.executable)  # same packages, no pytest script beside it
    project = tmp_path / "project"
    project.mkdir()
    (project / "perfgate.yml").write_text("version: 1\nharness:\n  type: pytest-benchmark\n")
    import perfgate  # noqa: PLC0415

    # the interpreter beside no venv: this environment's packages by PYTHONPATH
    paths = [*site.getsitepackages(), str(Path(perfgate.__file__).parent.parent)]
    done = subprocess.run(
        [str(bare / "python"), "-m", "perfgate", "run"],
        capture_output=True, text=True, cwd=project, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"perfgate: error: no pytest beside {bare / 'python'}")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_out_of_memory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """MemoryError is not a verdict: one line, exit 2 (it was a traceback with exit 1).
    The address space is capped 8 MB above what the process has before it reads a 60 MB
    file."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to cap the address space")
    path = tmp_path / "big.json"
    numbers = ",".join(["1.2345678901234e-05"] * 3_000_000)
    path.write_text('{"benchmarks": [{"name": "b", "stats": {"data": [' + numbers + "]}}]}")
    script = (
        "import resource, sys\n"
        "import numpy, scipy.stats, orjson, ijson\n"  # loaded first: the parse runs out
        "from perfgate._cli import main\n"
        "status = open('/proc/self/status').read()\n"
        "size = int(status.split('VmSize:')[1].split()[0]) * 1024\n"
        "cap = size + 8_000_000\n"
        "resource.setrlimit(resource.RLIMIT_AS, (cap, cap))\n"
        "sys.exit(main(['check', sys.argv[1]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PERFGATE_MAX_INPUT_MB": "4000"},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 2, done.stderr
    assert done.stderr == "perfgate: error: out of memory\n"
