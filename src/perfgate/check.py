"""``perfgate check``'s decision: one side's benchmarks + config -> a check Report."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from perfgate import gate, units
from perfgate.budgets import evaluate, find_rule
from perfgate.config import Config
from perfgate.errors import ConfigError, ConfigProblem
from perfgate.model import Benchmark, calibrations, measurement_notes
from perfgate.report.model import Report, Row
from perfgate.stats import summarize


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
        verdict = evaluate(summary, rule, scale=calibration_scale(bench, config))
    return Row(
        name=bench.name,
        metric=metric,
        unit=bench.unit,
        direction=bench.direction,
        head=summary,
        budget=verdict,
    )


def calibration_scale(bench: Benchmark, config: Config) -> float | None:
    """reference / this run's calibration (the median of its rounds') for a time benchmark,
    when the config has a reference and the rounds recorded the calibration; else None."""
    found = calibrations(bench)
    if config.calibration is None or not found or bench.unit != units.SECONDS:
        return None
    return config.calibration / statistics.median(found)


def calibration_notes(benchmarks: Sequence[Benchmark], config: Config) -> list[str]:
    """What a report says of the calibration: the scale its budgets were judged at, or why
    they were judged on raw values."""
    if config.calibration is None or not config.budgets:
        return []
    measured = [c for b in benchmarks if b.unit == units.SECONDS for c in calibrations(b)]
    reference = units.format_value(config.calibration, units.SECONDS)
    if not measured:
        return [
            f"Budgets are judged on raw values: the config has a calibration reference "
            f"({reference}), but these results recorded no calibration (perfgate run records "
            "it in pytest-benchmark rounds)."
        ]
    here = statistics.median(measured)
    return [
        f"Budgets are judged on values scaled to the machine they were set on: the "
        f"calibration workload took {units.format_value(here, units.SECONDS)} of CPU here "
        f"and {reference} there, so times are scaled by {config.calibration / here:.2f} "
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
