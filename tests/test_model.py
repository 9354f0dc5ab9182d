from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate import formats
from perfgate.formats import native
from perfgate.model import Benchmark, Metadata, Run, as_samples, combine, direction_for_unit


def test_native_round_trip_of_real_pytest_benchmark_run(bench_json: Path, tmp_path: Path) -> None:
    [run] = formats.load(bench_json)
    path = tmp_path / "run.json"
    path.write_text(native.dumps(run))
    [again] = formats.load(path)
    assert again.metadata == run.metadata
    assert again.benchmarks == run.benchmarks
    assert json.loads(path.read_text())["perfgate_result"] == 1


def test_native_round_trip_keeps_failed_and_stored(tmp_path: Path) -> None:
    run = Run(
        metadata=Metadata(commit="abc", machine="m"),
        benchmarks=(Benchmark(name="a", short_name="a", unit="B", stored={"p50": 10.0}),),
        failed=("b",),
    )
    path = tmp_path / "run.json"
    path.write_text(native.dumps(run))
    [again] = formats.load(path)
    assert again.failed == ("b",)
    assert again.benchmarks[0].stored == {"p50": 10.0}
    assert not again.benchmarks[0].raw_samples


def test_combine_makes_rounds_of_the_same_benchmark() -> None:
    first = Run(
        benchmarks=(Benchmark(name="a", short_name="a", unit="s", rounds=((1.0,),)),),
        source="r1.json",
    )
    second = Run(
        benchmarks=(
            Benchmark(name="a", short_name="a", unit="s", rounds=((2.0,),)),
            Benchmark(name="b", short_name="b", unit="s", rounds=((3.0,),)),
        ),
        source="r2.json",
    )
    merged, failed = combine([first, second])
    assert [b.name for b in merged] == ["a", "b"]
    assert merged[0].rounds == ((1.0,), (2.0,))
    assert failed == []


def test_combine_rejects_unit_mismatch() -> None:
    first = Run(
        benchmarks=(Benchmark(name="a", short_name="a", unit="s", rounds=((1.0,),)),),
        source="r1.json",
    )
    second = Run(
        benchmarks=(Benchmark(name="a", short_name="a", unit="B", rounds=((1.0,),)),),
        source="r2.json",
    )
    with pytest.raises(ValueError, match=r"'s' in r1.json but in 'B' in r2.json"):
        combine([first, second])


@pytest.mark.parametrize(
    ("unit", "direction"),
    [
        ("s", "lower"),
        ("B", "lower"),
        ("widgets", "lower"),
        ("ops/s", "higher"),
        ("items/sec", "higher"),
        ("Hz", "higher"),
        ("requests per second", "higher"),
    ],
)
def test_direction_for_unit(unit: str, direction: str) -> None:
    assert direction_for_unit(unit) == direction


@pytest.mark.parametrize(
    "values",
    [[1.0, float("nan"), 2.0], [1.0, float("inf")], [1.0, 1e200], [2.0, -1.0]],
)
def test_samples_that_no_report_could_hold_are_refused(values: list[float]) -> None:
    with pytest.raises(ValueError, match="bench: sample"):
        as_samples(values, "s", "bench")
