"""The JSON layer: files above the streaming threshold read to the same runs, hostile
documents end in one InputError (never a traceback, a hang or gigabytes of objects)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate import formats
from perfgate.errors import InputError
from perfgate.formats import json_reader
from tests.conftest import result_files

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(params=["whole", "streamed"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "streamed":
        monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
    return str(request.param)


def _real_files(bench_json: Path, asv_results: Path) -> list[Path]:
    committed = [DATA / "pytest-benchmark.json", *result_files(DATA / "asv-samples")]
    return [bench_json, *result_files(asv_results), *committed]


def test_streamed_files_read_to_the_same_runs(
    bench_json: Path, asv_results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in _real_files(bench_json, asv_results):
        whole = formats.load(path)
        monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
        streamed = formats.load(path)
        monkeypatch.undo()
        assert [r.benchmarks for r in streamed] == [r.benchmarks for r in whole], path
        assert [r.metadata for r in streamed] == [r.metadata for r in whole], path


def test_streaming_keeps_samples_as_float64(
    bench_json: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
    data = json_reader.read_json(bench_json)
    samples = data["benchmarks"][0]["stats"]["data"]
    assert samples.typecode == "d"  # 8 bytes a sample, not a list of Python floats
    assert len(samples) == len(json.loads(bench_json.read_text())["benchmarks"][0]["stats"]["data"])


def test_mixed_arrays_keep_their_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
    path = tmp_path / "mixed.json"
    document = {"a": [1, "x", 2.5, None, [3, 4], {"b": []}], "c": [], "d": 7, "e": [[1.5]]}
    path.write_text(json.dumps(document))
    read = json_reader.read_json(path)
    # an array's leading numbers are collected as floats (every reader takes 1.0 for 1)
    assert read["a"][:4] == [1.0, "x", 2.5, None]
    assert list(read["a"][4]) == [3.0, 4.0]
    assert read["a"][5] == {"b": []}
    assert read["c"] == []
    assert read["d"] == 7
    assert list(read["e"][0]) == [1.5]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[" + "{}," * (json_reader.MAX_CONTAINERS + 1) + "{}]", "objects and arrays|in memory"),
        ('{"benchmarks": [' + "[" * 5000 + "]" * 5000 + "]}", "nested too deeply"),
        ('{"version": ' + "9" * 5000 + "}", "."),
        ('{"a": [1, 2', "JSON"),
        ("   ", "empty|premature EOF"),
    ],
    ids=["a million objects", "nested", "5000-digit integer", "cut short", "blank"],
)
def test_hostile_json_is_one_input_error(
    tmp_path: Path, mode: str, content: str, problem: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(content)
    with pytest.raises(InputError, match=problem) as caught:
        formats.load(path)
    assert "\n" not in str(caught.value), mode


def test_huge_integer_is_a_number_out_of_range(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "version.json"
    path.write_text('{"perfgate_result": ' + "9" * 5000 + ', "benchmarks": []}')
    with pytest.raises(InputError, match="beyond 1e308"):
        json_reader.read_json(path)
    path.write_text('{"perfgate_result": ' + "9" * 300 + ', "benchmarks": []}')
    assert json_reader.read_json(path)["perfgate_result"] == float("9" * 300), mode


def test_a_cache_reads_each_round_file_once(
    bench_rounds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`perfgate run` asks after every round whether it may stop: old rounds are not re-read."""
    reads: list[Path] = []
    original = json_reader.read_json

    def counting(path: Path) -> object:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(formats, "read_json", counting)
    side = tmp_path / "head"
    side.mkdir()
    cache: formats.ReadCache = {}
    files = sorted(bench_rounds.glob("*.json"))
    for count, source in enumerate(files, start=1):
        (side / source.name).write_bytes(source.read_bytes())
        benchmarks = formats.load_side([side], cache=cache).benchmarks
        assert {len(b.rounds) for b in benchmarks} == {count}
    assert len(reads) == len(files)  # not 1 + 2 + 3
    uncached = formats.load_side([side]).benchmarks
    assert uncached == benchmarks


def test_a_file_read_whole_even_when_it_grew_after_its_size_was_taken(tmp_path: Path) -> None:
    from perfgate.formats.json_reader import _read_bytes  # noqa: PLC0415

    path = tmp_path / "grown.json"
    content = b"[" + b"1," * 1_500_000 + b"2]"  # 3 MB: several reads past the first
    path.write_bytes(content)
    for size in (len(content), 10, 0):
        assert _read_bytes(path, size) == content


