"""``perfgate check``'s decision: benchmarks + config -> a :class:`~perfgate.verdicts.Report`."""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.budgets import STATUS_RANK, evaluate, find_rule
from perfgate.config import Config
from perfgate.errors import ConfigError, ConfigProblem
from perfgate.model import Benchmark
from perfgate.stats import summarize
from perfgate.verdicts import SEVERITY_RANK, Report, Row

# What fails the gate for each `fail-on` setting: budget statuses and slowdown severities.
FAILING_STATUSES: dict[str, frozenset[str]] = {
    "critical": frozenset({"critical"}),
    "major": frozenset({"critical"}),  # budgets have no `major`: critical, like `critical`
    "warning": frozenset({"warning", "critical"}),
    "never": frozenset(),
}
FAILING_SEVERITIES: dict[str, frozenset[str]] = {
    "critical": frozenset({"critical"}),
    "major": frozenset({"major", "critical"}),
    "warning": frozenset({"minor", "major", "critical"}),
    "never": frozenset(),
}


def fails_gate(row: Row, fail_on: str) -> bool:
    """Whether this row alone fails the gate under ``fail_on``."""
    return row.status in FAILING_STATUSES[fail_on] or (
        row.slower and row.severity in FAILING_SEVERITIES[fail_on]
    )


def head_row(bench: Benchmark, config: Config, used: set[str]) -> Row:
    """A benchmark's row with its metric, summary and budget verdict; adds the pattern of the
    budget that applied to ``used``."""
    rule = find_rule(bench.name, bench.short_name, bench.unit, config.budgets)
    metric = rule.metric if rule else config.metric
    summary = summarize(bench, metric)
    verdict = None
    if rule is not None:
        used.add(rule.pattern)
        if rule.direction != bench.direction:
            raise ConfigError([ConfigProblem(
                rule.where, None, f'budgets["{rule.pattern}"].direction',
                f"{rule.direction!r}, but {bench.name!r} is {bench.direction}-is-better",
            )])  # fmt: skip
        verdict = evaluate(summary, rule)
    return Row(
        name=bench.name,
        metric=metric,
        unit=bench.unit,
        direction=bench.direction,
        head=summary,
        budget=verdict,
    )


def check(
    benchmarks: Sequence[Benchmark],
    config: Config,
    failed: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> Report:
    used: set[str] = set()
    rows = [head_row(bench, config, used) for bench in benchmarks]
    return finish(rows, config, used=used, failed=failed, sources=sources)


def finish(
    rows: list[Row],
    config: Config,
    *,
    used: set[str],
    failed: Sequence[str],
    sources: Sequence[str],
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> Report:
    """Order rows worst first and reach the verdict per `fail-on`."""
    rows.sort(
        key=lambda r: (
            -SEVERITY_RANK.get(r.severity, 0) if r.slower else 0,
            -STATUS_RANK.get(r.status, -1),
            r.name,
        )
    )
    failing = any(fails_gate(r, config.fail_on) for r in rows)
    return Report(
        verdict="fail" if failing else "pass",
        fail_on=config.fail_on,
        rows=tuple(rows),
        failed=tuple(failed),
        unused_budgets=tuple(b.pattern for b in config.budgets if b.pattern not in used),
        config=config.source,
        sources=tuple(sources),
        added=tuple(added),
        removed=tuple(removed),
    )
