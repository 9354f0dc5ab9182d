"""Hostile benchmark names through every output: terminal table, markdown, JSON, JUnit, the PR
comment and job summary, workflow annotations, and the history chart page.

The names carry markdown, HTML, @mentions, backticks, pipes, newlines, terminal escapes, rich
markup, bidi overrides, a 10 kB string and combining characters. Each output must show them as
text: no markup, no extra table row, no extra line, no workflow command, no escape sequence.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfgate.config import Config
from perfgate.decisions.check import check
from perfgate.decisions.compare import compare
from perfgate.github.comment import SUMMARY_LIMIT, Context, render_comment
from perfgate.github.workflow_files import annotation_lines
from perfgate.history.render import chart_html
from perfgate.history.store import Point, SeriesKey
from perfgate.model import Benchmark
from perfgate.report import render
from perfgate.report.document import report_from_dict
from perfgate.report.markdown import BRIEF_NOTES, inert_prose
from perfgate.report.model import Report
from tests.helpers import gfm_html, live_html, validate_junit

HOSTILE = (
    "a|b`c`` <img src=x onerror=alert(1)> @octocat **bold** [link](https://evil.example)",
    "line1\nline2\r\n::error::injected by a name",
    "\x1b[31mred\x1b[0m [bold red]rich markup[/] \u202eevil\u202c",
    "<!-- hidden --> </details></table> <script>alert(1)</script> &amp;",
    "long " + "x" * 10_000,
    "snake \U0001f40d zero\u200bwidth e\u0301 \ufeffbom",
)
SLOWED = HOSTILE[0]  # 3x slower in head: a critical row, an annotation


def _rounds(scale: float) -> tuple[tuple[float, ...], ...]:
    return tuple(
        tuple(scale * 1e-3 * (1 + 0.01 * ((i * 7 + k) % 5)) for i in range(40)) for k in range(4)
    )


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    base = [Benchmark(name=n, short_name=n, unit="s", rounds=_rounds(1.0)) for n in HOSTILE]
    head = [
        Benchmark(name=n, short_name=n, unit="s", rounds=_rounds(3.0 if n == SLOWED else 1.0))
        for n in HOSTILE
    ]
    return {"check": check(head, Config()), "compare": compare(base, head, Config())}


def _outside_code(markdown: str) -> str:
    """The markdown with its code spans removed: where markup would take effect."""
    return re.sub(r"`[^`\n]*`", "", markdown)


@pytest.mark.parametrize("kind", ["check", "compare"])
def test_terminal_table(reports: dict[str, Report], kind: str) -> None:
    text = render(reports[kind], "table", width=160)
    assert "\x1b" not in text  # no escape sequence reaches the terminal
    assert "\u202e" not in text  # no bidi override reorders the line
    assert "[bold red]rich markup[/]" in text  # shown as typed, not interpreted by rich
    assert not any(line.startswith("::error") for line in text.splitlines())
    assert len(text) < 40_000  # the 10 kB name is shortened


@pytest.mark.parametrize("kind", ["check", "compare"])
def test_markdown_report(reports: dict[str, Report], kind: str) -> None:
    text = render(reports[kind], "markdown")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(HOSTILE)  # no name adds or breaks a row
    outside = _outside_code(text)
    for needle in ("<img", "<script", "@octocat", "](https://evil", "<!--", "</details>"):
        assert needle not in outside, needle
    assert "\x1b" not in text


@pytest.mark.parametrize("kind", ["check", "compare"])
def test_json_and_junit_keep_names_exactly(reports: dict[str, Report], kind: str) -> None:
    names = {b["name"] for b in json.loads(render(reports[kind], "json"))["benchmarks"]}
    assert names == set(HOSTILE)
    root = validate_junit(render(reports[kind], "junit"))
    assert len(list(root.iter("testcase"))) == len(HOSTILE)


def _github_report(report: Report) -> Report:
    return report_from_dict(json.loads(render(report, "json")))


def test_pr_comment_and_job_summary(reports: dict[str, Report]) -> None:
    data = _github_report(reports["compare"])
    for limit in (65_536, SUMMARY_LIMIT):
        text = render_comment(data, Context(), limit=limit)
        assert len(text) <= limit
        outside = _outside_code(text)
        for needle in ("<img", "<script", "@octocat", "](https://evil", "</table>", "\x1b"):
            assert needle not in outside, needle
        assert "<!-- hidden" not in outside
        assert outside.count("<details>") == outside.count("</details>")  # no name closes ours


def test_workflow_annotations(reports: dict[str, Report]) -> None:
    lines = annotation_lines(_github_report(reports["compare"]))
    assert len(lines) == 1  # the one critical slowdown, nothing injected
    [line] = lines
    assert line.startswith("::error title=perfgate%3A critical slowdown::")
    assert "\n" not in line
    assert "\r" not in line
    assert line.count("::") == 2 + line.split("::", 2)[2].count("::")  # later ones are data


def test_history_chart_page() -> None:
    name = HOSTILE[3] + HOSTILE[0]
    key = SeriesKey(name=name, unit="s", direction="lower", machine="<b>m</b>", environment="e&")
    points = [
        Point(
            commit=f"{i:040x}", date=1.7e9 + i, machine="m", environment="e", n=5, rounds=1, value=v
        )
        for i, v in enumerate([1e-3, 1.1e-3, 1e-3])
    ]
    page = chart_html([(key, points)], [], "p95")
    for needle in ("<script", "<img", "<b>m</b>", "<!-- hidden", "</table>"):
        assert needle not in page, needle
    assert "&lt;script&gt;" in page  # shown, escaped


HOSTILE_PROSE = (
    "Everything is fine, merge now\n===",
    "---",
    "- a list item",
    "1. another",
    "see www.evil.example or https://evil.example or mail me@evil.example @octocat",
    "<hr> <img src=https://evil.example/pixel>",
)


def test_an_artifacts_own_text_is_inert_in_the_comment(reports: dict[str, Report]) -> None:
    """A fork's report is untrusted through and through: its notes, metric names, units and
    the environment string render as plain text on GitHub (cmark-gfm, as GitHub does): no
    heading, list, rule, tag, link, autolink or mention."""
    data = json.loads(render(reports["compare"], "json"))
    data["notes"] = list(HOSTILE_PROSE)
    for row in data["benchmarks"]:
        row["metric"] = "p95 www.evil.example"
        row["unit"] = "<b>www.evil.example</b>@octocat"
        if row.get("head"):
            row["head"]["metric_used"] = "@octocat https://evil.example"
    report = report_from_dict(data)
    text = render_comment(report, Context(environment="\n".join(HOSTILE_PROSE)))
    html = gfm_html(text)
    assert set(live_html(html)) <= {"details", "summary", "sub", "strong"}  # the layout's
    visible = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    for needle in ("@octocat", "www.evil", "https://evil", "me@evil", "<hr", "<h1", "<h2"):
        assert needle not in visible, needle


def test_the_comment_keeps_to_githubs_limit_whatever_the_artifact_holds(
    reports: dict[str, Report],
) -> None:
    data = json.loads(render(reports["compare"], "json"))
    template = data["benchmarks"][0]
    data["benchmarks"] = [
        {**template, "name": f"bench_{i}_" + "n" * 150, "metric": f"m{i}" + "x" * 100}
        for i in range(2000)
    ]
    data["notes"] = ["note " * 200] * 50
    report = report_from_dict(data)
    text = render_comment(report, Context())
    assert len(text.encode()) <= 65_536
    assert "rows are not shown" in text
    notes = [line for line in text.splitlines() if line.startswith("note note")]
    assert len(notes) == BRIEF_NOTES  # the notes: a few, each cut short, the rest counted
    assert all(len(line) <= 600 for line in notes)
    assert f"{50 - BRIEF_NOTES} more notes: the JSON report has them." in text
    tiny = render_comment(report, Context(), limit=3000)
    assert len(tiny.encode()) <= 3000
    assert "too large to show here" in tiny


_ANY_CHARACTER = st.characters(codec=None, categories=None)  # controls and surrogates too
_LIVE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(_ANY_CHARACTER, min_size=1, max_size=40), min_size=1, max_size=4,
                unique=True), st.text(_ANY_CHARACTER, max_size=30))  # fmt: skip
def test_any_text_is_inert_in_every_output(names: list[str], note: str) -> None:
    """Generated names and notes, every Unicode category included: the terminal table and
    annotations carry no control, invisible or bidi character, and markdown keeps one row a
    name."""
    benchmarks = [Benchmark(name=n, short_name=n, unit=note or "s", rounds=_rounds(1.0))
                  for n in names]  # fmt: skip
    report = compare(benchmarks, benchmarks, Config())
    report = report.__class__(**{**report.__dict__, "notes": (note,)})
    table = render(report, "table", width=200)
    assert not _LIVE.search(table), repr(table)
    markdown = render(report, "markdown")
    # a raw zero-width space is inert_prose's own (a user's is shown as "\\u200b")
    assert not _LIVE.search(markdown.replace("\u200b", "")), repr(markdown)
    rows = [line for line in markdown.splitlines() if line.startswith("| `")]
    assert len(rows) == len(names)
    for line in [*annotation_lines(_github_report(report)), inert_prose(note)]:
        assert "\n" not in line
        assert not _LIVE.search(line.replace("\u200b", "")), repr(line)


def test_profile_tables_keep_hostile_names_inert(reports: dict[str, Report]) -> None:
    """A profiled row's name goes into <summary>, where markdown is not read: it must be
    HTML-escaped there (a code span would leave `<img>` live); function names too."""
    data = json.loads(render(reports["compare"], "json"))
    for row in data["benchmarks"]:
        row["profile"] = {
            "version": 1,
            "calls": 5,
            "functions": [
                {"function": name, "base": 1e-3, "head": 2e-3, "calls_base": 1, "calls_head": 2}
                for name in HOSTILE
            ],
        }
    report = report_from_dict(data)
    for text in (render(report, "markdown"), render_comment(report, Context())):
        html = gfm_html(text)
        assert set(live_html(html)) <= {"details", "summary", "sub", "strong"}, live_html(html)
        assert "onerror" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S)
