"""`perfgate compare`: real pytest-benchmark rounds for base and head, and the decision rules."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from perfgate.compare import classify, compare, grade
from perfgate.config import Config, Thresholds
from perfgate.formats import native
from perfgate.inference import RatioEstimate, estimate_ratio, holm
from perfgate.model import Benchmark, Run
from tests import harnesses
from tests.helpers import run_cli, validate_junit

# sleep-based: the slowdown is a fixed 10x that no load on the machine can hide or fake
SUITE = """
import time


def test_work(benchmark):
    benchmark(time.sleep, {work})


def test_steady(benchmark):
    benchmark(time.sleep, 0.002)


def test_{extra}(benchmark):
    benchmark(sum, range(10))
"""


def _rounds(folder: Path, count: int, work: float, extra: str) -> Path:
    side = folder / "rounds"
    side.mkdir(parents=True)
    for i in range(count):
        out = harnesses.run_pytest_benchmark(
            folder / f"r{i}", SUITE.format(work=work, extra=extra), min_rounds=30
        )
        shutil.copy(out, side / f"round-{i:03d}.json")
    return side


@pytest.fixture(scope="module")
def base_rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _rounds(tmp_path_factory.mktemp("base"), 5, 0.002, "removed_later")


@pytest.fixture(scope="module")
def slow_head_rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # test_work sleeps 10x as long: +900%, far over the critical 50% whatever else runs
    return _rounds(tmp_path_factory.mktemp("head"), 5, 0.02, "added_now")


def test_real_slowdown_is_critical_and_fails(base_rounds: Path, slow_head_rounds: Path) -> None:
    done = run_cli("compare", base_rounds, slow_head_rounds, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "fail"
    by_name = {b["name"].split("::")[-1]: b for b in report["benchmarks"]}
    work = by_name["test_work"]
    assert work["severity"] == "critical"
    assert work["change"]["direction"] == "slower"
    assert work["change"]["method"] == "paired-rounds"
    assert work["ratio"] > 1.5  # direction and severity, not the size of a real timing
    low, high = work["ci"]
    assert low <= work["ratio"] <= high
    assert work["base"]["rounds"] == work["head"]["rounds"] == 5
    assert report["benchmarks"][0]["name"].endswith("test_work")  # worst first
    assert [n.split("::")[-1] for n in report["added"]] == ["test_added_now"]
    assert [n.split("::")[-1] for n in report["removed"]] == ["test_removed_later"]


def test_same_results_on_both_sides_pass(base_rounds: Path) -> None:
    done = run_cli("compare", base_rounds, base_rounds, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {b["change"]["direction"] for b in report["benchmarks"]} == {"unchanged"}
    assert {b["ratio"] for b in report["benchmarks"]} == {1.0}


def test_table_and_markdown(base_rounds: Path, slow_head_rounds: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    done = run_cli(
        "compare", base_rounds, slow_head_rounds, "--format", "markdown", "--output", out
    )
    assert done.returncode == 1
    assert "perfgate compare: FAIL" in done.stdout
    assert "CRITICAL" in done.stdout
    text = out.read_text()
    assert text.startswith("### \u274c perfgate compare: fail")
    assert "| benchmark | base p95 | head p95 | change [95% CI] | severity |" in text
    assert "Only in head (added): `" in text


def test_junit_report_fails_the_slow_benchmark(
    base_rounds: Path, slow_head_rounds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.xml"  # .xml: JUnit, whatever --format says
    done = run_cli("compare", base_rounds, slow_head_rounds, "--output", out)
    assert done.returncode == 1
    root = validate_junit(out.read_text())
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name", "").split("::")[-1]: c for c in suite.iter("testcase")}
    work = cases["test_work"]
    failure = work.find("failure")
    assert failure is not None
    assert "critical slowdown: +" in failure.get("message", "")
    assert work.find("system-out") is not None
    assert cases["test_steady"].find("failure") is None  # unchanged: a passing testcase
    skipped = cases["test_removed_later"].find("skipped")  # only in base
    assert skipped is not None
    assert suite.get("failures") == "1"
    assert suite.get("skipped") == "1"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["verdict"] == "fail"
    assert str(props["added"]).endswith("test_added_now")


def test_single_round_is_capped_at_major(base_rounds: Path, slow_head_rounds: Path) -> None:
    first = sorted(base_rounds.iterdir())[0]
    head = sorted(slow_head_rounds.iterdir())[0]
    done = run_cli("compare", first, head, "--format", "json")
    assert done.returncode == 0, done.stderr  # major does not fail under fail-on: critical
    report = json.loads(done.stdout)
    work = next(b for b in report["benchmarks"] if b["name"].endswith("test_work"))
    assert work["change"]["method"] == "within-process"
    assert work["severity"] == "major"
    assert "capped at major" in work["change"]["note"]
    assert report["notes"]


def test_fail_on_major_fails_a_capped_comparison(
    base_rounds: Path, slow_head_rounds: Path, tmp_path: Path
) -> None:
    config = tmp_path / "perfgate.yml"
    config.write_text("version: 1\nfail-on: major\n")
    first = sorted(base_rounds.iterdir())[0]
    head = sorted(slow_head_rounds.iterdir())[0]
    done = run_cli("compare", first, head, "--config", config)
    assert done.returncode == 1


def test_no_benchmark_in_common(base_rounds: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    run = Run(benchmarks=(Benchmark(name="x", short_name="x", unit="s", rounds=((1.0,),)),))
    other.write_text(native.dumps(run))
    done = run_cli("compare", base_rounds, other)
    assert done.returncode == 2
    assert "no benchmark in common" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_throughput_drop_is_a_slowdown(tmp_path: Path) -> None:
    def side(value: float) -> Path:
        folder = tmp_path / str(value)
        folder.mkdir()
        for r in range(5):
            samples = tuple(value * (1 + 0.01 * ((r + i) % 3)) for i in range(20))
            run = Run(
                benchmarks=(
                    Benchmark(
                        name="ops",
                        short_name="ops",
                        unit="ops/s",
                        direction="higher",
                        rounds=(samples,),
                    ),
                )
            )
            (folder / f"round-{r}.json").write_text(native.dumps(run))
        return folder

    done = run_cli("compare", side(1000.0), side(500.0), "--format", "json")
    report = json.loads(done.stdout)
    [ops] = report["benchmarks"]
    assert ops["change"]["direction"] == "slower"
    assert ops["severity"] == "critical"
    assert done.returncode == 1


def test_two_rounds_are_capped_at_major_and_not_decided() -> None:
    """A/A on 200 benchmarks with 2 rounds once drew a false critical: 1 degree of freedom."""
    estimate = RatioEstimate(
        ratio=1.8, low=1.6, high=2.0, p_value=1e-6, method="paired-rounds", rounds=2
    )
    change = classify(estimate, 1e-4, "lower", Thresholds())
    assert (change.severity, change.decisive) == ("major", False)
    assert change.note is not None
    assert "fewer than 3 rounds" in change.note
    three = classify(replace(estimate, rounds=3), 1e-4, "lower", Thresholds())
    assert (three.severity, three.decisive) == ("critical", True)
    # and from real rounds: estimate_ratio counts them, and the report says why it is capped
    base = [[1.0, 1.1, 1.0], [1.05, 1.0, 1.1]]
    head = [[2.0, 2.2, 2.0], [2.1, 2.0, 2.3]]
    assert estimate_ratio(base, head, "p95", paired=True, confidence=0.95).rounds == 2

    def side(rounds: list[list[float]]) -> list[Benchmark]:
        return [Benchmark(name="b", short_name="b", unit="s", rounds=tuple(map(tuple, rounds)))]

    report = compare(side(base), side(head), Config())
    assert any("fewer than 3 rounds per side are capped at major" in n for n in report.notes)


def test_holm_matches_the_textbook_example() -> None:
    # p-values 0.01, 0.04, 0.03, 0.005 -> sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def _estimate(
    ratio: float, low: float, high: float, method: str = "paired-rounds"
) -> RatioEstimate:
    return RatioEstimate(ratio=ratio, low=low, high=high, p_value=0.001, method=method)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ratio", "low", "high", "severity", "direction"),
    [
        (1.05, 1.03, 1.07, "none", "slower"),  # significant but wholly below +10%
        (1.09, 1.07, 1.11, "minor", "slower"),  # reaches +10%
        (1.25, 1.22, 1.28, "major", "slower"),
        (1.49, 1.45, 1.53, "critical", "slower"),  # reaches +50%
        (0.70, 0.65, 0.75, "critical", "faster"),  # could be 1/0.65 = 1.54x faster
        (0.90, 0.88, 0.93, "minor", "faster"),  # 1/0.88 = 1.14x faster
    ],
)
def test_severity_is_the_highest_threshold_the_interval_reaches(
    ratio: float, low: float, high: float, severity: str, direction: str
) -> None:
    change = classify(_estimate(ratio, low, high), 0.001, "lower", Thresholds())
    assert change.direction == direction
    assert change.severity == severity
    assert change.significant


def test_grade_boundaries() -> None:
    assert grade(1.0999, Thresholds()) == "none"
    assert grade(1.10, Thresholds()) == "minor"
    assert grade(1.50, Thresholds()) == "critical"


def test_not_significant_is_never_flagged() -> None:
    change = classify(_estimate(1.3, 0.9, 1.8), 0.2, "lower", Thresholds())
    assert change.direction == "unchanged"
    assert change.severity == "none"


def test_decisive_when_interval_clears_the_minor_threshold() -> None:
    assert classify(_estimate(1.02, 1.0, 1.05), 0.5, "lower", Thresholds()).decisive
    assert classify(_estimate(1.3, 1.2, 1.4), 0.001, "lower", Thresholds()).decisive
    assert not classify(_estimate(1.08, 1.02, 1.14), 0.01, "lower", Thresholds()).decisive
    # its own interval clears +10%, but after Holm it is not significant yet: more rounds
    assert not classify(_estimate(1.3, 1.2, 1.4), 0.2, "lower", Thresholds()).decisive


def test_paired_rounds_cancel_shared_drift() -> None:
    # each round drifts by up to +-20% on both sides alike; head is 3% slower in every pair
    drift = [1.0, 1.2, 0.85, 1.1, 0.9]
    base = [[d * (1 + 0.001 * i) for i in range(30)] for d in drift]
    head = [[1.03 * v for v in r] for r in base]
    paired = estimate_ratio(base, head, "p95", paired=True, confidence=0.95)
    unpaired = estimate_ratio(base, head, "p95", paired=False, confidence=0.95)
    assert paired.ratio == pytest.approx(1.03)
    assert paired.high - paired.low < 1e-9  # the drift cancels exactly
    assert unpaired.high - unpaired.low > 0.2  # without pairing the drift is noise
