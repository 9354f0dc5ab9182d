"""``perfgate github action`` (the composite Action's one step) and ``perfgate github comment``
(the sticky comment from a report, or from a fork's artifact in a ``workflow_run`` job).

The gate's exit code never depends on the comment: a comment that cannot be posted (a fork's
read-only token: 403) is a warning. On a fork's pull request the comment is not attempted; the
report and the pull request number go to an artifact folder for the ``workflow_run`` poster.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from perfgate.commands.output import PROFILE_PAGE, emit
from perfgate.config import find_config, load_config, with_overrides
from perfgate.errors import InputError, PerfgateError, UsageError
from perfgate.files import write_text_atomic
from perfgate.github import workflow_files as wf
from perfgate.github.api import Client, Comment, GitHubError
from perfgate.github.comment import (
    SUMMARY_LIMIT,
    Context,
    marker_for,
    render_comment,
    safe_url,
)
from perfgate.github.inputs import ActionInputs, parse_inputs
from perfgate.harness import ab
from perfgate.harness.git import GitError, git, resolve
from perfgate.options import EXIT_OK, GRADES_WORST_FIRST
from perfgate.report.document import load_report
from perfgate.report.model import Report
from perfgate.units import parse_duration

DEFAULT_API = "https://api.github.com"
MAX_CONTEXT_BYTES = 64 * 1024
ARTIFACT_FILES = ("report.json", "pr-number", "context.json")
# context.json's format: version 1 = {perfgate_context, environment, base, head}
CONTEXT_KEY = "perfgate_context"
CONTEXT_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class Posted:
    action: str  # "created" or "updated"
    comment: Comment


def upsert_comment(
    client: Client, number: int, body: str, marker: str, author: str | None
) -> Posted:
    """Update perfgate's comment on ``number`` in place, or create it once.

    perfgate's comment is the first whose body starts with ``marker`` and whose author is
    the token's own identity: ``author`` when given, else the login GET /user names, else
    ``github-actions[bot]`` (the Actions token may not ask, and its comments are that bot's).
    Anyone else's comment that carries the marker - a person quoting it, another bot - is
    never edited.
    """
    me = author or client.me()
    for comment in client.comments(number):
        if comment.body.startswith(marker) and comment.author == me:
            return Posted(action="updated", comment=client.update_comment(comment.id, body))
    return Posted(action="created", comment=client.create_comment(number, body))


def action_command(env: Mapping[str, str] | None = None) -> Report:
    """Everything the Action does after installing perfgate; returns the gate's report."""
    env = os.environ if env is None else env
    inputs = parse_inputs(env)  # a bad input: UsageError, one ::error line each in _cli
    os.chdir(inputs.working_directory)
    event = env.get("GITHUB_EVENT_PATH")
    pr = wf.pull_request(Path(event) if event else None)
    out = Path(env.get("RUNNER_TEMP") or ".perfgate") / "perfgate-action"
    shutil.rmtree(out, ignore_errors=True)
    report_json, report_md = out / "report.json", out / "report.md"
    base = _base_commit(inputs, pr)
    accept = _accepted_on_the_pull_request(inputs, pr, env) if pr is not None else []
    config = with_overrides(
        load_config(find_config(inputs.config, Path.cwd())),
        fail_on=inputs.fail_on,
        time_budget=None if inputs.time_budget is None else parse_duration(inputs.time_budget),
        accept=accept,
    )
    with ab.session(out / "rounds", sys.stderr, ab.preflight(config)) as progress:
        job = ab.Job(
            config=config, config_path=inputs.config, rounds=inputs.rounds, out=out / "rounds",
            extra=inputs.harness_args, progress=progress,
        )  # fmt: skip
        outcome = ab.measure(job, base, Path.cwd())
        report = emit(outcome.report, "json", [report_json], sys.stdout)
        ab.tidy(job, outcome)
    context = Context(
        marker=marker_for(inputs.comment_key),
        run_url=_run_url(env),
        asv_url=inputs.asv_url,
        environment=_environment(env),
        base=base,
        head=_head(),
    )
    summary = render_comment(report, context, limit=SUMMARY_LIMIT - 1024)
    write_text_atomic(report_md, summary)
    wf.write_summary(_path(env, "GITHUB_STEP_SUMMARY"), summary)
    wf.print_lines(wf.annotation_lines(report))
    outputs = _outputs(report, report_json, report_md)
    if (out / PROFILE_PAGE).is_file():
        outputs["profile-html"] = str(out / PROFILE_PAGE)
    if inputs.comment and pr is not None:
        outputs.update(
            _comment_or_artifact(
                inputs=inputs, pr=pr, report=report, context=context, out=out, env=env
            )
        )
    wf.write_outputs(_path(env, "GITHUB_OUTPUT"), outputs)
    return report


def _accepted_on_the_pull_request(
    inputs: ActionInputs, pr: wf.PullRequest, env: Mapping[str, str]
) -> list[str]:
    """``--accept`` entries from the pull request's ``/perfgate accept`` comments by people
    with write access (:mod:`perfgate.github.accepting`); the rest said in the log."""
    from perfgate.github import accepting  # noqa: PLC0415

    client = Client(env.get("GITHUB_API_URL") or DEFAULT_API, inputs.token, pr.repository)
    try:
        accepted, refused = accepting.acceptances(client.comments(pr.number), client.permission)
    except GitHubError as exc:
        why = wf.escape_data(f"{exc}; nothing is accepted")
        wf.print_lines([f"::warning title=perfgate accept::reading /perfgate accept: {why}"])
        return []
    lines = [
        "::warning title=perfgate accept::"
        + wf.escape_data(
            f"/perfgate accept by {r.login} ignored: accepting takes write access to the "
            f"repository ({r.login} has {r.permission}): {r.url}"
        )
        for r in refused
    ]
    entries = []
    for item in accepted:
        if "=" in item.name:
            lines.append(
                "::warning title=perfgate accept::"
                + wf.escape_data(f"{item.name}: a name with '=' cannot be accepted this way")
            )
            continue
        lines.append(
            "::notice title=perfgate accept::"
            + wf.escape_data(f"{item.login} accepted {item.name}: {item.reason}")
        )
        entries.append(f"{item.name}={item.reason}")
    wf.print_lines(lines)
    return entries


def _comment_or_artifact(
    *,
    inputs: ActionInputs,
    pr: wf.PullRequest,
    report: Report,
    context: Context,
    out: Path,
    env: Mapping[str, str],
) -> dict[str, str]:
    if pr.from_fork:
        folder = out / "comment-artifact"
        write_artifact(folder, out / "report.json", pr.number, context)
        wf.print_lines(
            [
                "::notice title=perfgate::a fork's pull request gets a read-only token: the "
                "comment is left to the perf-comment workflow (artifact perfgate-comment)"
            ]
        )
        return {"artifact-dir": str(folder)}
    body = render_comment(report, context)
    client = Client(env.get("GITHUB_API_URL") or DEFAULT_API, inputs.token, pr.repository)
    try:
        posted = upsert_comment(
            client, pr.number, body, context.marker, env.get("PERFGATE_COMMENT_AUTHOR")
        )
    except GitHubError as exc:
        wf.print_lines([f"::warning title=perfgate comment::{wf.escape_data(_why(exc))}"])
        return {}
    sys.stderr.write(f"perfgate: {posted.action} the comment {posted.comment.url}\n")
    return {"comment-url": posted.comment.url}


def _why(exc: GitHubError) -> str:
    if exc.status == 403:
        return (
            f"{exc} - the token cannot write comments (a fork's pull request, or missing "
            "`permissions: pull-requests: write`); the gate's result is unaffected"
        )
    return f"{exc} - the gate's result is unaffected"


def write_artifact(folder: Path, report_json: Path, number: int, context: Context) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / "report.json", report_json.read_text(encoding="utf-8"))
    write_text_atomic(folder / "pr-number", f"{number}\n")
    facts = {
        CONTEXT_KEY: CONTEXT_VERSION,
        "environment": context.environment,
        "base": context.base,
        "head": context.head,
    }
    write_text_atomic(folder / "context.json", json.dumps(facts))


