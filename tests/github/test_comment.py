"""The sticky comment, job summary, annotations and the REST calls, against real reports and a
local server that answers like GitHub's REST API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from perfgate.commands.github import upsert_comment
from perfgate.config import Config
from perfgate.decisions import gate
from perfgate.decisions.compare import compare
from perfgate.errors import InputError, UsageError
from perfgate.github import workflow_files as wf
from perfgate.github.api import Client, GitHubError
from perfgate.github.comment import COMMENT_LIMIT, SUMMARY_LIMIT, Context, render_comment
from perfgate.github.inputs import parse_inputs
from perfgate.model import Benchmark
from perfgate.report import render
from perfgate.report.document import load_report, report_from_dict
from perfgate.report.model import Change
from tests.action_runner import parse_outputs
from tests.github_api import FakeGitHub, Server
from tests.github_reports import HOSTILE_IDS, slowdown_report, wide_report
from tests.helpers import run_cli

MARKER = "<!-- perfgate-comment:perfgate -->"


@pytest.fixture(scope="module")
def slowdown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return slowdown_report(tmp_path_factory.mktemp("slowdown"))


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wide_report(tmp_path_factory.mktemp("wide"))


def test_comment_headline_and_table_sorted_by_severity(slowdown: Path) -> None:
    report = load_report(slowdown)
    assert report.verdict == "fail"
    text = render_comment(report, Context(marker=MARKER, run_url="https://github.example/r/1"))
    # the markdown report's own headline and rows, under the marker
    headline = "### \u274c perfgate compare: fail \u2014 2 critical slowdowns"
    assert text.startswith(f"{MARKER}\n{headline}")
    table = text.split("<details>")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    # the two slowed benchmarks lead the table; the four unchanged ones are folded
    assert len(rows) == 2
    assert all("| CRITICAL |" in row for row in rows)
    assert set(rows) <= set(render(report, "markdown").splitlines())
    assert "<summary>4 benchmarks unchanged</summary>" in text
    assert "[workflow run](https://github.example/r/1)" in text
    assert "400/400 (5)" in text  # samples and rounds on every number


def test_hostile_names_are_inert(slowdown: Path) -> None:
    text = render_comment(load_report(slowdown), Context(marker=MARKER))
    lines = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(lines) == len(HOSTILE_IDS)
    for line in lines:
        name_cell = line.split(" | ")[0]
        # each name is one code span: backticks inside are gone, pipes are escaped
        assert name_cell.count("`") == 2
        assert "|" not in name_cell[2:].replace("\\|", "")
        assert len(name_cell) < 220  # 300-character names are cut
    # outside code spans nothing of the names survives as markup
    outside = "".join(part for i, part in enumerate(text.split("`")) if i % 2 == 0)
    for needle in ("<img", "@octocat", "](https://evil", "<!-- hidden"):
        assert needle not in outside


def test_job_summary_and_outputs_and_annotations(slowdown: Path, tmp_path: Path) -> None:
    report = load_report(slowdown)
    summary_file, outputs_file = tmp_path / "summary.md", tmp_path / "outputs"
    wf.write_summary(summary_file, render_comment(report, Context(), limit=SUMMARY_LIMIT))
    wf.write_outputs(outputs_file, {"verdict": report.verdict, "path": "a\nb"})
    assert "2 critical slowdowns" in summary_file.read_text()
    parsed = parse_outputs(outputs_file.read_text())
    assert parsed == {"verdict": "fail", "path": "a\nb"}
    lines = wf.annotation_lines(report)
    assert [line.split(" ")[0] for line in lines] == ["::error", "::error"]
    for line in lines:
        assert "\n" not in line
        assert "critical slowdown" in line
        assert "% [" not in line  # percent signs are escaped as %25
        assert "%25" in line


def test_annotations_at_most_ten(wide: Path) -> None:
    report = load_report(wide)
    slowdown = Change(
        ratio=2.0, low=1.9, high=2.1, p_value=0.0, p_adjusted=0.0, significant=True,
        direction="slower", severity="critical", method="paired-rounds", decisive=True,
    )  # fmt: skip
    rows = [replace(row, change=slowdown) for row in report.rows]
    many = gate.finish("compare", rows, report.fail_on)
    assert all(row.gate.level == "error" for row in many.rows)
    lines = wf.annotation_lines(many)
    assert len(lines) == 11
    assert lines[-1].startswith("::notice")
    assert "190 more findings" in lines[-1]


def test_wide_suite_is_cut_to_fit_and_says_so(wide: Path) -> None:
    report = load_report(wide)
    assert len(report.rows) == 200
    summary = render_comment(report, Context(marker=MARKER), limit=SUMMARY_LIMIT)
    assert "not shown" not in summary
    assert sum(1 for line in summary.splitlines() if line.startswith("| `")) == 200
    full = len(summary.encode())
    # GitHub's comment limit, and a quarter of the full text: both cut rows and say how many
    for limit in (COMMENT_LIMIT, full // 4):
        comment = render_comment(report, Context(marker=MARKER), limit=limit)
        assert len(comment.encode()) <= limit
        if full <= limit:
            assert "not shown" not in comment
            continue
        assert "rows are not shown" in comment
        shown = sum(1 for line in comment.splitlines() if line.startswith("| `"))
        # the sentence itself (the headline may have bold words of its own: the A/A pairs of
        # this 2-round fixture can draw a false alarm)
        found = re.search(r"\*\*(\d+) of 200 rows are not shown\*\*", comment)
        assert found is not None, comment[:500]
        cut = int(found.group(1))
        assert shown + cut == 200
        assert 0 < cut < 200


def test_a_comment_that_fits_exactly_cuts_no_row(wide: Path) -> None:
    """The room kept for the "rows are not shown" line is not taken from a comment that
    fits whole: a limit of exactly the whole text's size shows every row."""
    report = load_report(wide)
    whole = render_comment(report, Context(marker=MARKER), limit=SUMMARY_LIMIT)
    exact = render_comment(report, Context(marker=MARKER), limit=len(whole.encode()))
    assert exact == whole
    cut = render_comment(report, Context(marker=MARKER), limit=len(whole.encode()) - 1)
    assert "rows are not shown" in cut


