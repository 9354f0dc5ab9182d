"""Pure inference for base/head comparisons: the ratio head/base of the decision statistic,
with the round as the unit and strength borrowed across the suite.

Two stages. :func:`measure` turns one benchmark's two sides into :class:`Evidence`: log-ratios
of the decision statistic and what is known of their noise. :func:`infer` judges a whole
suite's evidence at once, because with few rounds one benchmark alone cannot tell its noise:

* **Rounds on both sides, paired** (``perfgate run``: round k of base and of head ran back to
  back). The statistic is computed per round; the per-round log-ratios get a *moderated* t
  test: each benchmark's variance is shrunk toward a prior fitted over the suite (the
  empirical-Bayes method of limma, Smyth 2004), so 2 or 3 rounds give a usable test with
  ``d0 + R - 1`` degrees of freedom instead of ``R - 1``. A per-round speed factor (the median
  log-ratio of the suite in that pair, centred) is removed first when the suite is large
  enough: it is the shared runner's process-to-process speed, common to every benchmark of the
  pair, and centring keeps a change that slows every benchmark in the mean (see
  docs/verdict-engine.md).
* **Rounds on both sides, different counts**: Welch's t on per-round log statistics.
* **One round on a side** (asv's one file per side) or **stored statistics only** (asv without
  ``--record-samples``): one log-ratio per benchmark, with its within-process standard error
  (the exact bootstrap of the samples, or asv's stored 99% interval / quartiles) plus a
  between-process variance ``tau^2`` common to the suite, fitted so that the suite's
  standardized log-ratios have the spread of a normal around their median (a robust,
  shift-free fit: a change that slows every benchmark moves the median, not the spread).
  With fewer than
  ``MIN_SUITE`` such benchmarks, ``tau`` is the measured default ``DEFAULT_TAU``.

P-values are Holm-adjusted over the suite (family-wise false-alarm control) and each row's
interval is Holm-consistent: a rejected row's interval is at its own Holm level, every other
row's at the level where Holm stopped, so "unchanged" never sits beside an interval that
excludes zero. ``upper`` is the one-sided 95% bound ("no slowdown larger than this").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from perfgate.decisions.quantiles import lerp
from perfgate.decisions.stats import Array, percent, statistic, statistic_rows

Method = Literal["paired-rounds", "unpaired-rounds", "within-process", "stored-statistics"]
BOOTSTRAP_RESAMPLES = 400
WITHIN_PROCESS_CAP = 2048
JOINT_BELOW = 30.0  # n q (1 - q) below which the exact bootstrap is joint (see below)
MIN_ROUNDS_TO_TEST = 3  # rounds a side for a test on per-round values (fewer: pooled)
MIN_SUITE = 5  # benchmarks needed to fit the suite's noise (tau, or the variance prior)
DEFAULT_TAU = 0.03  # between-process sd of a log-ratio when the suite is too small to fit it
# (django's same-job pairs on GitHub runners: a robust sd of ~2%, rounded up)
# benchmarks a pair needs before its speed factor is removed: the median of 3 is moved by no
# single changed benchmark (a suite of 3 on this VM: per-round sd of a log-ratio 0.29 -> 0.10
# idle; docs/verdict-engine.md, "Small suites")
SPEED_FACTOR_MIN_SUITE = 3

# one log-ratio a benchmark: tested against a t with this many degrees of freedom, not a
# normal - timing noise between processes has heavier tails than a normal's (chosen on
# django's first 100 same-job pairs against fewer degrees and a normal: docs/verdict-engine.md)
SINGLE_DOF = 8.0
CHI2_1_MEDIAN = 0.454936423119572  # the median of a chi-square with 1 degree of freedom
Z_99 = 2.5758293035489004


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """One benchmark's log-ratios and their noise, before the suite is judged."""

    method: Method
    diffs: tuple[float, ...] = ()  # paired-rounds: per-round log(head/base)
    base_logs: tuple[float, ...] = ()  # unpaired-rounds: per-round log statistics
    head_logs: tuple[float, ...] = ()
    log_ratio: float = 0.0  # within-process and stored: log(head/base) of the statistic
    within_var: float = 0.0  # its within-process variance

    @property
    def rounds(self) -> int:
        if self.method == "paired-rounds":
            return len(self.diffs)
        if self.method == "unpaired-rounds":
            return min(len(self.base_logs), len(self.head_logs))
        return 1

    def shifted(self, log_factor: float) -> Evidence:
        """The same evidence with head scaled by ``exp(log_factor)`` (injected changes)."""
        return replace(
            self,
            diffs=tuple(d + log_factor for d in self.diffs),
            head_logs=tuple(h + log_factor for h in self.head_logs),
            log_ratio=self.log_ratio + log_factor,
        )


