"""``perfgate check``'s decision: benchmarks + config -> a :class:`~perfgate.verdicts.Report`."""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.budgets import STATUS_RANK, evaluate, find_rule
from perfgate.config import Config
from perfgate.errors import ConfigError, ConfigProblem
from perfgate.model import Benchmark
from perfgate.stats import summarize
from perfgate.verdicts import Report, Row

# Which budget statuses fail the gate for each `fail-on` setting. `major` is a regression
# severity (see `perfgate compare`); for budgets it fails on critical, like `critical`.
FAILING_STATUSES: dict[str, frozenset[str]] = {
    "critical": frozenset({"critical"}),
    "major": frozenset({"critical"}),
    "warning": frozenset({"warning", "critical"}),
    "never": frozenset(),
}


def check(
    benchmarks: Sequence[Benchmark],
    config: Config,
    failed: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> Report:
    rows: list[Row] = []
    used: set[str] = set()
    for bench in benchmarks:
        rule = find_rule(bench.name, bench.short_name, bench.unit, config.budgets)
        metric = rule.metric if rule else config.metric
        summary = summarize(bench, metric)
        verdict = None
        if rule is not None:
            used.add(rule.pattern)
            if rule.direction != bench.direction:
                raise ConfigError(
                    [
                        ConfigProblem(
                            rule.where,
                            None,
                            f'budgets["{rule.pattern}"].direction',
                            f"{rule.direction!r}, but {bench.name!r} is "
                            f"{bench.direction}-is-better",
                        )
                    ]
                )
            verdict = evaluate(summary, rule)
        rows.append(
            Row(
                name=bench.name,
                metric=metric,
                unit=bench.unit,
                direction=bench.direction,
                head=summary,
                budget=verdict,
            )
        )
    rows.sort(key=lambda r: (-STATUS_RANK.get(r.status, -1), r.name))
    failing = FAILING_STATUSES[config.fail_on]
    return Report(
        verdict="fail" if any(r.status in failing for r in rows) else "pass",
        fail_on=config.fail_on,
        rows=tuple(rows),
        failed=tuple(failed),
        unused_budgets=tuple(b.pattern for b in config.budgets if b.pattern not in used),
        config=config.source,
        sources=tuple(sources),
    )
