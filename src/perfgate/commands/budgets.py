"""``perfgate budgets calibrate``: record how fast this machine runs the calibration workload,
as the reference budgets are judged against.

Run it where the budgets were set (the machine whose p95s they came from): it measures the
workload (:mod:`perfgate.pytest_plugin.perfgate_calibration`) and prints the config line,
``calibration: {reference: 0.62ms, workload: 1}``; with ``--write`` it puts that line into
perfgate.yml. From then on every pytest-benchmark round `perfgate run` makes records the
workload's CPU time beside the benchmarks, and budgets are judged on times scaled by
reference / measured, so a slower machine does not fail them and a faster one does not hide a
slowdown. Pair it with ``harness.timer: cpu`` for busy machines: the calibration corrects the
machine's speed, the CPU timer other processes' load. On a machine whose processes run in
speed modes the workload does not share, it adds noise instead (docs/budgets.md measures it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TextIO

from perfgate.config import find_config, load_config
from perfgate.errors import UsageError
from perfgate.files import write_text_atomic
from perfgate.options import EXIT_OK
from perfgate.pytest_plugin.perfgate_calibration import (
    VERSION,
    calibration_line,
    measure_reference,
    reference_text,
)

_TOP_LEVEL = re.compile(r"^calibration:.*(?:\n[ \t]+.*)*\n?", re.MULTILINE)


def calibrate_command(
    *, config_path: Path | None, write: bool, stdout: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    seconds = measure_reference()
    line = calibration_line(seconds)
    if not write:
        stdout.write(
            f"{line}\n# the calibration workload's CPU time on this machine; put this line "
            "in perfgate.yml (or run with --write) where the budgets were set\n"
        )
        return EXIT_OK
    path = find_config(config_path, Path.cwd())
    if path is None:
        raise UsageError("--write: no perfgate.yml here (give --config F, or run perfgate init)")
    if path.suffix == ".toml":
        raise UsageError(
            f"--write edits perfgate.yml; in {path} add `calibration = {{reference = "
            f'"{reference_text(seconds)}", workload = {VERSION}}}` under [tool.perfgate]'
        )
    text = path.read_text(encoding="utf-8")
    kept = _TOP_LEVEL.sub("", text)
    kept = kept if kept.endswith("\n") or not kept else kept + "\n"
    updated = f"{kept}{line}\n"
    write_text_atomic(path, updated)
    load_config(path)  # what was written must still be a valid config
    stdout.write(f"{path}: {line}\n")
    return EXIT_OK