@dataclass(frozen=True, kw_only=True)
class RatioEstimate:
    """head/base of the decision statistic (> 1: head is larger) as the suite judged it."""

    ratio: float
    low: float  # Holm-consistent interval (see the module docstring)
    high: float
    upper: float  # one-sided 95% upper bound: no increase beyond this
    lower: float  # one-sided 95% lower bound: no decrease beyond this
    p_value: float
    p_adjusted: float
    method: Method
    rounds: int = 0
    se: float = 0.0  # standard error of the log-ratio
    dof: float = math.inf


def per_round(rounds: Sequence[Sequence[float]], metric: str) -> Array:
    arrays = [np.asarray(r, dtype=float) for r in rounds]
    if len(arrays) > 1 and len({a.size for a in arrays}) == 1:  # one call for all rounds
        return statistic_rows(np.stack(arrays), metric)
    return np.array([statistic(a, metric) for a in arrays])


def measure(
    base: Sequence[Sequence[float]],
    head: Sequence[Sequence[float]],
    metric: str,
    *,
    paired: bool = True,
    seed: int = 0,
) -> Evidence:
    """Evidence from raw samples, given as rounds per side. With fewer than
    ``MIN_ROUNDS_TO_TEST`` rounds on a side the rounds are pooled: one or two per-round values
    carry too little of their own noise, and the suite's spread is the better judge."""
    if len(base) >= MIN_ROUNDS_TO_TEST and len(head) >= MIN_ROUNDS_TO_TEST:
        b = np.log(_positive(per_round(base, metric)))
        h = np.log(_positive(per_round(head, metric)))
        if paired and len(b) == len(h):
            return Evidence(method="paired-rounds", diffs=tuple(map(float, h - b)))
        return Evidence(
            method="unpaired-rounds",
            base_logs=tuple(map(float, b)),
            head_logs=tuple(map(float, h)),
        )
    b_all = np.concatenate([np.asarray(r, dtype=float) for r in base])
    h_all = np.concatenate([np.asarray(r, dtype=float) for r in head])
    rng = np.random.default_rng(seed)
    log_b, var_b = _log_statistic(b_all, metric, rng)
    log_h, var_h = _log_statistic(h_all, metric, rng)
    return Evidence(method="within-process", log_ratio=log_h - log_b, within_var=var_b + var_h)


def measure_stored(base: dict[str, float], head: dict[str, float]) -> Evidence | None:
    """Evidence from stored statistics (asv without raw samples): the medians, with the
    standard error of each from its stored 99% interval, else from its quartiles and sample
    count; None without a median on both sides."""
    if "p50" not in base or "p50" not in head or base["p50"] <= 0 or head["p50"] <= 0:
        return None
    return Evidence(
        method="stored-statistics",
        log_ratio=math.log(head["p50"]) - math.log(base["p50"]),
        within_var=_stored_var(base) + _stored_var(head),
    )


