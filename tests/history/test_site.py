"""`perfgate history site`: every stored series on one self-contained page, change points
marked and linked to their commits, looked at in a real browser (Debian's headless Chromium)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import live_html, run_cli
from tests.history.test_history import _stepped_history

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
COMMIT_URL = "https://github.com/octo/proj/commit/{commit}"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    _stepped_history(tmp_path / "runs")
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", "runs", "--db", db, cwd=tmp_path).returncode == 0
    done = run_cli("history", "site", "site", "--db", db, "--commit-url", COMMIT_URL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 series, 1 change point(s)" in done.stderr
    return tmp_path / "site" / "index.html"


def test_the_site_marks_the_step_and_links_its_commit(site: Path) -> None:
    page = site.read_text()
    step = hashlib.sha1(b"c15").hexdigest()  # noqa: S324 - the stepped commit's id
    before = hashlib.sha1(b"c14").hexdigest()  # noqa: S324
    assert f'href="https://github.com/octo/proj/commit/{step}"' in page
    assert f'href="https://github.com/octo/proj/commit/{before}"' in page
    assert page.count('class="cp"') == 1  # the one change point, drawn on bench_0's chart
    assert page.count("<svg") == 2  # both series
    assert 'href="#s0"' in page
    assert 'id="s0"' in page
    # nothing is fetched at view time: no script, no external resource
    assert "<script" not in page
    assert not re.findall(r'(?:src|href)="(?!#|https://github.com/octo/proj/commit/)', page)
    # the hostile benchmark name stays text
    assert "<b>|1" not in page
    assert "bench_&lt;b&gt;|1" in page
    body = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    layout = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "section", "span",
              "a", "ul", "li", "svg"}  # fmt: skip
    assert [t for t in live_html(body) if t.lower() not in layout] == []


def test_a_flat_series_is_drawn_flat_and_commits_label_the_x_axis(site: Path) -> None:
    """bench_<b>|1 moves 4% (2.00-2.08 ms): it must not fill the chart's height as if it were
    noise, and its two axis labels must differ; bench_0's 3x step fills it."""
    page = site.read_text()
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    heights = []
    for chart in charts:
        ys = [float(y) for y in re.findall(r'<circle class="pt" cx="[\d.]+" cy="([\d.]+)"', chart)]
        heights.append((max(ys) - min(ys)) / (320 - 2 * 56))
        labels = re.findall(r'<text x="4" y="[\d.]+">([^<]+)</text>', chart)
        assert len(labels) == 2
        assert labels[0] != labels[1], labels  # the axis ends read as different values
        ticks = re.findall(r'<text class="tick"[^>]*>([0-9a-f?]+)</text>', chart)
        commits = re.findall(r"<title>([0-9a-f]{8}) ", chart)  # the points, oldest first
        assert len(ticks) == 8
        assert len(set(ticks)) == 8
        assert ticks[0] == commits[0]
        assert ticks[-1] == commits[-1]
        assert set(ticks) <= set(commits)
    stepped, flat = heights  # bench_0 first
    assert stepped > 0.95
    assert flat < 0.25


@pytest.mark.slow
def test_the_site_renders_in_chromium(site: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("needs Debian's chromium (.ci/run installs it)")
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900"]
    shot = tmp_path / "site.png"
    url = site.as_uri()
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", url], capture_output=True, check=True,
        timeout=120,
    )  # fmt: skip
    done = subprocess.run(
        [chromium, *flags, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    dom = done.stdout
    assert "Benchmark history" in dom
    assert dom.count("<circle") == 60  # 30 commits x 2 series, every point drawn
    assert [line for line in done.stderr.splitlines() if "CONSOLE" in line] == []
    assert shot.stat().st_size > 10_000


def test_site_refuses_an_unsafe_commit_url(tmp_path: Path) -> None:
    _stepped_history(tmp_path / "runs")
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", "runs", "--db", db, cwd=tmp_path).returncode == 0
    done = run_cli(
        "history", "site", "out", "--db", db, "--commit-url", 'javascript:alert(1)//{commit}',
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "expected an http(s) URL with {commit} in it" in done.stderr


def test_control_and_bidi_characters_never_reach_the_page_raw(tmp_path: Path) -> None:
    """A name holding an escape sequence, a right-to-left override and a line separator:
    inert in HTML, but shown as escapes on the site, never as the characters themselves."""
    _stepped_history(tmp_path / "runs")
    for path in (tmp_path / "runs").glob("*.json"):
        path.write_text(path.read_text().replace("bench_0", "bench_\\u001b[31m\\u202eevil\\u2028"))
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", "runs", "--db", db, cwd=tmp_path).returncode == 0
    done = run_cli("history", "site", "site", "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    name = "bench_\x1b[31m\u202eevil\u2028"
    chart = tmp_path / "chart.html"
    shown = run_cli("history", "show", name, "--db", db, "--chart", chart, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for page in ((tmp_path / "site" / "index.html").read_text(), chart.read_text()):
        for raw in ("\x1b", "\u202e", "\u2028"):
            assert raw not in page
        assert "bench_\\x1b[31m\\u202eevil\\u2028" in page
