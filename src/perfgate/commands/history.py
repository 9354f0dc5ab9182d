"""``perfgate history import|show|detect|baseline``: the steps; the CLI only parses arguments."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from perfgate.errors import UsageError
from perfgate.files import write_text_atomic
from perfgate.history.store import (
    Location,
    Point,
    SeriesKey,
    Store,
    open_store,
    shown_location,
)
from perfgate.model import STORED_BASELINE, Benchmark, Metadata, Run
from perfgate.options import (
    DEFAULT_DRIFT,
    DEFAULT_MIN_CHANGE,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_SKIPPED,
)

if TYPE_CHECKING:
    from perfgate.history.drift import Drift, Reference
    from perfgate.history.explained import SeriesNotes
    from perfgate.history.findings import Finding


def import_command(
    paths: Sequence[Path], *, db: Location, repo: Path | None, stderr: TextIO | None = None
) -> int:
    """Import; exit 2 (after importing the rest) when some files had to be skipped."""
    stderr = stderr or sys.stderr  # at call time: tests and callers swap them
    from perfgate.history.importer import candidate_files, import_into  # noqa: PLC0415

    files = list(candidate_files(paths))
    with _progress(stderr, len(files)) as advance:
        outcome = import_into(db, files, repo=repo, advance=advance)
    for line in outcome.lines():
        stderr.write(f"perfgate: {line}\n")
    return EXIT_SKIPPED if outcome.result.skipped else EXIT_OK


def _matching(
    store: Store, name: str, metric: str, machine: str | None, environment: str | None
) -> list[tuple[SeriesKey, list[Point]]]:
    found = store.series(name, metric, machine=machine, environment=environment)
    if not found:  # a short name as the tables print it (`test_parse`, `time_parse`)
        full = store.names_ending(name)
        if len(full) > 1:
            raise UsageError(
                f"{name!r} is the short name of {len(full)} benchmarks in {store.path}: give "
                f"the full one ({', '.join(full[:5])}{', ...' if len(full) > 5 else ''})"
            )
        if full:
            sys.stderr.write(f"perfgate: {name}: {full[0]}\n")
            found = store.series(full[0], metric, machine=machine, environment=environment)
    if not found:
        close = store.names_like(name.rsplit(".", 1)[-1].rsplit("::", 1)[-1])
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise UsageError(f"no history for benchmark {name!r} in {store.path}{hint}")
    return found


def show_command(
    name: str,
    *,
    db: Location,
    machine: str | None,
    environment: str | None,
    metric: str,
    fmt: str,
    chart: Path | None,
    stdout: TextIO | None = None,
) -> int:
    stdout = stdout or sys.stdout  # at call time: tests and callers swap them
    from perfgate.history import render  # noqa: PLC0415

    store = open_store(db, create=False)
    try:
        series = _matching(store, name, metric, machine, environment)
        notes = _series_notes(store, series)
    finally:
        store.close()
    findings = []
    if chart is not None or fmt == "json":  # change points only where they are shown
        from perfgate.history.findings import findings_of  # noqa: PLC0415 - numpy, lazily

        findings = [f for key, points in series for f in findings_of(key, points)]
    if chart is not None:
        write_text_atomic(chart, render.chart_html(series, findings, metric))
        sys.stderr.write(f"perfgate: chart written to {chart}\n")
    if fmt == "json":
        stdout.write(render.series_json(series, findings, metric, notes))
    elif fmt == "markdown":
        stdout.write(render.series_markdown(series, metric, notes))
    else:
        render.series_table(series, metric, stdout, notes)
    return EXIT_OK


def _series_notes(
    store: Store, series: Sequence[tuple[SeriesKey, list[Point]]]
) -> dict[SeriesKey, SeriesNotes]:
    """Under each series: where its environment's packages changed, within the commits it
    shows, and the slowdowns of its benchmark accepted at one of them."""
    from perfgate.history.explained import SeriesNotes, package_changes  # noqa: PLC0415

    acceptances = store.acceptances()
    notes = {}
    for key, points in series:
        commits = {p.commit for p in points}
        runs = store.packages_by_run(key.machine, key.environment)
        changes = [c for c in package_changes(runs) if c.commit in commits]
        accepted = [a for a in acceptances if a.benchmark == key.name and a.commit in commits]
        notes[key] = SeriesNotes(packages=tuple(changes), accepted=tuple(accepted))
    return notes


def accept_command(
    commit: str,
    benchmarks: Sequence[str],
    *,
    reason: str,
    by: str | None,
    db: Location,
    repo: Path | None = None,
    stdout: TextIO | None = None,
) -> int:
    """``perfgate history accept``: the slowdown of ``benchmarks`` at ``commit`` is intended.
    The commit is resolved by git (its tree kept, which a squash merge of it shares); names
    must be stored benchmarks (a typo would accept nothing, silently)."""
    import time  # noqa: PLC0415

    from perfgate.harness import git as _git  # noqa: PLC0415
    from perfgate.history.store import Acceptance  # noqa: PLC0415

    stdout = stdout or sys.stdout
    repo = repo or Path.cwd()
    if not reason.strip():
        raise UsageError("--reason must say why the slowdown is intended")
    try:
        full = _git.resolve(repo, commit)
        tree = _git.git(repo, "rev-parse", f"{full}^{{tree}}")
    except _git.GitError as exc:
        raise UsageError(f"{commit!r} is not a commit of this repository ({exc})") from None
    if by is None:
        try:
            by = _git.git(repo, "config", "user.name") or None
        except _git.GitError:
            by = None
    store = open_store(db, create=False)
    try:
        known = {key.name for key in store.series_keys(probes=True)}
        unknown = [name for name in benchmarks if name not in known]
        if unknown:
            close = store.names_like(unknown[0].rsplit(".", 1)[-1].rsplit("::", 1)[-1])
            hint = f"; similar: {', '.join(close)}" if close else ""
            raise UsageError(f"no history for benchmark {unknown[0]!r} in {store.path}{hint}")
        now = time.time()
        store.add_acceptances([
            Acceptance(
                commit=full, benchmark=name, reason=reason.strip(), accepted_by=by, tree=tree,
                date=now,
            )
            for name in benchmarks
        ])  # fmt: skip
    finally:
        store.close()
    stdout.write(
        f"accepted the slowdown of {len(benchmarks)} benchmark(s) at {full[:12]}"
        + (f" by {by}" if by else "")
        + f" in {shown_location(db)}\n"
    )
    return EXIT_OK


def detect_command(
    *,
    db: Location,
    metric: str,
    fmt: str,
    output: Path | None,
    min_change: float = DEFAULT_MIN_CHANGE,
    method: str | None = None,
    drift: DriftAsked | None = None,
    bisect: bool = False,
    config_path: Path | None = None,
    stdout: TextIO | None = None,
) -> int:
    """``perfgate history detect``: scan -> render -> with ``bisect``, bisect the largest
    slowdown whose commits are both known (``perfgate bisect``'s search, run in the
    project's repository with ``config_path``'s config)."""
    stdout = stdout or sys.stdout  # at call time: tests and callers swap them
    from perfgate.history import render  # noqa: PLC0415

    if not 0 <= min_change < 1:
        raise UsageError(f"--min-change is a fraction in [0, 1), like 0.05; got {min_change}")
    scan = _scan(db, metric, min_change, method, drift)
    findings, series = scan.findings, len(scan.series)
    left_out, left_series = scan.left_out, scan.left_series
    findings.sort(key=lambda f: (not f.slower, -abs(f.change.magnitude)))
    if left_out:
        sys.stderr.write(
            f"perfgate: {left_out} value(s) of 0 or below in {left_series} series were left out "
            "of change-point detection (its steps are relative)\n"
        )
    if scan.short:
        from perfgate.decisions.changepoints import min_commits  # noqa: PLC0415

        need = min_commits()
        sys.stderr.write(
            f"perfgate: {scan.short} of {series} series have fewer than {need} commits with "
            f"a value: a step needs {need} around it (both sides together) to reach the 0.99 "
            "confidence, so none can be found in them yet\n"
        )
    reference = scan.reference.label if scan.reference else None
    text = render.render_findings(
        findings, series, metric, fmt, drifts=scan.drifts, reference=reference
    )
    if output is not None:
        write_text_atomic(output, text)
    if output is None or fmt == "table":
        stdout.write(text)
    if bisect:
        return _bisect_largest(findings, db=db, config_path=config_path, json=fmt == "json")
    return EXIT_OK


def _bisect_largest(
    findings: Sequence[Finding], *, db: Location, config_path: Path | None, json: bool
) -> int:
    """The search of ``perfgate bisect`` between the last commit at the old level and the
    first at the new, of the largest slowdown; its text on stderr when stdout holds JSON."""
    from perfgate.config import find_config, load_config  # noqa: PLC0415
    from perfgate.harness.bisecting import search  # noqa: PLC0415
    from perfgate.harness.git import toplevel  # noqa: PLC0415
    from perfgate.progress import progress_lines  # noqa: PLC0415
    from perfgate.report.bisection import render_text  # noqa: PLC0415

    target = bisect_target(findings)
    if target is None:
        sys.stderr.write("perfgate: --bisect: no slowdown with both commits known\n")
        return EXIT_OK
    good, bad, name = target
    sys.stderr.write(f"perfgate: --bisect: {name}, {good[:10]}..{bad[:10]}\n")
    cwd = Path.cwd()
    config = load_config(find_config(config_path, cwd))
    with progress_lines(sys.stderr) as progress:
        found = search(
            repo=toplevel(cwd), good=good, bad=bad, pattern=name, rounds=None, config=config,
            db=db, progress=progress,
        )  # fmt: skip
    (sys.stderr if json else sys.stdout).write(render_text(found))
    return EXIT_OK if found.first_bad is not None else EXIT_NOT_FOUND


def bisect_target(findings: Sequence[Finding]) -> tuple[str, str, str] | None:
    """``history detect --bisect``: (GOOD, BAD, benchmark) of the largest slowdown whose
    commits are both known: the last commit at the old level and the first at the new."""
    for finding in findings:  # largest slowdown first
        if finding.slower and finding.after_commit and finding.first_commit:
            return finding.after_commit, finding.first_commit, finding.series.name
    return None


def site_command(
    out: Path,
    *,
    db: Location,
    metric: str,
    commit_url: str | None,
    min_change: float = DEFAULT_MIN_CHANGE,
    drift: DriftAsked | None = None,
) -> int:
    """``perfgate history site OUT``: OUT/index.html, every stored series on one page."""
    from perfgate.history import render  # noqa: PLC0415

    if not 0 <= min_change < 1:
        raise UsageError(f"--min-change is a fraction in [0, 1), like 0.05; got {min_change}")
    template = commit_url if commit_url is not None else default_commit_url()
    if template is not None and not _plain_url_template(template):
        raise UsageError(
            f"--commit-url {template!r}: expected an http(s) URL with {{commit}} in it"
        )
    scan = _scan(db, metric, min_change, drift=drift)
    series, findings = scan.series, scan.findings
    if not series:
        raise UsageError(
            f"{shown_location(db)} holds no series: import results first (perfgate history import)"
        )
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    write_text_atomic(page, render.site_html(series, findings, metric, template, scan.drifts))
    sys.stderr.write(
        f"perfgate: {page}: {len(series)} series, {len(findings)} change point(s), "
        f"{len(scan.drifts)} drift(s)"
        + ("" if template else "; no commit links (give --commit-url)")
        + "\n"
    )
    return EXIT_OK


@dataclass
class _Scan:
    series: list[tuple[SeriesKey, list[Point]]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    left_out: int = 0  # values of 0 or below, which relative steps cannot use
    left_series: int = 0
    short: int = 0  # series too short for any step to reach the confidence
    drifts: list[Drift] = field(default_factory=list)
    reference: Reference | None = None  # what the drifts are measured against


@dataclass(frozen=True)
class DriftAsked:
    """``--drift FRACTION`` (0: no drift check) and ``--since REF``."""

    threshold: float = DEFAULT_DRIFT
    since: str | None = None


def _scan(
    db: Location,
    metric: str,
    min_change: float,
    method: str | None = None,
    drift: DriftAsked | None = None,
) -> _Scan:
    """Every stored series of ``metric``, its change points and its drift, with a progress
    bar."""
    from perfgate.decisions.changepoints import DEFAULT_METHOD, min_commits  # noqa: PLC0415 - numpy, lazily
    from perfgate.history.drift import drift_of  # noqa: PLC0415
    from perfgate.history.findings import findings_of, nonpositive  # noqa: PLC0415

    scan = _Scan()
    need = min_commits()
    store = open_store(db, create=False)
    try:
        keys = store.series_keys()
        with _progress(sys.stderr, len(keys)) as advance:
            for key in keys:
                for found_key, points in store.series(
                    key.name, metric, unit=key.unit, machine=key.machine,
                    environment=key.environment,
                ):  # fmt: skip
                    scan.series.append((found_key, points))
                    scan.findings.extend(
                        findings_of(found_key, points, min_change, method or DEFAULT_METHOD)
                    )
                    skipped = nonpositive(points)
                    scan.left_out += skipped
                    scan.left_series += bool(skipped)
                    scan.short += len(points) - skipped < need
                advance()
        acceptances = store.acceptances()
    finally:
        store.close()
    if acceptances:
        from perfgate.history.accepted import commits_of_step, mark  # noqa: PLC0415

        points_of = dict(scan.series)
        scan.findings = mark(
            scan.findings,
            acceptances,
            lambda f: commits_of_step(points_of[f.series], f),
            repo=Path.cwd(),  # git answers there when it is a repository; else commits alone
        )
    drift = drift or DriftAsked()
    if drift.threshold > 0 and scan.series:
        scan.reference = _reference(drift.since, scan.series)
        for key, points in scan.series:
            mine = [f for f in scan.findings if f.series == key]
            found = drift_of(key, points, scan.reference, drift.threshold, mine)
            if found is not None:
                scan.drifts.append(found)
        scan.drifts.sort(key=lambda d: -abs(d.magnitude))
    return scan


def _reference(since: str | None, series: list[tuple[SeriesKey, list[Point]]]) -> Reference:
    """What drift is measured against: ``--since REF`` (a stored commit, or a git ref of the
    current repository with stored runs), else the latest tagged commit with stored runs, else
    :data:`~perfgate.history.drift.DEFAULT_COMMITS_BACK` commits back."""
    from perfgate.harness import git as _git  # noqa: PLC0415
    from perfgate.history.drift import DEFAULT_COMMITS_BACK, Reference, tag_reference  # noqa: PLC0415

    order: dict[str, int] = {}  # commit -> its latest position in any series
    for _key, points in series:
        for position, point in enumerate(points):
            if point.commit:
                order[point.commit] = max(order.get(point.commit, 0), position)
    stored = set(order)
    if since is not None:
        matches = sorted(
            c for c in stored if c == since or (len(since) >= 7 and c.startswith(since))
        )
        if len(matches) == 1:
            return Reference(label=f"commit {since}", commit=matches[0])
        try:
            commit = _git.resolve(Path.cwd(), since, "--since")
        except _git.GitError as exc:
            raise UsageError(f"--since {since}: not a stored commit, and {exc}") from None
        if commit not in stored:
            raise UsageError(f"--since {since}: commit {commit[:12]} has no stored run")
        return Reference(label=since, commit=commit)
    try:
        listed = _git.git(
            Path.cwd(),
            "for-each-ref",
            "--merged",
            "HEAD",
            "--format=%(refname:short)%00%(objectname)%00%(*objectname)",
            "refs/tags",
        )
    except _git.GitError:  # not a repository, or no HEAD: no tags to go by
        listed = ""
    tags = []
    for line in listed.splitlines():
        name, tagged, peeled = [*line.split("\0"), "", ""][:3]
        tags.append((name, peeled or tagged))
    return tag_reference(tags, order) or Reference(label=f"{DEFAULT_COMMITS_BACK} commits back")


def notify_command(
    *,
    db: Location,
    metric: str,
    min_change: float = DEFAULT_MIN_CHANGE,
    site_url: str | None,
    commit_url: str | None,
    mention_author: bool,
    env: Mapping[str, str] | None = None,
    drift: DriftAsked | None = None,
    stdout: TextIO | None = None,
) -> int:
    """``perfgate history notify``: one GitHub issue per regressing commit, opened once,
    updated when its findings change, never reopened; only the token's own issues are
    edited."""
    stdout = stdout or sys.stdout
    env = os.environ if env is None else env
    from perfgate.github.api import Client, GitHubError  # noqa: PLC0415
    from perfgate.history import notify  # noqa: PLC0415

    if not 0 <= min_change < 1:
        raise UsageError(f"--min-change is a fraction in [0, 1), like 0.05; got {min_change}")
    for flag, url in (("--site-url", site_url), ("--commit-url", commit_url)):
        if url is not None and not _plain_url_template(url, needs_commit=flag == "--commit-url"):
            raise UsageError(f"{flag} {url!r} is not a plain http(s) URL")
    template = commit_url if commit_url is not None else default_commit_url()
    repository, token = env.get("GITHUB_REPOSITORY"), env.get("GITHUB_TOKEN")
    if not repository or not token:
        raise UsageError("needs GITHUB_REPOSITORY and GITHUB_TOKEN in the environment")
    scan = _scan(db, metric, min_change, drift=drift)
    # an accepted slowdown is intended: no issue (another step of it still gets one)
    regressions = [f for f in scan.findings if f.slower and f.accepted is None]
    accepted = sum(1 for f in scan.findings if f.slower and f.accepted is not None)
    creeping = [d for d in scan.drifts if not d.explained]  # steps have their own issues
    try:
        client = Client(env.get("GITHUB_API_URL") or "https://api.github.com", token, repository)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        existing = client.issues(notify.LABEL)
        me = client.me()
        notices = []
        for findings in notify.group(regressions):
            mention = None
            if mention_author and findings[0].first_commit:
                mention = client.commit_author(findings[0].first_commit)
            notices.append(
                notify.notice(
                    findings, metric, commit_url=template, site_url=site_url, mention=mention
                )
            )
        if creeping:
            notices.append(
                notify.drift_notice(creeping, metric, commit_url=template, site_url=site_url)
            )
        counts = {"open": 0, "update": 0, "keep": 0, "closed": 0}
        for action, item, issue in notify.plan(notices, existing, me):
            counts[action] += 1
            if action == "open":
                made = client.create_issue(item.title, item.body, [notify.LABEL])
                stdout.write(f"opened #{made.number}: {item.title}\n")
            elif action == "update" and issue is not None:
                client.update_issue(issue.number, item.title, item.body)
                stdout.write(f"updated #{issue.number}: {item.title}\n")
    except GitHubError as exc:
        raise UsageError(f"GitHub: {exc}") from None
    stdout.write(
        f"{len(regressions)} regression(s) at {len(notices) - bool(creeping)} commit(s)"
        + (f", {len(creeping)} creeping since {creeping[0].reference}" if creeping else "")
        + (f" ({accepted} more accepted as intended: no issue)" if accepted else "")
        + ": "
        f"{counts['open']} issue(s) opened, "
        f"{counts['update']} updated, {counts['keep']} unchanged, {counts['closed']} closed "
        "before (left closed)\n"
    )
    return EXIT_OK


def default_commit_url() -> str | None:
    """Commit links for GitHub: from the Actions environment, else from the origin remote."""
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server}/{repository}/commit/{{commit}}"
    from perfgate.harness.git import GitError, git  # noqa: PLC0415

    try:
        remote = git(Path.cwd(), "config", "--get", "remote.origin.url")
    except GitError:
        return None
    for prefix in ("https://github.com/", "git@github.com:"):
        if remote.startswith(prefix):
            path = remote[len(prefix) :].removesuffix(".git").strip("/")
            if path.count("/") == 1:
                return f"https://github.com/{path}/commit/{{commit}}"
    return None


def _plain_url_template(template: str, *, needs_commit: bool = True) -> bool:
    return (
        template.startswith(("https://", "http://"))
        and ("{commit}" in template or not needs_commit)
        and not any(c in template for c in "\"'<>()[] \t\n`")
    )


def baseline_command(
    *,
    db: Location,
    last: int,
    out: Path,
    machine: str | None,
    environment: str | None,
) -> int:
    """Write the classic stored baseline as a native file: for each benchmark, its last
    ``last`` stored runs (each a round), for ``perfgate compare BASELINE HEAD``."""
    if last < 1:
        raise UsageError(f"--last must be 1 or more, got {last}")
    from perfgate.formats.native import dumps  # noqa: PLC0415

    store = open_store(db, create=False)
    try:
        benchmarks = []
        for key in store.series_keys():
            if (machine and key.machine != machine) or (
                environment and key.environment != environment
            ):
                continue
            recent = store.recent_samples(key, last)
            bench = _baseline_benchmark(key, recent)
            if bench is not None:
                benchmarks.append(bench)
    finally:
        store.close()
    if not benchmarks:
        raise UsageError(
            f"no stored runs in {shown_location(db)} match (machine {machine}, env {environment})"
        )
    names = [b.name for b in benchmarks]
    if len(set(names)) != len(names):
        raise UsageError(
            "benchmarks were stored from several machines or environments; choose one "
            "with --machine and --env"
        )
    run = Run(
        metadata=Metadata(harness=STORED_BASELINE, environment=f"last {last} stored runs"),
        benchmarks=tuple(benchmarks),
    )
    write_text_atomic(out, dumps(run))
    sys.stderr.write(
        f"perfgate: baseline of {len(benchmarks)} benchmarks (last {last} stored runs each) "
        f"written to {out}\n"
    )
    return EXIT_OK


def _baseline_benchmark(
    key: SeriesKey, recent: list[tuple[str | None, tuple[float, ...] | None, float | None]]
) -> Benchmark | None:
    """Raw samples of each stored run become one round; for runs with statistics only
    (data.js), the median of their stored means."""
    rounds = tuple(samples for _c, samples, _m in recent if samples)
    means = [m for _c, _s, m in recent if m is not None]
    if not rounds and not means:
        return None
    import statistics  # noqa: PLC0415 - only here; keeps start-up light

    return Benchmark(
        name=key.name,
        short_name=key.name.rsplit(".", 1)[-1],
        unit=key.unit,
        direction="higher" if key.direction == "higher" else "lower",
        rounds=rounds,
        stored={} if rounds else {"mean": statistics.median(means)},
    )


@contextmanager
def _progress(stderr: TextIO, total: int) -> Iterator[Callable[[], None]]:
    """A rich progress bar on a terminal; nothing in CI and pipes (a summary line follows)."""
    if not stderr.isatty() or os.environ.get("CI") or total < 2:
        yield lambda: None
        return
    import rich.progress  # noqa: PLC0415
    from rich.console import Console  # noqa: PLC0415

    from perfgate.progress import ProgressThrottler  # noqa: PLC0415

    with rich.progress.Progress(
        *rich.progress.Progress.get_default_columns(),
        rich.progress.MofNCompleteColumn(),
        console=Console(file=stderr),
        transient=True,
    ) as bar:
        task = bar.add_task("history", total=total)
        throttle = ProgressThrottler()
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            if done == total:
                throttle.force_next()
            if throttle.ready():  # 960 files: a handful of redraws, not 960
                bar.update(task, completed=done)

        yield advance