def _stored_var(stored: dict[str, float]) -> float:
    median = stored["p50"]
    low, high = stored.get("ci99_low"), stored.get("ci99_high")
    if low is not None and high is not None and 0 < low <= median <= high:
        return (math.log(high / low) / (2 * _interval_z(stored.get("n")))) ** 2
    q25, q75, n = stored.get("p25"), stored.get("p75"), stored.get("n")
    if q25 is not None and q75 is not None and q75 >= q25 and n:
        sd = (q75 - q25) / 1.349  # the IQR of a normal
        return (1.2533 * sd / math.sqrt(n) / median) ** 2  # the standard error of a median
    return 0.0  # nothing known: the suite's tau carries it all


def _interval_z(count: float | None) -> float:
    """The normal quantile of the stored "99%" interval at its actual coverage. asv stores
    the narrowest order-statistic interval of the median whose coverage is at least 99%
    (``asv_runner.statistics.quantile_ci``): for 10 samples that is the whole range, whose
    coverage is 99.8% (z 3.09, not 2.58), so reading it as an exact 99% interval overstated
    the standard error by 20%. Without a count, or when the count has no such interval, it
    is read as 99%."""
    if count is None or count != int(count) or count < 2:
        return Z_99
    coverage = order_statistic_coverage(int(count), 0.01)
    if coverage is None:
        return Z_99
    from scipy.special import ndtri  # noqa: PLC0415

    return float(ndtri((1 + coverage) / 2))


def order_statistic_coverage(count: int, alpha: float) -> float | None:
    """The coverage of the order-statistic interval of the median that asv picks: the
    ``r``-th and ``s``-th smallest of ``count`` samples, ``r`` the largest with
    ``P(K < r) <= alpha / 2`` and ``s`` the smallest with ``P(K < s) >= 1 - alpha / 2``,
    ``K ~ Binomial(count, 1/2)``; the coverage is ``P(r <= K < s)``. None when no such
    ``r`` exists (too few samples: asv then widens the interval another way)."""
    pmf = [math.comb(count, k) / 2**count for k in range(count)]
    below, low, high = 0.0, 0, count
    for k, mass in enumerate(pmf):
        below += mass
        if below <= alpha / 2:
            low = k + 1
        if below >= 1 - alpha / 2:
            high = k + 1
            break
    if low == 0:
        return None
    return float(sum(pmf[low:high]))


def _log_statistic(values: Array, metric: str, rng: np.random.Generator) -> tuple[float, float]:
    """log of the statistic and its bootstrap variance, samples taken as independent.

    For percentiles, min and max the variance is the *exact* bootstrap variance
    (:func:`exact_bootstrap_log`): what resampling would give with infinitely many resamples,
    without their Monte Carlo noise or cost. The mean keeps a Monte Carlo bootstrap.
    """
    p = percent(metric)
    if p is not None or metric in ("min", "max"):
        quantile = 0.0 if metric == "min" else 1.0 if metric == "max" else (p or 0.0) / 100
        point, var = exact_bootstrap_log(values, quantile)
        # as if bootstrapping WITHIN_PROCESS_CAP of the samples: a quantile's variance falls
        # as 1/n, and samples of one process are not as independent as their count suggests
        return point, var * max(1.0, values.size / WITHIN_PROCESS_CAP)
    point = math.log(max(statistic(values, metric), 1e-300))
    if values.size < 2:
        return point, 0.0
    if values.size > WITHIN_PROCESS_CAP:
        values = rng.choice(values, WITHIN_PROCESS_CAP, replace=False)
    picks = rng.integers(0, values.size, size=(BOOTSTRAP_RESAMPLES, values.size))
    logs = np.log(_positive(statistic_rows(values[picks], metric)))
    return point, float(logs.var(ddof=1))


