"""Renderers against golden files: the exact output for fixed samples, at a pinned width."""

from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest

from perfgate import units
from perfgate.config import BudgetRule, Config
from perfgate.decisions.check import check
from perfgate.decisions.compare import compare
from perfgate.github.comment import Context, render_comment
from perfgate.model import Benchmark
from perfgate.report import render
from perfgate.report.markdown import escape
from tests.helpers import GOLDEN, validate_junit


def _rule(pattern: str, target: float, unit: str = "s") -> BudgetRule:
    return BudgetRule(
        pattern=pattern,
        target=target,
        warning=target * 1.2,
        critical=target * 1.5,
        unit=unit,
        metric="p95",
    )


def _report_input() -> tuple[list[Benchmark], Config]:
    def samples(base: float, count: int) -> tuple[float, ...]:
        return tuple(base * (1 + (i % 10) / 100) for i in range(count))

    benchmarks = [
        Benchmark(
            name="suite::test_fast", short_name="test_fast", unit="s", rounds=(samples(1e-5, 100),)
        ),
        Benchmark(
            name="suite::test_slow",
            short_name="test_slow",
            unit="s",
            rounds=tuple(samples(0.05, 40) for _ in range(3)),
        ),
        Benchmark(
            name="suite::test_few", short_name="test_few", unit="s", rounds=(samples(2e-3, 12),)
        ),
        Benchmark(
            name="bench.peakmem_load", short_name="peakmem_load", unit="B", rounds=((2.5e7,),)
        ),
        Benchmark(
            name="bench.time_stored", short_name="time_stored", unit="s", stored={"p50": 0.3}
        ),
    ]
    config = Config(
        budgets=(
            _rule("*test_fast", 1e-3),
            _rule("*test_slow", 0.03),
            _rule("*peakmem_*", 5e7, "B"),
            _rule("nothing_*", 1.0),
        ),
        source="perfgate.yml",
    )
    return benchmarks, config


SUFFIX = {"table": "txt", "markdown": "md", "json": "json", "junit": "xml", "comment": "comment.md"}


def _compare_input() -> tuple[list[Benchmark], list[Benchmark], Config]:
    """Fixed rounds for both sides: one critical slowdown, one unchanged, one faster, one with
    stored statistics only, one only in base and one only in head."""

    def rounds(level: float, phase: int) -> tuple[tuple[float, ...], ...]:
        # each round drifts by its own few percent; head's rounds drift in another order
        return tuple(
            tuple(level * (1 + (r * phase % 5) / 100) * (1 + (i % 10) / 100) for i in range(40))
            for r in range(5)
        )

    def bench(name: str, level: float, stored: bool = False, phase: int = 1) -> Benchmark:
        if stored:
            return Benchmark(name=name, short_name=name, unit="s", stored={"p50": level})
        return Benchmark(name=name, short_name=name, unit="s", rounds=rounds(level, phase))

    base = [
        bench("suite::test_slowed", 0.010),
        bench("suite::test_steady", 0.002),
        bench("suite::test_faster", 0.040),
        bench("bench.time_stored", 0.3, stored=True),
        bench("suite::test_removed", 0.001),
    ]
    head = [
        bench("suite::test_slowed", 0.025, phase=2),
        bench("suite::test_steady", 0.002, phase=3),
        bench("suite::test_faster", 0.020, phase=2),
        bench("bench.time_stored", 0.31, stored=True),
        bench("suite::test_added", 0.001),
    ]
    config = Config(budgets=(_rule("*test_steady", 1e-3),), source="perfgate.yml")
    return base, head, config


