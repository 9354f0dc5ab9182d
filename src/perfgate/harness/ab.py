"""The measuring run, as steps: head alone, or base and head in interleaved rounds, compared.

``perfgate run``, the Action's step and each ``perfgate bisect`` probe are step lists over
these (:func:`measure`, or :func:`compare_with` for two commits); none calls another
command, and none of these writes a report: the caller emits :attr:`Outcome.report`, records
it in a history if asked, and then :func:`tidy` removes what the run no longer needs.

The steps of an A/B run (:func:`compare_with`): resolve base -> what the change can reach
(nothing: head alone, for its budgets) -> build both sides' environments -> which benchmarks
the reach map says are affected -> interleaved rounds until decided -> compare -> profile the
flagged rows -> the notes (dependencies, benchmarks not affected).
"""

from __future__ import annotations

import platform
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from perfgate import formats
from perfgate.config import Config
from perfgate.decisions import gate, names, reach, rounds_plan, stored_base
from perfgate.decisions.check import check
from perfgate.decisions.compare import compare, decision_statistic
from perfgate.errors import PerfgateError, UsageError
from perfgate.files import exclusive, write_text_atomic
from perfgate.harness import asv_driver, environments, instructions, profiling, same_program, shards
from perfgate.harness.git import (
    auto_base,
    changed_since,
    dirty_files,
    resolve,
    show,
    state_id,
    toplevel,
    worktree,
)
from perfgate.harness.runner import (
    EmptyShardError,
    RoundPlan,
    RunInterruptedError,
    Side,
    reach_side,
    run_rounds,
    timer_fallback,
)
from perfgate.history import configured, stored_runs
from perfgate.progress import Progress, progress_lines
from perfgate.report import cells
from perfgate.report.model import DependencyChange, Report, Row
from perfgate.units import BYTECODES, COUNTS, INSTRUCTIONS

if TYPE_CHECKING:
    from perfgate.model import Benchmark

AUTO = "auto"  # --base auto: the merge-base with the default branch (see git.auto_base)


@dataclass(frozen=True, kw_only=True)
class Job:
    """What one measuring run is asked for: its config (command-line overrides applied), the
    rounds (None: the config's adaptive schedule), where its round files go, the harness's
    extra arguments, and where it reports progress."""

    config: Config
    config_path: Path | None = None
    rounds: int | None = None
    out: Path
    extra: tuple[str, ...] = ()
    seed: int = 0
    shard: shards.Shard | None = None
    progress: Progress
    measure_all: bool = False  # --all: compare even a change that reaches no benchmark


# what a run measured: head alone (a history may store its run); base and head compared (a
# history may store the slowdowns accepted); head alone for its budgets in an A/B run whose
# change reaches no benchmark, or an empty shard (nothing to store)
Measured = Literal["head", "compared", "budgets only"]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    report: Report  # decided, not yet written anywhere
    measured: Measured
    sides: tuple[Side, ...]
    repo: Path | None  # the repository whose environments and worktrees the run used


def preflight(config: Config) -> list[str]:
    """What must hold before any environment is built (one line and exit 2 now, not after
    minutes), and the lines to say at the start."""
    if config.harness.type == "asv":
        asv_driver.runner_requirement()
    _count_calls(config)  # valgrind missing, or counts asked of a suite that cannot count
    fallback = timer_fallback(config.harness.timer)
    return [fallback] if fallback else []


@contextmanager
def session(out: Path, stderr: TextIO, said: Sequence[str] = ()) -> Iterator[Progress]:
    """The rounds folder ``out`` held by this run alone, progress reported on ``stderr`` (the
    lines ``said`` first), and an interrupted run said to have kept its finished rounds."""
    with exclusive(out), progress_lines(stderr) as progress:
        for line in said:
            progress.line(line)
        try:
            yield progress
        except RunInterruptedError as exc:
            kept = (
                "1 finished round is"
                if exc.finished == 1
                else f"{exc.finished} finished rounds are"
            )
            stderr.write(
                f"perfgate: stopped by {exc}; {kept} kept in {out} (per side; the "
                "unfinished round was dropped)\n"
            )
            raise
        except KeyboardInterrupt:
            stderr.write(f"perfgate: interrupted; finished rounds are kept in {out}\n")
            raise