def test_sticky_comment_created_once_then_updated_across_pages(slowdown: Path) -> None:
    body = render_comment(load_report(slowdown), Context(marker=MARKER))
    with Server(FakeGitHub()) as api:
        for i in range(5):  # other comments first: the list spans three pages of two
            api.add_comment(7, f"review comment {i}", "someone")
        # a person quoting the marker is never edited
        api.add_comment(7, MARKER + " quoted by a person", "someone")
        client = Client(api.url, api.token, "octo/proj")
        first = upsert_comment(client, 7, body, MARKER, None)
        second = upsert_comment(client, 7, body.replace("fail", "FAIL"), MARKER, None)
        assert (first.action, second.action) == ("created", "updated")
        assert first.comment.id == second.comment.id
        assert [m for m, _ in api.writes()] == ["POST", "PATCH"]
        pages = [p for m, p in api.requests if m == "GET"]
        assert any("page=4" in p for p in pages)  # followed rel="next" to the last page
        mine = [c for c in api.comments[7] if c["user"]["type"] == "Bot"]
        assert len(mine) == 1
        assert "FAIL" in mine[0]["body"]
        assert api.comments[7][5]["body"] == MARKER + " quoted by a person"


def test_only_the_tokens_own_comment_is_edited(slowdown: Path) -> None:
    """Another bot's comment that starts with the marker (dependabot quoting it) is never
    edited; a person's token finds its own comment through GET /user."""
    body = render_comment(load_report(slowdown), Context(marker=MARKER))
    with Server(FakeGitHub()) as api:
        other = api.add_comment(7, MARKER + " dependabot's text", "dependabot[bot]", "Bot")
        client = Client(api.url, api.token, "octo/proj")
        first = upsert_comment(client, 7, body, MARKER, None)
        second = upsert_comment(client, 7, body, MARKER, None)
        assert (first.action, second.action) == ("created", "updated")
        assert first.comment.id != other
        assert api.comments[7][0]["body"] == MARKER + " dependabot's text"
    with Server(FakeGitHub(user_login="maintainer")) as api:
        api.add_comment(7, MARKER + " the bot's, from before", "github-actions[bot]", "Bot")
        client = Client(api.url, api.token, "octo/proj")
        first = upsert_comment(client, 7, body, MARKER, None)
        second = upsert_comment(client, 7, body, MARKER, None)
        assert (first.action, second.action) == ("created", "updated")
        assert first.comment.author == "maintainer"
        assert [c["user"]["login"] for c in api.comments[7]] == [
            "github-actions[bot]",
            "maintainer",
        ]


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/pulls/7", {"number": 7}),
        ("/pulls/7", {"number": 7, "head": None}),
        ("/pulls/7", {"number": 7, "head": {"sha": 12}}),
        ("/pulls/7", [{"head": {"sha": "a" * 40}}]),
        ("/pulls/7", None),
        ("/comments", {"message": "not a list"}),
        ("/comments", [None]),
        ("/comments", [{"id": "x"}]),
    ],
    ids=["no head", "head null", "sha a number", "a list", "null", "comments not a list",
         "a null comment", "an id not a number"],
)  # fmt: skip
def test_odd_api_answers_are_one_error(path: str, answer: object) -> None:
    with Server(FakeGitHub(pulls={7: "a" * 40}, odd_path=path, odd_answer=answer)) as api:
        client = Client(api.url, api.token, "octo/proj")
        call = client.pull_head_sha if path.startswith("/pulls") else client.comments
        with pytest.raises(GitHubError) as info:
            call(7)
        assert "\n" not in str(info.value)


