from __future__ import annotations

import json
from array import array
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


BAD_SAMPLES = [
    [1.0, float("nan"), 2.0],
    [float("nan"), 1.0],
    [1.0, float("inf")],
    [-float("inf"), 1.0],
    [1.0, 1e200],
    [2.0, -1.0],
    [1, 10**400],  # an integer beyond any double
    [1.0, True],
]


@pytest.mark.parametrize("values", BAD_SAMPLES)
@pytest.mark.parametrize("length", [1, 100])  # a parser's short list; a long one (numpy checks)
def test_samples_that_no_report_could_hold_are_refused(values: list[float], length: int) -> None:
    with pytest.raises(ValueError, match="bench: sample"):
        as_samples([0.5] * (length - 1) + values, "s", "bench")


@pytest.mark.parametrize("values", [[1, 2.5, 3], (1.0, 2.0), [-1e150, 0.0, 1e150]])
def test_samples_of_ints_and_floats_become_doubles(values: list[float]) -> None:
    unit = "ops/s" if min(values) < 0 else "s"  # negative only where the unit allows
    for given in (values, list(values) * 40):  # the short path and the long one
        samples = as_samples(given, unit, "bench")
        assert isinstance(samples, array)
        assert samples.typecode == "d"
        assert list(samples) == [float(v) for v in given]


def test_a_benchmark_made_directly_is_the_one_init_makes() -> None:
    fields = {
        "name": "a(1)",
        "short_name": "a",
        "unit": "s",
        "direction": "lower",
        "params": {"n": "1"},
        "rounds": (array("d", [1.0, 2.0]),),
        "stored": {},
    }
    made = Benchmark.direct(**fields)  # type: ignore[arg-type]
    assert made == Benchmark(**fields)  # type: ignore[arg-type]
    assert made.__dict__ == Benchmark(**fields).__dict__  # type: ignore[arg-type]
    assert made.group is None
    assert made.extra == {}
    assert (made.raw_samples, made.n) == (True, 2)
    with pytest.raises(AttributeError):  # still frozen
        made.name = "b"  # type: ignore[misc]