def measure(job: Job, base_ref: str | None, cwd: Path) -> Outcome:
    """``base_ref`` None: head alone, in this environment, as a maintainer runs the suite;
    ``"auto"``: the merge-base of HEAD and the default branch, or head alone in its own
    environment when there is nothing to compare; a git ref: base and head compared."""
    if base_ref is None:
        return _head_here(job, cwd)
    if base_ref == AUTO:
        repo = toplevel(cwd)
        found, why = auto_base(repo)
        if found is None:
            job.progress.line(f"--base auto: nothing to compare ({why}); head alone")
            return _head_isolated(job, repo, cwd)
        job.progress.line(f"--base auto: {found[:10]}, {why}")
        base_ref = found
    return compare_with(job, base_ref, cwd)


def compare_with(job: Job, base_ref: str, cwd: Path, head_ref: str | None = None) -> Outcome:
    """Base (a worktree of ``base_ref``) against head (the working tree, or a worktree of
    ``head_ref``: two commits, as bisect's probes), each in its own environment."""
    repo = toplevel(cwd)
    base_commit = resolve(repo, base_ref)
    # the working tree's changes since base (none for two commits: bisect's probes)
    changes = _changes(repo, base_commit) if head_ref is None else []
    if head_ref is None and (same := _unreachable(job, base_ref, cwd, changes)) is not None:
        return same
    sides = ab_sides(job, base_ref, cwd, head_ref)
    reached = _reach(job, sides, changes, repo=repo, base_commit=base_commit)
    if reached.measured == []:  # the change reaches no benchmark: head alone, for budgets
        return _none_reached(job, sides, reached, repo, base_commit)
    reached, cleared = _stored_first(job, sides, reached)
    if reached.measured == []:  # head within the margin of the stored runs everywhere
        shutil.rmtree(job.out / "base", ignore_errors=True)  # an earlier run's: not this one's
        report = _with_cleared(_checked_head(job), cleared)
        report = _with_reach(report, reached, base_commit)
        return Outcome(report=report, measured="budgets only", sides=tuple(sides), repo=repo)
    try:
        report, used, spent = _rounds(job, sides, reached)
    except EmptyShardError:  # a small suite over many shards: this one has nothing
        return Outcome(report=_empty_shard(job), measured="budgets only", sides=tuple(sides),
                       repo=repo)  # fmt: skip
    report = _profiled(job, report, sides, spent=spent)
    report = _with_dependencies(report, sides)
    report = _with_reach(report, reached, base_commit)
    report = _with_cleared(report, cleared)
    return Outcome(
        report=replace(report, rounds_used=used), measured="compared", sides=tuple(sides),
        repo=repo,
    )  # fmt: skip


def probe(
    *, base_commit: str, head_commit: str, out: Path, rounds: int | None, config: Config,
    progress: Progress,
) -> Report:  # fmt: skip
    """One A/B comparison of two commits, each from its own worktree and environment, with
    interleaved rounds (a fixed number, else the config's adaptive schedule): what `perfgate
    bisect` runs at each step."""
    job = Job(config=config, rounds=rounds, out=out, progress=progress)
    with exclusive(out):
        outcome = compare_with(job, base_commit, Path.cwd(), head_ref=head_commit)
        tidy(job, outcome)
    return outcome.report


def tidy(job: Job, outcome: Outcome) -> None:
    """After a run: the base worktree goes (its environment keeps what was installed), and
    only the most recently used environments stay (``perfgate clean`` removes them all)."""
    if outcome.repo is None:  # head ran in this environment: nothing of perfgate's to tidy
        return
    protect = [side.python.parent.parent.name for side in outcome.sides]
    environments.tidy(
        outcome.repo, keep=environments.KEEP_ENVIRONMENTS, protect=protect,
        say=job.progress.line,
    )  # fmt: skip


def _head_here(job: Job, cwd: Path) -> Outcome:
    side = Side(name="head", python=Path(sys.executable), cwd=cwd)
    if job.config.harness.type == "asv":
        repo = toplevel(cwd)
        side = _asv_side(job, side, repo, repo, resolve(repo, "HEAD"))
    return Outcome(report=_check_head(job, side), measured="head", sides=(side,), repo=None)


def _head_isolated(job: Job, repo: Path, cwd: Path) -> Outcome:
    # `--base auto` with nothing to compare: head in the environment a comparison would use,
    # so that the calling environment (a nox session) needs nothing but perfgate
    (side,) = _build_sides(job, repo, cwd, [("head", repo, state_id(repo), resolve(repo, "HEAD"))])
    shutil.rmtree(job.out / "base", ignore_errors=True)  # an earlier run's: not this one's
    return Outcome(report=_check_head(job, side), measured="head", sides=(side,), repo=repo)


