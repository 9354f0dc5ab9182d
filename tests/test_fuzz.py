"""Property-based tests (hypothesis): hostile input never gives a traceback, and the statistics
keep their invariants.

Every reader and the config loader get arbitrary bytes, arbitrary JSON, and real harness
output with one part replaced by arbitrary JSON. The command must end in a verdict (exit 0
or 1) or in one clear line on stderr with exit 2: any other exception is a bug.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate._cli import main
from perfgate.config import Config
from perfgate.decisions.compare import assess_changes
from perfgate.decisions.inference import infer, measure
from perfgate.decisions.stats import round_bootstrap, statistic, summarize
from perfgate.formats import json_reader
from perfgate.model import Benchmark

FUZZ = settings(
    max_examples=200,
    deadline=None,  # a shared 2-core runner: time is not the property
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)


def run_perfgate(*args: str) -> tuple[int, str]:
    """The CLI in this process: its exit code and stderr. Any exception escapes: a bug."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, err.getvalue()


def assert_clean_outcome(code: int, stderr: str) -> None:
    assert code in (0, 1, 2), (code, stderr)
    assert "Traceback" not in stderr
    if code == 2:
        errors = [line for line in stderr.splitlines() if line.startswith("perfgate: error:")]
        assert errors, stderr


def check_file(data: bytes, name: str = "results.json") -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        (Path(folder) / "perfgate.yml").write_text("version: 1\n")
        code, err = run_perfgate(
            "check", str(path), "--config", str(Path(folder) / "perfgate.yml"), "--format", "json"
        )
    assert_clean_outcome(code, err)


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_a_clean_error(data: bytes) -> None:
    check_file(data)


@FUZZ
@given(json_values)
def test_arbitrary_json_is_a_clean_error(value: Any) -> None:
    check_file(json.dumps(value).encode())


# descriptive blocks the readers take one or two strings from: replaced whole, not explored
OPAQUE = frozenset({"machine_info", "params", "env_vars"})


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as key/index paths (the first 3 items of a list)."""
    found = [prefix]
    if prefix and prefix[-1] in OPAQUE:
        return found
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:3]):
            found += _paths(inner, (*prefix, index))
    return found


def _replaced(document: Any, path: tuple[Any, ...], new: Any, deleted: object) -> Any:
    if not path:
        return {} if new is deleted else new
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    if new is deleted:
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return copy


def _mutations(document: Any) -> st.SearchStrategy[Any]:
    """The document with 1 to 3 of its places replaced by arbitrary JSON (or deleted)."""
    paths = _paths(document)
    deleted = object()
    change = st.tuples(st.sampled_from(paths), json_values | st.just(deleted))

    def mutate(changes: list[tuple[tuple[Any, ...], Any]]) -> Any:
        current = document
        for path, new in changes:
            with contextlib.suppress(KeyError, IndexError, TypeError):  # gone by an earlier one
                current = _replaced(current, path, new, deleted)
        return current

    return st.lists(change, min_size=1, max_size=3).map(mutate)


@pytest.fixture(scope="module")
def real_documents(bench_json: Path, asv_results: Path) -> dict[str, Any]:
    """Real harness output to mutate: pytest-benchmark (trimmed to 2 benchmarks of 20
    samples, for speed) and one asv result file."""
    bench = json.loads(bench_json.read_text())
    bench["benchmarks"] = bench["benchmarks"][:2]
    for entry in bench["benchmarks"]:
        entry["stats"]["data"] = entry["stats"]["data"][:20]
    asv_file = next(
        p for p in asv_results.rglob("*.json") if p.name not in ("benchmarks.json", "machine.json")
    )
    return {"pytest-benchmark": bench, "asv": json.loads(asv_file.read_text())}


@FUZZ
@given(data=st.data())
def test_mutated_pytest_benchmark_file_is_read_or_refused_cleanly(
    real_documents: dict[str, Any], data: st.DataObject
) -> None:
    document = data.draw(_mutations(real_documents["pytest-benchmark"]))
    check_file(json.dumps(document).encode())


@FUZZ
@given(data=st.data())
def test_mutated_asv_file_is_read_or_refused_cleanly(
    real_documents: dict[str, Any], data: st.DataObject
) -> None:
    document = data.draw(_mutations(real_documents["asv"]))
    check_file(json.dumps(document).encode(), name="abcdef12-existing-py.json")


HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    -1,
    1e308,
    "",
    "x",
    [],
    [1],
    {},
    {"a": 1},
    [[0.1, -1]],
    "x\ud800y",  # a lone surrogate: no encoding can write it
    "__HUGE_INT__",  # Python's own limits, written into the text below
    "__DEEP__",
)
_LIMITS = {
    b'"__HUGE_INT__"': b"9" * 5000,  # past the 4,300 digits int() converts
    b'"__DEEP__"': b"[" * 5000 + b"]" * 5000,  # past the recursion limit
}


def _with_limits(text: bytes) -> bytes:
    for token, raw in _LIMITS.items():
        text = text.replace(token, raw)
    return text


@pytest.mark.parametrize("reading", ["whole", "streamed"])
@pytest.mark.parametrize("kind", ["pytest-benchmark", "asv", "native", "data.js"])
def test_every_place_replaced_by_every_hostile_value(
    real_documents: dict[str, Any], kind: str, reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exhaustive where hypothesis samples: each place of the document, each kind of value,
    Python's own limits included; read whole, and as a file over the streaming threshold."""
    if reading == "streamed":
        if kind == "data.js":
            pytest.skip("data.js is JavaScript, read whole")
        monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
    document = {"native": NATIVE, "data.js": DATA_JS}.get(kind) or real_documents[kind]
    name = "abcdef12-existing-py.json" if kind == "asv" else "results.json"
    deleted = object()
    for path in _paths(document):
        for value in (*HOSTILE_VALUES, deleted):
            text = _with_limits(json.dumps(_replaced(document, path, value, deleted)).encode())
            if kind == "data.js":
                _import_outcome(b"window.BENCHMARK_DATA = " + text)
            else:
                check_file(text, name)