def _golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("PERFGATE_REGENERATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "junit", "comment"])
def test_compare_golden(fmt: str) -> None:
    base, head, config = _compare_input()
    report = compare(base, head, config, sources=["base", "head"])
    if fmt == "comment":
        text = render_comment(report, Context(base="b" * 40, head="c" * 40))
    else:
        text = render(report, fmt, width=120)
    _golden(f"compare.{SUFFIX[fmt]}", text)


def test_compare_golden_decisions() -> None:
    """What the golden compare files show, said in words (so a regenerated file that changed a
    decision fails here too)."""
    base, head, config = _compare_input()
    report = compare(base, head, config)
    rows = {row.name: row for row in report.rows}
    assert report.kind == "compare"
    assert report.verdict == "fail"
    assert rows["suite::test_slowed"].severity == "critical"
    assert rows["suite::test_slowed"].gate.fails
    assert rows["suite::test_faster"].faster
    assert not rows["suite::test_faster"].gate.fails
    assert rows["suite::test_steady"].status == "critical"  # 2 ms against a 1 ms budget
    stored = rows["bench.time_stored"].change
    assert stored is not None
    assert (stored.method, stored.direction) == ("stored-statistics", "unchanged")
    assert report.rows[0].name == "suite::test_slowed"  # worst first
    assert report.added == ("suite::test_added",)
    assert report.removed == ("suite::test_removed",)


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "junit"])
def test_golden(fmt: str) -> None:
    benchmarks, config = _report_input()
    report = check(benchmarks, config, failed=["bench.time_broken"], sources=["results.json"])
    text = render(report, fmt, width=100)
    _golden(f"check.{SUFFIX[fmt]}", text)


def test_verdict_follows_fail_on() -> None:
    benchmarks, config = _report_input()
    # test_slow's p95 (~0.054 s) is clearly over its critical limit (0.045 s)
    assert check(benchmarks, config).verdict == "fail"
    relaxed = Config(budgets=config.budgets, fail_on="never")
    assert check(benchmarks, relaxed).verdict == "pass"
    report = json.loads(render(check(benchmarks, config), "json"))
    assert report["benchmarks"][0]["name"] == "suite::test_slow"  # worst first