# Documents both readers must agree on: what Python's json writes and JSON lacks, strings
# that look like those literals, escapes, and broken forms of each.
AGREEMENT = [
    "[1, NaN, -Infinity, Infinity]",
    '{"a": NaN, "b": [Infinity, 2], "c": -Infinity}',
    "NaN",
    "-Infinity",
    '["NaN", "a\\"NaN", "\\\\", "Infinity\\u0041"]',
    '{"NaN": [1, "x", NaN]}',
    '{"k": "\\u0000NaN"}',
    "[1, " + "9" * 400 + "]",
    "[1, -" + "9" * 30 + ", 1." + "9" * 30 + ", 2e-" + "1" * 2 + "]",
    "1" * 25,
    "[1e999]",
    "{NaN: 1}",
    "[1, Na]",
    "[Nope]",
    "[-Inf]",
    "[Infinityy]",
    '["unterminated',
    "[1, 2",
]


def _outcome(path: Path) -> object:
    try:
        read = json_reader.read_json(path)
    except InputError:
        return InputError
    # arrays as lists; numbers as floats (beyond 64 bits each reader makes a float)
    return json.loads(json.dumps(read, default=list), parse_constant=str, parse_int=float)


@pytest.mark.parametrize("document", AGREEMENT)
def test_both_readers_agree_on_every_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: str
) -> None:
    """One contract whatever the size: NaN and Infinity accepted both ways, the same
    documents refused."""
    path = tmp_path / "doc.json"
    path.write_text(document)
    whole = _outcome(path)
    monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
    assert _outcome(path) == whole


@pytest.mark.parametrize("document", AGREEMENT)
def test_literals_and_escapes_cut_by_any_read_are_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: str
) -> None:
    """A NaN, a -Infinity or an escape split between two reads is still one token."""
    path = tmp_path / "doc.json"
    path.write_text(document)
    whole = _outcome(path)
    monkeypatch.setattr(json_reader, "STREAM_ABOVE_BYTES", 0)
    original = json_reader._Literals.read
    for size in range(1, 12):

        def small_reads(self: json_reader._Literals, wanted: int = -1, size: int = size) -> bytes:
            return original(self, min(wanted, size) if wanted >= 0 else size)

        monkeypatch.setattr(json_reader._Literals, "read", small_reads)
        assert _outcome(path) == whole, size


_MEASURE = """
import resource, sys
from pathlib import Path
import ijson, orjson  # loaded before the baseline: the parse is what is measured
from perfgate.errors import InputError
from perfgate.formats import json_reader
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    json_reader.read_json(Path(sys.argv[1]))
    outcome = "read"
except InputError as exc:
    outcome = "refused: " + str(exc)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024, outcome)
"""


def _shape(kind: str, size: int) -> bytes:
    count = size // {"samples": 22, "zeros": 2, "mixed": 4, "dicts": 8, "string": 1}[kind]
    if kind == "samples":  # pytest-benchmark's raw samples, the large files of real life
        numbers = ",".join(repr(1.2345678901234e-05 + i * 1e-17) for i in range(count))
        return ('{"benchmarks": [{"stats": {"data": [' + numbers + "]}}]}").encode()
    item = {"zeros": "0", "mixed": "0.5", "dicts": '{"a":1}'}.get(kind)
    if item is None:
        return b'{"name": "' + b"x" * count + b'"}'
    return ("[" + ('"a",' if kind == "mixed" else "") + ",".join([item] * count) + "]").encode()


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
@pytest.mark.parametrize("kind", ["samples", "zeros", "mixed", "dicts", "string"])
def test_a_large_file_takes_at_most_twice_its_size_or_is_refused(tmp_path: Path, kind: str) -> None:
    """Above the streaming threshold, whatever the shape: memory (the process's peak RSS)
    within 2x of the file's size, or one line saying it is not a result file."""
    path = tmp_path / f"{kind}.json"
    path.write_bytes(_shape(kind, 3 * json_reader.STREAM_ABOVE_BYTES))
    size = path.stat().st_size
    assert size > json_reader.STREAM_ABOVE_BYTES
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    grown, outcome = done.stdout.split(" ", 1)
    assert int(grown) <= 2 * size, (kind, int(grown) / size, outcome)
    assert (outcome.strip() == "read") == (kind == "samples"), outcome