NATIVE = {
    "perfgate_result": 1,
    "metadata": {"commit": "abc"},
    "benchmarks": [
        {"name": "a", "unit": "s", "rounds": [[0.1, 0.2, 0.3], [0.2, 0.1]]},
        {"name": "b", "unit": "B", "direction": "lower", "params": {"n": "1"}, "rounds": [[5.0]]},
    ],
    "failed": ["c"],
}


@FUZZ
@given(data=st.data())
def test_mutated_native_file_is_read_or_refused_cleanly(data: st.DataObject) -> None:
    check_file(json.dumps(data.draw(_mutations(NATIVE))).encode())


DATA_JS = {
    "lastUpdate": 1700000000000,
    "repoUrl": "https://github.com/o/r",
    "entries": {
        "Python Benchmark with pytest-benchmark": [
            {
                "commit": {"id": "a" * 40, "message": "m", "timestamp": "2024-01-01T00:00:00Z"},
                "date": 1700000000000,
                "tool": "pytest",
                "benches": [
                    {"name": "test_x", "value": 12.5, "unit": "iter/sec", "range": "stddev: 0.1"}
                ],
            }
        ]
    },
}


def _import_outcome(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.js"
        path.write_bytes(data)
        code, err = run_perfgate(
            "history", "import", str(path), "--db", str(Path(folder) / "h.sqlite")
        )
    assert code in (0, 2), (code, err)  # imported, or listed as skipped
    assert "Traceback" not in err


@FUZZ
@given(st.binary(max_size=500))
def test_history_import_of_arbitrary_data_js_bytes(data: bytes) -> None:
    _import_outcome(b"window.BENCHMARK_DATA = " + data)


@FUZZ
@given(data=st.data())
def test_history_import_of_a_mutated_data_js(data: st.DataObject) -> None:
    document = data.draw(_mutations(DATA_JS))
    _import_outcome(b"window.BENCHMARK_DATA = " + json.dumps(document).encode())


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_config_text_is_a_clean_error(text: str) -> None:
    _config_outcome(text.encode("utf-8", "surrogatepass"))


CONFIG = {
    "version": 1,
    "metric": "p95",
    "fail-on": "critical",
    "budgets": {"test_*": {"target": "200ms", "warning": "250ms"}, "*mem*": {"target": "5MB"}},
    "regression": {"minor": "10%", "major": "20%", "critical": "50%", "alpha": "5%"},
    "rounds": {"min": 3, "max": 10, "time-budget": "10min"},
    "harness": {"type": "pytest-benchmark", "args": ["benchmarks"], "memory": False},
}


@FUZZ
@given(data=st.data())
def test_mutated_config_is_a_clean_error(data: st.DataObject) -> None:
    import yaml  # noqa: PLC0415

    mutated = data.draw(_mutations(CONFIG))
    _config_outcome(yaml.safe_dump(mutated, allow_unicode=True).encode())


def _config_outcome(config: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "perfgate.yml").write_bytes(config)
        results = Path(folder) / "r.json"
        results.write_text(json.dumps(NATIVE))
        code, err = run_perfgate(
            "check",
            str(results),
            "--config",
            str(Path(folder) / "perfgate.yml"),
            "--format",
            "json",
        )
    assert_clean_outcome(code, err)


# ---- statistics invariants -------------------------------------------------------------

samples = st.lists(
    st.floats(min_value=1e-6, max_value=1e3, allow_nan=False), min_size=2, max_size=60
)
rounds_of = st.lists(samples, min_size=1, max_size=6)


@FUZZ
@given(samples, st.floats(0, 100), st.floats(0, 100))
def test_percentiles_are_monotone_in_p(values: list[float], p: float, q: float) -> None:
    low, high = sorted((p, q))
    array = np.asarray(values)
    assert statistic(array, f"p{int(low)}") <= statistic(array, f"p{int(high)}")


@FUZZ
@given(rounds_of, rounds_of)
def test_ratio_interval_contains_the_point_estimate(
    base: list[list[float]], head: list[list[float]]
) -> None:
    for paired in (True, False):
        [estimate] = infer([measure(base, head, "p95", paired=paired)])
        assert estimate.low <= estimate.ratio * (1 + 1e-9)
        assert estimate.ratio <= estimate.high * (1 + 1e-9)
        assert estimate.lower <= estimate.ratio * (1 + 1e-9) <= estimate.upper * (1 + 2e-9)
        assert 0.0 <= estimate.p_value <= estimate.p_adjusted <= 1.0


@FUZZ
@given(st.lists(rounds_of, min_size=1, max_size=5))
def test_identical_samples_on_both_sides_are_never_flagged(suite: list[list[list[float]]]) -> None:
    benchmarks = [
        Benchmark(name=f"b{i}", short_name=f"b{i}", unit="s", rounds=tuple(map(tuple, rounds)))
        for i, rounds in enumerate(suite)
    ]
    for change in assess_changes(benchmarks, benchmarks, Config()).values():
        assert not change.significant
        assert change.severity == "none"
        assert change.ratio == 1.0
        assert change.direction in ("unchanged", "inconclusive")


@FUZZ
@given(rounds_of, rounds_of, st.floats(1e-3, 1e3))
def test_scaling_every_sample_scales_percentiles_and_keeps_ratios(
    base: list[list[float]], head: list[list[float]], c: float
) -> None:
    def bench(rounds: list[list[float]], factor: float) -> Benchmark:
        scaled = tuple(tuple(v * factor for v in r) for r in rounds)
        return Benchmark(name="b", short_name="b", unit="s", rounds=scaled)

    for metric in ("p50", "p95", "mean", "max"):
        plain, scaled = summarize(bench(head, 1.0), metric), summarize(bench(head, c), metric)
        assert math.isclose(scaled.value, plain.value * c, rel_tol=1e-9)
        for a, b in (
            (plain.interval.low, scaled.interval.low),
            (plain.interval.high, scaled.interval.high),
        ):
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert math.isclose(b, a * c, rel_tol=1e-9)
    both = [
        infer(
            [measure([[v * f for v in r] for r in base], [[v * f for v in r] for r in head], "p95")]
        )[0]
        for f in (1.0, c)
    ]
    assert math.isclose(both[0].ratio, both[1].ratio, rel_tol=1e-9)
    assert math.isclose(both[0].low, both[1].low, rel_tol=1e-6)
    assert math.isclose(both[0].high, both[1].high, rel_tol=1e-6)


@FUZZ
@given(st.lists(samples, min_size=3, max_size=8), st.integers(0, 2**32 - 1))
def test_round_bootstrap_interval_lies_within_the_rounds(
    rounds: list[list[float]], seed: int
) -> None:
    arrays = [np.asarray(r) for r in rounds]
    interval = round_bootstrap(arrays, "p95", 0.95, seed)
    low, high = interval.low, interval.high
    assert low is not None
    assert high is not None  # the round bootstrap always bounds both sides
    everything = np.concatenate(arrays)
    assert everything.min() <= low <= high <= everything.max()
