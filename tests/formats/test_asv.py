from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from perfgate import formats
from perfgate.errors import InputError
from perfgate.model import Benchmark, Run
from tests.conftest import result_files
from tests.helpers import DATA

PARAMETRIZED = "bench.TimeSuite.time_range"


def _by_name(run: Run) -> dict[str, object]:
    return {b.name: b for b in run.benchmarks}


def test_v2_with_raw_samples(asv_results: Path) -> None:
    [path] = result_files(asv_results)
    raw = json.loads(path.read_text())
    assert raw["version"] == 2
    [run] = formats.load(path)
    assert run.metadata.harness == "asv"
    assert run.metadata.commit == raw["commit_hash"]
    assert run.metadata.machine == "testbox"
    names = {b.name for b in run.benchmarks}
    # 2 x 2 parameter combinations, in asv's (cartesian product) order and spelling
    assert {n for n in names if n.startswith(PARAMETRIZED)} == {
        f"{PARAMETRIZED}({n}, {k})" for n in ("10", "100") for k in ("'a'", "'b'")
    }
    row = dict(zip(raw["result_columns"], raw["results"][PARAMETRIZED], strict=False))
    bench = next(b for b in run.benchmarks if b.name == f"{PARAMETRIZED}(100, 'a')")
    assert bench.params == {"n": "100", "kind": "'a'"}
    assert bench.short_name == "time_range(100, 'a')"
    assert [tuple(r) for r in bench.rounds] == [tuple(row["samples"][2])]
    assert bench.n == 24  # asv runs 2 processes by default, each repeat=12
    assert run.failed == ("bench.time_fails",)


def test_v2_units_and_directions(asv_results: Path) -> None:
    [run] = formats.load(asv_results)  # the results directory: benchmarks.json is skipped
    by_name = {b.name: b for b in run.benchmarks}
    assert by_name["bench.time_simple"].unit == "s"
    assert by_name["bench.mem_list"].unit == "B"
    assert by_name["bench.peakmem_list"].unit == "B"
    assert by_name["bench.peakmem_list"].rounds[0][0] > 100_000  # a real peak RSS in bytes
    assert by_name["bench.track_value"].unit == "widgets"
    assert [tuple(r) for r in by_name["bench.track_value"].rounds] == [(42.0,)]
    assert by_name["bench.track_value"].direction == "lower"
    assert by_name["bench.track_throughput"].unit == "ops/s"
    assert by_name["bench.track_throughput"].direction == "higher"


def test_v2_without_samples_keeps_stored_statistics(asv_results_no_samples: Path) -> None:
    [path] = result_files(asv_results_no_samples)
    raw = json.loads(path.read_text())
    row = dict(zip(raw["result_columns"], raw["results"]["bench.time_simple"], strict=False))
    [run] = formats.load(path)
    bench = next(b for b in run.benchmarks if b.name == "bench.time_simple")
    assert not bench.raw_samples
    assert bench.stored["p50"] == row["result"][0]
    assert bench.stored["p25"] == row["stats_q_25"][0]
    # memory is measured once: that one value is its raw sample
    assert next(b for b in run.benchmarks if b.name == "bench.mem_list").raw_samples


@pytest.mark.slow
def test_v1_results_from_asv_0_4(asv_v1_results: Path) -> None:
    [path] = result_files(asv_v1_results)
    raw = json.loads(path.read_text())
    assert raw["version"] == 1
    [run] = formats.load(path)
    by_name = {b.name: b for b in run.benchmarks}
    bench = by_name[f"{PARAMETRIZED}(10, 'b')"]
    assert [tuple(r) for r in bench.rounds] == [tuple(raw["results"][PARAMETRIZED]["samples"][1])]
    assert by_name["bench.mem_list"].unit == "B"
    assert by_name["bench.track_throughput"].direction == "higher"
    assert run.failed == ("bench.time_fails",)


def test_benchmarks_json_alone_is_not_results(asv_results: Path) -> None:
    with pytest.raises(InputError, match="not a results file"):
        formats.load(asv_results / "benchmarks.json")


def test_sunpy_file_with_memory_benchmarks(shared_data: Path) -> None:
    folder = shared_data / "sunpy-benchmarks" / "results" / "GH-Actions"
    path = next(p for p in sorted(folder.glob("*.json")) if p.name != "machine.json")
    [run] = formats.load(path)
    by_name = {b.name: b for b in run.benchmarks}
    peak = by_name["benchmarks_for_map.PeakMemorySuite.peakmem_sunpy_map"]
    assert peak.unit == "B"
    assert peak.raw_samples
    timing = by_name["benchmarks_for_is_time.TimeSuite.time_is_time"]
    assert not timing.raw_samples  # sunpy did not record samples
    assert timing.stored["p50"] > 0


