"""Change-point decisions on series with known steps (the real-history test is in test_history)."""

from __future__ import annotations

import numpy as np

from perfgate.changepoints import SEGMENTERS, detect, min_commits, rank_confidence


def _noisy(levels: list[tuple[int, float]], sd: float = 0.02, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    values = np.concatenate([np.full(n, level) for n, level in levels])
    return list(values * np.exp(rng.normal(0, sd, values.size)))


def test_a_step_is_found_where_it_is_with_its_size() -> None:
    (change,) = detect(_noisy([(80, 1.0), (80, 1.3)]))
    assert abs(change.index - 80) <= 1
    assert 0.25 < change.magnitude < 0.35
    assert change.confidence > 0.999
    assert change.before < change.after


def test_flat_noise_and_small_steps_are_not_reported() -> None:
    for seed in range(5):
        assert detect(_noisy([(200, 1.0)], seed=seed)) == []
    # a real 3% step is under the 5% magnitude floor
    assert detect(_noisy([(100, 1.0), (100, 1.03)], sd=0.005)) == []
    assert detect(_noisy([(100, 1.0), (100, 1.03)], sd=0.005), min_change=0.01)


def test_recursion_finds_a_step_beside_a_much_larger_one() -> None:
    values = _noisy([(300, 1.0), (60, 3.0), (300, 2.1)], sd=0.05)
    found = detect(values)
    assert any(abs(c.index - 360) <= 3 and c.magnitude < -0.2 for c in found), found
    assert any(abs(c.index - 300) <= 3 and c.magnitude > 1.5 for c in found), found
    one_pass = detect(values, method="asv")
    assert len(one_pass) <= len(found)


def test_one_wild_point_is_not_a_step() -> None:
    values = _noisy([(100, 1.0)], sd=0.01)
    values[50] = 10.0
    assert detect(values) == []


def test_rank_confidence_is_zero_without_data_on_a_side() -> None:
    assert rank_confidence([1.0], [2.0, 3.0]) == 0.0
    assert rank_confidence([1.0, 1.1, 1.2, 0.9], [2.0, 2.1, 2.2, 1.9]) > 0.95


def test_every_method_names_the_commit_where_the_step_is() -> None:
    """ruptures' default jump of 5 put a step at index 28 on 30 (PELT) or 25 and 30 (BinSeg),
    naming a commit up to 4 away; bisect and notify then searched the wrong range."""
    values = _noisy([(28, 1.0), (30, 1.6)], sd=0.01, seed=3)
    for method in ("pelt-l1", "pelt-l2", "binseg-l2", "asv-recursive+pelt-l1"):
        assert SEGMENTERS[method](values) == [28], method
    assert [c.index for c in detect(values)] == [28]


def test_the_rank_test_needs_ten_commits_at_the_default_confidence() -> None:
    assert min_commits() == 10  # 5 and 5: 2 / C(10, 5) = 0.0079 <= 0.01; 9 never gets there
    assert min_commits(0.95) == 8
