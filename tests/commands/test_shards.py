"""A suite sharded over a CI matrix: `perfgate run --shard K/N` runs one shard's benchmarks
(real pytest-benchmark), and `perfgate merge` of the shards of a run flags the same benchmarks
with the same severities as the unsharded report of the same rounds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from perfgate.errors import InputError
from perfgate.harness import shards
from tests.harnesses import git
from tests.helpers import HARNESS, run_cli, two_commit_project

PACKAGE = """
import time

FACTOR = {factor}


def work(n):
    time.sleep(n * FACTOR / 1e7)


def steady(n):
    time.sleep(n / 1e7)
"""

SUITE = """
import pytest

import shardpkg


@pytest.mark.parametrize("n", [20000, 22000, 24000, 26000])
def test_work(benchmark, n):
    benchmark(shardpkg.work, n)


@pytest.mark.parametrize("n", [20000, 22000, 24000, 26000])
def test_steady(benchmark, n):
    benchmark(shardpkg.steady, n)
"""

CONFIG = 'version: 1\nprofile:\n  severity: "off"\n' + HARNESS


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_commit_project(
        tmp_path_factory.mktemp("sharded"),
        "shardpkg",
        base=PACKAGE.format(factor=1.0),
        head=PACKAGE.format(factor=10.0),  # work ten times as slow
        suite=SUITE,
        config=CONFIG,
    )


def _json(done: Any) -> dict[str, Any]:
    assert done.returncode in (0, 1), done.stderr
    return dict(json.loads(done.stdout))


def _split(full: Path, shard: shards.Shard, into: Path, base: str, head: str) -> None:
    """The shard's part of an unsharded run's rounds, as a sharded job would have left it."""
    for side in ("base", "head"):
        (into / side).mkdir(parents=True)
        for path in sorted((full / side).glob("round-*.json")):
            data = json.loads(path.read_text())
            data["benchmarks"] = [
                b for b in data["benchmarks"] if shards.in_shard(b["fullname"], shard)
            ]
            if data["benchmarks"]:  # a shard may hold none of a small suite
                (into / side / path.name).write_text(json.dumps(data))
    empty = not list((into / "head").glob("*.json"))
    shards.record(into, shard, base, head, empty=empty)


@pytest.mark.slow
def test_merged_shards_decide_as_the_whole_run(project: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    args = ["run", "--base", "HEAD~1", "--rounds", "3", "--format", "json"]
    whole = _json(run_cli(*args, "--rounds-dir", full, cwd=project))
    base, head = git(project, "rev-parse", "HEAD~1"), git(project, "rev-parse", "HEAD")
    parts = [shards.Shard(index=k, count=4) for k in range(1, 5)]
    folders = [tmp_path / f"shard{part.index}" for part in parts]
    for part, folder in zip(parts, folders, strict=True):
        _split(full, part, folder, base, head)
    assert sum(bool(list((f / "head").glob("*.json"))) for f in folders) >= 2
    merged = _json(run_cli("merge", *folders, "--format", "json", cwd=project))

    def decided(report: dict[str, Any]) -> dict[str, tuple[str, str, float]]:
        return {
            b["name"]: (b["change"]["direction"], b["severity"], round(b["ratio"], 9))
            for b in report["benchmarks"]
        }

    assert decided(merged) == decided(whole)
    assert merged["verdict"] == whole["verdict"] == "fail"
    slowed = {n for n, (d, s, _r) in decided(merged).items() if s == "critical"}
    assert slowed == {n for n in decided(whole) if "test_work" in n}
    assert "merged 4 of 4 shards." in merged["notes"]

    # the same shard twice, or shards of other commits: one line each
    twice = run_cli("merge", folders[0], folders[0], cwd=project)
    assert twice.returncode == 2
    assert "shard 1 is given twice" in twice.stderr
    _incomplete_merges_are_never_a_pass(project, folders, tmp_path)
    shards.record(folders[1], parts[1], head, head)
    other = run_cli("merge", folders[0], folders[1], cwd=project)
    assert other.returncode == 2
    assert "not one run" in other.stderr


def _incomplete_merges_are_never_a_pass(project: Path, folders: list[Path], tmp: Path) -> None:
    """Shards that hold only unchanged benchmarks (test_steady), one of them missing: the
    report is shown as inconclusive and the command exits 2, naming the missing shard."""
    steady = []
    for folder in folders:
        copy = tmp / f"steady-{folder.name}"
        shutil.copytree(folder, copy)
        for path in copy.glob("*/round-*.json"):
            data = json.loads(path.read_text())
            data["benchmarks"] = [b for b in data["benchmarks"] if "test_steady" in b["name"]]
            if data["benchmarks"]:
                path.write_text(json.dumps(data))
            else:
                path.unlink()
        recorded = shards.read(copy)
        empty = not list((copy / "head").glob("*.json"))
        shards.record(copy, recorded.shard, recorded.base, recorded.head, empty=empty)
        steady.append(copy)
    filled = [f for f in steady if not shards.read(f).empty]
    done = run_cli("merge", *steady, "--format", "json", cwd=project)
    assert done.returncode == 0, done.stderr  # all four: a pass
    assert json.loads(done.stdout)["verdict"] == "pass"
    k = shards.read(filled[0]).shard
    rest = [f for f in steady if f != filled[0]]
    done = run_cli("merge", *rest, "--format", "json", cwd=project)
    assert done.returncode == 2
    assert json.loads(done.stdout)["verdict"] == "inconclusive"
    assert done.stderr.endswith(
        f"shard {k} missing: no verdict without the whole suite (merge every shard's rounds "
        "folder)\n"
    )
    # a shard whose head rounds are gone (its job failed): refused, not dropped
    gone = filled[1]
    shutil.rmtree(gone / "head")
    done = run_cli("merge", *steady, cwd=project)
    assert done.returncode == 2
    assert "has no head rounds (its job failed" in done.stderr
    # rounds of another shard's benchmark brought in as base rounds: refused
    shutil.copytree(filled[0] / "head", gone / "head")
    shutil.rmtree(gone / "base")
    shutil.copytree(filled[0] / "base", gone / "base")
    done = run_cli("merge", *steady, cwd=project)
    assert done.returncode == 2
    assert "shards overlap" in done.stderr


def test_a_shard_record_is_read_as_data(tmp_path: Path) -> None:
    """shard.json comes from another job: never followed through a link, never read whole."""
    shard = shards.Shard(index=1, count=2)
    good = tmp_path / "good"
    shards.record(good, shard, "a" * 40, "b" * 40)
    assert shards.read(good).shard == shard
    cases: dict[str, Any] = {
        "a FIFO": os.mkfifo,
        "a link to /dev/zero": lambda p: p.symlink_to("/dev/zero"),
        "deep nesting": lambda p: p.write_text("[" * 100_000),
        "over 64 kB": lambda p: p.write_text(" " * 70_000 + "{}"),
        "escapes in a commit": lambda p: p.write_text(json.dumps(
            {"perfgate_shard": 1, "shard": "1/2", "base": "\x1b]0;x\x07", "head": "b" * 40}
        )),
    }  # fmt: skip
    for what, make in cases.items():
        folder = tmp_path / what.replace(" ", "-").replace("/", "-")
        folder.mkdir()
        make(folder / shards.FILE)
        with pytest.raises(InputError) as info:
            shards.read(folder)
        assert "\x1b" not in str(info.value), what


@pytest.mark.slow
def test_a_shard_runs_only_its_benchmarks(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "shard1"
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--shard", "1/2", "--format", "json",
        "--rounds-dir", out, cwd=project,
    )  # fmt: skip
    report = _json(done)
    names = {b["name"] for b in report["benchmarks"]}
    half = shards.Shard(index=1, count=2)
    assert names
    assert all(shards.in_shard(name, half) for name in names)
    assert len(names) < 8
    assert shards.read(out).shard == half
    alone = run_cli("merge", out, "--format", "json", cwd=project)
    notes = " ".join(json.loads(alone.stdout)["notes"])
    assert "merged 1 of 2 shards; missing: shard 2/2" in notes


@pytest.mark.slow
def test_an_empty_shard_is_said_not_failed(project: Path, tmp_path: Path) -> None:
    names = [
        f"benchmarks/test_bench.py::test_{f}[{n}]"
        for f in ("work", "steady")
        for n in (20000, 22000, 24000, 26000)
    ]
    empty = next(
        k
        for k in range(1, 9)
        if not any(shards.in_shard(name, shards.Shard(index=k, count=8)) for name in names)
    )
    done = run_cli(
        "run", "--base", "HEAD~1", "--rounds", "2", "--shard", f"{empty}/8", "--format", "json",
        "--rounds-dir", tmp_path / "empty", cwd=project,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "inconclusive"
    assert f"shard {empty}/8 holds none of the suite's benchmarks" in report["notes"][0]


def test_bad_shards_are_one_line(project: Path) -> None:
    for text in ("0/4", "5/4", "x", "1/0"):
        done = run_cli("run", "--base", "HEAD~1", "--shard", text, cwd=project)
        assert done.returncode == 2
        assert "--shard" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_known_durations_are_balanced_the_same_way_every_time() -> None:
    durations = {f"t.py::test_{i}": float(d) for i, d in enumerate([9, 7, 6, 5, 4, 3, 3, 2, 1])}
    first = shards.assign(durations, 3)
    assert first == shards.assign(dict(reversed(list(durations.items()))), 3)  # order-free
    loads = [sum(d for n, d in durations.items() if first[n] == k) for k in (1, 2, 3)]
    assert max(loads) <= 4 / 3 * (sum(durations.values()) / 3)  # LPT's bound
    assert sorted(loads) == [13.0, 13.0, 14.0]
    every = [shards.Shard(index=k, count=3) for k in (1, 2, 3)]
    for name in durations:  # each benchmark in exactly the shard the map says
        assert [s.index for s in every if shards.in_shard(name, s, first)] == [first[name]]
    # one the map does not name (a new benchmark): the hash decides, in exactly one shard
    assert sum(shards.in_shard("t.py::test_new", s, first) for s in every) == 1


def test_the_plugin_follows_the_shard_map(tmp_path: Path) -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    (tmp_path / "test_b.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('n', range(6))\n"
        "def test_x(benchmark, n):\n    benchmark(lambda: None)\n"
    )
    names = [f"test_b.py::test_x[{n}]" for n in range(6)]
    chosen = {names[0]: 2, names[1]: 2, names[2]: 1}  # the rest by hash
    (tmp_path / "map.json").write_text(json.dumps(chosen))

    def collected(k: int) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
             "-p", "perfgate_plugin", f"--perfgate-shard={k}/2",
             f"--perfgate-shard-map={tmp_path / 'map.json'}", "test_b.py"],
            cwd=tmp_path, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return {line for line in done.stdout.splitlines() if line.startswith("test_b.py::")}

    one, two = collected(1), collected(2)
    assert one | two == set(names)
    assert not one & two
    assert {names[0], names[1]} <= two
    assert names[2] in one
    hashed = [n for n in names if n not in chosen]
    for name in hashed:
        assert (name in one) == shards.in_shard(name, shards.Shard(index=1, count=2))


@pytest.mark.slow
def test_a_shard_balances_by_the_base_commits_stored_durations(
    project: Path, tmp_path: Path
) -> None:
    """The history holds the base commit's run: shard 1/2 runs what the balanced map gives it
    (here the longest benchmark alone), not what the hash would."""
    from perfgate.formats.native import dumps  # noqa: PLC0415
    from perfgate.model import Benchmark, Metadata, Run  # noqa: PLC0415

    names = [
        f"benchmarks/test_bench.py::test_{f}[{n}]"
        for f in ("work", "steady")
        for n in (20000, 22000, 24000, 26000)
    ]
    longest = names[3]
    stored = Run(
        metadata=Metadata(commit=git(project, "rev-parse", "HEAD~1"), machine="ci"),
        benchmarks=tuple(
            Benchmark(
                name=name, short_name=name.rsplit("::", 1)[-1], unit="s",
                rounds=((1.0 if name == longest else 0.1,) * 10,),
            )
            for name in names
        ),
    )  # fmt: skip
    history = tmp_path / "stored.json"
    history.write_text(dumps(stored))
    db = tmp_path / "h.sqlite"
    assert run_cli("history", "import", history, "--db", db, cwd=project).returncode == 0
    (project / "perfgate.yml").write_text(CONFIG + f"history:\n  db: {db}\n")
    try:
        out = tmp_path / "balanced"
        done = run_cli(
            "run", "--base", "HEAD~1", "--rounds", "2", "--shard", "1/2", "--format", "json",
            "--rounds-dir", out, cwd=project,
        )  # fmt: skip
    finally:
        (project / "perfgate.yml").write_text(CONFIG)
    assert "8 benchmark(s) balanced by the base commit's stored durations" in done.stderr
    report = _json(done)
    # LPT: the 10 s benchmark alone on shard 1, the seven of 1 s each on shard 2
    assert {b["name"] for b in report["benchmarks"]} == {longest}
    assert json.loads((out / shards.MAP_FILE).read_text())[longest] == 1


@pytest.mark.slow
def test_an_unreadable_history_costs_only_the_balance(project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database at all" * 100)
    (project / "perfgate.yml").write_text(CONFIG + f"history:\n  db: {broken}\n")
    try:
        done = run_cli(
            "run", "--base", "HEAD~1", "--rounds", "2", "--shard", "1/2", "--format", "json",
            "--rounds-dir", tmp_path / "out", cwd=project,
        )  # fmt: skip
    finally:
        (project / "perfgate.yml").write_text(CONFIG)
    assert "history not read" in done.stderr
    assert "hashing node ids" in done.stderr
    names = {b["name"] for b in _json(done)["benchmarks"]}
    assert names
    assert all(shards.in_shard(name, shards.Shard(index=1, count=2)) for name in names)