def exact_bootstrap_log(values: Array, quantile: float) -> tuple[float, float]:
    """The log of numpy's ``linear`` ``quantile`` of ``values`` (bit for bit), and the exact
    bootstrap variance of that log.

    Rank the n values 1..n. In a resample of n draws, let U and V be the ranks of its r-th and
    (r+1)-th smallest draws, and N_i the number of draws of rank <= i (Binomial(n, i/n)). Then
    ``P(U <= i) = P(N_i >= r)``, and for i < j ``P(U = i, V = j)`` is a double difference of
    ``P(N_a = r, N_b = r) = C(n, r) (a/n)^r (1 - b/n)^(n-r)``, which factors into a part in
    ``a`` and one in ``b``. The ``linear`` percentile is ``(1 - g) x_U + g x_V``, so its whole
    resampling distribution, hence its variance, follows with no resampling: what a bootstrap
    estimates with infinitely many resamples (the exact bootstrap of L-estimators, Hutson &
    Ernst 2000). Only ranks within 9 standard deviations of r carry probability above 1e-18;
    the rest is folded into the window's ends, so the work is O(sqrt(n)) after a partial sort
    (the joint part: the window's square). Where ``n q (1 - q)`` is ``JOINT_BELOW`` or more
    (the quantile well inside the samples) the variance is taken as the g-interpolation of U's
    and V's variances, at a fraction of the cost: in every case measured not smaller than the
    joint one (so no narrower an interval), and larger by at most 2.2% (400 lognormal sample
    sets with n q (1 - q) from 30 to 80, quantiles 0.05 to 0.99; 0.4% beyond 200). In the
    tails the joint form matters:
    interpolating variances overstates a p99's of 250 samples by 20%.
    """
    n = values.size
    plan = _bootstrap_plan(n, quantile)
    r, g, first, last = plan.rank, plan.fraction, plan.first, plan.last
    part = np.partition(values, [first, last]) if n > 64 else np.sort(values)
    ordered = np.sort(part[first : last + 1])
    low, high = float(ordered[r - 1 - first]), float(ordered[min(r, n - 1) - first])
    point = math.log(max(lerp(low, high, g if r < n else 0.0), 1e-300))
    if n < 2:
        return point, 0.0
    logs = np.log(_positive(ordered))
    if plan.joint is None:
        if plan.upper is None:
            return point, _var_of(plan.lower, logs)
        return point, (1.0 - g) * _var_of(plan.lower, logs) + g * _var_of(plan.upper, logs)
    x = np.exp(logs)
    pair = np.log(_positive((1.0 - g) * x[:, None] + g * x[None, :]))
    return point, _var_of(plan.joint, np.concatenate([logs, pair.ravel()]))


def _var_of(mass: Array, x: Array) -> float:
    mean = float(np.sum(mass * x))
    return max(float(np.sum(mass * (x - mean) ** 2)), 0.0)


@dataclass(frozen=True)
class _BootstrapPlan:
    """What :func:`exact_bootstrap_log` needs of n and the quantile alone, never of the
    values: the window of ranks, and the resampling probabilities over it."""

    rank: int  # r: 1-based rank of the lower order statistic
    fraction: float  # g: the interpolation weight of the upper one
    first: int  # the window of 0-based ranks [first, last]
    last: int
    lower: Array  # P(U = window rank i)
    upper: Array | None  # P(V = i), where U's and V's variances are interpolated
    joint: Array | None  # P(U = V = i) then P(U = i, V = j) (i < j, row-major), normalized


