"""Load: `perfgate compare` of 2,000 benchmarks x 50 rounds per side, rendered four ways.

Run: ``nox -s loadbench`` (or ``python benchmarks/load_compare_2000x50.py``). Prints
the markdown table quoted in docs/performance.md.

Input. pytest-benchmark is run for real on 2,000 parametrized benchmarks with
``--benchmark-min-rounds=100`` (cached in ``.perfgate/cache/``). Running it 100 more times would
take an hour, so the 50 round files per side are made from that real file: round ``k`` of a
side is the file with every benchmark's ``stats.data`` multiplied by one random factor per
benchmark and round (log-normal, sd 3%: process-to-process noise), the rest of the file as
pytest-benchmark wrote it. Head equals base in distribution except for 20 benchmarks slowed by
30%, so the report has findings to render. The data layout, sizes and every code path are
those of a real comparison; only the between-round variation is simulated.

Measured: the whole ``perfgate compare base/ head/ --format json`` with ``--output`` to a
markdown, a JUnit and a JSON file, in a fresh process: wall time (median of REPEATS runs) and
peak RSS, beside ``json.load`` of the same 100 files one after the other (each dropped before
the next) in a fresh process as the reference.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import run_pytest_benchmark, wide_suite_source  # noqa: E402
from benchmarks.load_1000x1000 import peak_rss_mb, timed  # noqa: E402

BENCHMARKS, ROUNDS, SAMPLES = 2000, 50, 100
SLOWED, SLOWDOWN = 20, 1.30
REPEATS = 3
CACHE = ROOT / ".perfgate" / "cache" / "compare-2000x50"

# targets, set before measuring (2-core CI VM): the whole compare within a minute and 2 GB
TARGET_SECONDS, TARGET_MB = 60.0, 2000.0


def generate() -> tuple[Path, Path]:
    base, head = CACHE / "base", CACHE / "head"
    if (head / f"round-{ROUNDS - 1:03d}.json").exists():
        return base, head
    print(f"running pytest-benchmark on {BENCHMARKS:,} benchmarks ...", file=sys.stderr)
    real = run_pytest_benchmark(CACHE / "real", wide_suite_source(BENCHMARKS), min_rounds=SAMPLES)
    data = json.loads(real.read_text())
    assert len(data["benchmarks"]) == BENCHMARKS
    rng = random.Random(2000)  # noqa: S311 - simulated noise, not security
    slowed = set(rng.sample(range(BENCHMARKS), SLOWED))
    for side, folder in (("base", base), ("head", head)):
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(ROUNDS):
            round_data = copy.deepcopy(data)
            for i, entry in enumerate(round_data["benchmarks"]):
                factor = rng.lognormvariate(0.0, 0.03)
                if side == "head" and i in slowed:
                    factor *= SLOWDOWN
                entry["stats"]["data"] = [v * factor for v in entry["stats"]["data"]]
            (folder / f"round-{k:03d}.json").write_text(json.dumps(round_data))
        print(f"{side}: {ROUNDS} round files", file=sys.stderr)
    return base, head


def main() -> None:
    base, head = generate()
    files = sorted(base.glob("*.json")) + sorted(head.glob("*.json"))
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    out = CACHE / "out"
    out.mkdir(exist_ok=True)
    compare = [
        *(sys.executable, "-m", "perfgate", "compare", str(base), str(head), "--format", "json"),
        *("--output", str(out / "report.md"), "--output", str(out / "report.xml")),
        *("--output", str(out / "report.json")),
    ]
    reference = [
        sys.executable,
        "-c",
        "import json, sys\nfor f in sys.argv[1:]:\n    json.load(open(f))",
        *map(str, files),
    ]
    walls: dict[str, list[float]] = {"compare": [], "json.load": []}
    for _ in range(REPEATS):
        walls["json.load"].append(timed(reference))
        walls["compare"].append(timed_allowing_fail(compare))
    peak = {"compare": peak_rss_mb(compare, accept=(0, 1)), "json.load": peak_rss_mb(reference)}
    median = {name: statistics.median(values) for name, values in walls.items()}
    report = json.loads((out / "report.json").read_text())
    flagged = sum(1 for b in report["benchmarks"] if b.get("severity", "none") != "none")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; input: {len(files)} files, {size_mb:.0f} MB, "
        f"{BENCHMARKS:,} benchmarks x {ROUNDS} rounds x {SAMPLES} samples per side; "
        f"{REPEATS} runs each, interleaved.\n"
    )
    print("| command | median wall | peak RSS | target |")
    print("|---|---:|---:|---|")
    print(
        f"| `json.load` of the {len(files)} files | {median['json.load']:.1f} s | "
        f"{peak['json.load']:.0f} MB | reference |"
    )
    ratio = median["compare"] / median["json.load"]
    print(
        f"| `perfgate compare` + markdown, JUnit and JSON | {median['compare']:.1f} s "
        f"({ratio:.1f} x `json.load`) | {peak['compare']:.0f} MB | "
        f"{TARGET_SECONDS:.0f} s, {TARGET_MB:.0f} MB |"
    )
    print(
        f"\nThe report flags {flagged} benchmarks ({SLOWED} were slowed by "
        f"{(SLOWDOWN - 1) * 100:.0f}%); every file was written."
    )


def timed_allowing_fail(command: list[str]) -> float:
    """Wall seconds; exit 1 (the gate failed, as it should here) is not an error."""
    start = time.perf_counter()
    done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode())
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
