"""``perfgate profile BENCH...``: validate -> resolve base -> build sides -> profile each
benchmark on both (:mod:`perfgate.harness.profiling`) -> print where the time went."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from perfgate.config import find_config, load_config
from perfgate.errors import UsageError
from perfgate.files import exclusive
from perfgate.harness import ab, profiling
from perfgate.harness.git import auto_base, toplevel
from perfgate.options import EXIT_OK
from perfgate.progress import progress_lines


def profile_command(
    *,
    benchmarks: Sequence[str],
    base_ref: str,
    config_path: Path | None,
    extra: Sequence[str] = (),
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Each benchmark under cProfile on base and head, in the environments `perfgate run`
    builds, and where the time went (no measured rounds)."""
    stdout = stdout or sys.stdout  # at call time: tests and callers swap them
    stderr = stderr or sys.stderr
    cwd = Path.cwd()
    config = load_config(find_config(config_path, cwd))
    if config.harness.type != "pytest-benchmark":
        raise UsageError("perfgate profile needs a pytest-benchmark suite (harness.type)")
    out = cwd / ".perfgate" / "run"
    with exclusive(out), progress_lines(stderr) as progress:  # no rounds to keep
        job = ab.Job(
            config=config, config_path=config_path, out=out, extra=tuple(extra),
            progress=progress,
        )  # fmt: skip
        if base_ref == ab.AUTO:
            found, why = auto_base(toplevel(cwd))
            if found is None:
                raise UsageError(f"--base auto: nothing to compare ({why}); give --base REF")
            base_ref = found
        sides = ab.ab_sides(job, base_ref, cwd)
        diffs = profiling.profile_benchmarks(
            list(benchmarks), sides=sides, config=config, out=out, extra=job.extra,
            progress=progress,
        )  # fmt: skip
    unknown = [name for name, diff in diffs.items() if not diff.functions and not diff.calls]
    if unknown and len(unknown) == len(diffs):  # a typo, or a name that is not a node id
        raise UsageError(
            f"{diffs[unknown[0]].note} (BENCH is a pytest node id, or its part after the last "
            "::, as tables print it)"
        )
    from perfgate.report.table import render_profiles  # noqa: PLC0415 - rich, lazily

    stdout.write(render_profiles(diffs))
    return EXIT_OK