@lru_cache(maxsize=1024)
def _bootstrap_plan(n: int, quantile: float) -> _BootstrapPlan:
    """The resampling probabilities of :func:`exact_bootstrap_log` for ``n`` values: computed
    once per sample count and quantile, since a suite's benchmarks mostly share their counts."""
    from scipy.special import bdtr, gammaln  # noqa: PLC0415 - binomial CDF

    h = (n - 1) * quantile
    r = min(math.floor(h) + 1, n)  # 1-based rank of the lower order statistic
    g = h - (r - 1)
    spread = math.sqrt(n * max(quantile * (1 - quantile), 1.0 / n))
    window = math.ceil(9 * spread) + 2
    first, last = max(0, r - 1 - window), min(n - 1, r + window)

    def plan(
        lower: Array, upper: Array | None = None, joint: Array | None = None
    ) -> _BootstrapPlan:
        for array in (lower, upper, joint):
            if array is not None:
                array.flags.writeable = False  # shared by every call with this n
        return _BootstrapPlan(r, g, first, last, lower, upper, joint)

    ranks = np.arange(first + 1, last + 2, dtype=np.float64)  # 1-based ranks in the window

    def marginal(rank: int) -> Array:  # P(X*_(rank) = x_i), the window's ends folded in
        cdf = 1.0 - bdtr(rank - 1, n, ranks / n)
        cdf[-1] = 1.0
        return np.asarray(np.diff(cdf, prepend=0.0), dtype=np.float64)

    if n < 2:
        return plan(np.ones(1))
    p_u = marginal(r)
    if g <= 0.0 or r >= n:
        return plan(p_u)
    if n * quantile * (1 - quantile) >= JOINT_BELOW:
        return plan(p_u, marginal(r + 1))
    with np.errstate(divide="ignore"):
        log_a = r * np.log(ranks / n)  # A(i) = (i/n)^r
        log_b = (n - r) * np.log1p(-ranks / n)  # B(j) = (1 - j/n)^(n-r)
        # A(i) - A(i-1) and B(j-1) - B(j); below and above the window folded into its ends
        log_da = log_a + np.log(-np.expm1(r * np.log1p(-1.0 / ranks)))
        log_b_before = (n - r) * np.log1p(-(ranks - 1) / n)
        log_db = log_b_before + np.log(-np.expm1((n - r) * np.log1p(-1.0 / (n - ranks + 1))))
    log_da[0] = log_a[0]
    log_b[-1] = -np.inf
    log_db[-1] = log_b_before[-1]
    log_c = float(gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1))
    exponent = log_c + log_da[:, None] + log_db[None, :]  # P(U = i, V = j) for i < j
    joint = np.exp(np.where(np.triu(np.ones(exponent.shape, dtype=bool), k=1), exponent, -np.inf))
    diagonal = np.maximum(p_u - np.exp(log_c + log_da + log_b), 0.0)  # P(U = V = i)
    mass = np.concatenate([diagonal, joint.ravel()])
    return plan(p_u, joint=mass / mass.sum())


def _exp(log_ratio: float) -> float:
    """A ratio from its log, held within floats: a statistic of 0 on one side (nudged to the
    smallest float) makes a log ratio near +-708, and its interval's end would overflow."""
    return math.exp(max(min(log_ratio, 700.0), -700.0))


def _positive(values: Array) -> Array:
    # a metric of exactly 0 (a memory delta, a counter) has no log: nudge to the smallest float
    return np.maximum(values, np.finfo(float).tiny)


@dataclass(frozen=True)
class _Test:
    """One benchmark's test before multiplicity: estimate, standard error, reference df."""

    mean: float
    se: float
    dof: float
    method: Method
    rounds: int


def infer(
    evidence: Sequence[Evidence], *, alpha: float = 0.05, speed_factor: bool = True
) -> list[RatioEstimate]:
    """Judge a suite: p-values, Holm, Holm-consistent intervals, one-sided bounds."""
    if speed_factor:
        evidence = remove_speed_factor(evidence)
    tests: list[_Test | None] = [None] * len(evidence)
    _paired_tests(evidence, tests)
    _unpaired_tests(evidence, tests)
    _single_tests(evidence, tests)
    return _judge([t for t in tests if t is not None], alpha)


