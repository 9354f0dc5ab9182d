"""Driving asv for ``perfgate run``: one ``asv run`` per side and round, read as one round.

asv concatenates the samples of all the processes of one invocation in a single results file,
so rounds cannot be recovered from it afterwards. perfgate therefore calls asv once per side
and round (``--attribute processes=1`` by default, so a round is one fresh process, as with the
other harnesses) with ``--record-samples``, and moves the results file into the round folder.

Environments: perfgate builds each side's environment itself (one per tree and install list,
cached in ``.perfgate/envs/``, the working tree's uncommitted changes included) and hands it to
asv as ``--environment existing:PYTHON``. asv's own ``environment_type`` is therefore not used
by ``perfgate run``: asv cannot benchmark a dirty working tree, and two tools building
environments for the same run would only disagree. ``asv_runner`` (what asv runs benchmarks
with) is added to each side's install list at the version asv itself uses.

asv writes into a private copy of ``asv.conf.json`` (``<out>/.asv/<side>/``), so the user's
``results_dir`` is never touched.
"""

from __future__ import annotations

import base64
import json
import platform
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from perfgate.errors import InputError, UsageError
from perfgate.files import write_text_atomic
from perfgate.harness.proc import run_captured

# asv exits 2 when one of the benchmarks failed; the results file then lists it as failed
ACCEPTED_EXIT_CODES = (0, 2)


def runner_requirement() -> str:
    """The pip requirement for asv's benchmark runner, matching the installed asv."""
    try:
        metadata.version("asv")
        return f"asv_runner=={metadata.version('asv_runner')}"
    except metadata.PackageNotFoundError:
        raise UsageError(
            "the asv harness needs asv installed next to perfgate (pip install asv)"
        ) from None


def private_config(conf_path: Path, repo: Path, suite_root: Path, work: Path) -> Path:
    """Write ``work/asv.conf.json``: the user's asv config with absolute paths and private
    results, running the suite found under ``suite_root`` (head's tree or the side's own)."""
    from asv import util  # noqa: PLC0415 - asv is only needed for this harness

    if not conf_path.is_file():
        raise InputError(str(conf_path), "no such file (set harness.asv-config in perfgate.yml)")
    try:
        data: dict[str, Any] = util.load_json(str(conf_path), js_comments=True)
    except Exception as exc:  # asv raises its own errors and json5's
        raise InputError(str(conf_path), f"asv cannot read it: {exc}") from None
    conf_dir = conf_path.resolve().parent
    benchmarks = (conf_dir / str(data.get("benchmark_dir", "benchmarks"))).resolve()
    try:
        relative = benchmarks.relative_to(repo.resolve())
    except ValueError:
        raise InputError(
            str(conf_path), f"benchmark_dir {benchmarks} is outside the repository {repo}"
        ) from None
    data.update(
        repo=str(repo),  # both commits live in the main repository
        benchmark_dir=str(suite_root / relative),
        results_dir=str(work / "results"),
        html_dir=str(work / "html"),
        env_dir=str(work / "env"),
    )
    work.mkdir(parents=True, exist_ok=True)
    target = work / "asv.conf.json"
    write_text_atomic(target, json.dumps(data, indent=2))
    return target


def ensure_machine(config: Path) -> None:
    """asv asks questions on its first run on a machine; answer them with asv's defaults
    (``asv machine --yes``) unless ``~/.asv-machine.json`` already knows this machine."""
    known = Path("~/.asv-machine.json").expanduser()
    try:
        machines = json.loads(known.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        machines = {}
    if isinstance(machines, dict) and platform.node() in machines:
        return
    done = subprocess.run(
        [sys.executable, "-m", "asv", "machine", "--yes", "--config", str(config)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise UsageError(f"`asv machine --yes` failed: {last}")


def benchmark_dir(config: Path) -> Path:
    """The suite a side's private asv config (:func:`private_config`) runs."""
    return Path(json.loads(config.read_text(encoding="utf-8"))["benchmark_dir"])


def bench_patterns(args: Sequence[str]) -> list[str]:
    """The ``--bench``/``-b`` regexes among asv's arguments (the config's and a narrowed
    round's), which a counting run selects by too."""
    found = []
    for i, arg in enumerate(args):
        if arg in ("-b", "--bench") and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith("--bench="):
            found.append(arg.removeprefix("--bench="))
    return found


def counts_command(
    config: Path, python: Path, out: Path, calls: int, args: Sequence[str], *, instructions: bool
) -> list[str]:
    """The argv that counts an asv side's bytecodes (or, to be run under callgrind, its
    instructions) in its environment: ``perfgate_asv_counts`` from the plugin's folder, which
    the caller puts on ``PYTHONPATH``."""
    patterns = [f"--bench={p}" for p in bench_patterns(args)]
    return [
        str(python), "-m", "perfgate_asv_counts", f"--benchmark-dir={benchmark_dir(config)}",
        f"--out={out}", f"--calls={calls}", *patterns,
        *(["--instructions"] if instructions else []),
    ]  # fmt: skip


def command(config: Path, python: Path, commit: str, args: tuple[str, ...]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "asv",
        "run",
        "--config",
        str(config),
        "--environment",
        f"existing:{python}",
        f"--set-commit-hash={commit}",
        "--record-samples",
        *args,
    ]


def collect(config: Path, output: Path) -> bool:
    """Move the results file of the run that just ended to ``output``, with asv's
    ``benchmarks.json`` beside it (units and parameter names). False when asv wrote none."""
    results = config.parent / "results"
    written = [p for p in results.glob("*/*.json") if p.name != "machine.json"]
    if len(written) != 1:
        for path in written:
            path.unlink()
        return False
    written[0].replace(output)
    described = results / "benchmarks.json"
    if described.is_file():
        shutil.copyfile(described, output.parent / "benchmarks.json")
    return True


def profiles(
    config: Path,
    python: Path,
    commit: str,
    args: Sequence[str],
    *,
    names: Sequence[str],
    beat: Callable[[float], None] | None = None,
) -> dict[str, bytes] | str:
    """One ``asv run --profile`` of the named benchmarks (a parameterized one by its name
    without parameters): name -> asv's profile (a marshalled :mod:`pstats` table of one run
    of the benchmark). A string says why there is none."""
    bare = sorted({name.split("(", 1)[0] for name in names})
    pattern = "^(" + "|".join(re.escape(name) for name in bare) + ")$"
    results = config.parent / "results"
    for stale in _written(results):
        stale.unlink()
    argv = command(config, python, commit, (*args, "--profile", "--bench", pattern))
    done = run_captured(argv, cwd=config.parent, beat=beat)
    written = _written(results)
    if done.returncode not in ACCEPTED_EXIT_CODES or len(written) != 1:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return f"asv run --profile exit {done.returncode}: {last[:200]}"
    try:
        data = json.loads(written[0].read_text(encoding="utf-8"))
        column = list(data["result_columns"]).index("profile")
        found = {
            str(name): zlib.decompress(base64.b64decode(row[column]))
            for name, row in data["results"].items()
            if isinstance(row, list) and len(row) > column and row[column]
        }
    except (OSError, ValueError, KeyError, TypeError, zlib.error) as exc:
        return f"asv's profile is unreadable ({exc})"
    finally:
        written[0].unlink(missing_ok=True)
    return found


def _written(results: Path) -> list[Path]:
    return [p for p in results.glob("*/*.json") if p.name != "machine.json"]