def comment_command(
    *,
    report_path: Path | None,
    number: int | None,
    artifact: Path | None,
    repository: str | None,
    expect_head_sha: str | None,
    run_url: str | None,
    asv_url: str | None,
    key: str,
    env: Mapping[str, str] | None = None,
) -> int:
    """Post or update the sticky comment; from a fork's artifact, check it first."""
    env = os.environ if env is None else env
    facts: dict[str, str | None] = {}
    if artifact is not None:
        report_path, number, facts = read_artifact(artifact)
    if report_path is None or number is None:
        raise UsageError("give --report and --pr, or --artifact")
    repository = repository or env.get("GITHUB_REPOSITORY")
    token = env.get("GITHUB_TOKEN", "")
    if not repository or not token:
        raise UsageError("needs GITHUB_REPOSITORY (or --repo) and GITHUB_TOKEN in the environment")
    for label, url in (("--run-url", run_url), ("--asv-url", asv_url)):
        if url is not None and not safe_url(url):
            raise UsageError(f"{label} {url!r} is not a plain http(s) URL")
    report = load_report(report_path)
    try:
        client = Client(env.get("GITHUB_API_URL") or DEFAULT_API, token, repository)
        marker = marker_for(key)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    context = Context(
        marker=marker,
        run_url=run_url,
        asv_url=asv_url,
        environment=facts.get("environment"),
        base=facts.get("base"),
        head=facts.get("head"),
    )
    try:
        if expect_head_sha is not None:
            actual = client.pull_head_sha(number)
            if actual != expect_head_sha:
                raise InputError(
                    str(artifact or report_path),
                    f"pull request #{number} is at {actual[:12]}, not at the run's head "
                    f"{expect_head_sha[:12]}: not posting",
                )
        posted = upsert_comment(
            client,
            number,
            render_comment(report, context),
            marker,
            env.get("PERFGATE_COMMENT_AUTHOR"),
        )
    except GitHubError as exc:
        wf.print_lines([f"::warning title=perfgate comment::{wf.escape_data(_why(exc))}"])
        return EXIT_OK
    sys.stdout.write(f"{posted.action} {posted.comment.url}\n")
    return EXIT_OK


