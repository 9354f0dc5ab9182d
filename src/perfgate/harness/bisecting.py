"""The search of ``perfgate bisect GOOD BAD`` (and ``history detect --bisect``): the first
commit where a slowdown appears, by A/B probes.

Each probe is `perfgate run`'s interleaved comparison, of one commit (head) against GOOD (base),
both from worktrees in their own environments. The first probe, BAD against GOOD, names the
benchmarks to follow (its slowdowns, narrowed by ``--benchmark``); the rest bisect the
first-parent history between them (:mod:`perfgate.decisions.bisection` decides). An undecided
probe is run again with twice the rounds before the search gives up. Every probe's rounds are
stored in the history, under the commit they measured, as series of their own: a probe measures
a handful of commits out of order, on this machine, several runs each, so mixed into the
per-commit series it would make them zig-zag and hide the step that `history detect` finds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate import formats
from perfgate.config import Config
from perfgate.decisions.bisection import Outcome, Search, judge, targets
from perfgate.errors import PerfgateError, UsageError
from perfgate.harness.ab import probe
from perfgate.harness.git import GitError, git, resolve
from perfgate.progress import Progress
from perfgate.report.model import Report, Row

if TYPE_CHECKING:
    from perfgate.history import Location


@dataclass(frozen=True)
class Probe:
    number: int
    commit: str
    outcome: Outcome
    rows: tuple[Row, ...]  # the target benchmarks' rows
    rounds: int


@dataclass(frozen=True)
class Bisection:
    """What a search found: the commits between GOOD and BAD, the benchmarks followed, the
    probes, and the first bad commit (with its subject) when found."""

    good: str
    bad: str
    commits: list[str]
    wanted: list[str]
    search: Search
    probes: list[Probe]
    pattern: str | None
    subject: str | None  # the first bad commit's subject line

    @property
    def first_bad(self) -> str | None:
        return self.search.first_bad if self.wanted else None

    def known_good(self) -> str:
        """The last commit known to be good."""
        return self.good if self.search.good < 0 else self.commits[self.search.good]


def search(
    *, repo: Path, good: str, bad: str, pattern: str | None, rounds: int | None,
    config: Config, db: Location, progress: Progress,
) -> Bisection:  # fmt: skip
    """Probe BAD against GOOD, then bisect GOOD's first-parent line up to BAD for the first
    commit where the benchmarks BAD's probe found slower (narrowed by ``pattern``) are."""
    good_commit = resolve(repo, good, "GOOD")
    bad_commit = resolve(repo, bad, "BAD")
    commits = _between(repo, good, good_commit, bad, bad_commit)
    runner = _Prober(repo=repo, good=good_commit, config=config, rounds=rounds, db=db)
    runner.progress = progress
    progress.line(
        f"bisecting {len(commits)} commit(s) after GOOD {good_commit[:10]} up to BAD "
        f"{bad_commit[:10]}; each probe compares a commit with GOOD"
    )
    first = runner.run(bad_commit, None)
    wanted = targets(first, pattern)
    runner.record(bad_commit, first, wanted, "bad" if wanted else "good")
    found = Search(commits)
    if wanted:
        progress.line(f"following {len(wanted)} benchmark(s): {', '.join(wanted[:5])}")
        while (index := found.next()) is not None:
            outcome = runner.decide(commits[index], wanted)
            if outcome == "undecided":
                break
            found.record(index, outcome)
    first_bad = found.first_bad if wanted else None
    subject = None if first_bad is None else git(repo, "log", "-1", "--format=%s", first_bad)
    return Bisection(
        good_commit, bad_commit, commits, wanted, found, runner.probes, pattern, subject
    )


def _between(repo: Path, good: str, good_commit: str, bad: str, bad_commit: str) -> list[str]:
    """GOOD's first-parent successors up to BAD, oldest first; UsageError when BAD does not
    descend from GOOD."""
    try:
        git(repo, "merge-base", "--is-ancestor", good_commit, bad_commit)
    except GitError:
        raise UsageError(f"BAD {bad!r} does not descend from GOOD {good!r}") from None
    commits = git(
        repo, "rev-list", "--first-parent", "--reverse", f"{good_commit}..{bad_commit}"
    ).split()
    if not commits:
        raise UsageError(f"GOOD {good!r} and BAD {bad!r} are the same commit")
    if commits[-1] != bad_commit:  # BAD reached through a merge's second parent
        raise UsageError(f"BAD {bad!r} is not on GOOD's first-parent line")
    return commits


class _Prober:
    """Runs probes, keeps their record, and stores their rounds in the history."""

    def __init__(
        self,
        *,
        repo: Path,
        good: str,
        config: Config,
        rounds: int | None,
        db: Location,
    ) -> None:
        self.repo, self.good, self.config, self.rounds = repo, good, config, rounds
        self.db = db
        self.probes: list[Probe] = []
        self.progress: Progress | None = None

    def run(self, commit: str, rounds: int | None) -> Report:
        assert self.progress is not None  # noqa: S101 - set by the command before probing
        number = len(self.probes) + 1
        self.progress.line(f"probe {number}: {commit[:10]} against GOOD {self.good[:10]}")
        out = self.repo / ".perfgate" / "bisect" / f"probe-{number}"
        report = probe(
            base_commit=self.good, head_commit=commit, out=out, rounds=rounds,
            config=self.config, progress=self.progress,
        )  # fmt: skip
        self._store(out, commit)
        return report

    def record(self, commit: str, report: Report, wanted: list[str], outcome: Outcome) -> None:
        rows = tuple(row for row in report.rows if row.name in wanted)
        self.probes.append(
            Probe(len(self.probes) + 1, commit, outcome, rows, report.rounds_used or 0)
        )
        if self.progress is not None:
            self.progress.line(f"probe {len(self.probes)}: {commit[:10]} is {outcome}")

    def decide(self, commit: str, wanted: list[str]) -> Outcome:
        """A commit's outcome, probed again with twice the rounds when undecided."""
        report = self.run(commit, self.rounds)
        outcome = judge(report, wanted)
        if outcome == "undecided":
            self.record(commit, report, wanted, outcome)
            again = 2 * (self.rounds or self.config.rounds.max)
            report = self.run(commit, again)
            outcome = judge(report, wanted)
        self.record(commit, report, wanted, outcome)
        return outcome

    def _store(self, out: Path, head: str) -> None:
        """Both sides' rounds into the history, each run under the commit it measured, in
        series of their own (``history.store.probe_environment``)."""
        from perfgate.history.importer import summary  # noqa: PLC0415
        from perfgate.history.store import open_store, probe_environment  # noqa: PLC0415

        try:
            store = open_store(self.db, create=True)
        except PerfgateError as exc:  # the probe's verdict matters more than its record
            if self.progress is not None:
                self.progress.line(f"probe rounds not stored in the history: {exc}")
            return
        try:
            for side, commit in (("base", self.good), ("head", head)):
                folder = out / side
                if not folder.is_dir():
                    continue
                runs = [
                    replace(
                        run,
                        metadata=replace(
                            run.metadata,
                            commit=commit,
                            branch=None,
                            environment=probe_environment(run.metadata.environment),
                        ),
                    )
                    for run in formats.load(folder)
                ]
                store.add_runs([(run, [summary(b) for b in run.benchmarks]) for run in runs])
        finally:
            store.close()
