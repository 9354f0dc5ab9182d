"""nox helpers: a project's noxfile gets perfgate's ``perf`` session in a few lines.

.. code-block:: python

    import nox
    import perfgate.nox

    @nox.session
    def perf(session: nox.Session) -> None:
        \"\"\"Benchmarks: compare with the default branch, check budgets, print the p95 table.\"\"\"
        perfgate.nox.perf(session)

The session installs perfgate (the same one the noxfile imported) and runs
``perfgate run --base auto --record``: on a branch or with uncommitted changes, base (the
merge-base of the default branch) and head are measured in interleaved rounds and compared;
on a clean default branch, head alone is run, checked against the budgets and stored in the
history. Markdown and JSON reports go to ``.perfgate/``. ``nox -s perf -- ARGS`` passes ARGS
to ``perfgate run`` (``-- --base v1.2 --rounds 5``; harness arguments after a second ``--``).

This module imports nothing beyond the standard library: nox loads it with the noxfile.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from importlib import metadata
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

__all__ = ["REPORTS", "Session", "perf", "requirement"]

REPORTS = ".perfgate"


class Session(Protocol):
    """What the helpers use of ``nox.Session``."""

    @property
    def posargs(self) -> list[str]: ...

    def install(self, *args: str, **kwargs: Any) -> None: ...

    def run(self, *args: str | os.PathLike[str], **kwargs: Any) -> Any: ...


def requirement() -> list[str]:
    """pip arguments that install, into a session, the perfgate this process imported: its
    local folder when it was installed from one (``-e`` when editable), else the same version
    from the index."""
    try:
        dist = metadata.distribution("perfgate")
    except metadata.PackageNotFoundError:
        from perfgate import __version__  # noqa: PLC0415 - imported from a source tree

        return [f"perfgate=={__version__}"]
    direct = dist.read_text("direct_url.json")
    if direct:
        info = json.loads(direct)
        url = urlparse(str(info.get("url", "")))
        if url.scheme == "file":
            path = unquote(url.path)
            return ["-e", path] if info.get("dir_info", {}).get("editable") else [path]
    return [f"perfgate=={dist.version}"]


def perf(
    session: Session,
    *,
    config: str | None = None,
    reports: str = REPORTS,
    base: str = "auto",
    record: bool = True,
    install: Sequence[str] | None = None,
) -> None:
    """The ``perf`` session's body: install perfgate, then run, compare or check, and report.

    ``install`` replaces what is installed into the session (default: :func:`requirement`);
    the benchmarked project itself is installed by ``perfgate run`` into an environment per
    side, from ``harness.install`` in perfgate.yml. Exit 1 (the session fails) on a finding
    that fails the gate.
    """
    session.install(*(requirement() if install is None else install))
    args = ["perfgate", "run", "--base", base]
    if config is not None:
        args += ["--config", config]
    if record:
        args.append("--record")
    args += ["--output", f"{reports}/report.md", "--output", f"{reports}/report.json"]
    # the user's arguments last: argparse keeps the last --base, --rounds, --fail-on
    session.run(*args, *session.posargs)
