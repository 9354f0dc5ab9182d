from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfgate import formats
from perfgate.errors import InputError
from tests import harnesses


def test_raw_samples_become_one_round(bench_json: Path) -> None:
    raw = json.loads(bench_json.read_text())
    [run] = formats.load(bench_json)
    assert run.metadata.harness == "pytest-benchmark"
    assert run.metadata.harness_version == raw["version"]
    by_name = {b.name: b for b in run.benchmarks}
    assert set(by_name) == {entry["fullname"] for entry in raw["benchmarks"]}
    for entry in raw["benchmarks"]:
        bench = by_name[entry["fullname"]]
        assert [tuple(r) for r in bench.rounds] == [tuple(entry["stats"]["data"])]
        assert bench.n == entry["stats"]["rounds"] >= 100
        assert bench.unit == "s"
        assert bench.short_name == entry["name"]


def test_group_params_and_extra_info_kept(bench_json: Path) -> None:
    [run] = formats.load(bench_json)
    by_short = {b.short_name: b for b in run.benchmarks}
    assert by_short["test_sort"].group == "sorting"
    assert by_short["test_parse_sum[1000]"].params == {"n": "1000"}
    assert by_short["test_parse_sum[1000]"].extra == {"size": 1000}


def test_storage_file_without_raw_data_keeps_stored_stats(tmp_path: Path) -> None:
    # `--benchmark-save` without `--benchmark-save-data` stores statistics only
    harnesses.run_pytest_benchmark(
        tmp_path,
        "def test_x(benchmark):\n    benchmark(sum, range(10))\n",
        f"--benchmark-storage=file://{tmp_path / 'storage'}",
        "--benchmark-save=base",
    )
    [saved] = (tmp_path / "storage").rglob("*.json")
    [run] = formats.load(saved)
    [bench] = run.benchmarks
    assert not bench.raw_samples
    raw = json.loads(saved.read_text())["benchmarks"][0]["stats"]
    assert bench.stored["p50"] == raw["median"]
    assert bench.stored["max"] == raw["max"]


def test_directory_of_round_files(bench_rounds: Path) -> None:
    runs = formats.load(bench_rounds)
    assert len(runs) == 3
    assert {len(r.benchmarks) for r in runs} == {4}


def test_duplicate_names_are_an_input_error(bench_json: Path, tmp_path: Path) -> None:
    data = json.loads(bench_json.read_text())
    data["benchmarks"].append(data["benchmarks"][0])
    bad = tmp_path / "dup.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InputError, match="duplicate benchmark name"):
        formats.load(bad)


def test_nan_sample_is_an_input_error(bench_json: Path, tmp_path: Path) -> None:
    text = bench_json.read_text()
    data = json.loads(text)
    first = data["benchmarks"][0]["stats"]["data"][0]
    bad = tmp_path / "nan.json"
    bad.write_text(text.replace(repr(first), "NaN", 1))
    with pytest.raises(InputError, match="not a finite number"):
        formats.load(bad)


def test_negative_sample_is_an_input_error(bench_json: Path, tmp_path: Path) -> None:
    data = json.loads(bench_json.read_text())
    data["benchmarks"][1]["stats"]["data"][3] = -1.0
    bad = tmp_path / "neg.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InputError, match="negative"):
        formats.load(bad)


def test_forced_format_that_does_not_fit(bench_json: Path, tmp_path: Path) -> None:
    copy = tmp_path / "r.json"
    shutil.copy(bench_json, copy)
    with pytest.raises(InputError, match="not a valid asv file"):
        formats.load(copy, "asv")