def read_artifact(folder: Path) -> tuple[Path, int, dict[str, str | None]]:
    """The report, pull request number and facts of a fork's artifact, all treated as data:
    each file must be a regular file in the folder itself (a symlink is refused, never
    followed), and is read only up to its size limit."""
    for name in ARTIFACT_FILES:
        _regular_file(folder, name)
    number_path = folder / "pr-number"
    number_text = _read_bounded(number_path, 32).decode("ascii", "replace").strip()
    if not number_text.isdigit() or not 0 < int(number_text) < 10**9:
        raise InputError(str(number_path), f"{number_text[:20]!r} is not a pull request number")
    context_path = folder / "context.json"
    raw = _read_bounded(context_path, MAX_CONTEXT_BYTES)
    try:
        loaded = json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, huge ints
        raise InputError(str(context_path), "not JSON") from None
    facts: dict[str, str | None] = {}
    if isinstance(loaded, dict):
        version = loaded.get(CONTEXT_KEY, CONTEXT_VERSION)  # perfgate 0.1 wrote none
        if version != CONTEXT_VERSION or isinstance(version, bool):
            raise InputError(
                str(context_path),
                f"context format {str(version)[:20]!r} is not {CONTEXT_VERSION} "
                "(the workflows run different perfgate versions)",
            )
        for key in ("environment", "base", "head"):
            value = loaded.get(key)
            facts[key] = value if isinstance(value, str) else None
    return folder / "report.json", int(number_text), facts


def _regular_file(folder: Path, name: str) -> None:
    path = folder / name
    try:
        mode = path.lstat().st_mode
    except OSError:
        raise InputError(str(folder), f"artifact without {name}") from None
    if not stat.S_ISREG(mode):
        what = "a symlink" if stat.S_ISLNK(mode) else "not a regular file"
        raise InputError(str(path), f"{what}: an artifact's files are read only as themselves")


def _read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, never through a symlink; InputError when
    it holds more (the size is checked before anything is read)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise InputError(str(path), f"cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(str(path), "not a regular file")
        if info.st_size > limit:
            raise InputError(str(path), f"{info.st_size:,} bytes, over the {limit:,} allowed")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(str(path), f"over the {limit:,} bytes allowed")
    return data


def _base_commit(inputs: ActionInputs, pr: wf.PullRequest | None) -> str | None:
    """The commit to compare with: the ``base`` input, else the pull request's merge-base with
    its base branch; None (budgets only) for other events without a ``base`` input."""
    ref = inputs.base or (pr.base_sha if pr else None)
    if ref is None:
        return None
    repo = Path.cwd()
    try:
        commit = resolve(repo, ref)
    except GitError:
        # a shallow checkout: fetch the one commit (GitHub serves any reachable commit)
        sys.stderr.write(f"perfgate: fetching {ref} (use actions/checkout with fetch-depth: 0)\n")
        git(repo, "fetch", "--no-tags", "--depth=1", "origin", ref)
        commit = resolve(repo, ref)
    try:
        return git(repo, "merge-base", commit, "HEAD")
    except GitError:
        return commit  # no common history here (shallow): the base commit itself


def _head() -> str | None:
    try:
        return resolve(Path.cwd(), "HEAD")
    except PerfgateError:
        return None


def _run_url(env: Mapping[str, str]) -> str | None:
    server, repo, run_id = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if not (server and repo and run_id and run_id.isdigit()):
        return None
    url = f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"
    return url if safe_url(url) else None


def _environment(env: Mapping[str, str]) -> str:
    runner = " ".join(v for v in (env.get("RUNNER_OS"), env.get("RUNNER_ARCH")) if v)
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{runner or platform.system()}, {python}"


def _outputs(report: Report, report_json: Path, report_md: Path) -> dict[str, str]:
    return {
        "verdict": report.verdict,
        **{grade: str(report.count_severity(grade)) for grade in GRADES_WORST_FIRST},
        "budget-critical": str(report.count("critical")),
        "budget-warning": str(report.count("warning")),
        "report-json": str(report_json.resolve()),
        "report-markdown": str(report_md.resolve()),
    }


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value else None