def _check_head(job: Job, side: Side) -> Report:
    count = job.rounds or 1
    plan = RoundPlan(min_rounds=count, max_rounds=count, time_budget=float("inf"), seed=job.seed)
    run_rounds(
        [side],
        plan,
        job.config.harness,
        job.out,
        extra=job.extra,
        progress=job.progress,
        count_calls=_count_calls(job.config),
    )
    return _checked_head(job)


def _checked_head(job: Job) -> Report:
    """Head's budgets, from the round files under the rounds folder."""
    head = formats.load_side([job.out / "head"])
    sources = [str(job.out / "head")]
    return check(head.benchmarks, job.config, failed=head.failed, sources=sources)


def _unreachable(
    job: Job, base_ref: str, cwd: Path, changes: Sequence[reach.FileChange]
) -> Outcome | None:
    """When the working tree differs from the base only in comments, docstrings or formatting
    (and ``--all`` is not given): head alone, one round, its budgets checked and every
    benchmark listed as not affected. None: compare as usual."""
    if job.measure_all or job.shard is not None:  # shards: merge expects both sides
        return None
    repo = toplevel(cwd)
    base_commit = resolve(repo, base_ref)
    why = reach.unreachable(changes)
    if why is None:
        return None
    job.progress.line(
        f"no benchmark can be affected by this change: {why} (the same program as base "
        f"{base_commit[:10]}); head alone, for its budgets (--all compares anyway)"
    )
    shutil.rmtree(job.out / "base", ignore_errors=True)  # an earlier run's: not this one's
    digest = _same_program_key(job, base_commit)
    found = same_program.find(repo, digest)
    sides: tuple[Side, ...] = ()
    if found is not None:  # this program's round, measured by an earlier run: not again
        same_program.restore(found[0], job.out / "head")
        how = (
            "its budgets were judged on the round an earlier run measured of the same program "
            f"on this machine {_ago(found[1])} (kept in .perfgate/same-program)"
        )
        job.progress.line(f"head: {how}")
        report = _checked_head(job)
    else:
        side = _same_program_side(job, repo, cwd, base_commit)
        if side is None:
            (side,) = _build_sides(
                job, repo, cwd, [("head", repo, state_id(repo), resolve(repo, "HEAD"))]
            )
        sides = (side,)
        report = _check_head(job, side)
        if not report.failed:  # a round the harness completed: the next such run reuses it
            same_program.keep(repo, digest, job.out / "head")
        how = "head was measured once for its budgets"
    measured = [row.name for row in report.rows]
    note = (
        f"Not affected by this change ({why}, the same program as base {base_commit[:10]}): "
        f"all {len(measured)} benchmarks, so base and head were not compared; {how} "
        "(`perfgate run --all` compares anyway)."
    )
    report = replace(report, notes=(*report.notes, note), not_affected=tuple(measured))
    return Outcome(report=report, measured="budgets only", sides=sides, repo=repo)


def _same_program_key(job: Job, base_commit: str) -> str:
    """What a comment-only change's round of head depends on: base's commit and environment,
    the harness and its arguments, the rounds and counts, the interpreter and perfgate."""
    from perfgate import __version__  # noqa: PLC0415

    identity = environments.interpreter_identity()
    return same_program.key({
        "base": base_commit,
        "env": environments.env_key(base_commit, job.config.harness.install, identity),
        "harness": repr(job.config.harness),
        "extra": list(job.extra),
        "rounds": job.rounds or 1,
        "counts": _count_calls(job.config),
        "perfgate": __version__,
    })  # fmt: skip


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def _none_reached(
    job: Job, sides: Sequence[Side], reached: _Reach, repo: Path, base_commit: str
) -> Outcome:
    """A change the map shows reaching no benchmark: head alone, one round, for its budgets,
    every benchmark listed as not affected."""
    head = next(side for side in sides if side.name == "head")
    shutil.rmtree(job.out / "base", ignore_errors=True)  # an earlier run's: not this one's
    report = _check_head(job, head)
    note = _not_affected_note(reached, base_commit, measured=False)
    report = replace(report, notes=(*report.notes, note), not_affected=tuple(reached.skipped))
    return Outcome(report=report, measured="budgets only", sides=tuple(sides), repo=repo)


def _empty_shard(job: Job) -> Report:
    """The report of a shard that holds none of the suite's benchmarks, recorded as empty."""
    note = f"shard {job.shard} holds none of the suite's benchmarks: nothing to compare"
    job.progress.line(note)
    if job.shard is not None:
        recorded = shards.read(job.out)
        shards.record(job.out, job.shard, recorded.base, recorded.head, empty=True)
    return gate.finish("compare", [], job.config.fail_on, notes=[note])


