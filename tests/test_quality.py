"""The detection-quality benchmark: its rules decide as the tools do, perfgate's rule is the
code ``compare`` runs, and the benchmark runs end to end on the shared data (skipped without)."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from benchmarks import quality, quality_rules
from benchmarks.quality_data import django_jobs
from benchmarks.quality_tally import Tally
from scipy import stats

from perfgate.config import Config
from perfgate.decisions.compare import assess_changes
from perfgate.model import Benchmark

ROOT = Path(__file__).resolve().parents[1]


def noisy(level: float, count: int, seed: int, spread: float = 0.01) -> list[float]:
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    return [level * (1 + rng.gauss(0, spread)) for _ in range(count)]


def test_asv_rule_is_asvs_factor_and_its_own_test() -> None:
    base = noisy(1.0, 10, 1)
    assert not quality_rules.asv_compare(base, base)
    assert quality_rules.asv_compare(base, [x * 1.3 for x in base])
    assert not quality_rules.asv_compare(base, [x * 1.05 for x in base])  # under factor 1.1
    # 30% slower in the median, but one sample per side: asv has nothing to test, factor only
    assert quality_rules.asv_compare([1.0], [1.3])
    # 30% slower in the median, but the samples overlap: asv's test says not different
    wide = noisy(1.0, 10, 2, spread=0.5)
    assert not quality_rules.asv_compare(wide, [x * 1.3 for x in noisy(1.0, 10, 3, 0.5)])


def test_pytest_benchmark_rule_is_its_mean_percentage_check() -> None:
    base = [1.0, 1.0, 1.0]
    assert quality_rules.pytest_benchmark_fails(base, [1.11, 1.11, 1.11])
    assert not quality_rules.pytest_benchmark_fails(base, [1.09, 1.09, 1.09])
    # the mean, not the median: one slow sample is enough
    assert quality_rules.pytest_benchmark_fails(base, [1.0, 1.0, 1.4])


def test_stored_value_rules() -> None:
    assert quality_rules.gab_alert(1.0, 1.51, 1.5)
    assert not quality_rules.gab_alert(1.0, 1.49, 1.5)
    stored = [5.0] * 20 + [1.0] * 10  # only the last 10 count
    assert quality_rules.median_baseline(stored, 1.11, 0.10)
    assert not quality_rules.median_baseline(stored, 1.09, 0.10)
    window = noisy(100.0, 30, 4)
    limit = np.mean(window) + stats.t.ppf(0.99, 29) * np.std(window, ddof=1)
    assert quality_rules.bencher_t_test(window, limit * 1.0001)
    assert not quality_rules.bencher_t_test(window, limit * 0.9999)
    assert not quality_rules.bencher_t_test([100.0], 1e9)  # no window yet: no alert
    # the window is the last 64 values
    assert quality_rules.bencher_t_test([1e6] * 10 + window * 3, limit * 1.5)


def suite(seed: int, count: int = 6, rounds: int = 4) -> tuple[list[Benchmark], list[Benchmark]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    base: list[Benchmark] = []
    head: list[Benchmark] = []
    for i in range(count):
        level = 10 ** rng.uniform(-5, -1)
        for side in (base, head):
            side.append(
                Benchmark(
                    name=f"b{i}",
                    short_name=f"b{i}",
                    unit="s",
                    rounds=tuple(
                        tuple(noisy(level * rng.uniform(0.95, 1.05), 20, rng.randrange(10**6)))
                        for _ in range(rounds)
                    ),
                )
            )
    return base, head


def test_perfgate_rule_is_what_compare_decides() -> None:
    config = Config()
    for seed in range(5):
        base, head = suite(seed)
        expected = assess_changes(base, head, config)
        evidence = [
            quality_rules.perfgate_evidence(b.name, b.rounds, h.rounds, config)
            for b, h in zip(base, head, strict=True)
        ]
        decided = quality_rules.perfgate_decide(evidence, config)
        assert [expected[b.name] for b in base] == decided
        # one benchmark slowed in its suite: the same as compare on that suite, whether the
        # slowdown is measured from scaled samples or shifted evidence
        slowed = replace(head[2], rounds=quality.scale(head[2].rounds, 1.4))
        changed = quality_rules.perfgate_evidence("b2", base[2].rounds, slowed.rounds, config)
        lone = quality_rules.perfgate_one_changed(evidence, 2, changed, config)
        whole = assess_changes(base, [*head[:2], slowed, *head[3:]], config)
        assert lone == whole["b2"]
        assert lone.direction == "slower"
        shifted = quality.Perfgate(config).lone(evidence, 2, 1.4)
        assert shifted.direction == lone.direction
        assert shifted.ratio == pytest.approx(lone.ratio, rel=1e-9)


def test_tally_rows_and_where_perfgate_is_not_best() -> None:
    ours, other = Tally("**perfgate default**", "same job"), Tally("asv compare", "same job")
    for tally, hits in ((ours, 3), (other, 4)):
        for k in range(4):
            tally.unchanged(alarm=False, critical=False)
            tally.slowed(0.10, alarm=k < hits, critical=False)
        tally.suite(alarmed=False)
    assert "| 75% |" in ours.row()
    lines = quality.not_best([ours, other], ours)
    assert lines == ["- recall +10%: asv compare (same job) 100% vs perfgate (same job) 75%"]
    assert quality.not_best([ours], ours) == []


def test_write_keeps_the_prose_around_the_tables(tmp_path: Path) -> None:
    out = tmp_path / "quality.md"
    quality.write(out, f"{quality.BEGIN}\nold\n{quality.END}\n")
    out.write_text("# Title\n\nprose before\n\n" + out.read_text().split("\n\n", 1)[1] + "after\n")
    quality.write(out, f"{quality.BEGIN}\nnew\n{quality.END}\n")
    text = out.read_text()
    assert "prose before" in text
    assert text.endswith("after\n")
    assert "new" in text
    assert "old" not in text


def test_django_jobs_pair_two_rounds_a_side(shared_data: Path) -> None:
    jobs = django_jobs(shared_data / "django-asv" / "results" / "ubuntu-latest")
    assert len(jobs) >= 400
    assert [j.started for j in jobs] == sorted(j.started for j in jobs)
    for job in jobs[:20]:
        assert len(job.common()) >= 20
        for rounds in (*job.base.values(), *job.head.values()):
            assert [len(r) for r in rounds] == [5, 5]


@pytest.mark.slow
@pytest.mark.usefixtures("shared_data")
def test_quality_runs_end_to_end_on_the_shared_data(tmp_path: Path) -> None:
    out = tmp_path / "quality.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.quality",
            "--trials",
            "3",
            "--max-jobs",
            "25",
            "--no-live",
            "--output",
            str(out),
            "--cache",
            str(tmp_path / "history.sqlite"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    for rule in (
        "**perfgate default**",
        "asv compare (1.1)",
        "pytest-benchmark mean:10%",
        "github-action-benchmark 200% (its default)",
        "median of last 10, 10% / 50%",
        "Bencher t-test (0.99)",
    ):
        assert f"| {rule} |" in text
    assert "--max-jobs 25" in text
    assert "perfgate / theoretical" in text
    # a 50% slowdown at 10 rounds is found far more often than a 2% one
    row = next(line for line in text.splitlines() if "| 10 rounds a side (5 jobs) |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[9].split("%")[0]) > float(cells[5].split("%")[0])
