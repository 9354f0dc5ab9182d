"""What a GitHub Actions step reads and writes besides the API: the event payload, step
outputs (``GITHUB_OUTPUT``), the job summary (``GITHUB_STEP_SUMMARY``) and annotations
(workflow commands on stdout)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from perfgate.errors import InputError
from perfgate.escaping import printable
from perfgate.github.comment import SUMMARY_LIMIT
from perfgate.report.model import Report, Row
from perfgate.units import format_change, format_value

MAX_ANNOTATIONS = 10
MAX_EVENT_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class PullRequest:
    number: int
    base_sha: str
    head_sha: str
    repository: str  # owner/name of the base repository
    from_fork: bool  # the head lives in another repository: the token is read-only


def pull_request(event_path: Path | None) -> PullRequest | None:
    """The pull request of a ``pull_request`` event payload, or None for other events."""
    if event_path is None:
        return None
    try:
        if event_path.stat().st_size > MAX_EVENT_BYTES:
            raise InputError(str(event_path), "event payload too large")
        event = json.loads(event_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(event_path), f"unreadable event payload: {exc}") from None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pr, dict):
        return None
    try:
        base, head = pr["base"], pr["head"]
        base_repo = base["repo"]["full_name"]
        head_repo = (head.get("repo") or {}).get("full_name")  # None: the fork was deleted
        number = pr["number"]
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError("number")
        return PullRequest(
            number=number,
            base_sha=str(base["sha"]),
            head_sha=str(head["sha"]),
            repository=str(base_repo),
            from_fork=head_repo != base_repo,
        )
    except (KeyError, TypeError) as exc:
        raise InputError(str(event_path), f"pull_request without {exc}") from None


def escape_data(text: str) -> str:
    """The message part of a workflow command: one line, no stray ``%``, and control
    characters (escape sequences, bidi marks) shown as their escapes, since the runner's log
    and the annotation render them."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: Report, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """An annotation for each of the worst findings, at most ``limit``: ``::error`` for a row
    that fails the gate, ``::warning`` for any other finding (levels are the gate's)."""
    findings = [row for row in report.rows if row.gate.level is not None]
    lines = []
    for row in findings[:limit]:
        title = escape_property(f"perfgate: {_what(row)}")
        name = row.name if len(row.name) <= 200 else row.name[:199] + "\u2026"
        lines.append(f"::{row.gate.level} title={title}::{escape_data(name + ': ' + _detail(row))}")
    if len(findings) > limit:
        lines.append(
            f"::notice title=perfgate::{len(findings) - limit} more findings in the report"
        )
    return lines


def _what(row: Row) -> str:
    if row.gate.finding == "slowdown":
        return f"{row.severity} slowdown"
    if row.gate.finding == "budget":
        return f"budget {row.status}"
    return "inconclusive"


def _detail(row: Row) -> str:
    if row.gate.finding not in ("slowdown", "budget"):
        return row.gate.reasons[-1] if row.gate.reasons else "inconclusive"
    head = format_value(row.head.value, row.unit)
    if row.base is not None and row.change is not None:
        base = format_value(row.base.value, row.unit)
        c = row.change
        return (
            f"{row.metric} {base} -> {head} ({format_change(c.ratio)}, "
            f"95% CI [{format_change(c.low)}, {format_change(c.high)}])"
        )
    target = "" if row.budget is None else f" (target {format_value(row.budget.target, row.unit)})"
    return f"{row.metric} {head}{target}"


def write_outputs(path: Path | None, values: Mapping[str, str]) -> None:
    """Append step outputs in the multi-line form, with a delimiter no value contains."""
    if path is None:
        return
    chunks = []
    for name, value in values.items():
        delimiter = f"perfgate_{secrets.token_hex(8)}"
        while delimiter in value:  # pragma: no cover - 64 random bits
            delimiter = f"perfgate_{secrets.token_hex(8)}"
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with path.open("a", encoding="utf-8") as out:
        out.write("".join(chunks))


def write_summary(path: Path | None, markdown: str) -> None:
    """Append to the job summary, which GitHub takes up to 1 MiB per step."""
    if path is None:
        return
    data = markdown.encode()
    if len(data) > SUMMARY_LIMIT:  # the renderer keeps under it; never write a rejected summary
        raise ValueError("job summary over 1 MiB")
    with path.open("ab") as out:
        out.write(data)


def print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print(line, flush=True)
