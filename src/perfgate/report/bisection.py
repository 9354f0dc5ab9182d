"""``perfgate bisect``'s output: the search as text or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from perfgate.escaping import printable
from perfgate.report import cells
from perfgate.report.model import Row

if TYPE_CHECKING:
    from perfgate.harness.bisecting import Bisection


def render_text(found: Bisection) -> str:
    lines = []
    if not found.wanted:
        what = "slowdown" if found.pattern is None else f"slowdown of {found.pattern!r}"
        lines.append(
            f"no {what} between GOOD {found.good[:10]} and BAD {found.bad[:10]} "
            "(probe 1 compared them): nothing to bisect"
        )
    elif found.first_bad is None:
        lines.append(
            f"undecided: the first slower commit is after {found.known_good()[:10]} and at or "
            f"before {found.commits[found.search.bad][:10]}; a probe stayed undecided with "
            "twice the rounds (try more --rounds, or a quieter machine)"
        )
    else:
        lines.append(f"first bad commit: {found.first_bad} {printable(found.subject or '')}")
    lines.append(f"probes ({len(found.probes)}), each against GOOD {found.good[:10]}:")
    for item in found.probes:
        lines.append(f"  {item.number}. {item.commit[:10]} {item.outcome}")
        lines.extend(f"       {_row_text(row)}" for row in item.rows)
    return "\n".join(lines) + "\n"


def render_json(found: Bisection) -> str:
    document: dict[str, Any] = {
        "good": found.good,
        "bad": found.bad,
        "commits": len(found.commits),
        "benchmarks": found.wanted,
        "first_bad": found.first_bad,
        "probes": [
            {
                "number": item.number,
                "commit": item.commit,
                "outcome": item.outcome,
                "rounds": item.rounds,
                "rows": [_row_json(row) for row in item.rows],
            }
            for item in found.probes
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _row_text(row: Row) -> str:
    return f"{cells.display_name(row.name)}: {cells.change(row)} {cells.severity(row)}"


def _row_json(row: Row) -> dict[str, Any]:
    change = row.change
    if change is None:
        return {"name": row.name}
    return {
        "name": row.name,
        "ratio": change.ratio,
        "low": change.low,
        "high": change.high,
        "direction": change.direction,
        "severity": change.severity,
        "decisive": change.decisive,
    }
