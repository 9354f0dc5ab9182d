"""Running a child process that may take minutes, with a sign of life while it runs."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# a line every half minute: CI logs show the job is alive, a log is not flooded
HEARTBEAT_SECONDS = 30.0


def run_captured(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    beat: Callable[[float], None] | None = None,
    every: float = HEARTBEAT_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(argv, capture_output=True, text=True)``, calling ``beat(seconds)``
    every ``every`` seconds while the child runs. The child is killed if this process is
    interrupted (Ctrl-C, SIGTERM), as ``subprocess.run`` does."""
    began = time.monotonic()
    with subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    ) as child:
        try:
            while True:
                try:
                    stdout, stderr = child.communicate(timeout=every)
                    break
                except subprocess.TimeoutExpired:  # no output is lost: communicate again
                    if beat is not None:
                        beat(time.monotonic() - began)
        except BaseException:
            child.kill()
            child.wait()
            raise
    return subprocess.CompletedProcess(list(argv), child.returncode, stdout, stderr)