def _rounds(job: Job, sides: Sequence[Side], reached: _Reach) -> tuple[Report, int, bool]:
    """Interleaved rounds until every benchmark is decided, a slowdown is settled as failing,
    the cap or the time budget; then base and head compared. The report, the rounds run, and
    whether the time budget is spent."""
    config, out, progress = job.config, job.out, job.progress
    plan = _round_plan(job)
    cache: formats.ReadCache = {}  # each round file is read once
    following: list[str] = []  # what the next round runs, when not every benchmark
    failed_early: list[str] = []  # the note of a run stopped at a settled failure

    def decided(done: int) -> bool:
        base, head = _sides(out, cache)
        report = compare(base, head, config)
        open_rows = [row for row in report.rows if row.change and not row.change.decisive]
        failure = gate.settled_failure(report) if open_rows else None
        if failure is not None:  # the check fails whatever the open rows would show
            failed_early[:] = [_failed_early(failure, len(open_rows), done)]
            progress.line(failed_early[0])
            return True
        if open_rows:  # how far from a verdict the run is, not only which round it is in
            progress.line(_undecided(report, open_rows, done, plan.max_rounds, config))
        following[:] = rounds_plan.next_round(report, head) if config.rounds.per_benchmark else []
        return not open_rows

    last: list[str] = []

    def only() -> list[str] | None:
        if not following:
            return None
        if following != last:
            last[:] = following
            progress.line(
                f"the next rounds run {len(following)} benchmark(s): the undecided ones, and "
                "decided ones beside them to follow the machine's speed"
            )
        return list(following)

    began = time.monotonic()
    used = run_rounds(
        sides,
        plan,
        config.harness,
        out,
        extra=job.extra,
        can_stop=decided,
        progress=progress,
        count_calls=_count_calls(config),
        only=only if job.rounds is None else None,
        start=reached.measured,
    )
    base_side, head_side = _read_sides(out, cache)
    base, head = base_side.benchmarks, head_side.benchmarks
    report = compare(
        base,
        head,
        config,
        failed=formats.failed_on_either(base_side, head_side),
        sources=[str(out / "base"), str(out / "head")],
    )
    # counts stop after two identical rounds (instructions.settled): not a narrowed round
    timed = [len(b.rounds) for b in head if b.rounds and b.unit not in COUNTS]
    narrowed = rounds_plan.note(timed, used, plan.min_rounds)
    if last and narrowed is not None:
        report = replace(report, notes=(*report.notes, narrowed))
    if failed_early:
        report = replace(report, notes=(*report.notes, failed_early[0]))
    return report, used, time.monotonic() - began >= plan.time_budget


def _count_calls(config: Config) -> dict[str, int]:
    """The counts the config asks for (``instructions``, ``bytecodes``), each with the calls
    counted per benchmark beyond the first; one line now when one cannot be made, not after
    the environments are built."""
    kinds = [kind for kind in config.metrics if kind in COUNTS]
    if kinds and config.harness.type not in ("pytest-benchmark", "asv"):
        raise UsageError(
            f"metrics: {kinds[0]} needs a pytest-benchmark suite or an asv suite (harness.type)"
        )
    if INSTRUCTIONS in kinds:
        instructions.valgrind()
    return {
        kind: instructions.BYTECODE_CALLS if kind == BYTECODES else instructions.COUNTED_CALLS
        for kind in kinds
    }