def test_read_only_token_gets_403() -> None:
    with Server(FakeGitHub(read_only=True)) as api:
        client = Client(api.url, api.token, "octo/proj")
        with pytest.raises(GitHubError) as info:
            upsert_comment(client, 7, "body", MARKER, None)
        assert info.value.status == 403
        assert "Resource not accessible by integration" in str(info.value)


def test_token_never_follows_a_link_to_another_host() -> None:
    with Server(FakeGitHub(next_link_host="http://attacker.invalid")) as api:
        for i in range(3):
            api.add_comment(7, f"c{i}", "someone")
        client = Client(api.url, api.token, "octo/proj")
        with pytest.raises(GitHubError, match="refusing to follow"):
            client.comments(7)


def test_comment_command_posts_and_degrades_403_to_a_warning(slowdown: Path) -> None:
    for read_only in (False, True):
        with Server(FakeGitHub(read_only=read_only)) as api:
            env = {"GITHUB_TOKEN": api.token, "GITHUB_API_URL": api.url}
            done = run_cli(
                "github", "comment", "--report", slowdown, "--pr", "7", "--repo", "octo/proj",
                env=env,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            if read_only:
                assert done.stdout.startswith("::warning title=perfgate comment::")
                assert "403" in done.stdout
                assert not api.comments.get(7)
            else:
                assert done.stdout.startswith("created https://")
                assert api.comments[7][0]["body"].startswith(MARKER)


def _artifact(folder: Path, report: Path) -> Path:
    folder.mkdir()
    shutil.copy(report, folder / "report.json")
    (folder / "pr-number").write_text("12\n")
    (folder / "context.json").write_text(json.dumps({"perfgate_context": 1, "head": "a" * 40}))
    return folder


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("context symlink", "a symlink"),
        ("pr-number symlink", "a symlink"),
        ("report symlink", "a symlink"),
        ("a 1 GB pr-number", "1,000,000,000 bytes, over the 32 allowed"),
        ("a 1 GB context", "over the 65,536 allowed"),
        ("a folder as context", "not a regular file"),
        ("a newer context", "context format '2' is not 1"),
    ],
)
def test_a_fork_artifact_is_read_only_as_itself(
    slowdown: Path, tmp_path: Path, damage: str, problem: str
) -> None:
    """Nothing in the artifact reaches outside it, and sizes are checked before reading."""
    artifact = _artifact(tmp_path / "artifact", slowdown)
    secret = tmp_path / "secret.txt"
    secret.write_text("ghp_not_for_the_comment")
    name = {"context": "context.json", "pr-number": "pr-number", "report": "report.json"}
    target = artifact / name[next(k for k in name if k in damage)]
    target.unlink()
    if "symlink" in damage:
        target.symlink_to(secret)
    elif "1 GB" in damage:
        with target.open("wb") as handle:  # sparse: nothing on disk, nothing read
            handle.truncate(10**9)
    elif "folder" in damage:
        target.mkdir()
    else:
        target.write_text(json.dumps({"perfgate_context": 2}))
    with Server(FakeGitHub()) as api:
        env = {"GITHUB_TOKEN": api.token, "GITHUB_API_URL": api.url}
        done = run_cli("github", "comment", "--artifact", artifact, "--repo", "o/p", env=env)
        assert done.returncode == 2, done.stderr
        assert problem in done.stderr
        assert len(done.stderr.splitlines()) == 1
        assert "ghp_" not in done.stderr + done.stdout
        assert not api.requests  # refused before any call