def remove_speed_factor(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Paired evidence with each pair's speed factor removed: the median per-round log-ratio
    of the benchmarks that ran in that pair of rounds, minus its mean over the benchmark's own
    rounds (so each benchmark's mean change is kept). A round of fewer than
    ``SPEED_FACTOR_MIN_SUITE`` benchmarks has no factor (nothing removed there); benchmarks
    may have run different numbers of rounds (``perfgate run`` stops running the decided
    ones), round k of each being the same pair of processes."""
    paired = [i for i, e in enumerate(evidence) if e.method == "paired-rounds"]
    longest = max((len(evidence[i].diffs) for i in paired), default=0)
    factor = np.full(longest, np.nan)
    for k in range(longest):
        column = [evidence[i].diffs[k] for i in paired if len(evidence[i].diffs) > k]
        if len(column) >= SPEED_FACTOR_MIN_SUITE:
            factor[k] = np.median(column)
    out = list(evidence)
    for i in paired:
        diffs = np.asarray(evidence[i].diffs)
        own = factor[: diffs.size]
        known = ~np.isnan(own)
        if diffs.size < 3 or known.sum() < 3:
            continue
        shift = np.where(known, own - own[known].mean(), 0.0)
        out[i] = replace(evidence[i], diffs=tuple(float(d) for d in diffs - shift))
    return out


def _paired_tests(evidence: Sequence[Evidence], tests: list[_Test | None]) -> None:
    index = [i for i, e in enumerate(evidence) if e.method == "paired-rounds"]
    if not index:
        return
    means, variances, dofs = [], [], []
    for i in index:
        diffs = np.asarray(evidence[i].diffs)
        means.append(float(diffs.mean()))
        variances.append(float(diffs.var(ddof=1)))
        dofs.append(diffs.size - 1)
    small = len(index) < MIN_SUITE
    d0, s0 = small_suite_prior(variances, dofs) if small else fit_prior(variances, dofs)
    for i, mean, var, dof in zip(index, means, variances, dofs, strict=True):
        rounds = dof + 1
        # d0 = inf: the suite says every benchmark has the prior's noise
        moderated = s0 if math.isinf(d0) else (d0 * s0 + dof * var) / (d0 + dof)
        if small:  # too few to tell a noisier benchmark from chance: never below its own
            moderated = max(moderated, var)
        tests[i] = _Test(mean, math.sqrt(moderated / rounds), d0 + dof, "paired-rounds", rounds)


def small_suite_prior(variances: Sequence[float], dofs: Sequence[int]) -> tuple[float, float]:
    """For 2-4 benchmarks, too few to fit limma's prior: the suite's pooled variance, worth
    the other benchmarks' degrees of freedom (a suite of 3 with 3 rounds tests with 6 instead
    of 2). Used with :func:`_paired_tests`' floor at each benchmark's own variance, a quiet
    benchmark is judged by the suite's noise and a noisy one by its own. One benchmark: no
    prior."""
    if len(variances) < 2:
        return 0.0, 0.0
    pooled = sum(v * d for v, d in zip(variances, dofs, strict=True)) / sum(dofs)
    others = sum(dofs) - max(dofs)
    return float(others), pooled


def fit_prior(variances: Sequence[float], dofs: Sequence[int]) -> tuple[float, float]:
    """limma's prior for sample variances (``fitFDist`` by moments): the prior degrees of
    freedom ``d0`` (``inf``: every benchmark has the same noise) and the prior variance."""
    from scipy.special import digamma, polygamma  # noqa: PLC0415

    var = np.maximum(np.asarray(variances, dtype=float), 1e-12)
    dof = np.asarray(dofs, dtype=float)
    e = np.log(var) - digamma(dof / 2) + np.log(dof / 2)
    emean = float(e.mean())
    evar = float(e.var(ddof=1)) - float(np.mean(polygamma(1, dof / 2)))
    if evar <= 0:
        return math.inf, math.exp(emean)
    d0 = 2 * _trigamma_inverse(evar)
    s0 = math.exp(emean + float(digamma(d0 / 2)) - math.log(d0 / 2))
    return d0, s0


def _trigamma_inverse(x: float) -> float:
    """y with trigamma(y) = x (Newton's method, as limma does)."""
    from scipy.special import polygamma  # noqa: PLC0415

    if x > 1e7:
        return 1 / math.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        tri = float(polygamma(1, y))
        step = tri * (1 - tri / x) / float(polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def _unpaired_tests(evidence: Sequence[Evidence], tests: list[_Test | None]) -> None:
    for i, e in enumerate(evidence):
        if e.method != "unpaired-rounds":
            continue
        b, h = np.asarray(e.base_logs), np.asarray(e.head_logs)
        vb, vh = float(b.var(ddof=1)) / b.size, float(h.var(ddof=1)) / h.size
        se = math.sqrt(vb + vh)
        dof = (vb + vh) ** 2 / (vb**2 / (b.size - 1) + vh**2 / (h.size - 1)) if se else math.inf
        tests[i] = _Test(float(h.mean() - b.mean()), se, dof, "unpaired-rounds", e.rounds)


def _single_tests(evidence: Sequence[Evidence], tests: list[_Test | None]) -> None:
    index = [
        i for i, e in enumerate(evidence) if e.method in ("within-process", "stored-statistics")
    ]
    if not index:
        return
    logs = np.array([evidence[i].log_ratio for i in index])
    within = np.array([evidence[i].within_var for i in index])
    tau2 = fit_tau2(logs, within, SINGLE_DOF) if len(index) >= MIN_SUITE else DEFAULT_TAU**2
    for k, i in enumerate(index):
        se = math.sqrt(within[k] + tau2)
        tests[i] = _Test(float(logs[k]), se, SINGLE_DOF, evidence[i].method, 1)


def fit_tau2(logs: Array, within: Array, dof: float = math.inf) -> float:
    """The between-process variance that makes the median standardized squared deviation
    from the suite's median log-ratio that of a normal (bisection; 0 if none is needed)."""
    deviations = (logs - np.median(logs)) ** 2

    from scipy.special import ndtri, stdtrit  # noqa: PLC0415

    # the median of a squared t (a normal's: chi-square 1) with the reference's df
    target = (float(ndtri(0.75)) if math.isinf(dof) else float(stdtrit(dof, 0.75))) ** 2

    def spread(tau2: float) -> float:
        return float(np.median(deviations / np.maximum(within + tau2, 1e-24)))

    if spread(0.0) <= target:
        return 0.0
    low, high = 0.0, max(float(deviations.max()), 1e-12)
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if spread(middle) > target else (low, middle)
    return high


def _judge(tests: list[_Test], alpha: float) -> list[RatioEstimate]:
    from scipy.special import ndtr, ndtri, stdtr, stdtrit  # noqa: PLC0415

    def cdf(dof: float, x: float) -> float:
        return float(ndtr(x)) if math.isinf(dof) else float(stdtr(dof, x))

    def quantile(dof: float, q: float) -> float:
        return float(ndtri(q)) if math.isinf(dof) else float(stdtrit(dof, q))

    p_values = []
    for t in tests:
        if t.se == 0.0:
            p_values.append(1.0 if t.mean == 0.0 else 0.0)
        else:
            p_values.append(2.0 * cdf(t.dof, -abs(t.mean) / t.se))
    adjusted = holm(p_values)
    multipliers = holm_levels(p_values, adjusted, alpha)
    out: list[RatioEstimate] = []
    for t, p, p_adj, m in zip(tests, p_values, adjusted, multipliers, strict=True):
        half = quantile(t.dof, 1 - alpha / (2 * m)) * t.se
        one_sided = quantile(t.dof, 0.95) * t.se
        out.append(
            RatioEstimate(
                ratio=_exp(t.mean),
                low=_exp(t.mean - half),
                high=_exp(t.mean + half),
                upper=_exp(t.mean + one_sided),
                lower=_exp(t.mean - one_sided),
                p_value=p,
                p_adjusted=p_adj,
                method=t.method,
                rounds=t.rounds,
                se=t.se,
                dof=t.dof,
            )
        )
    return out


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (step-down, monotone, capped at 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    count = len(p_values)
    adjusted = [1.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def holm_levels(p_values: Sequence[float], adjusted: Sequence[float], alpha: float) -> list[int]:
    """Each row's Holm multiplier for a consistent interval: a rejected row's own step
    (``count - rank``), every other row the step where Holm stopped."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    count = len(p_values)
    levels = [1] * count
    rejected = sum(1 for p in adjusted if p < alpha)
    for rank, index in enumerate(order):
        levels[index] = count - rank if adjusted[index] < alpha else count - rejected
    return [max(level, 1) for level in levels]
