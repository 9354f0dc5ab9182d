"""`perfgate compare`: real pytest-benchmark rounds for base and head, and the decision rules."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from perfgate.config import Config, Thresholds
from perfgate.decisions.compare import classify, compare, deciding_threshold, grade
from perfgate.decisions.inference import (
    Evidence,
    RatioEstimate,
    fit_prior,
    fit_tau2,
    holm,
    holm_levels,
    infer,
    measure,
    measure_stored,
    order_statistic_coverage,
    remove_speed_factor,
)
from perfgate.decisions.stats import two_groups
from perfgate.formats import native
from perfgate.github.comment import Context, render_comment
from perfgate.model import Benchmark, Run
from perfgate.report import render
from tests import harnesses
from tests.helpers import run_cli, validate_junit
from tests.report.test_render import shown_against_change

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
    assert shown_against_change(report) == []  # real rounds: the columns agree too
    assert report["benchmarks"][0]["name"].endswith("test_work")  # worst first
    assert [n.split("::")[-1] for n in report["added"]] == ["test_added_now"]
    assert [n.split("::")[-1] for n in report["removed"]] == ["test_removed_later"]


def test_an_accepted_slowdown_passes_and_says_so(
    base_rounds: Path, slow_head_rounds: Path, tmp_path: Path
) -> None:
    """--accept NAME=REASON (the short name the table prints): the critical row passes the
    gate, keeps its severity and says it was accepted and why, in every output; a name that
    flags nothing accepts nothing."""
    md = tmp_path / "report.md"
    done = run_cli(
        "compare", base_rounds, slow_head_rounds, "--accept", "test_work=trades speed for a fix",
        "--output", tmp_path / "report.json", "--output", md,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verdict"] == "pass"
    assert report["accepted"] == {"test_work": "trades speed for a fix"}
    work = next(b for b in report["benchmarks"] if b["name"].endswith("test_work"))
    assert work["severity"] == "critical"
    assert work["gate"]["fails"] is False
    assert work["gate"]["accepted"] == "trades speed for a fix"
    assert work["gate"]["reasons"][0] == "accepted (trades speed for a fix)"
    assert "CRITICAL (accepted)" in done.stdout  # the table
    assert "accepted: trades speed for a fix" in md.read_text()
    hostile = run_cli(
        "compare", base_rounds, slow_head_rounds, "--accept", "test_work=<b>[x](y)</b> @all",
        "--format", "markdown",
    )  # fmt: skip
    assert hostile.returncode == 0, hostile.stderr
    assert "<b>" not in hostile.stdout  # the reason is escaped, as every user text is
    assert "[x](y)" not in hostile.stdout
    other = run_cli("compare", base_rounds, slow_head_rounds, "--accept", "test_steady")
    assert other.returncode == 1, other.stderr  # the unaccepted slowdown still fails
    assert run_cli("compare", base_rounds, slow_head_rounds, "--accept", "=x").returncode == 2


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
    assert "| benchmark | base p25 | head p25 | change in p25 [95% CI] | severity |" in text
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


def test_a_single_round_a_side_still_fails_a_large_slowdown(
    base_rounds: Path, slow_head_rounds: Path
) -> None:
    """One file a side (asv's shape): no cap; the noise between processes comes from the
    suite (here too small a suite: the measured default), and 10x fails the gate."""
    first = sorted(base_rounds.iterdir())[0]
    head = sorted(slow_head_rounds.iterdir())[0]
    done = run_cli("compare", first, head, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    work = next(b for b in report["benchmarks"] if b["name"].endswith("test_work"))
    assert work["change"]["method"] == "within-process"
    assert work["severity"] == "critical"
    steady = next(b for b in report["benchmarks"] if b["name"].endswith("test_steady"))
    assert steady["severity"] == "none"
    assert any("spread of the whole suite" in note for note in report["notes"])


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


def test_holm_matches_the_textbook_example() -> None:
    # p-values 0.01, 0.04, 0.03, 0.005 -> sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def _estimate(
    ratio: float, low: float, high: float, p_adjusted: float = 0.001, upper: float | None = None
) -> RatioEstimate:
    return RatioEstimate(
        ratio=ratio, low=low, high=high, upper=upper or high, lower=low, p_value=p_adjusted / 10,
        p_adjusted=p_adjusted, method="paired-rounds", rounds=5,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("ratio", "low", "high", "severity", "direction"),
    [
        (1.05, 1.03, 1.07, "none", "slower"),  # significant but wholly below +10%
        (1.05, 1.01, 1.11, "none", "slower"),  # reaches +10%, but measured below the +7% floor
        (1.09, 1.07, 1.11, "minor", "slower"),  # measured +9%, reaches +10%: flagged, minor
        (1.25, 1.22, 1.28, "major", "slower"),
        (1.30, 1.12, 1.73, "major", "slower"),  # reaches +50%, measured +30%: major, not more
        (1.49, 1.45, 1.53, "major", "slower"),  # measured +49%: not critical
        (1.52, 1.15, 2.10, "critical", "slower"),  # measured +52%, however wide
        (0.70, 0.65, 0.75, "major", "faster"),  # 1/0.70 = 1.43x faster
        (0.65, 0.60, 0.70, "critical", "faster"),  # 1/0.65 = 1.54x faster
        (0.90, 0.88, 0.93, "minor", "faster"),  # 1/0.90 = 1.11x faster
    ],
)
def test_severity_is_the_highest_threshold_the_measured_change_reaches(
    ratio: float, low: float, high: float, severity: str, direction: str
) -> None:
    change = classify(_estimate(ratio, low, high), "lower", Thresholds())
    assert change.direction == direction
    assert change.severity == severity
    assert change.significant
    assert (change.low, change.high) == (low, high)  # the suite-wide interval, kept
    assert change.interval == "suite-wide"


def test_grade_boundaries() -> None:
    assert grade(1.0999, Thresholds()) == "none"
    assert grade(1.10, Thresholds()) == "minor"
    assert grade(1.50, Thresholds()) == "critical"


def test_not_significant_is_unchanged_only_when_a_minor_slowdown_is_ruled_out() -> None:
    undecided = classify(_estimate(1.3, 0.9, 1.8, p_adjusted=0.2, upper=1.7), "lower", Thresholds())
    assert (undecided.direction, undecided.severity) == ("inconclusive", "none")
    assert undecided.upper == 1.7
    # the interval shown is the one the label rests on: it ends at the bound the label names
    assert (undecided.low, undecided.high, undecided.interval) == (0.9, 1.7, "one-sided")
    ruled_out = classify(
        _estimate(1.01, 0.97, 1.06, p_adjusted=0.6, upper=1.05), "lower", Thresholds()
    )
    assert ruled_out.direction == "unchanged"
    assert ruled_out.decisive


def test_decisive_when_interval_clears_the_minor_threshold() -> None:
    assert classify(_estimate(1.02, 1.0, 1.05, 0.5), "lower", Thresholds()).decisive
    assert classify(_estimate(1.3, 1.2, 1.4), "lower", Thresholds()).decisive
    assert not classify(_estimate(1.08, 1.02, 1.14, 0.01), "lower", Thresholds()).decisive
    # significant and past +10%, but its interval straddles +50%: its severity is not settled
    assert not classify(_estimate(1.39, 1.12, 1.73), "lower", Thresholds()).decisive
    assert classify(_estimate(2.0, 1.7, 2.3), "lower", Thresholds()).decisive
    # its own interval clears +10%, but after Holm it is not significant yet: more rounds
    assert not classify(_estimate(1.3, 1.2, 1.4, 0.2), "lower", Thresholds()).decisive


def test_decisive_means_clear_of_the_threshold_that_fails_the_gate() -> None:
    """Under `fail-on: major` a +30% row whose interval reaches below +20% is not settled
    (more rounds may move it under the gate), though it is clear of +50%."""
    straddles_major = _estimate(1.3, 1.15, 1.45)
    assert classify(straddles_major, "lower", Thresholds()).decisive
    assert deciding_threshold("major", Thresholds()) == 0.20
    assert not classify(straddles_major, "lower", Thresholds(), deciding=0.20).decisive
    assert classify(_estimate(1.3, 1.22, 1.4), "lower", Thresholds(), deciding=0.20).decisive
    assert deciding_threshold("warning", Thresholds()) == 0.10
    assert deciding_threshold("critical", Thresholds()) == 0.50
    assert deciding_threshold("never", Thresholds()) == 0.50


def test_holm_levels_make_labels_and_intervals_agree() -> None:
    p = [0.001, 0.004, 0.03, 0.2, 0.0001]
    adjusted = holm(p)
    levels = holm_levels(p, adjusted, 0.05)
    # rejected rows: their own step; the others: the step where Holm stopped (5 - 2 = 3)
    assert [a < 0.05 for a in adjusted] == [True, True, False, False, True]
    assert levels == [4, 3, 2, 2, 5]
    for p_i, a, m in zip(p, adjusted, levels, strict=True):
        assert (p_i * m < 0.05) == (a < 0.05)  # the interval excludes 0 exactly when rejected


def test_the_prior_borrows_strength_across_the_suite() -> None:
    rng = np.random.default_rng(3)
    # 200 benchmarks, 3 rounds each, all with the same true variance 0.01
    variances = [float(np.var(rng.normal(0, 0.1, 3), ddof=1)) for _ in range(200)]
    d0, s0 = fit_prior(variances, [2] * 200)
    assert d0 > 20  # the suite says every benchmark has about the same noise
    assert s0 == pytest.approx(0.01, rel=0.25)
    # very different noise levels: little to borrow
    mixed = [v * s for v, s in zip(variances, np.geomspace(0.01, 100, 200), strict=True)]
    assert fit_prior(mixed, [2] * 200)[0] < 3


def test_the_suite_noise_fit_ignores_a_change_of_every_benchmark() -> None:
    rng = np.random.default_rng(4)
    logs = rng.normal(0, 0.03, 60)
    within = np.full(60, 0.01**2)
    tau2 = fit_tau2(logs, within)
    assert math.sqrt(tau2 + 0.01**2) == pytest.approx(0.03, rel=0.3)
    assert fit_tau2(logs + math.log(1.5), within) == pytest.approx(tau2)


def test_the_speed_factor_is_removed_and_the_mean_kept() -> None:
    rng = np.random.default_rng(5)
    pairs = np.array([0.0, 0.3, -0.2, 0.1, -0.1])  # each pair's process speed, shared
    evidence = [
        Evidence(method="paired-rounds", diffs=tuple(0.25 + pairs + rng.normal(0, 0.01, 5)))
        for _ in range(20)
    ]
    adjusted = remove_speed_factor(evidence)
    for before, after in zip(evidence, adjusted, strict=True):
        assert np.mean(after.diffs) == pytest.approx(np.mean(before.diffs))  # +28% stays
        assert np.std(after.diffs) < np.std(before.diffs) / 5
    estimates = infer(evidence)
    assert all(e.p_adjusted < 0.05 and e.low > 1.2 for e in estimates)


def test_fewer_than_three_rounds_are_pooled() -> None:
    base = [[1.0, 1.1, 1.2], [1.05, 1.0, 1.1]]
    head = [[2.0, 2.2, 2.0], [2.1, 2.0, 2.3]]
    assert measure(base, head, "p25").method == "within-process"
    assert measure([*base, base[0]], [*head, head[0]], "p25").method == "paired-rounds"


def test_stored_statistics_are_evidence() -> None:
    base = {"p50": 1.0, "ci99_low": 0.9, "ci99_high": 1.1}
    head = {"p50": 1.5, "p25": 1.4, "p75": 1.6, "n": 10}
    found = measure_stored(base, head)
    assert found is not None
    assert found.method == "stored-statistics"
    assert found.log_ratio == pytest.approx(math.log(1.5))
    assert found.within_var > 0
    assert measure_stored({"p25": 1.0}, head) is None


@pytest.mark.parametrize("count", [8, 10, 12, 20, 35, 100])
def test_a_stored_interval_is_read_at_the_coverage_asv_gave_it(count: int) -> None:
    from asv_runner.statistics import compute_stats  # noqa: PLC0415

    order = random.Random(count).sample(range(count), count)  # noqa: S311 - distinct, shuffled
    samples = [1.0 + 0.01 * k for k in order]
    _, stats = compute_stats(samples, 1)
    ordered = sorted(samples)
    low, high = ordered.index(stats["ci_99_a"]), ordered.index(stats["ci_99_b"])
    # asv's interval is the (low+1)-th to (high+1)-th smallest: P(low < K <= high) covers it
    expected = sum(math.comb(count, k) for k in range(low + 1, high + 1)) / 2**count
    coverage = order_statistic_coverage(count, 0.01)
    assert coverage is not None
    assert coverage == pytest.approx(expected)
    assert coverage >= 0.99


def test_ten_samples_stored_by_asv_are_not_read_as_a_wider_error() -> None:
    # asv's "99%" interval of 10 samples is their range, a 99.8% interval: the standard
    # error read from it is 2.58 / 3.10 of what a 99% reading would give
    stored = {"p50": 1.0, "ci99_low": 0.9, "ci99_high": 1.1}
    counted = measure_stored({**stored, "n": 10}, {**stored, "n": 10})
    uncounted = measure_stored(stored, stored)
    assert counted is not None
    assert uncounted is not None
    assert math.sqrt(counted.within_var / uncounted.within_var) == pytest.approx(
        2.5758 / 3.0973, rel=1e-3
    )


def test_paired_rounds_cancel_shared_drift() -> None:
    # each round drifts by up to +-20% on both sides alike; head is 3% slower in every pair
    drift = [1.0, 1.2, 0.85, 1.1, 0.9]
    base = [[d * (1 + 0.001 * i) for i in range(30)] for d in drift]
    head = [[1.03 * v for v in r] for r in base]
    [paired] = infer([measure(base, head, "p95", paired=True)])
    [unpaired] = infer([measure(base, head, "p95", paired=False)])
    assert paired.ratio == pytest.approx(1.03)
    assert paired.high - paired.low < 1e-9  # the drift cancels exactly
    assert unpaired.high - unpaired.low > 0.2  # without pairing the drift is noise


def test_a_comparison_that_assessed_nothing_is_inconclusive(tmp_path: Path) -> None:
    """One measurement a side (a memory reading) cannot be compared: the verdict says so, and
    `fail-on: inconclusive` fails on it."""
    for side, value in (("base", 1000.0), ("head", 1200.0)):
        bench = Benchmark(name="mem", short_name="mem", unit="B", rounds=((value,),))
        (tmp_path / f"{side}.json").write_text(native.dumps(Run(benchmarks=(bench,))))
    done = run_cli("compare", tmp_path / "base.json", tmp_path / "head.json", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "inconclusive"
    assert report["benchmarks"][0]["gate"]["reasons"][0].startswith("inconclusive: not assessed")
    table = run_cli("compare", tmp_path / "base.json", tmp_path / "head.json")
    assert "perfgate compare: INCONCLUSIVE" in table.stdout
    assert "not assessed" in table.stdout
    strict = run_cli(
        "compare", tmp_path / "base.json", tmp_path / "head.json", "--fail-on", "inconclusive"
    )
    assert strict.returncode == 1


def test_undecided_rows_are_shown_unfolded_in_the_comment() -> None:
    rng = np.random.default_rng(7)

    def bench(name: str, spread: float, level: float) -> Benchmark:
        rounds = tuple(tuple(level * np.exp(rng.normal(0, spread, 20))) for _ in range(3))
        return Benchmark(name=name, short_name=name, unit="s", rounds=rounds)

    base = [bench(f"quiet{i}", 0.002, 1e-3) for i in range(6)] + [bench("noisy", 0.4, 1e-3)]
    head = [bench(f"quiet{i}", 0.002, 1e-3) for i in range(6)] + [bench("noisy", 0.4, 1e-3)]
    report = compare(base, head, Config())
    noisy = next(r for r in report.rows if r.name == "noisy")
    assert noisy.inconclusive
    assert noisy.change is not None
    assert noisy.change.upper >= 1.1
    comment = render_comment(report, Context())
    shown, _, folded = comment.partition("<details>")
    assert "`noisy`" in shown
    assert "inconclusive: up to +" in shown
    assert "`noisy`" not in folded
    assert "1 inconclusive" in comment.splitlines()[1]
    # a pass that left a row undecided says how much it decided, and carries no tick
    assert report.verdict == "pass"
    assert "6 of 7 decided, 1 inconclusive" in comment.splitlines()[1]
    assert "\u2705" not in comment.splitlines()[1]
    table = render(report, "table", width=120)
    assert table.splitlines()[0] == "perfgate compare: PASS (6 of 7 decided, 1 inconclusive)"
    markdown = render(report, "markdown")
    assert markdown.startswith("### \u26a0\ufe0f perfgate compare: pass \u2014 6 of 7 decided")


def test_a_row_undecided_by_two_groups_of_samples_says_so() -> None:
    """A benchmark that takes one of two paths per call (1 ms or 2 ms), in a share that moves
    from round to round: each round's p25 lands in either group, so its change stays
    undecided, and the row says why instead of only "inconclusive"."""
    rng = np.random.default_rng(11)

    def steady(name: str) -> Benchmark:
        rounds = tuple(tuple(1e-3 * np.exp(rng.normal(0, 0.01, 40))) for _ in range(6))
        return Benchmark(name=name, short_name=name, unit="s", rounds=rounds)

    def two_paths(slow_shares: list[float]) -> Benchmark:
        rounds = tuple(
            tuple(
                (2e-3 if rng.random() < share else 1e-3) * np.exp(rng.normal(0, 0.01))
                for _ in range(40)
            )
            for share in slow_shares
        )
        return Benchmark(name="paths", short_name="paths", unit="s", rounds=rounds)

    base = [steady(f"quiet{i}") for i in range(5)] + [two_paths([0.1, 0.9, 0.1, 0.9, 0.1, 0.9])]
    head = [steady(f"quiet{i}") for i in range(5)] + [two_paths([0.9, 0.1, 0.9, 0.1, 0.9, 0.9])]
    report = compare(base, head, Config())
    rows = {row.name: row for row in report.rows}
    paths = rows["paths"]
    assert paths.inconclusive
    assert paths.change is not None
    assert paths.change.note is not None
    assert re.search(
        r"samples fall into two groups \(about (1000 us|1.00 ms) and 2.00 ms", paths.change.note
    )
    assert "each round's p25 lands in either" in paths.change.note
    assert all(rows[f"quiet{i}"].change.note is None for i in range(5))  # type: ignore[union-attr]
    assert "two groups" in render(report, "markdown")


def test_two_groups_are_not_a_long_tail() -> None:
    rng = np.random.default_rng(3)
    tail = 1e-3 * np.exp(np.abs(rng.standard_cauchy(400)) * 0.05)  # a one-sided heavy tail
    assert two_groups(tail) is None
    assert two_groups(1e-3 * np.exp(rng.normal(0, 0.2, 400))) is None  # wide, one group
    split = two_groups(
        np.r_[np.full(50, 1e-3), np.full(30, 3e-3)] * np.exp(rng.normal(0, 0.01, 80))
    )
    assert split is not None
    assert abs(split.share - 30 / 80) < 1e-9
    assert 1e-3 < split.edge < 3e-3
