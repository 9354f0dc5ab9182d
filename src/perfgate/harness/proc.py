"""Running a child process that may take minutes, with a sign of life while it runs."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# a line every half minute: CI logs show the job is alive, a log is not flooded
HEARTBEAT_SECONDS = 30.0


def run_captured(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    beat: Callable[[float], None] | None = None,
    every: float = HEARTBEAT_SECONDS,
    pass_fds: Sequence[int] = (),
    started: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(argv, capture_output=True, text=True)``, calling ``beat(seconds)``
    every ``every`` seconds while the child runs. The child is killed if this process is
    interrupted (Ctrl-C, SIGTERM), as ``subprocess.run`` does. ``pass_fds``: file descriptors
    the child inherits; ``started()`` is called once it runs."""
    began = time.monotonic()
    with subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        pass_fds=tuple(pass_fds),
    ) as child:
        if started is not None:
            started()
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


def at_once(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """Every job's result, the jobs run side by side: the last here, the others in daemon
    threads. Meant for jobs that mostly wait on child processes. The first failure, in order,
    is raised once all have ended; an interrupt (Ctrl-C, or SIGTERM made an exception) is
    raised at once, without waiting for the other jobs, whose threads do not hold up exit."""
    results: list[tuple[bool, object]] = [(False, None)] * len(jobs)

    def work(i: int) -> None:
        try:
            results[i] = (True, jobs[i]())
        except Exception as exc:  # handed to the caller below
            results[i] = (False, exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(jobs))]
    for thread in threads[:-1]:
        thread.start()
    if jobs:
        work(len(jobs) - 1)
    for thread in threads[:-1]:
        thread.join()
    done: list[T] = []
    for ok, value in results:
        if not ok:
            raise value if isinstance(value, BaseException) else RuntimeError("a job never ended")
        done.append(value)  # type: ignore[arg-type]  # the value its job returned
    return done
