"""Change-point decisions on series with known steps (the real-history test is in test_history)."""

from __future__ import annotations

import numpy as np

from perfgate.decisions.changepoints import SEGMENTERS, detect, min_commits, rank_confidence


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


RAMPS = {  # levels between 1.0 and the new one, one commit each, from index 20 on
    "a 2x step with one commit that measured a middle value": [1.5],
    "a 4-commit ramp to 2x": [1.25, 1.5, 1.75],
    "5 commits of +15% each": [1.15, 1.15**2, 1.15**3, 1.15**4],
}


def _ramp(middle: list[float], sd: float, seed: int) -> list[float]:
    top = 1.15**5 if len(middle) == 4 else 2.0
    levels = [(20, 1.0), *((1, m) for m in middle), (20 - len(middle), top)]
    return _noisy(levels, sd=sd, seed=seed)


def test_a_change_spread_over_a_few_commits_is_one_change_from_its_first_to_its_last() -> None:
    """A slowdown split over commits passed every method as steps too short to test (or
    none at all); it is one change, from the first commit that left the old level to the
    first at the new one, with the total."""
    for name, middle in RAMPS.items():
        for method in ("asv-recursive+pelt-l1", "pelt-l1", "pelt-l2", "binseg-l2"):
            for seed in range(5):
                found = detect(_ramp(middle, sd=0.01, seed=seed), method=method)
                assert [(c.start, c.index) for c in found] == [(20, 20 + len(middle))], (
                    name, method, seed, found,
                )  # fmt: skip
                assert 0.9 < found[0].magnitude < 1.1
                assert found[0].ramp == len(middle)


def test_ramps_under_noise_are_found_and_steps_stay_steps() -> None:
    """With 3% noise a ramp is still one change near where it is, a clean step is never
    widened into a ramp, and flat noise has none."""
    for seed in range(10):
        for middle in RAMPS.values():
            (change,) = detect(_ramp(middle, sd=0.03, seed=seed))
            assert abs(change.start - 20) <= 1
            assert abs(change.index - (20 + len(middle))) <= 1
        (step,) = detect(_noisy([(20, 1.0), (20, 2.0)], sd=0.03, seed=seed))
        assert (step.start, step.index) == (20, 20)
        assert detect(_noisy([(40, 1.0)], sd=0.03, seed=seed)) == []


def test_a_spike_of_a_few_commits_is_two_changes_not_a_ramp() -> None:
    """Up, then back down three commits later (a regression reverted): the levels do not move
    one way, so it is not one change."""
    found = detect(_noisy([(20, 1.0), (4, 1.6), (20, 1.0)], sd=0.01, seed=1))
    assert [c.ramp for c in found] == [0, 0]
    assert [round(c.magnitude, 1) for c in found] == [0.6, -0.4]