def _changes(repo: Path, base_commit: str) -> list[reach.FileChange]:
    """The files the working tree changes since ``base_commit``, Python files with both texts."""
    changes = []
    for status, path in changed_since(repo, base_commit):
        old = new = None
        if status == "M" and path.endswith(".py"):
            old = show(repo, base_commit, path)
            try:
                new = (repo / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                new = None
        changes.append(reach.FileChange(path, status, old, new))
    return changes


@dataclass(frozen=True)
class _Reach:
    """What the reach map decided: the benchmarks to measure (None: all), the others, why."""

    measured: list[str] | None
    skipped: list[str]
    why: str


def _reach(
    job: Job,
    sides: Sequence[Side],
    changes: Sequence[reach.FileChange],
    *,
    repo: Path,
    base_commit: str,
) -> _Reach:
    """Which benchmarks the working tree's change can affect, by a map of the functions each
    runs, made on base (one call each; kept, and reused by the next run against the same
    base); every benchmark where the map cannot tell."""
    everything = _Reach(None, [], "")
    if job.measure_all or job.shard is not None or job.config.harness.type != "pytest-benchmark":
        return everything
    if not changes:
        return everything  # an A/A run, on purpose
    if any(c.status != "M" or not c.path.endswith(".py") for c in changes):
        return everything  # no map can place it: not worth making one
    base = next(side for side in sides if side.name == "base")
    found = _reach_map(job, base, repo, base_commit)
    if isinstance(found, str):
        job.progress.line(f"no reach map ({found}): every benchmark is measured")
        return everything
    decided = reach.affected(changes, found)
    if decided.benchmarks is None:
        job.progress.line(f"every benchmark is measured: {decided.why}")
        return everything
    reached = decided.benchmarks & found.benchmarks.keys()
    beside = found.beside(reached, rounds_plan.FOLLOWERS) if reached else []
    measured = sorted(reached | set(beside))
    skipped = sorted(found.benchmarks.keys() - set(measured))
    why = decided.why + (
        f"; {len(beside)} more measured beside them to follow the machine's speed" if beside else ""
    )
    job.progress.line(
        f"{len(reached)} of {len(found.benchmarks)} benchmarks can be affected ({why}); the "
        f"other {len(skipped)} are listed as not affected"
    )
    return _Reach(measured, skipped, why)


REACH_MAPS_KEPT = 10  # maps of earlier bases kept under .perfgate/reach (the latest used)


def _stored_first(
    job: Job, sides: Sequence[Side], reached: _Reach
) -> tuple[_Reach, stored_base.Triage | None]:
    """``history: {base: stored-first}``: head alone for one round, its benchmarks
    within the margin of their runs stored on this machine cleared (base is not measured for
    them), the rest left to measure against the same-job base. A benchmark with a budget, or
    of a suite other than pytest-benchmark's, is always measured."""
    config = job.config
    if config.history_base != "stored-first" or job.measure_all or job.shard is not None:
        return reached, None
    if config.harness.type != "pytest-benchmark" or job.rounds is not None:
        job.progress.line(
            "stored base first: not with "
            + ("--rounds" if job.rounds is not None else f"a {config.harness.type} suite")
            + "; the same-job base measures every benchmark"
        )
        return reached, None
    metric = decision_statistic(config)
    head = next(side for side in sides if side.name == "head")
    # one round: head's run, judged as one more run beside the stored ones (each is the one
    # round of a run of main alone)
    plan = RoundPlan(min_rounds=1, max_rounds=1, time_budget=float("inf"), seed=job.seed)
    job.progress.line(
        "stored base first: head alone for one round, then compared with its last "
        f"{stored_runs.LAST} runs stored on this machine (history.base)"
    )
    run_rounds([head], plan, config.harness, job.out, extra=job.extra, progress=job.progress,
               count_calls=_count_calls(config), start=reached.measured)  # fmt: skip
    rows = formats.load_side([job.out / "head"]).benchmarks
    logs = stored_base.timed_logs(rows, metric)
    found = stored_runs.read(configured(None, config), platform.node(), logs, metric)
    if found.why_none is not None:
        job.progress.line(f"stored base first: {found.why_none}; base measures everything")
        return reached, None
    margin = config.regression.minor / 2
    clear, measure, triaged = stored_base.split(
        stored_base.triage(found.logs, logs, margin),
        [(b.name, sum(map(sum, b.rounds)) if b.unit == "s" else 0.0) for b in rows],
        lambda name: any(names.matches(r.pattern, names.of(name)) for r in config.budgets),
        rounds_plan.FOLLOWERS,
    )
    job.progress.line(
        f"stored base first: {len(clear)} of {len(clear) + len(measure)} benchmarks within "
        f"{margin:.0%} of their stored runs (base not measured for them); {len(measure)} "
        "measured against the same-job base"
    )
    return _Reach(measure, reached.skipped, reached.why), triaged


def _with_cleared(report: Report, triaged: stored_base.Triage | None) -> Report:
    """The benchmarks stored base first cleared, each with head/stored, in a note."""
    if triaged is None or not triaged.cleared:
        return report
    listed = "; ".join(
        f"{c.name} {c.ratio:.3f}x ({c.low:.3f}-{c.high:.3f}x, {c.runs} runs)"
        for c in triaged.cleared
    )
    note = (
        f"Unchanged against the runs stored on this machine (history.base: stored-first): "
        f"{len(triaged.cleared)} row(s) within {triaged.margin:.0%} of their last stored runs "
        f"(head/stored and its 90% interval), so base was not measured for them: {listed}."
    )
    return replace(report, notes=(*report.notes, note))


def _reach_map(job: Job, base: Side, repo: Path, base_commit: str) -> reach.ReachMap | str:
    """Base's map: made by one run of the suite under the reach plugin, or the one an earlier
    run made against the same base. The map is of base's installed code running the suite's
    files from the working tree, so it is the same while base's commit, its environment's
    install list and interpreter, the harness arguments and perfgate are (its key) and the
    working tree's files it recorded functions of are as they were (checked on reuse)."""
    import hashlib  # noqa: PLC0415
    import json  # noqa: PLC0415

    from perfgate import __version__  # noqa: PLC0415

    harness = job.config.harness
    identity = environments.interpreter_identity()
    what = {
        "env": environments.env_key(base_commit, harness.install, identity),
        "args": list(harness.args),
        "extra": list(job.extra),
        "perfgate": __version__,
        "map": reach.REACH_FORMAT,
    }
    digest = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:20]
    kept = repo / ".perfgate" / "reach" / f"{digest}.json"
    if kept.is_file():
        try:
            document = json.loads(kept.read_text(encoding="utf-8"))
            found = reach.map_from(document["map"])
            same = document["tree_files"] == _tree_files(document["map"], repo)
        except (OSError, ValueError, KeyError, TypeError):
            same = False  # unreadable: made again below
        if same:
            kept.touch()  # the latest used is kept longest
            job.progress.line(
                f"reusing the map of which functions each benchmark runs on base "
                f"{base_commit[:10]} (made by an earlier run against it)"
            )
            return found
    job.progress.line("mapping which functions each benchmark runs (base, one call each)")
    progress = job.progress

    def beat(seconds: float) -> None:
        progress.waiting(f"mapping: {seconds:.0f} s")

    job.out.mkdir(parents=True, exist_ok=True)
    made = job.out / "reach.json"
    mapped = reach_side(harness, base, made, extra=job.extra, beat=beat)
    if not isinstance(mapped, str):  # a map whose hook was replaced is refused: never kept
        document = json.loads(made.read_text(encoding="utf-8"))
        kept.parent.mkdir(parents=True, exist_ok=True)
        tree_files = _tree_files(document, repo)
        write_text_atomic(kept, json.dumps({"map": document, "tree_files": tree_files}))
        old = sorted(kept.parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[REACH_MAPS_KEPT:]:
            stale.unlink(missing_ok=True)
    return mapped


def _tree_files(document: object, repo: Path) -> dict[str, str]:
    """A digest of each file of the working tree the map recorded functions of (the suite's
    own files, run from head's tree), but not of perfgate's folders (base's worktree and
    environments: fixed by the key): a kept map is reused only while these are as they were,
    since the map places functions by their lines."""
    import hashlib  # noqa: PLC0415

    files = document.get("files", []) if isinstance(document, dict) else []
    own = repo / ".perfgate"
    digests = {}
    for name in files:
        path = Path(str(name))
        if not path.is_absolute() or not path.is_relative_to(repo) or path.is_relative_to(own):
            continue
        try:
            digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digests[str(path)] = ""  # gone: a later run finds it back or not, and maps again
    return digests


def _not_affected_note(reached: _Reach, base_commit: str, *, measured: bool) -> str:
    what = (
        "so they were not measured"
        if measured
        else "so base and head were not compared; head was measured once for its budgets"
    )
    return (
        f"Not affected by this change ({reached.why}, by a map of the functions each "
        f"benchmark runs on base {base_commit[:10]}): {len(reached.skipped)} benchmark(s), "
        f"{what} (`perfgate run --all` measures everything)."
    )


def _round_plan(job: Job) -> RoundPlan:
    """``--rounds N`` fixes the schedule; otherwise perfgate.yml's rounds policy."""
    if job.rounds is not None:
        return RoundPlan(
            min_rounds=job.rounds, max_rounds=job.rounds, time_budget=float("inf"), seed=job.seed
        )
    policy = job.config.rounds
    return RoundPlan(
        min_rounds=policy.min,
        max_rounds=policy.max,
        time_budget=policy.time_budget,
        seed=job.seed,
    )


def _with_reach(report: Report, reached: _Reach, base_commit: str) -> Report:
    """The benchmarks the map left out, listed as not affected, with the note."""
    if not reached.skipped:
        return report
    note = _not_affected_note(reached, base_commit, measured=True)
    # a budget of a benchmark left out was not judged; it did not match "no benchmark"
    skipped = [names.of(name) for name in reached.skipped]
    unused = tuple(
        pattern
        for pattern in report.unused_budgets
        if not any(names.matches(pattern, answers) for answers in skipped)
    )
    return replace(
        report,
        notes=(*report.notes, note),
        not_affected=tuple(reached.skipped),
        unused_budgets=unused,
    )


def _with_dependencies(report: Report, sides: Sequence[Side]) -> Report:
    """The packages base's and head's environments hold at different versions, in the report
    and its notes (a new numpy is often the whole story of a change in speed)."""
    pythons = {side.name: side.python for side in sides}
    if len(set(pythons.values())) < 2 or {"base", "head"} - pythons.keys():
        return report  # one environment (or asv's own): nothing differs
    changes = [
        DependencyChange(name, base, head)
        for name, base, head in environments.dependency_changes(
            environments.installed(pythons["base"]), environments.installed(pythons["head"])
        )
    ]
    if not changes:
        return report
    shown = ", ".join(change.shown() for change in changes[:20])
    more = f" and {len(changes) - 20} more (JSON: dependency_changes)" if len(changes) > 20 else ""
    note = (
        f"Installed packages differ between base's and head's environments: {shown}{more}. "
        "A change of speed may come from them rather than from the code."
    )
    return replace(report, dependencies=tuple(changes), notes=(*report.notes, note))


def _failed_early(failure: Row, open_rows: int, done: int) -> str:
    """Why a run stopped with rows undecided: one slowdown already fails the check."""
    return (
        f"Stopped after {done} rounds: {cells.display_name(failure.name, 60)} is "
        f"{failure.severity} ({cells.change(failure)}) and no further round can change that, "
        f"so the check fails whatever the {open_rows} undecided benchmark(s) would show; they "
        "are reported inconclusive (fix the slowdown and run again to decide them)."
    )


def _undecided(
    report: Report, open_rows: Sequence[Row], done: int, cap: int, config: Config
) -> str:
    """How far from a verdict a run is: which rows are open, and how many more rounds they
    look like needing."""
    shown = ", ".join(cells.display_name(r.name, 60) for r in open_rows[:3])
    more = f" and {len(open_rows) - 3} more" if len(open_rows) > 3 else ""
    left = rounds_plan.rounds_left(report, config.regression)
    if left is None or left > cap - done:
        outlook = f"; some may stay undecided at the cap of {cap} rounds"
    else:
        outlook = f"; about {left} more round{'s' if left != 1 else ''} at this rate"
    return (
        f"after {done} rounds: {len(open_rows)} of {len(report.rows)} benchmarks still "
        f"undecided ({shown}{more}){outlook}"
    )


def _same_program_side(job: Job, repo: Path, cwd: Path, base_commit: str) -> Side | None:
    """Head's suite in base's environment, when one is ready: head differs from base only in
    comments, docstrings or formatting (the same syntax trees), so base's installed tree runs
    the same program, and head needs no environment or reinstall of its own (that reinstall
    was a third of a comment-only run on this repository). None: no such environment (an asv
    suite's sides need their own asv configs)."""
    if job.config.harness.type == "asv":
        return None
    identity = environments.interpreter_identity()
    key = environments.env_key(base_commit, job.config.harness.install, identity)
    python = environments.existing(repo / ".perfgate" / "envs", key, "head")
    if python is None:
        return None
    job.progress.line(f"head: in base's environment {key} (the same program; nothing to install)")
    return Side(name="head", python=python, cwd=cwd, own_environment=True)  # head's own suite


def _build_sides(
    job: Job, repo: Path, cwd: Path, specs: Sequence[tuple[str, Path, str, str]]
) -> list[Side]:
    """Each (name, tree, tree id, commit) as a side with its own environment, built once per
    tree state and install list (under .perfgate/envs)."""
    config, progress = job.config, job.progress
    install = config.harness.install
    if config.harness.type == "asv":
        install = (*install, asv_driver.runner_requirement())
    root = repo / ".perfgate" / "envs"
    wanted = [
        environments.Wanted(
            key=environments.env_key(tree_id, install, environments.interpreter_identity()),
            tree=tree,
            install=install,
            side=name,
            deps=environments.dependency_key(tree, install, environments.interpreter_identity()),
        )
        for name, tree, tree_id, _commit in specs
    ]
    pythons = environments.ensure_all(root, wanted, say=progress.line)
    sides = []
    for (name, tree, _tree_id, commit), env_python in zip(specs, pythons, strict=True):
        suite_root = repo if config.harness.suite == "head" else tree
        side = Side(
            name=name,
            python=env_python,
            cwd=suite_root / cwd.relative_to(repo),
            own_environment=True,
        )
        if config.harness.type == "asv":
            side = _asv_side(job, side, repo, suite_root, commit)
        sides.append(side)
    return sides


def _asv_side(job: Job, side: Side, repo: Path, suite_root: Path, commit: str) -> Side:
    """The side with its private asv config; asv is told this machine's details first."""
    conf = Path.cwd() / job.config.harness.asv_config
    work = job.out / ".asv" / side.name
    private = asv_driver.private_config(conf, repo, suite_root, work)
    asv_driver.ensure_machine(private)
    return replace(side, commit=commit, asv_config=private)


def _sides(out: Path, cache: formats.ReadCache) -> tuple[list[Benchmark], list[Benchmark]]:
    base, head = _read_sides(out, cache)
    return base.benchmarks, head.benchmarks


def _read_sides(
    out: Path, cache: formats.ReadCache
) -> tuple[formats.SideResults, formats.SideResults]:
    base, head = (formats.load_side([out / name], cache=cache) for name in ("base", "head"))
    return base, head


def _base_durations(job: Job, base_commit: str) -> dict[str, float]:
    """The base commit's benchmark durations from the history, when it has them."""
    from perfgate.history import db_path  # noqa: PLC0415
    from perfgate.history.store import open_store  # noqa: PLC0415

    db = db_path(None, job.config_path)
    if isinstance(db, Path) and not db.is_file():
        return {}
    try:
        store = open_store(db, create=False, read_only=isinstance(db, Path))
        try:
            return store.durations(base_commit)
        finally:
            store.close()
    except PerfgateError as exc:  # a history that cannot be read only costs the balance
        job.progress.line(f"shard {job.shard}: history not read ({exc}); hashing node ids")
        return {}


def ab_sides(job: Job, base_ref: str, cwd: Path, head_ref: str | None = None) -> list[Side]:
    """Base (a worktree of ``base_ref``) and head (the working tree, or a worktree of
    ``head_ref``), each in its environment."""
    repo = toplevel(cwd)
    base_commit = resolve(repo, base_ref)
    base_tree = worktree(repo, base_commit, repo / ".perfgate" / "worktrees" / base_commit[:12])
    if head_ref is not None:  # two commits (perfgate bisect's probes)
        head_commit = resolve(repo, head_ref, "head ref")
        head_tree = worktree(repo, head_commit, repo / ".perfgate" / "worktrees" / head_commit[:12])
        return _build_sides(
            job,
            repo,
            cwd,
            [
                ("base", base_tree, base_commit, base_commit),
                ("head", head_tree, head_commit, head_commit),
            ],
        )
    head_commit = resolve(repo, "HEAD")
    dirty = dirty_files(repo)
    what = f"the working tree at {head_commit[:10]}"
    if dirty:
        what += f" with uncommitted changes in {len(dirty)} file(s): {', '.join(dirty[:5])}"
    job.progress.line(f"comparing base {base_ref} ({base_commit[:10]}) with head: {what}")
    if job.shard is not None:
        shards.record(job.out, job.shard, base_commit, state_id(repo))
        balanced = shards.write_map(job.out, job.shard, _base_durations(job, base_commit))
        job.progress.line(
            f"shard {job.shard}: {balanced} benchmark(s) balanced by the base commit's stored "
            "durations, the rest by node-id hash"
            if balanced
            else f"shard {job.shard}: the benchmarks whose node id hashes to it (no stored "
            "durations for the base commit in the history)"
        )
    return _build_sides(
        job,
        repo,
        cwd,
        [
            ("base", base_tree, base_commit, base_commit),
            ("head", repo, state_id(repo), head_commit),
        ],
    )


def _profiled(job: Job, report: Report, sides: Sequence[Side], *, spent: bool) -> Report:
    """The flagged rows with their profile diff (or, once the time budget is ``spent``, a
    note saying why there is none)."""
    to_profile = profiling.flagged(report, job.config)
    if to_profile and spent:
        return profiling.skipped(report, to_profile, "the time budget is spent")
    if to_profile:
        return profiling.with_profiles(
            report, to_profile, sides=sides, config=job.config, out=job.out, extra=job.extra,
            progress=job.progress,
        )  # fmt: skip
    return report
