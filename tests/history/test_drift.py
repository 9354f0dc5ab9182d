"""Creeping slowdowns: the latest level against a reference, flagged where no single change
point is as large as the total (issue 37), through `history detect`, the site and notify."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from perfgate.decisions.changepoints import ChangePoint
from perfgate.formats.native import dumps
from perfgate.history.drift import Reference, drift_of
from perfgate.history.findings import Finding
from perfgate.history.store import Point, SeriesKey
from perfgate.model import Benchmark, Metadata, Run
from tests.github_api import FakeGitHub, Server
from tests.helpers import run_cli
from tests.history.test_notify import _history, _imported, notify

KEY = SeriesKey(name="b", unit="s", direction="lower", machine="ci", environment="")


def _points(values: list[float]) -> list[Point]:
    return [Point(f"c{i}", None, "ci", "", 20, 1, v) for i, v in enumerate(values)]


def _wobble(i: int) -> float:
    return 1 + 0.01 * ((i * 7) % 5)


def creep(i: int) -> float:
    """Flat for 10 commits, then +3% a commit for 20: 1.8x in all, no commit above +3%."""
    return 1.0 if i < 10 else 1.03 ** (i - 9)


def test_a_creep_drifts_and_noise_does_not() -> None:
    creeping = _points([creep(i) * _wobble(i) for i in range(30)])
    found = drift_of(KEY, creeping, Reference("50 commits back"), 0.10)
    assert found is not None
    assert (found.since, found.latest, found.commits) == ("c7", "c29", 22)
    assert found.magnitude > 0.5
    assert not found.explained
    flat = _points([_wobble(i) for i in range(30)])
    assert drift_of(KEY, flat, Reference("50 commits back"), 0.10) is None
    # +8% in all: under the threshold
    small = _points([(1.08 if i >= 20 else 1.0) * _wobble(i) for i in range(30)])
    assert drift_of(KEY, small, Reference("50 commits back"), 0.10) is None
    # throughput: a level that falls is the slowdown
    ops = SeriesKey(name="b", unit="ops", direction="higher", machine="ci", environment="")
    falling = _points([_wobble(i) / creep(i) for i in range(30)])
    assert drift_of(ops, falling, Reference("x"), 0.10) is not None
    assert drift_of(ops, creeping, Reference("x"), 0.10) is None
    # a reference commit this series never ran: nothing to compare with
    assert drift_of(KEY, creeping, Reference("tag v1", commit="elsewhere"), 0.10) is None
    # too short for two levels of 8 values
    assert drift_of(KEY, creeping[:15], Reference("x"), 0.10) is None


def test_a_drift_the_change_points_make_is_explained() -> None:
    """One step of 1.8x since the reference says it all: the drift is left to its finding; a
    step of +20% leaves +50% unexplained: still a creep."""
    values = [(1.8 if i >= 15 else 1.0) * _wobble(i) for i in range(30)]

    def step(after: float) -> Finding:
        change = ChangePoint(index=15, before=1.0, after=after, magnitude=after - 1, confidence=1)
        return Finding(series=KEY, change=change, after_commit="c14", first_commit="c15", points=30)

    whole = drift_of(KEY, _points(values), Reference("x"), 0.10, [step(1.8)])
    part = drift_of(KEY, _points(values), Reference("x"), 0.10, [step(1.2)])
    assert whole is not None
    assert whole.explained
    assert part is not None
    assert not part.explained


def test_a_creep_reaches_detect_the_site_and_one_notify_issue(tmp_path: Path) -> None:
    _history(tmp_path / "creep", {"creeping": creep, "flat": lambda _i: 1.0})
    db = _imported(tmp_path, "creep")

    def commit(i: int) -> str:
        return hashlib.sha1(f"c{i}".encode()).hexdigest()  # noqa: S324

    found = run_cli("history", "detect", "--db", db, "--format", "json", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    drift = json.loads(found.stdout)["drift"]
    assert drift["reference"] == "50 commits back"
    (entry,) = drift["series"]
    assert entry["benchmark"] == "creeping"
    assert entry["commits"] == [commit(7), commit(29)]
    assert entry["magnitude"] > 0.5
    assert not entry["explained"]
    table = run_cli("history", "detect", "--db", db, cwd=tmp_path)
    assert "1 series slower than at 50 commits back" in table.stdout
    off = run_cli("history", "detect", "--db", db, "--drift", "0", cwd=tmp_path)
    assert "slower than at" not in off.stdout
    bad = run_cli("history", "detect", "--db", db, "--drift", "2", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1
    assert "--drift is a fraction" in bad.stderr
    site = run_cli("history", "site", "site", "--db", db, cwd=tmp_path)
    assert site.returncode == 0, site.stderr
    page = (tmp_path / "site" / "index.html").read_text()
    assert "drift since 50 commits back" in page
    assert "1 series drifted slower since 50 commits back" in page
    index = page[: page.index("</tbody>")]  # the index row of the series says it too
    assert '<span class="slow">drift +' in index
    with Server(FakeGitHub()) as api:
        code, out, err = notify(api, db)
        assert code == 0, err
        assert ", 1 creeping since 50 commits back" in out
        creeping = [i for i in api.issues if i["title"].startswith("Creeping slowdown")]
        (issue,) = creeping
        assert issue["title"].startswith("Creeping slowdown since 50 commits back: creeping +")
        assert "| `creeping` |" in issue["body"]
        assert "`flat`" not in issue["body"]
        writes, issues = len(api.writes()), len(api.issues)
        code, out, err = notify(api, db)  # the same history again: nothing is written
        assert code == 0, err
        assert len(api.writes()) == writes
        assert len(api.issues) == issues


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_newest_release_tag_with_stored_runs_is_the_reference(tmp_path: Path) -> None:
    """In a repository, drift is measured from the newest tag whose commit has runs; a tag on
    a commit without runs is passed over, and --since names one."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    commits = []
    for i in range(32):
        _git(repo, "commit", "-q", "--allow-empty", "-m", f"c{i}")
        commits.append(_git(repo, "rev-parse", "HEAD"))
    _git(repo, "tag", "v1.0", commits[9])
    _git(repo, "tag", "-a", "v1.1", "-m", "release", commits[12])
    _git(repo, "tag", "v2.0-unmeasured", commits[31])  # the newest tag, no stored run
    runs = tmp_path / "runs"
    runs.mkdir()
    for i, commit in enumerate(commits[:30]):
        level: Callable[[int], float] = creep
        benchmark = Benchmark(
            name="creeping",
            short_name="creeping",
            unit="s",
            rounds=(tuple(0.001 * level(i) * _wobble(i) * (1 + 0.001 * k) for k in range(20)),),
        )
        run = Run(metadata=Metadata(commit=commit, machine="ci"), benchmarks=(benchmark,))
        (runs / f"run-{i:02d}.json").write_text(dumps(run))
    db = tmp_path / "h.sqlite"
    done = run_cli("history", "import", runs, "--db", db, "--repo", repo, cwd=repo)
    assert done.returncode == 0, done.stderr
    found = run_cli("history", "detect", "--db", db, "--format", "json", cwd=repo)
    assert found.returncode == 0, found.stderr
    drift = json.loads(found.stdout)["drift"]
    assert drift["reference"] == "tag v1.1"  # annotated: its commit, not the tag object
    assert drift["series"][0]["commits"] == [commits[12], commits[29]]
    since = run_cli(
        "history", "detect", "--db", db, "--format", "json", "--since", "v1.0", cwd=repo
    )
    assert json.loads(since.stdout)["drift"]["series"][0]["commits"][0] == commits[9]
    for ref in ("nope", "v2.0-unmeasured"):
        bad = run_cli("history", "detect", "--db", db, "--since", ref, cwd=repo)
        assert bad.returncode == 2
        assert bad.stderr.count("\n") == 1, bad.stderr
        assert "--since" in bad.stderr


def test_a_run_without_a_readable_date_follows_the_dated_ones(tmp_path: Path) -> None:
    """Ordered by the files' dates, a run whose date cannot be read (February 30) was placed
    first, silently; it now follows the dated runs in import order, and the import says so."""
    runs = tmp_path / "runs"
    runs.mkdir()
    for i, day in enumerate(["2024-02-27", "2024-02-28", "2024-02-29", "2024-02-30"]):
        benchmark = Benchmark(name="b", short_name="b", unit="s", rounds=((0.001 * (i + 1),),))
        metadata = Metadata(commit=f"{i:040x}", machine="ci", timestamp=f"{day}T00:00:00+00:00")
        (runs / f"run-{i}.json").write_text(dumps(Run(metadata=metadata, benchmarks=(benchmark,))))
    db = tmp_path / "h.sqlite"
    done = run_cli("history", "import", runs, "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "1 run(s) have neither a commit git knows nor a readable date" in said
    shown = run_cli("history", "show", "b", "--db", db, "--format", "json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    (series,) = json.loads(shown.stdout)["series"]
    assert [p["commit"] for p in series["points"]] == [f"{i:040x}" for i in range(4)]
