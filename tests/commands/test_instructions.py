"""Instruction counts (`metrics: [time, instructions]`) with real valgrind, on a real
pytest-benchmark suite in a two-commit project, while two CPU hogs run: an unchanged
benchmark's count is the same to the instruction, and 1.25% more work in another is flagged
after two rounds."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.decisions.compare import COUNT_TOLERANCE
from perfgate.errors import InputError
from perfgate.harness import instructions
from perfgate.pytest_plugin import perfgate_valgrind as valgrind_requests
from tests.helpers import HARNESS, run_cli, two_commit_project, write_config

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None or platform.machine().lower() not in ("x86_64", "amd64"),
    reason="needs valgrind on x86-64 (.ci/run installs it on Debian)",
)

PACKAGE = """
LOOPS = {loops}


def work():
    total = 0
    for i in range(LOOPS):
        total += i * i
    return total


def other():
    return sorted(range(2000), key=lambda i: -i)
"""

SUITE = """
import countpkg


def test_work(benchmark):
    benchmark(countpkg.work)


def test_other(benchmark):
    benchmark(countpkg.other)
"""

CONFIG = "version: 1\nmetrics: [time, instructions]\n" + HARNESS


@needs_valgrind
@pytest.mark.slow
@pytest.mark.usefixtures("two_hogs")
def test_counts_are_exact_and_one_percent_more_work_is_flagged(tmp_path: Path) -> None:
    root = two_commit_project(
        tmp_path / "project",
        "countpkg",
        base=PACKAGE.format(loops=20_000),
        head=PACKAGE.format(loops=20_250),  # 1.25% more iterations
        suite=SUITE,
        config=CONFIG,
    )

    done = run_cli("run", "--base", "HEAD~1", "--rounds", "2", "--format", "json", cwd=root)
    report = json.loads(done.stdout)
    rows = {row["name"].rsplit("::", 1)[-1]: row for row in report["benchmarks"]}
    unchanged = rows["test_other (instructions)"]
    assert unchanged["unit"] == "instructions"
    # the same to within the counts' tolerance, hogs or not: a process's heap can differ by a
    # few dozen instructions a call (seen in CI: 1593249.6 and 1593273.6 in two rounds of one
    # side, a ratio of 1.000015), which is why counts are judged with COUNT_TOLERANCE (0.01%)
    assert abs(unchanged["ratio"] - 1.0) < COUNT_TOLERANCE
    assert unchanged["change"]["direction"] == "unchanged"
    assert unchanged["change"]["decisive"]
    grown = rows["test_work (instructions)"]
    assert grown["change"]["direction"] == "slower"
    assert grown["severity"] == "minor"
    assert 1.008 < grown["ratio"] < 1.0135  # the loop's 1.25%, less the call's fixed part
    assert grown["change"]["method"] == "instruction-counts"
    assert rows["test_work"]["unit"] == "s"  # the timing rows are there as ever
    # the counting pass says how long it took, per side and round
    assert "head instructions" in done.stderr
    assert "base instructions" in done.stderr


def test_missing_valgrind_is_one_line(tmp_path: Path) -> None:
    write_config(tmp_path, CONFIG)
    done = run_cli("run", "--base", "HEAD", cwd=tmp_path, env={"PATH": "/nonexistent"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "perfgate: error: metrics: instructions needs valgrind (Debian/Ubuntu: apt-get "
        "install valgrind; the Action installs it with install-valgrind: true)"
    ]


def test_fewer_instructions_for_more_calls_is_an_error_not_zero(tmp_path: Path) -> None:
    """The counts of 1 + N calls below the count of one: a counting fault, said as such (it
    read "unchanged" when the difference was clamped to 0)."""
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"perfgate_instructions": 1, "calls": 5, "benchmarks": ["t::a"]}))
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    for pid, (label, total) in enumerate([("one", 5_000), ("more", 4_000)]):
        (dumps / f"callgrind.out.{pid}").write_text(
            f"desc: Trigger: Client Request: perfgate-0-{label}\ntotals: {total}\n"
        )
    with pytest.raises(InputError, match=r"fewer instructions .* a counting fault"):
        instructions.read_counts(order, dumps)
    (dumps / "callgrind.out.1").write_text(
        "desc: Trigger: Client Request: perfgate-0-more\ntotals: 5000\n"
    )
    assert instructions.read_counts(order, dumps) == {"t::a": 0.0}


def test_an_order_file_with_labels_skips_those_of_failed_benchmarks(tmp_path: Path) -> None:
    """asv's counting run leaves a failed benchmark's label unused: each name is read from its
    own label's dumps, never from another benchmark's."""
    document = {"perfgate_instructions": 1, "calls": 2, "benchmarks": ["a", "c"], "labels": [0, 2]}
    order = tmp_path / "order.json"
    order.write_text(json.dumps(document))
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    totals = {(0, "one"): 100, (0, "more"): 300, (1, "one"): 7, (2, "one"): 50, (2, "more"): 70}
    for pid, ((label, which), total) in enumerate(totals.items()):
        (dumps / f"callgrind.out.{pid}").write_text(
            f"desc: Trigger: Client Request: perfgate-{label}-{which}\ntotals: {total}\n"
        )
    assert instructions.read_counts(order, dumps) == {"a": 100.0, "c": 10.0}
    order.write_text(json.dumps({**document, "labels": [0]}))
    with pytest.raises(InputError, match="a label for each benchmark"):
        instructions.read_counts(order, dumps)


def test_the_request_page_is_never_writable_and_executable() -> None:
    """W^X: the page that holds valgrind's request sequence is read-execute once written."""
    script = (
        "from perfgate.pytest_plugin.perfgate_valgrind import executable_page\n"
        "address = executable_page(b'\\xc3')\n"
        "for line in open('/proc/self/maps'):\n"
        "    low, high = (int(x, 16) for x in line.split()[0].split('-'))\n"
        "    if low <= address < high:\n"
        "        print(line.split()[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()[:3] == "r-x"  # read, not write, execute


# what valgrind.h's client request is made of, per CPU (its inline assembly, operands as
# objdump prints them): the preamble, the marker instruction, and the answer's register
VALGRIND_H = {
    "aarch64": [
        "mov x4, x0", "mov x3, #0x0", "ror x12, x12, #3", "ror x12, x12, #13",
        "ror x12, x12, #51", "ror x12, x12, #61", "orr x10, x10, x10", "mov x0, x3", "ret",
    ],
    "i386:x86-64": [
        "mov %rdi,%rax", "xor %edx,%edx", "rol $0x3,%rdi", "rol $0xd,%rdi", "rol $0x3d,%rdi",
        "rol $0x33,%rdi", "xchg %rbx,%rbx", "mov %rdx,%rax", "ret",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("machine", "objdump", "code"),
    [
        ("aarch64", "aarch64-linux-gnu-objdump", valgrind_requests._ARM64_REQUEST),
        ("i386:x86-64", "objdump", valgrind_requests._AMD64_REQUEST),
    ],
)
def test_the_request_sequences_are_valgrind_h_s(
    tmp_path: Path, machine: str, objdump: str, code: bytes
) -> None:
    """Each CPU's request function, disassembled by binutils, is valgrind.h's sequence (the
    arm64 one cannot run here: this is what checks it)."""
    if shutil.which(objdump) is None:
        pytest.skip(f"needs {objdump} (.ci/run installs Debian's binutils for it)")
    raw = tmp_path / "request.bin"
    raw.write_bytes(code)
    done = subprocess.run(
        [objdump, "-D", "-b", "binary", "-m", machine, str(raw)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = [
        " ".join(" ".join(line.split("\t")[2:]).split("//")[0].split())
        for line in done.stdout.splitlines()
        if line.count("\t") >= 2 and line.strip()[:1].isalnum() and ":" in line.split("\t")[0]
    ]
    assert found == VALGRIND_H[machine]