def test_fork_artifact_is_posted_only_for_the_runs_head(slowdown: Path, tmp_path: Path) -> None:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    shutil.copy(slowdown, artifact / "report.json")
    (artifact / "pr-number").write_text("12\n")
    (artifact / "context.json").write_text(json.dumps({"environment": "Linux X64 @everyone"}))
    with Server(FakeGitHub()) as api:
        api.pulls[12] = "a" * 40
        env = {"GITHUB_TOKEN": api.token, "GITHUB_API_URL": api.url}
        args: list[str | Path] = ["github", "comment", "--artifact", artifact, "--repo", "o/p"]
        wrong = run_cli(*args, "--expect-head-sha", "b" * 40, env=env)
        assert wrong.returncode == 2
        assert "not at the run's head" in wrong.stderr
        assert not api.writes()
        right = ["--expect-head-sha", "a" * 40, "--run-url", "https://x.test/r"]
        done = run_cli(*args, *right, env=env)
        assert done.returncode == 0, done.stderr
        body = api.comments[12][0]["body"]
        assert "\\@\u200beveryone" in body  # the artifact's text is inert: no mention
    (artifact / "pr-number").write_text("12; rm -rf /")
    bad = run_cli(*args, env=env)
    assert bad.returncode == 2
    assert "not a pull request number" in bad.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{", "not JSON"),
        (b'{"perfgate_report": 3, "benchmarks": []}', "`perfgate_report` is 3, not 1 or 2"),
        (
            b'{"perfgate_report": 1, "verdict": "pass", "fail_on": "critical", "benchmarks":'
            b' [{"name": "a", "metric": "p95", "unit": "s", "head": {"value": NaN, "n": 1,'
            b' "rounds": 1}}]}',
            "not a finite number",
        ),
        (b'{"perfgate_report": 1, "verdict": "maybe"}', "not a list"),
        (b"[" + b"{}," * 2_000_001 + b"{}]", "more than 2,000,000 JSON objects"),
        (b'{"perfgate_report": ' + b"9" * 5000 + b"}", "not a perfgate JSON report"),
        (b"[" * 100_000 + b"]" * 100_000, "not a perfgate JSON report"),
    ],
    ids=["cut", "newer", "NaN", "no rows", "a million objects", "5000 digits", "nested"],
)
def test_bad_reports_are_one_line_errors(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        load_report(path)
    done = run_cli("github", "comment", "--report", path, "--pr", "1", "--repo", "o/r",
                   env={"GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://127.0.0.1:9"})  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert problem in done.stderr


def test_action_inputs_are_validated_together(tmp_path: Path) -> None:
    env = {
        "PERFGATE_INPUT_ROUNDS": "ten",
        "PERFGATE_INPUT_TIME_BUDGET": "soon",
        "PERFGATE_INPUT_FAIL_ON": "sometimes",
        "PERFGATE_INPUT_COMMENT": "yes",
        "PERFGATE_INPUT_COMMENT_KEY": "a b",
        "PERFGATE_INPUT_WORKING_DIRECTORY": str(tmp_path / "missing"),
        "PERFGATE_INPUT_HARNESS_ARGS": "'unclosed",
        "PERFGATE_INPUT_ASV_URL": "javascript:alert(1)",
    }
    with pytest.raises(UsageError) as info:
        parse_inputs(env)
    lines = str(info.value).splitlines()
    names = [line.split("`")[1] for line in lines]
    assert names == [
        "rounds", "time-budget", "fail-on", "comment", "comment-key", "working-directory",
        "harness-args", "asv-url",
    ]  # fmt: skip
    good = parse_inputs(
        {
            "PERFGATE_INPUT_ROUNDS": "5",
            "PERFGATE_INPUT_TIME_BUDGET": "15min",
            "PERFGATE_INPUT_HARNESS_ARGS": "-k 'not slow'",
            "PERFGATE_INPUT_GITHUB_TOKEN": "t",
            "PERFGATE_INPUT_WORKING_DIRECTORY": str(tmp_path),
        }
    )
    assert good.rounds == 5
    assert good.harness_args == ("-k", "not slow")
    assert good.comment


def test_markdown_renders_as_a_table_in_a_browser(slowdown: Path, tmp_path: Path) -> None:
    """GitHub's markdown (cmark-gfm with the table extension), looked at in headless Chromium."""
    cmark, chromium = shutil.which("cmark-gfm"), shutil.which("chromium")
    if cmark is None or chromium is None:
        pytest.skip("needs Debian's cmark-gfm and chromium (.ci/run installs them)")
    # with the profile tables `perfgate run` adds to flagged rows (the layout perfgate writes)
    data = json.loads(slowdown.read_text())
    functions = [
        {"function": f"parse_{i} (pkg/reader.py:{10 * i})", "base": 1e-3 / (i + 1),
         "head": 3e-3 / (i + 1), "calls_base": 1, "calls_head": 2 if i == 1 else 1}
        for i in range(10)
    ]  # fmt: skip
    for row in data["benchmarks"]:
        if row.get("severity") == "critical":
            row["profile"] = {"version": 1, "calls": 20, "functions": functions}
    text = render_comment(report_from_dict(data), Context(marker=MARKER))
    assert text.count("where the time went (cProfile, at least 20 calls a side)") == 2
    html = subprocess.run(
        # raw HTML on, as GitHub allows <details>, <summary>, <sub>: a name that escaped its
        # escaping would become a real tag here
        [cmark, "--unsafe", "--extension", "table", "--extension", "autolink",
         "--extension", "tagfilter"],
        input=text, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    page = tmp_path / "comment.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{html}</body>", encoding="utf-8")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    shot = Path(os.environ.get("PERFGATE_SCREENSHOT_DIR", tmp_path)) / "comment.png"
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    assert shot.stat().st_size > 5_000
    assert "<td><code>parse_0 (pkg/reader.py:0)</code></td>" in html
    assert "changed: 1 \u2192 2" in html
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert dom.count("<table>") == 4  # the notable rows, the folded ones, two profile tables
    assert dom.count("<tr>") == 2 + 6 + 2 * 11  # headers and six benchmarks; 2 x 10 functions
    assert "<img" not in dom
    assert "<details>" in dom
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom


def test_an_undecided_row_is_a_notice_that_says_why() -> None:
    base = Benchmark(name="mem", short_name="mem", unit="B", rounds=((1000.0,),))
    report = compare([base], [replace(base, rounds=((1300.0,),))], Config())
    (line,) = wf.annotation_lines(report)
    assert line.startswith("::notice title=perfgate%3A inconclusive::mem: inconclusive: not ")