def test_django_file_with_raw_samples(shared_data: Path) -> None:
    folder = shared_data / "django-asv" / "results" / "ubuntu-latest"
    path = next(p for p in sorted(folder.glob("*.json")) if p.name != "machine.json")
    raw = json.loads(path.read_text())
    [run] = formats.load(path)
    assert run.metadata.commit == raw["commit_hash"]
    with_samples = [b for b in run.benchmarks if b.raw_samples and b.unit == "s"]
    assert with_samples
    assert all(b.n == 10 for b in with_samples)


COMMITTED = DATA  # small real asv outputs, made by `python -m tests.data.make_data`


def _committed(folder: str) -> Path:
    return next((COMMITTED / folder / "testbox").glob("*-*.json"))


def test_committed_asv_file_with_samples_of_two_processes() -> None:
    """asv as django's CI runs it (2 processes, --record-samples): 10 samples per timing, and
    the stored statistics are not needed."""
    path = _committed("asv-samples")
    raw = json.loads(path.read_text())
    [run] = formats.load(path)
    assert run.metadata.commit == raw["commit_hash"]
    timings = [b for b in run.benchmarks if b.unit == "s"]
    assert len(timings) == 5
    assert all(b.raw_samples and b.n == 10 for b in timings)
    assert run.failed == ("bench.time_fails",)


def test_committed_asv_file_without_samples_keeps_stored_statistics() -> None:
    """asv's default output: timings hold only the median and quartiles; mem_ and peakmem_
    are single measurements, read as such."""
    [run] = formats.load(_committed("asv-no-samples"))
    by_name = {b.name: b for b in run.benchmarks}
    timing = by_name["bench.time_simple"]
    assert not timing.raw_samples
    assert timing.stored["p25"] <= timing.stored["p50"] <= timing.stored["p75"]
    peak = by_name["bench.peakmem_list"]
    assert (peak.unit, peak.raw_samples, peak.n) == ("B", True, 1)
    assert by_name["bench.track_throughput"].direction == "higher"


@pytest.mark.parametrize("names", [["size"], 5, "ab", [{"x": 1}], None])
def test_parameter_names_from_benchmarks_json_or_numbered_when_damaged(
    names: object, tmp_path: Path
) -> None:
    """The same parametrized row in two files: the second is read from the shapes the first
    left behind, and gives the same benchmarks; a damaged description costs only names."""
    from perfgate.formats import asv  # noqa: PLC0415

    described = {"m.time_x": {"param_names": names, "unit": "seconds"}}
    data = {
        "version": 2,
        "commit_hash": "abc",
        "params": {"machine": "box"},
        "result_columns": ["result", "params", "samples"],
        "results": {
            "m.time_x": [[1.0, None, 3.0], [["1", "2", "3"]], [[1.0, 1.1], None, [3.0]]],
        },
    }
    first, second = (asv.read(data, str(tmp_path / f"{i}.json"), described) for i in range(2))
    assert first == replace(second, source=first.source)
    key = "size" if names == ["size"] else "{'x': 1}" if names == [{"x": 1}] else "param1"
    assert [(b.name, dict(b.params), len(b.rounds[0])) for b in first.benchmarks] == [
        ("m.time_x(1)", {key: "1"}, 2),
        ("m.time_x(3)", {key: "3"}, 1),
    ]
    assert first.failed == ("m.time_x(2)",)
    assert first.benchmarks[0].unit == "s"


def test_parameters_that_are_not_strings_keep_their_own_labels(tmp_path: Path) -> None:
    """asv writes parameters as strings; 1, 1.0 and True are equal as keys but not as
    labels, so rows with such values are never answered from the shapes of another."""
    from perfgate.formats import asv  # noqa: PLC0415

    def read(value: object, unit: object) -> Benchmark:
        data = {
            "version": 2,
            "commit_hash": "abc",
            "result_columns": ["result", "params", "samples"],
            "results": {"m.time_x": [[2.0], [[value]], [[2.0, 2.1]]]},
        }
        run = asv.read(data, str(tmp_path / "r.json"), {"m.time_x": {"unit": unit}})
        (bench,) = run.benchmarks
        return bench

    labels = [read(value, "seconds").name for value in (1, 1.0, True, "1")]
    assert labels == ["m.time_x(1)", "m.time_x(1.0)", "m.time_x(True)", "m.time_x(1)"]
    damaged = read("1", {"bad": 1})  # an unhashable unit: the name's prefix says seconds
    assert (damaged.name, damaged.unit) == ("m.time_x(1)", "s")


