"""What the reach map saves on this repository's own suite: `perfgate run --base HEAD` after
a change, with the map (the default) and without it (``--all``, what every change cost
before), beside one head-alone round.

A clone of this repository is made in a temporary folder; each run edits its working tree and
compares it with ``HEAD`` using the repository's own perfgate.yml (13 benchmarks, CPU timer,
about 40 s a round idle), then restores it. Variants, alternated run by run:

* ``head-alone``: ``perfgate run`` without ``--base``, one round (the unit the issue counts in);
* ``planted``: ``render_markdown`` made to render twice (an edit inside its body: the
  markdown benchmark 2x slower) and a statement that changes no work added to
  ``report.cells.columns`` (run by the markdown and the table benchmarks), with the map;
* ``planted --all``: the same without the map;
* ``comment``: a comment added inside a function body (no benchmark can be affected): judged
  on the round an earlier comment-only run against the same base kept;
* ``comment first``: the same, without that round (the first such change against its base).
* ``a/a``: a statement that changes no work outside every function (it runs at import, so every
  benchmark is measured): an A/A of the whole suite.

Measured per run: the machine time (CPU time of perfgate and every process it started, from
``getrusage(RUSAGE_CHILDREN)``), the wall time, rounds, how many benchmarks were compared and
listed as not affected, and the planted rows' severity. A first run of each variant builds or
takes over the environments and is not counted. With ``--hogs N``, N processes spin for the
whole measurement.

Run: ``nox -s reach_time -- --runs 3`` (docs/performance.md has the table).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import children_cpu  # noqa: E402

# (file, the line an edit goes below, the edit)
Edit = tuple[Path, str, str]
TWICE: Edit = (
    Path("src/perfgate/report/markdown.py"),
    "def render_markdown(report: Report, *, width: int | None = None) -> str:  # noqa: ARG001\n",
    '    if not getattr(render_markdown, "_twice", False):  # planted: the work done twice\n'
    "        render_markdown._twice = True\n"
    "        try:\n"
    "            render_markdown(report)\n"
    "        finally:\n"
    "            render_markdown._twice = False\n",
)
# a statement that changes no work, in the cells the markdown and the table renderers share
TOUCHED: Edit = (
    Path("src/perfgate/report/cells.py"),
    "def columns(report: Report) -> list[Column]:\n",
    "    _unused = len(report.rows)\n",
)
COMMENT: Edit = (
    Path("src/perfgate/report/cells.py"),
    "def columns(report: Report) -> list[Column]:\n",
    "    # a comment: the same program\n",
)
# a module-level statement that changes no work: run at import, so it reaches every benchmark
# (an A/A of the whole suite)
EVERYWHERE: Edit = (
    Path("src/perfgate/report/cells.py"),
    "from perfgate.report.model import Change, FunctionChange, Report, Row\n",
    "_A_A = None  # the same work, outside every function\n",
)
VARIANTS: dict[str, tuple[tuple[Edit, ...], tuple[str, ...]]] = {
    "head-alone": ((), ()),
    "planted": ((TWICE, TOUCHED), ("--base", "HEAD")),
    "planted --all": ((TWICE, TOUCHED), ("--base", "HEAD", "--all")),
    "comment": ((COMMENT,), ("--base", "HEAD")),
    "comment first": ((COMMENT,), ("--base", "HEAD")),
    "a/a": ((EVERYWHERE,), ("--base", "HEAD")),
}
# variants run without the round an earlier comment-only run kept (the first such change
# against its base measures head once)
FIRST = {"comment first"}
PLANTED = ("test_render_500_rows[markdown]", "test_render_500_rows[table]")


def one_run(repo: Path, variant: str) -> dict[str, Any]:
    edits, args = VARIANTS[variant]
    originals = {repo / path: (repo / path).read_text(encoding="utf-8") for path, _, _ in edits}
    for path, below, edit in edits:
        text = (repo / path).read_text(encoding="utf-8")
        if below not in text:
            raise SystemExit(f"{path}: no line {below!r} to plant below")
        (repo / path).write_text(text.replace(below, below + edit, 1), encoding="utf-8")
    if variant in FIRST:
        shutil.rmtree(repo / ".perfgate" / "same-program", ignore_errors=True)
    cpu, began = children_cpu(), time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "perfgate", "run", *args, "--format", "json"],
            cwd=repo, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        for target, original in originals.items():
            target.write_text(original, encoding="utf-8")
    seconds, machine = time.monotonic() - began, children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"{variant}: exit {done.returncode}\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    severities = [
        b.get("severity", "none")
        for b in report["benchmarks"]
        if b["name"].endswith(PLANTED) and b.get("base")
    ]
    return {
        "machine": machine,
        "wall": seconds,
        "rounds": report.get("rounds_used") or 1,
        "compared": sum(1 for b in report["benchmarks"] if b.get("base")),
        "not_affected": len(report.get("not_affected", [])),
        "planted": ",".join(severities) or "-",
        "flagged": sum(
            1
            for b in report["benchmarks"]
            if b.get("base")
            and not b["name"].endswith(PLANTED)
            and b.get("severity", "none") != "none"
        ),
        "verdict": report["verdict"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each variant")
    parser.add_argument("--hogs", type=int, default=0)
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
        help="the variants to run, in this order (default: all)",
    )  # fmt: skip
    args = parser.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    try:
        with tempfile.TemporaryDirectory(prefix="perfgate-reach-") as scratch:
            repo = Path(scratch) / "perfgate"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
            for lap in range(args.runs + 1):  # lap 0 builds the environments: not counted
                for variant in args.variants:
                    found = one_run(repo, variant)
                    print(f"lap {lap} {variant}: {found}", file=sys.stderr, flush=True)
                    if lap:
                        results[variant].append(found)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    alone = statistics.median(r["machine"] for r in results["head-alone"])
    print(f"\n{args.hogs} CPU hogs, {args.runs} counted runs of each variant\n")
    print("| variant | machine time (median) | x one head-alone round | wall | rounds | "
          "compared | not affected | planted rows | other rows flagged | verdicts |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for variant, runs in results.items():
        machine = statistics.median(r["machine"] for r in runs)
        print(
            f"| {variant} | {machine:.0f} s | {machine / alone:.2f} | "
            f"{statistics.median(r['wall'] for r in runs):.0f} s | "
            f"{statistics.median(r['rounds'] for r in runs):g} | "
            f"{statistics.median(r['compared'] for r in runs):g} | "
            f"{statistics.median(r['not_affected'] for r in runs):g} | "
            f"{'; '.join(r['planted'] for r in runs)} | "
            f"{sum(r['flagged'] for r in runs)} | "
            f"{', '.join(r['verdict'] for r in runs)} |"
        )


if __name__ == "__main__":
    main()
