"""CPU cost of `perfgate compare` beside `pytest-benchmark compare` on the same files, by suite
size and round count, and of a 1,000 x 1,000 x 10 comparison beside `json.load` of its files.

Run: ``nox -s compare_speed`` (or ``python benchmarks/compare_speed.py``). Prints the markdown
tables quoted in docs/performance.md and writes the scaling plot docs/compare-scaling.svg.

Input. pytest-benchmark is run for real, ROUNDS times a side (base and head alternated), on
one module of 2,000 parametrized benchmarks with ``--benchmark-min-rounds=200``; the files are
cached in ``.perfgate/cache/compare-speed``. A suite of N benchmarks is the first N entries of
each file (the rest of the file as pytest-benchmark wrote it). "1 round" compares one file a
side; "10 rounds", the folders of ten files a side (pytest-benchmark compare gets all twenty
files: it shows every run). The 1,000 x 1,000 x 10 case has its own ten runs a side with
``--benchmark-min-rounds=1000``.

``asv compare`` is measured on two consecutive results of django's asv history (../shared/data),
widened to more benchmarks by copies of their rows under new names.

Measured: CPU time (user + system) of each whole command in a fresh process, from
``getrusage(RUSAGE_CHILDREN)``; the commands of one comparison run interleaved, REPEATS
times; the tables quote medians and their ratios. CPU time, not wall time: these machines
are shared, and CPU time moves less under load. Both tools run from bytecode, as installed by
pip (``harness.compile_as_installed``).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402
    compile_as_installed,
    run_pytest_benchmark,
    wide_suite_source,
)

SIZES = (10, 100, 1000, 2000)
ROUNDS = 10
REPEATS = 5
CACHE = ROOT / ".perfgate" / "cache" / "compare-speed"
BIN = Path(sys.executable).parent


def generate(name: str, benchmarks: int, samples: int) -> Path:
    """ROUNDS real pytest-benchmark runs a side, as ``name/{base,head}/round-NNN.json``."""
    folder = CACHE / name
    for k in range(ROUNDS):
        for side in ("base", "head"):
            target = folder / side / f"round-{k:03d}.json"
            if target.exists():
                continue
            print(f"pytest-benchmark: {name} {side} round {k + 1}/{ROUNDS}", file=sys.stderr)
            scratch = CACHE / "scratch"
            out = run_pytest_benchmark(scratch, wide_suite_source(benchmarks), min_rounds=samples)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(out, target)
    return folder


def subset(folder: Path, size: int) -> Path:
    """The first ``size`` benchmarks of every file of ``folder``."""
    out = folder.parent / f"{folder.name}-{size}"
    for source in sorted(folder.glob("*/round-*.json")):
        target = out / source.parent.name / source.name
        if target.exists():
            continue
        data = json.loads(source.read_text())
        data["benchmarks"] = data["benchmarks"][:size]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data))
    return out


def cpu_seconds(command: list[str]) -> float:
    """User + system CPU seconds of one fresh process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(  # from the cache: no perfgate.yml of this project applies
        command, cwd=CACHE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    if done.returncode not in (0, 1):  # 1: a comparison that fails its gate
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(commands: dict[str, list[str]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEATS):
        for name, command in commands.items():
            times[name].append(cpu_seconds(command))
    return {name: statistics.median(values) for name, values in times.items()}


def perfgate(*args: str) -> list[str]:
    return [str(BIN / "perfgate"), *args]


def compare_table() -> list[tuple[int, int, float, float]]:
    folder = generate("wide", max(SIZES), 200)
    rows = []
    print(
        "| benchmarks | rounds a side | `perfgate compare` | `pytest-benchmark compare` | ratio |"
    )
    print("|---:|---:|---:|---:|---:|")
    for size in SIZES:
        data = subset(folder, size)
        for rounds in (1, ROUNDS):
            if rounds == 1:
                base, head = [data / "base" / "round-000.json"], [data / "head" / "round-000.json"]
                ours = perfgate("compare", str(base[0]), str(head[0]))
            else:
                base = sorted((data / "base").glob("round-*.json"))
                head = sorted((data / "head").glob("round-*.json"))
                ours = perfgate("compare", str(data / "base"), str(data / "head"))
            theirs = [str(BIN / "pytest-benchmark"), "compare", *map(str, base + head)]
            found = medians({"perfgate": ours, "pytest-benchmark": theirs})
            ratio = found["perfgate"] / found["pytest-benchmark"]
            rows.append((size, rounds, found["perfgate"], found["pytest-benchmark"]))
            print(
                f"| {size:,} | {rounds} | {found['perfgate']:.2f} s | "
                f"{found['pytest-benchmark']:.2f} s | {ratio:.2f} x |"
            )
    return rows


def big_table() -> None:
    folder = generate("deep", 1000, 1000)
    files = sorted(folder.glob("*/round-*.json"))
    loader = "import json, sys\nfor name in sys.argv[1:]:\n    json.load(open(name))\n"
    found = medians(
        {
            "json": [sys.executable, "-c", loader, *map(str, files)],
            "perfgate": perfgate("compare", str(folder / "base"), str(folder / "head")),
        }
    )
    size = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"\n1,000 benchmarks x 1,000 samples x {ROUNDS} rounds a side ({len(files)} files, "
        f"{size:.0f} MB):\n"
    )
    print("| command | median CPU | ratio |")
    print("|---|---:|---:|")
    print(f"| `json.load` of the {len(files)} files | {found['json']:.2f} s | 1.00 |")
    print(
        f"| `perfgate compare base/ head/` | {found['perfgate']:.2f} s | "
        f"{found['perfgate'] / found['json']:.2f} x |"
    )


ASV_RESULTS = ROOT.parent / "shared" / "data" / "django-asv" / "results"
ASV_SIZES = (52, 100, 1000, 2000)


def asv_suite(size: int) -> tuple[Path, str, str, Path, Path]:
    """Two consecutive django asv results (52 benchmarks, raw samples kept), widened to
    ``size`` benchmarks by copies of its rows under new names (benchmarks.json too), in an asv
    results layout: (config, base hash, head hash, base file, head file)."""
    machine = ASV_RESULTS / "ubuntu-latest"
    base_file, head_file = sorted(p for p in machine.glob("*.json") if p.name != "machine.json")[
        10:12
    ]
    described = json.loads((ASV_RESULTS / "benchmarks.json").read_text())
    out = CACHE / f"asv-{size}"
    (out / "results" / "ubuntu-latest").mkdir(parents=True, exist_ok=True)
    names = list(json.loads(base_file.read_text())["results"])[:size]
    copies = -(-size // len(names))

    def renamed(name: str, k: int) -> str:
        return name if k == 0 else f"{name}_copy{k}"

    widened = {"version": described["version"]}
    for k in range(copies):
        for name in names:
            entry = dict(described[name], name=renamed(name, k))
            widened[renamed(name, k)] = entry
    (out / "results" / "benchmarks.json").write_text(json.dumps(widened))
    shutil.copy(machine / "machine.json", out / "results" / "ubuntu-latest" / "machine.json")
    hashes = []
    for source in (base_file, head_file):
        data = json.loads(source.read_text())
        rows = data["results"]
        data["results"] = {
            renamed(n, k): rows[n] for k in range(copies) for n in names if n in rows
        }
        data["results"] = dict(list(data["results"].items())[:size])
        (out / "results" / "ubuntu-latest" / source.name).write_text(json.dumps(data))
        hashes.append(data["commit_hash"])
    repo = out / "repo"
    if not repo.exists():  # asv compare asks git for names; full hashes need no answer
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (out / "bench").mkdir(exist_ok=True)
    conf = out / "asv.conf.json"
    conf.write_text(
        json.dumps(
            {
                "version": 1,
                "project": "django",
                "repo": str(repo),
                "branches": ["HEAD"],
                "environment_type": "existing",
                "results_dir": str(out / "results"),
                "html_dir": str(out / "html"),
                "benchmark_dir": str(out / "bench"),
            }
        )
    )
    folder = out / "results" / "ubuntu-latest"
    return conf, hashes[0], hashes[1], folder / base_file.name, folder / head_file.name


def asv_table() -> None:
    if not ASV_RESULTS.is_dir():
        print(f"\n(`asv compare`: skipped, no {ASV_RESULTS})")
        return
    print(
        "\nBeside `asv compare`, on two consecutive django asv results (52 benchmarks, 10 raw "
        "samples each), widened by copies of their rows:\n"
    )
    print("| benchmarks | `perfgate compare` | `asv compare` | ratio |")
    print("|---:|---:|---:|---:|")
    for size in ASV_SIZES:
        conf, base_hash, head_hash, base, head = asv_suite(size)
        theirs = [
            sys.executable, "-m", "asv", "compare", base_hash, head_hash,
            "--config", str(conf), "--machine", "ubuntu-latest",
        ]  # fmt: skip
        found = medians({"perfgate": perfgate("compare", str(base), str(head)), "asv": theirs})
        print(
            f"| {size:,} | {found['perfgate']:.2f} s | {found['asv']:.2f} s | "
            f"{found['perfgate'] / found['asv']:.2f} x |"
        )


def plot(rows: list[tuple[int, int, float, float]]) -> None:
    """CPU seconds against suite size, one line per tool and round count, as an SVG."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(6.4, 4.0))
    for rounds, style in ((1, "-"), (ROUNDS, "--")):
        picked = [r for r in rows if r[1] == rounds]
        sizes = [r[0] for r in picked]
        axes.plot(sizes, [r[2] for r in picked], "o" + style, label=f"perfgate, {rounds} round(s)")
        axes.plot(
            sizes, [r[3] for r in picked], "s" + style, label=f"pytest-benchmark, {rounds} round(s)"
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("benchmarks in the suite")
    axes.set_ylabel("CPU seconds, whole compare (median)")
    axes.legend(fontsize="small")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(ROOT / "docs" / "compare-scaling.svg", metadata={"Date": None})


def main() -> None:
    compile_as_installed()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {REPEATS} runs of each command, interleaved; "
        "median CPU seconds (user + system).\n"
    )
    # `nox -s compare_speed -- pytest-benchmark asv` runs just those tables (no plot)
    wanted = set(sys.argv[1:]) or {"pytest-benchmark", "asv", "big"}
    unknown = wanted - {"pytest-benchmark", "asv", "big"}
    if unknown:
        sys.exit(f"compare_speed: no table {sorted(unknown)[0]!r} (pytest-benchmark, asv, big)")
    rows = compare_table() if "pytest-benchmark" in wanted else []
    if "asv" in wanted:
        asv_table()
    if "big" in wanted:
        big_table()
    if len(wanted) == 3:
        plot(rows)


if __name__ == "__main__":
    main()
