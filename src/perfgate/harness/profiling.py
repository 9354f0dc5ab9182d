"""The profile diff step of ``perfgate run`` (and ``perfgate profile``): after the measured
rounds, one profiled run per side of the benchmarks the gate flagged, and each flagged row
gets its :class:`~perfgate.report.model.Profile`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from perfgate.config import Config
from perfgate.decisions import profile
from perfgate.decisions.names import bare
from perfgate.errors import InputError
from perfgate.formats import profiles
from perfgate.harness import asv_driver
from perfgate.harness.proc import at_once
from perfgate.harness.runner import Side, profile_side
from perfgate.options import SEVERITY_RANK
from perfgate.progress import Progress
from perfgate.report.model import Profile, Report, Row
from perfgate.units import BYTECODES


def flagged(report: Report, config: Config) -> list[Row]:
    """The rows to profile: slowdowns of the configured severity or worse, timings only."""
    policy = config.profile
    if policy.severity == "off" or config.harness.type not in ("pytest-benchmark", "asv"):
        return []
    least = SEVERITY_RANK[policy.severity]
    return [
        row
        for row in report.rows
        if row.slower and SEVERITY_RANK[row.severity] >= least and row.unit in PROFILED_UNITS
    ]


# timings, and bytecode counts (their profile counts each function's bytecodes: the exact why)
PROFILED_UNITS = ("s", BYTECODES)


def with_profiles(
    report: Report,
    rows: Sequence[Row],
    *,
    sides: Sequence[Side],
    config: Config,
    out: Path,
    extra: Sequence[str],
    progress: Progress,
) -> Report:
    """``report`` with a profile diff on each of ``rows`` (base and head profiled once each,
    all rows in one run per side); a row that could not be profiled says why in its note."""
    if not rows:
        return report
    names = list(dict.fromkeys(bare(row.name) for row in rows))
    diffs = profile_benchmarks(
        names, sides=sides, config=config, out=out, extra=extra, progress=progress
    )
    wanted = {row.name for row in rows}
    return replace(
        report,
        rows=tuple(
            replace(row, profile=diffs.get(bare(row.name), row.profile))
            if row.name in wanted
            else row
            for row in report.rows
        ),
    )


def profile_benchmarks(
    names: Sequence[str],
    *,
    sides: Sequence[Side],
    config: Config,
    out: Path,
    extra: Sequence[str],
    progress: Progress,
) -> dict[str, Profile]:
    """Each of ``names`` profiled on every side (one run per side): name -> its diff, or a
    Profile whose note says why there is none."""
    progress.line(f"profiling {len(names)} benchmark(s) on each side (cProfile)")
    found: dict[str, dict[str, profile.BenchmarkProfile]] = {}

    def one(side: Side) -> str | None:
        output = out / "profile" / f"{side.name}.json"
        output.parent.mkdir(parents=True, exist_ok=True)

        def beat(seconds: float) -> None:
            progress.waiting(f"profiling {side.name}: {seconds:.0f} s")

        if config.harness.type == "asv":
            return _asv_side(side, names=names, config=config, extra=extra, beat=beat, found=found)
        why = profile_side(
            config.harness,
            side,
            output,
            benchmarks=names,
            calls=config.profile.calls,
            seconds=config.profile.seconds,
            extra=extra,
            beat=beat,
            bytecodes=BYTECODES in config.metrics,
        )
        if why is None:
            try:
                found[side.name] = profiles.read_profiles(output, side.cwd)
            except InputError as exc:
                why = f"its profile is unreadable: {exc.problem}"
        return why

    jobs = [partial(one, side) for side in sides]
    # profiles say where time went, not how much: the sides' profiling runs go side by side
    # (asv's runs share its machine file and stay one after the other)
    whys = at_once(jobs) if config.harness.type != "asv" else [job() for job in jobs]
    problems = [
        f"{side.name} could not be profiled ({why})"
        for side, why in zip(sides, whys, strict=True)
        if why is not None
    ]
    base, head = found.get("base", {}), found.get("head", {})
    diffs = {}
    for name in names:
        ids = node_ids(name, base.keys() & head.keys())
        if len(ids) == 1:
            diffs[ids[0]] = profile.diff(base[ids[0]], head[ids[0]], config.profile.top)
            continue
        why = "; ".join(problems) or f"no benchmark {name!r} ran on both sides"
        if len(ids) > 1:
            why = f"{len(ids)} benchmarks are named {name!r}: give one of {', '.join(ids)}"
        diffs[name] = Profile(note=f"no profile diff: {why}")
    return diffs


def node_ids(name: str, found: Iterable[str]) -> list[str]:
    """The benchmarks ``name`` means: itself, or those whose part after the last ``::`` is
    ``name`` (the short name tables print)."""
    found = sorted(found)
    if name in found:
        return [name]
    return [nodeid for nodeid in found if nodeid.rsplit("::", 1)[-1] == name]


def _asv_side(
    side: Side,
    *,
    names: Sequence[str],
    config: Config,
    extra: Sequence[str],
    beat: Callable[[float], None],
    found: dict[str, dict[str, profile.BenchmarkProfile]],
) -> str | None:
    """asv's own ``--profile`` run on ``side``: one profiled run of each benchmark."""
    if side.asv_config is None:
        return "no asv config for this side"
    args = (*config.harness.args, *extra)
    got = asv_driver.profiles(
        side.asv_config, side.python, side.commit, args, names=names, beat=beat
    )
    if isinstance(got, str):
        return got
    root = side.cwd
    try:
        by_bare = {name: profiles.from_pstats(data, root) for name, data in got.items()}
    except (ValueError, EOFError, TypeError) as exc:
        return f"asv's profile is unreadable: {exc}"
    found[side.name] = {
        name: by_bare[name.split("(", 1)[0]] for name in names if name.split("(", 1)[0] in by_bare
    }
    return None


def skipped(report: Report, rows: Sequence[Row], why: str) -> Report:
    """``report`` with each of ``rows`` saying why it has no profile diff."""
    wanted = {row.name for row in rows}
    return replace(
        report,
        rows=tuple(
            replace(row, profile=Profile(note=f"no profile diff: {why}"))
            if row.name in wanted
            else row
            for row in report.rows
        ),
    )
