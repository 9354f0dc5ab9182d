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
from perfgate.github.comment import SUMMARY_LIMIT, rank
from perfgate.github.report_file import Entry, ReportData
from perfgate.units import format_value

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
    """The message part of a workflow command (one line, no stray ``%``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: ReportData, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """``::error``/``::warning`` lines for the worst findings, at most ``limit``."""
    findings = sorted((e for e in report.entries if _level(e)), key=rank)
    lines = []
    for entry in findings[:limit]:
        level = _level(entry)
        title = escape_property(f"perfgate: {_what(entry)}")
        name = entry.name if len(entry.name) <= 200 else entry.name[:199] + "\u2026"
        lines.append(f"::{level} title={title}::{escape_data(name + ': ' + _detail(entry))}")
    if len(findings) > limit:
        lines.append(
            f"::notice title=perfgate::{len(findings) - limit} more findings in the report"
        )
    return lines


def _level(entry: Entry) -> str | None:
    if entry.direction == "slower" and entry.severity == "critical":
        return "error"
    if entry.budget_status == "critical":
        return "error"
    if entry.direction == "slower" and entry.severity in ("major", "minor"):
        return "warning"
    if entry.budget_status in ("warning", "slow"):
        return "warning"
    return None


def _what(entry: Entry) -> str:
    if entry.direction == "slower" and entry.severity != "none":
        return f"{entry.severity} slowdown"
    return f"budget {entry.budget_status}"


def _detail(entry: Entry) -> str:
    head = format_value(entry.head.value, entry.unit)
    if entry.base is not None and entry.ratio is not None:
        base = format_value(entry.base.value, entry.unit)
        text = f"{entry.metric} {base} -> {head} ({(entry.ratio - 1) * 100:+.1f}%"
        if entry.ci is not None:
            low, high = ((c - 1) * 100 for c in entry.ci)
            text += f", 95% CI [{low:+.1f}%, {high:+.1f}%]"
        return text + ")"
    target = (
        ""
        if entry.budget_target is None
        else f" (target {format_value(entry.budget_target, entry.unit)})"
    )
    return f"{entry.metric} {head}{target}"


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
