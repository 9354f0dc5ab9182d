"""The exact bootstrap and the sorted-quantile fast path against what they replace: numpy's
percentile bit for bit, and a Monte Carlo bootstrap with many resamples."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perfgate.decisions.inference import _bootstrap_plan, exact_bootstrap_log
from perfgate.decisions.quantiles import sorted_quantiles
from perfgate.decisions.stats import sorted_quantile_array, statistic, statistic_rows

DATA = Path(__file__).parent / "data" / "pytest-benchmark.json"
QUANTILES = {"min": 0.0, "p25": 0.25, "p50": 0.5, "p95": 0.95, "p99": 0.99, "max": 1.0}


def test_sorted_quantiles_are_numpys_percentiles_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    for trial in range(2000):
        values = rng.lognormal(0.0, 1.0, int(rng.integers(1, 500))) * 10.0 ** -int(trial % 9)
        if trial % 3 == 0:  # ties, as a timer's resolution makes them
            values = np.round(values, 1) + 0.1
        percents = [0, 25, 50, 75, 95, 99, 100, float(rng.uniform(0, 100))]
        got = sorted_quantiles(np.sort(values), [p / 100 for p in percents])
        assert got == [float(np.percentile(values, p)) for p in percents]


def test_exact_bootstrap_point_is_the_statistic_bit_for_bit() -> None:
    rng = np.random.default_rng(8)
    for trial in range(500):
        values = rng.lognormal(0.0, 0.5, int(rng.integers(1, 3000)))
        if trial % 2:
            values = np.round(values, 1) + 0.1
        for metric, q in QUANTILES.items():
            assert exact_bootstrap_log(values, q)[0] == math.log(statistic(values, metric))


def monte_carlo_log_var(values: np.ndarray, metric: str, resamples: int) -> float:
    rng = np.random.default_rng(9)
    picks = rng.integers(0, values.size, size=(resamples, values.size))
    return float(np.log(statistic_rows(values[picks], metric)).var(ddof=1))


@pytest.mark.parametrize("n", [5, 20, 60, 250, 1200])
@pytest.mark.parametrize("metric", list(QUANTILES))
def test_exact_bootstrap_variance_is_what_resampling_estimates(n: int, metric: str) -> None:
    # a skewed timing-like distribution; 20,000 resamples estimate the bootstrap variance to
    # about 2% (more for min/max, whose log has heavier tails)
    rng = np.random.default_rng(n)
    values = 1.0 + rng.lognormal(-1.0, 0.6, n)
    exact = exact_bootstrap_log(values, QUANTILES[metric])[1]
    assert exact == pytest.approx(monte_carlo_log_var(values, metric, 20_000), rel=0.08)


def test_exact_bootstrap_on_real_pytest_benchmark_samples() -> None:
    benchmarks = json.loads(DATA.read_text())["benchmarks"]
    for bench in benchmarks:
        values = np.asarray(bench["stats"]["data"], dtype=float)
        for metric in ("p25", "p50", "p95"):
            exact = exact_bootstrap_log(values, QUANTILES[metric])[1]
            sampled = monte_carlo_log_var(values, metric, 20_000)
            # a variance below 1e-8 (a log sd of 1e-4) is nothing next to the suite's noise
            assert abs(exact - sampled) <= 0.08 * sampled + 1e-8, (bench["name"], metric)


def test_ties_at_the_quantile_give_no_variance() -> None:
    values = np.array([1.0] * 50 + [2.0])
    point, var = exact_bootstrap_log(values, 0.25)
    assert point == 0.0
    assert var == pytest.approx(0.0, abs=1e-20)


def test_blas_variables_are_not_passed_on() -> None:
    # the CLI loads numpy with one BLAS thread; the benchmarks it starts must not inherit that
    code = (
        "import os, sys\n"
        "from perfgate.loading import BLAS_THREAD_VARIABLES, import_numpy_single_threaded\n"
        "import_numpy_single_threaded(with_scipy=True)\n"
        "print(sorted(set(BLAS_THREAD_VARIABLES) & set(os.environ)))\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    env["MKL_NUM_THREADS"] = "3"  # the user's own setting stays
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "['MKL_NUM_THREADS']"


def test_a_shared_plan_gives_what_a_fresh_one_gives() -> None:
    # the resampling probabilities are cached per (n, quantile) and shared by every call:
    # a later set of values must get exactly what it would get from a fresh computation
    rng = np.random.default_rng(21)
    sets = [rng.lognormal(0.0, 1.0, n) for n in (12, 12, 200, 200, 900, 900)]
    for quantile in (0.5, 0.95, 0.99, 1.0):
        shared = [exact_bootstrap_log(v, quantile) for v in sets]
        fresh = []
        for values in sets:
            _bootstrap_plan.cache_clear()
            fresh.append(exact_bootstrap_log(values, quantile))
        assert shared == fresh


def test_unused_numpy_modules_load_only_when_read() -> None:
    # scipy's import reads every numpy name; the CLI defers the submodules it never uses
    code = (
        "import sys\n"
        "from perfgate.loading import import_numpy_single_threaded\n"
        "import_numpy_single_threaded(with_scipy=True)\n"
        "import numpy, scipy.special\n"
        "print('numpy.f2py.crackfortran' in sys.modules, 'numpy.testing._private' in sys.modules)\n"
        "numpy.testing.assert_allclose(scipy.special.bdtr(3, 10, 0.5), 0.171875)\n"
        "print('numpy.testing._private' in sys.modules, numpy.polynomial.Polynomial([3])(1.0))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "True", "3.0"]


def test_sorted_quantile_array_is_np_quantile_bit_for_bit() -> None:
    rng = np.random.default_rng(12)
    points = np.linspace(0.0, 1.0, 256)
    for trial in range(300):
        values = rng.lognormal(0.0, 1.0, int(rng.integers(1, 3000)))
        if trial % 2:
            values = np.round(values, 1) + 0.1
        got = sorted_quantile_array(np.sort(values), points)
        assert np.array_equal(got, np.quantile(values, points, method="linear"))


def test_statistic_rows_is_np_percentile_bit_for_bit() -> None:
    """Per-round statistics of a block of equal rounds, from one sort of the block."""
    rng = np.random.default_rng(13)
    for trial in range(300):
        rows, n = int(rng.integers(1, 12)), int(rng.integers(1, 2000))
        block = rng.lognormal(0.0, 1.0, (rows, n)) * 10.0 ** -int(trial % 9)
        if trial % 2:
            block = np.round(block, 1) + 0.1
        for metric, q in QUANTILES.items():
            want = np.percentile(block, q * 100, axis=1, method="linear")
            assert np.array_equal(statistic_rows(block, metric), want), (metric, rows, n)
