"""Reading a JSON report back into the one Report model: a faithful round trip, key paths for
what is wrong, and the gate deciding again whoever wrote the file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from perfgate.decisions.check import check
from perfgate.decisions.compare import compare
from perfgate.errors import InputError
from perfgate.formats import native
from perfgate.github.comment import Context, render_comment
from perfgate.model import Benchmark, Run
from perfgate.report import render
from perfgate.report.document import (
    ReportFormatError,
    load_report,
    report_from_dict,
    report_to_dict,
)
from tests.helpers import run_cli
from tests.report.test_render import _compare_input, _report_input


def _compare_dict() -> dict[str, Any]:
    base, head, config = _compare_input()
    data: dict[str, Any] = json.loads(render(compare(base, head, config), "json"))
    return data


def test_round_trip_is_exact() -> None:
    data = _compare_dict()
    again = report_from_dict(copy.deepcopy(data))
    assert report_to_dict(again) == data
    assert again.kind == "compare"
    assert [r.gate.fails for r in again.rows] == [b["gate"]["fails"] for b in data["benchmarks"]]


def test_a_side_read_back_keeps_its_name_direction_and_metric() -> None:
    """Each side's summary is the row's benchmark: reading loses none of what it was."""
    data = _compare_dict()
    for row in report_from_dict(copy.deepcopy(data)).rows:
        for side in (row.head, row.base):
            assert side is not None
            assert (side.name, side.direction, side.metric) == (row.name, row.direction, row.metric)
    assert {row.head.metric for row in report_from_dict(data).rows} != {""}


def test_every_output_carries_the_same_notes() -> None:
    """A note decided from the rows (the within-process intervals of a 1-round check) is in
    the JSON and the PR comment as well as the table and markdown, and said once after a
    round trip through JSON."""
    benchmarks, config = _report_input()
    report = check(benchmarks, config)
    note = next(n for n in report.every_note() if "within-process only" in n)
    data = json.loads(render(report, "json"))
    assert data["notes"].count(note) == 1
    again = report_from_dict(data)
    assert again.every_note().count(note) == 1
    for text in (
        render(report, "table", width=300),
        render(report, "markdown"),
        render(again, "markdown"),
        render_comment(again, Context()),
    ):
        assert text.count("within-process only") == 1, text


def test_the_gate_decides_again_on_reading() -> None:
    data = _compare_dict()
    data["verdict"] = "pass"  # a tampered or stale verdict: the rows say otherwise
    for bench in data["benchmarks"]:
        bench["gate"] = {"fails": False, "level": None, "reasons": []}
    report = report_from_dict(data)
    assert report.verdict == "fail"
    assert report.rows[0].gate.level == "error"
    data["fail_on"] = "never"
    assert report_from_dict(data).verdict == "pass"


def test_a_report_without_kind_is_read_by_its_base_columns() -> None:
    data = _compare_dict()
    del data["kind"]
    for bench in data["benchmarks"]:
        del bench["gate"]
        del bench["head"]["min_n"]
    assert report_from_dict(data).kind == "compare"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("benchmarks", 1, "head", "n"), -1, "benchmarks[1].head.n is not a count"),
        (("benchmarks", 0, "name"), 7, "benchmarks[0].name is not a string"),
        (("kind",), "bisect", "kind is not one of check, compare"),
        (("benchmarks", 0, "change", "severity"), "huge", "benchmarks[0].change.severity is"),
        (("benchmarks", 1, "budget", "target"), "1", "benchmarks[1].budget.target is not a"),
        (("benchmarks", 1, "head", "value"), True, "benchmarks[1].head.value is not a finite"),
        (("benchmarks",), {}, "benchmarks is not a list"),
        (("notes",), [1], "notes[0] is not a string"),
    ],
)
def test_problems_name_their_key_path(path: tuple[Any, ...], value: Any, message: str) -> None:
    data = _compare_dict()
    where: Any = data
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    with pytest.raises(ReportFormatError) as caught:
        report_from_dict(data)
    assert str(caught.value).startswith(message)


def test_unreadable_files_are_one_input_error(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('{"perfgate_report": ' + "9" * 5000 + "}")
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    for path in (huge, nested, tmp_path / "missing.json"):
        with pytest.raises(InputError) as caught:
            load_report(path)
        assert len(str(caught.value).splitlines()) == 1
        assert str(path) in str(caught.value)


def test_compare_of_stored_statistics_says_compare_everywhere(tmp_path: Path) -> None:
    """Two native files with stored statistics only (no raw samples): the command was
    compare, and every output says so (the terminal once said "perfgate check: PASS")."""
    for side, value in (("base", 0.10), ("head", 0.12)):
        bench = Benchmark(name="t", short_name="t", unit="s", stored={"p50": value, "p95": value})
        (tmp_path / f"{side}.json").write_text(native.dumps(Run(benchmarks=(bench,))))
    out = tmp_path / "report.json"
    done = run_cli(
        "compare", tmp_path / "base.json", tmp_path / "head.json", "--output", out,
        "--output", tmp_path / "report.md",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # +20%: major, which passes fail-on: critical
    assert "perfgate compare: PASS" in done.stdout
    assert "base p50" in done.stdout  # the sides show what the change compares
    # a pass with a major slowdown is marked with a warning sign, not a tick
    assert (
        (tmp_path / "report.md").read_text().startswith("### \u26a0\ufe0f perfgate compare: pass")
    )
    assert json.loads(out.read_text())["kind"] == "compare"
    report = load_report(out)
    assert report.kind == "compare"
    comment = render_comment(report, Context())
    assert (
        "| benchmark | base p50 | head p50 | change in p50 [95% CI] | severity | n (rounds) | "
        "budget |" in (comment)
    )
    assert "| major |" in comment  # compared from the stored medians
    assert report.rows[0].change is not None
    assert report.rows[0].change.method == "stored-statistics"
