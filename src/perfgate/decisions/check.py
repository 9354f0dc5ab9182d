"""``perfgate check``'s decision: one side's benchmarks + config -> a check Report."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from perfgate import units
from perfgate.config import Config
from perfgate.decisions import gate
from perfgate.decisions.budgets import evaluate, find_rule
from perfgate.decisions.stats import summarize
from perfgate.errors import ConfigError, ConfigProblem
from perfgate.model import Benchmark, Summary, calibrations, measurement_notes, sample_calibrations
from perfgate.report.model import Report, Row


def head_row(bench: Benchmark, config: Config, used: set[str]) -> Row:
    """A benchmark's row with its metric, summary and budget verdict; adds the pattern of the
    budget that applied to ``used``."""
    rule = find_rule(bench.name, bench.short_name, bench.unit, config.budgets)
    # a count (instructions, bytecodes) is exact: its smallest value is the count, whatever
    # metric the budget or the config names (a p95 of two counts would only say "few samples")
    exact = bench.unit in units.COUNTS
    metric = "min" if exact else rule.metric if rule else config.metric
    summary = summarize(bench, metric)
    verdict = None
    if rule is not None:
        used.add(rule.pattern)
        if rule.direction != bench.direction:
            raise ConfigError([ConfigProblem(
                rule.where, None, f'budgets["{rule.pattern}"].direction',
                f"{rule.direction!r}, but {bench.name!r} is {bench.direction}-is-better",
            )])  # fmt: skip
        verdict = evaluate(summary, rule, scale=calibration_scale(bench, config, summary))
    return Row(
        name=bench.name,
        metric=metric,
        unit=bench.unit,
        direction=bench.direction,
        head=summary,
        budget=verdict,
    )


def calibration_scale(bench: Benchmark, config: Config, summary: Summary) -> float | None:
    """How much ``summary``'s value of a time benchmark is scaled to the machine the budgets
    were set on, when the config has a reference and the rounds recorded a calibration; else
    None. With a calibration beside each sample (the interleaved timer), each sample is scaled
    by reference / its own, and the scale is the statistic of those over the raw one's;
    otherwise reference / the median of the rounds' calibrations."""
    if config.calibration is None or bench.unit != units.SECONDS:
        return None
    beside = sample_calibrations(bench)
    if beside is not None and summary.value > 0:
        pooled = [s for r in bench.rounds for s in r]
        factors = [config.calibration / c for c in beside]
        scaled = replace(
            bench, rounds=(tuple(s * f for s, f in zip(pooled, factors, strict=True)),)
        )
        return summarize(scaled, summary.metric).value / summary.value
    found = calibrations(bench)
    return config.calibration / statistics.median(found) if found else None


def calibration_notes(benchmarks: Sequence[Benchmark], config: Config) -> list[str]:
    """What a report says of the calibration: the scale its budgets were judged at, or why
    they were judged on raw values."""
    if config.calibration is None or not config.budgets:
        return []
    reference = units.format_value(config.calibration, units.SECONDS)
    timed = [b for b in benchmarks if b.unit == units.SECONDS]
    beside = [c for b in timed for c in sample_calibrations(b) or ()]
    if beside:
        here = units.format_value(statistics.median(beside), units.SECONDS)
        return [
            f"Budgets are judged on values scaled to the machine they were set on: each sample "
            f"by {reference} (the calibration workload's CPU time there) over the workload's "
            f"time measured beside it, interleaved with the benchmark (median here {here}, "
            f"{len(beside)} samples; the budget column shows the scaled value, the raw one "
            "beside it)."
        ]
    measured = [c for b in timed for c in calibrations(b)]
    if not measured:
        return [
            f"Budgets are judged on raw values: the config has a calibration reference "
            f"({reference}), but these results recorded no calibration (perfgate run records "
            "it in pytest-benchmark rounds)."
        ]
    median = statistics.median(measured)
    return [
        f"Budgets are judged on values scaled to the machine they were set on: the "
        f"calibration workload took {units.format_value(median, units.SECONDS)} of CPU here "
        f"and {reference} there, so times are scaled by {config.calibration / median:.2f} "
        "(the budget column shows the scaled value, the raw one beside it)."
    ]


def check(
    benchmarks: Sequence[Benchmark],
    config: Config,
    failed: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> Report:
    used: set[str] = set()
    rows = [head_row(bench, config, used) for bench in benchmarks]
    return gate.finish(
        "check",
        rows,
        config.fail_on,
        unused_budgets=unused_budgets(config, used),
        failed=failed,
        sources=sources,
        config=config.source,
        accepted=config.accepted,
        notes=[*measurement_notes(benchmarks), *calibration_notes(benchmarks, config)],
    )


def unused_budgets(config: Config, used: set[str]) -> list[str]:
    """The budget globs in the config that matched no benchmark."""
    return [b.pattern for b in config.budgets if b.pattern not in used]