def test_junit_marks_the_critical_budget_as_the_failure() -> None:
    benchmarks, config = _report_input()
    report = check(benchmarks, config, failed=["bench.time_broken"], sources=["results.json"])
    root = validate_junit(render(report, "junit"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [n for n, c in cases.items() if c.find("failure") is not None] == ["suite::test_slow"]
    assert cases["bench.time_broken"].find("error") is not None
    out = cases["suite::test_few"].findtext("system-out") or ""
    assert "NOTE: few samples" in out
    relaxed = check(benchmarks, Config(budgets=config.budgets, fail_on="never"))
    root = validate_junit(render(relaxed, "junit"))
    assert not list(root.iter("failure"))  # fail-on: never: the critical budget is a warning
    slow = next(c for c in root.iter("testcase") if c.get("name") == "suite::test_slow")
    assert "WARNING: budget critical" in (slow.findtext("system-out") or "")


def test_junit_schema_rejects_what_ci_tools_would_not_read() -> None:
    import xmlschema  # noqa: PLC0415

    schema = xmlschema.XMLSchema(GOLDEN / "junit.xsd")
    good = '<testsuites><testsuite name="s" tests="1"><testcase name="t"/></testsuite></testsuites>'
    assert schema.is_valid(io.StringIO(good))
    for bad in (
        good.replace(' name="t"', ""),  # a testcase needs a name
        good.replace('tests="1"', 'tests="-1"'),
        good.replace('<testcase name="t"/>', '<testcase name="t"><failure/><error/></testcase>'),
        good.replace("<testsuite ", "<suite ").replace("</testsuite>", "</suite>"),
    ):
        assert not schema.is_valid(io.StringIO(bad)), bad


def test_junit_holds_hostile_names_as_inert_text() -> None:
    name = "t<x>&\"'\x00\x1b[31m\ud800 ]]> @team |`|\n" + "\u202e" + "x" * 10_000
    bench = Benchmark(name=name, short_name=name, unit="s", rounds=((1e-3, 2e-3),))
    text = render(check([bench], Config()), "junit")
    root = validate_junit(text)
    [case] = root.iter("testcase")
    got = case.get("name") or ""
    assert got.startswith("t<x>&\"'\ufffd\ufffd[31m\ufffd ]]> @team |`|")  # round-trips
    assert len(got) > 10_000
    assert "<x>" not in text  # escaped in the file


def test_markdown_escapes_user_text() -> None:
    assert escape("a|b <img src=x> @team *x*") == r"a\|b \<img src=x\> \@team \*x\*"


def test_table_states_a_common_prefix_once_and_gives_names_the_room() -> None:
    """A CI log's table: the shared `path::` said once in the title, long names whole (no
    folding into a narrow column), nothing cut at 120 columns."""
    long = "test_parse_document_with_many_nested_sections_and_tables"
    names = [f"benchmarks/test_perf.py::{long}[{n}]" for n in (10, 1000)]
    benchmarks = [
        Benchmark(name=n, short_name=n, unit="s", rounds=((1e-3, 1.1e-3, 1.2e-3),)) for n in names
    ]
    report = compare(benchmarks, benchmarks, Config())
    text = render(report, "table", width=400)
    assert "names after benchmarks/test_perf.py::" in text
    rows = [line for line in text.splitlines() if long in line and line.startswith("│")]
    assert len(rows) == 2  # one line a row: no folding
    assert all("benchmarks/test_perf.py::" not in row for row in rows)
    assert all(line.rstrip().endswith(("┃", "│", "┓", "┛", "┩", "┗", "┏", "┡", "┘", "┐", "┤"))
               for line in text.splitlines()[1:6])  # fmt: skip  # the border is whole
    # a narrow terminal: the lines wrap there, but no column is cut to an ellipsis and the
    # names keep 24 characters a line (rich would give the one wrapping column up first)
    narrow = render(report, "table", width=60)
    assert "\u2026" not in narrow
    assert "+0.0% [" in narrow
    assert long[:24] in narrow
    # the names fold inside their column: every line of the box is as wide as its top
    box = [line for line in narrow.splitlines() if line[:1] in ("┏", "┃", "┡", "│", "└")]
    assert len({len(line) for line in box}) == 1
    folded = "".join(line.split("│")[1].strip() for line in box if line.startswith("│"))
    assert f"{long}[10]" in folded
    assert f"{long}[1000]" in folded
    assert len(box) > 7  # more lines than rows: the names took several each


def test_no_prefix_for_names_that_share_only_a_word() -> None:
    from perfgate.report.cells import common_prefix  # noqa: PLC0415

    assert common_prefix(["test_a", "test_b"]) == ""
    assert common_prefix(["bench.Suite.time_a", "bench.Suite.time_b"]) == "bench.Suite."
    assert common_prefix(["x::a", "x::"]) == ""  # every name keeps something
    assert common_prefix(["only::one"]) == ""


def shown_against_change(report: dict[str, Any]) -> list[str]:
    """The rows whose base and head columns move against their change beyond its interval
    (with 1% for the columns' rounding to three digits)."""
    wrong = []
    for row in report["benchmarks"]:
        change = row.get("change")
        if change is None or row.get("base") is None or change["method"].endswith("-counts"):
            continue
        shown = row["head"]["value"] / row["base"]["value"]
        low, high = change["ci"]
        if not low * 0.99 <= shown <= high * 1.01:
            wrong.append(f"{row['name']}: columns {shown:.3f}x, change [{low:.3f}, {high:.3f}]")
    return wrong


def test_no_renderer_shows_sides_that_contradict_the_change() -> None:
    """The golden compare report: every row's columns agree with its change, and every
    renderer prints those same columns (they once showed pooled p95 beside a p25 change)."""
    report = json.loads((GOLDEN / "compare.json").read_text())
    assert shown_against_change(report) == []
    texts = {name: (GOLDEN / name).read_text() for name in ("compare.txt", "compare.md",
                                                            "compare.comment.md")}  # fmt: skip
    for row in report["benchmarks"]:
        for side in ("base", "head"):
            value = units.format_value(row[side]["value"], row["unit"])
            for name, text in texts.items():
                line = next(x for x in text.splitlines() if (row["name"] in x and "|" in x)
                            or (row["name"] in x and "\u2502" in x))  # fmt: skip
                assert value in line, (name, row["name"], side, value, line)