def test_cached_shapes_answer_only_equal_string_parameters_of_the_same_description(
    tmp_path: Path,
) -> None:
    """A row's shape is kept from one file to the next; it is reused only for the same
    description and parameters equal to its strings (1, 1.0 and True equal "1" as nothing
    and each other as keys), and a changed benchmarks.json gives the new unit."""
    from perfgate.formats import asv  # noqa: PLC0415

    def read(value: object, described: dict[str, object]) -> Benchmark:
        data = {
            "version": 2,
            "commit_hash": "abc",
            "result_columns": ["result", "params", "samples"],
            "results": {"m.time_y": [[2.0], [[value]], [[2.0, 2.1]]]},
        }
        (bench,) = asv.read(data, str(tmp_path / "r.json"), described).benchmarks
        return bench

    seconds: dict[str, object] = {"m.time_y": {"unit": "seconds", "param_names": ["n"]}}
    labels = [read(value, seconds).name for value in ("1", 1, 1.0, True, "1", "2")]
    assert labels == [f"m.time_y({v})" for v in ("1", "1", "1.0", "True", "1", "2")]
    renamed: dict[str, object] = {"m.time_y": {"unit": "bytes", "param_names": ["size"]}}
    bench = read("1", renamed)
    assert (bench.unit, dict(bench.params)) == ("B", {"size": "1"})
    assert read("1", seconds).unit == "s"


def test_a_description_that_is_not_an_object_costs_only_the_unit() -> None:
    from perfgate.formats import asv  # noqa: PLC0415

    data = {
        "version": 2,
        "commit_hash": "abc",
        "result_columns": ["result", "params", "samples"],
        "results": {"m.track_z": [[3.0], [], None]},
    }
    for damaged in ([1, 2], "seconds", 7):
        (bench,) = asv.read(data, "r.json", {"m.track_z": damaged}).benchmarks
        assert (bench.name, bench.unit, [list(r) for r in bench.rounds]) == (
            "m.track_z",
            "",
            [[3.0]],
        )


def test_a_column_named_twice_is_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "results" / "box" / "abc-py.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "version": 2,
                "commit_hash": "abc",
                "params": {"machine": "box"},
                "result_columns": ["result", "params", "result"],
                "results": {"m.time_x": [[1.0], [], [2.0]]},
            }
        )
    )
    with pytest.raises(InputError, match="result_columns names a column twice"):
        formats.load(path)


def test_benchmarks_json_is_found_above_or_beside_a_results_file_and_reread_when_changed(
    tmp_path: Path,
) -> None:
    from perfgate.formats import asv  # noqa: PLC0415

    result = tmp_path / "results" / "box" / "abc-env.json"
    result.parent.mkdir(parents=True)
    assert asv.described_near(result) == {}  # none: units come from the names
    (tmp_path / "results" / "benchmarks.json").mkdir()  # not a file: passed over
    beside = result.parent / "benchmarks.json"
    beside.write_text(json.dumps({"m.time_x": {"unit": "seconds"}, "version": 2}))
    assert asv.described_near(result)["m.time_x"] == {"unit": "seconds"}
    (tmp_path / "results" / "benchmarks.json").rmdir()
    root = tmp_path / "results" / "benchmarks.json"
    root.write_text(json.dumps({"m.time_x": {"unit": "bytes"}, "version": 2}))
    assert asv.described_near(result)["m.time_x"] == {"unit": "bytes"}  # the root's first
    stamp = root.stat().st_mtime_ns
    root.write_text(json.dumps({"m.time_x": {"unit": "items"}, "version": 2}))
    os.utime(root, ns=(stamp + 10**9, stamp + 10**9))  # a later version of the file
    assert asv.described_near(result)["m.time_x"] == {"unit": "items"}


@pytest.mark.parametrize(
    "row",
    [
        [[2.0], [], [[2.0, 2.1, 1.9]]],  # the common row: one combination, samples kept
        [[2.0], [], [None]],  # no samples: asv's statistics are kept instead
        [[None], [], [[2.0]]],  # failed
        [[float("nan")], [], [[2.0]]],  # skipped
        [[2.0], [["1"]], [[2.0, 2.1]]],  # one parameter value
        [[2.0, 3.0], [["1", "2"]], [[2.0], [3.0]]],  # two
    ],
)
@pytest.mark.parametrize("name", ["m.time_x", "m.mem_x"])
def test_every_row_reads_as_the_general_path_makes_it(row: list[object], name: str) -> None:
    """read() makes the common row itself; what it makes is what _expand makes of it."""
    from perfgate.formats import asv  # noqa: PLC0415

    data = {
        "version": 2,
        "commit_hash": "abc",
        "result_columns": ["result", "params", "samples", "stats_q_25"],
        "results": {name: [*row, [1.5] * len(row[0])]},  # type: ignore[arg-type]
    }
    run = asv.read(data, "r.json", {})
    layout = asv._Layout.of(data["result_columns"])  # type: ignore[arg-type]
    expected: list[Benchmark] = []
    failed: list[str] = []
    shape = asv._shape(name, row[1] or (), {})  # type: ignore[arg-type]
    asv._expand(name, data["results"][name], layout, shape, out=expected, failed=failed)  # type: ignore[index]
    assert (list(run.benchmarks), list(run.failed)) == (expected, failed)
    assert len(expected) + len(failed) == len(row[0])  # type: ignore[arg-type]
