"""``perfgate run``: build the sides, run interleaved rounds, then check or compare."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from perfgate import environments
from perfgate._git import dirty_files, resolve, state_id, toplevel, worktree
from perfgate.compare import compare
from perfgate.config import Config, find_config, load_config
from perfgate.errors import InputError, UsageError
from perfgate.model import Benchmark, combine
from perfgate.runner import Progress, RoundPlan, Side, run_rounds
from perfgate.workflow import emit, load_side, run_check


@dataclass(frozen=True, kw_only=True)
class _Request:
    config: Config
    config_path: Path | None
    rounds: int | None
    out: Path
    fmt: str
    output: Path | None
    extra: tuple[str, ...]
    seed: int
    stdout: TextIO
    progress: Progress


def run(
    *,
    base_ref: str | None,
    rounds: int | None,
    out: Path | None,
    config_path: Path | None,
    fmt: str,
    output: Path | None,
    extra: Sequence[str],
    seed: int = 0,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    if rounds is not None and rounds < 1:
        raise UsageError(f"--rounds must be 1 or more, got {rounds}")
    cwd = Path.cwd()
    config = load_config(find_config(config_path, cwd))
    if config.harness.type == "asv":
        # asv concatenates the samples of all its processes in one file, so perfgate cannot
        # see rounds in it; running asv once per perfgate round is the planned way in.
        raise UsageError(
            "`perfgate run` does not drive asv yet: run `asv continuous` or "
            "`asv run` per side and use `perfgate compare` on the result files"
        )
    out = out or cwd / ".perfgate" / "run"
    with _progress(stderr) as progress:
        request = _Request(
            config=config,
            config_path=config_path,
            rounds=rounds,
            out=out,
            fmt=fmt,
            output=output,
            extra=tuple(extra),
            seed=seed,
            stdout=stdout,
            progress=progress,
        )
        try:
            if base_ref is None:
                return _head_only(request)
            return _interleaved(request, base_ref, cwd)
        except KeyboardInterrupt:
            stderr.write(f"perfgate: interrupted; finished rounds are kept in {out}\n")
            raise


def _head_only(req: _Request) -> int:
    # Without a base, the suite runs in the current environment, as a maintainer runs it.
    side = Side(name="head", python=Path(sys.executable), cwd=Path.cwd())
    count = req.rounds or 1
    plan = RoundPlan(min_rounds=count, max_rounds=count, time_budget=float("inf"), seed=req.seed)
    run_rounds([side], plan, req.config.harness, req.out, extra=req.extra, progress=req.progress)
    return run_check(
        [req.out / "head"],
        config_path=req.config_path,
        fmt=req.fmt,
        output=req.output,
        stdout=req.stdout,
    )


def _interleaved(req: _Request, base_ref: str, cwd: Path) -> int:
    config, out, progress = req.config, req.out, req.progress
    repo = toplevel(cwd)
    base_commit = resolve(repo, base_ref)
    head_commit = resolve(repo, "HEAD")
    dirty = dirty_files(repo)
    what = f"the working tree at {head_commit[:10]}"
    if dirty:
        what += f" with uncommitted changes in {len(dirty)} file(s): {', '.join(dirty[:5])}"
    progress(f"comparing base {base_ref} ({base_commit[:10]}) with head: {what}")
    state = repo / ".perfgate"
    base_tree = worktree(repo, base_commit, state / "worktrees" / base_commit[:12])
    install = config.harness.install
    python = sys.executable
    sides = []
    for name, tree, tree_id in (("base", base_tree, base_commit), ("head", repo, state_id(repo))):
        key = environments.env_key(name, tree_id, install, python)
        progress(f"{name}: environment {key} (reused when the tree and install list match)")
        env_python = environments.ensure(state / "envs", key, tree, install, name)
        suite_root = repo if config.harness.suite == "head" else tree
        sides.append(Side(name=name, python=env_python, cwd=suite_root / cwd.relative_to(repo)))
    policy = config.rounds
    if req.rounds is not None:  # a fixed schedule
        plan = RoundPlan(
            min_rounds=req.rounds, max_rounds=req.rounds, time_budget=float("inf"), seed=req.seed
        )
    else:
        plan = RoundPlan(
            min_rounds=policy.min,
            max_rounds=policy.max,
            time_budget=policy.time_budget,
            seed=req.seed,
        )

    def decided(_done: int) -> bool:
        base, head = _sides(out)
        report = compare(base, head, config)
        return all(row.change is None or row.change.decisive for row in report.rows)

    used = run_rounds(
        sides, plan, config.harness, out, extra=req.extra, can_stop=decided, progress=progress
    )
    base, head = _sides(out)
    report = compare(base, head, config, sources=[str(out / "base"), str(out / "head")])
    return emit(replace(report, rounds_used=used), req.fmt, req.output, req.stdout, None)


def _sides(out: Path) -> tuple[list[Benchmark], list[Benchmark]]:
    loaded = []
    for name in ("base", "head"):
        try:
            benchmarks, _failed = combine(load_side([out / name], "auto"))
        except ValueError as exc:
            raise InputError(str(out / name), str(exc)) from None
        loaded.append(benchmarks)
    return loaded[0], loaded[1]


@contextmanager
def _progress(stderr: TextIO) -> Iterator[Progress]:
    """Plain lines in CI and pipes; on a terminal, the same lines under a rich status spinner."""
    if not stderr.isatty() or os.environ.get("CI"):

        def line(text: str) -> None:
            stderr.write(f"perfgate: {text}\n")
            stderr.flush()

        yield line
        return
    from rich.console import Console  # noqa: PLC0415

    console = Console(file=stderr)
    with console.status("running benchmark rounds...") as status:

        def show(text: str) -> None:
            console.log(text)
            status.update(text)

        yield show
