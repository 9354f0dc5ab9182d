"""``perfgate init``: what an existing project has, and the files that set perfgate up for it.

:func:`detect` reads the project (read-only); :func:`plan` decides the files from what was
found (pure); :func:`apply` writes them, never over an existing file unless forced. An
existing ``noxfile.py`` is never replaced: with ``--force`` the ``perf`` session is appended
to it, otherwise the lines to add are shown.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from perfgate import __version__
from perfgate.errors import PerfgateError
from perfgate.files import write_text_atomic
from perfgate.harness.git import default_branch, toplevel
from perfgate.scaffold import suite_imports

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_TOKEN = re.compile(r"@([A-Z_]+)@")


def fill(template: str, **values: str) -> str:
    """A file init writes, from ``perfgate/scaffold/templates/``: each ``@NAME@`` replaced by
    its value (plain text, not a format string: a workflow's ``${{ ... }}`` and a YAML brace need no
    escaping). A token without a value is a bug, and raises."""
    source = resources.files("perfgate.scaffold").joinpath("templates").joinpath(template)
    text = source.read_text("utf-8")
    filled = _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    left = _TOKEN.search(filled)
    if left is not None:
        raise ValueError(f"template {template}: no value for {left.group(0)}")
    return filled


ACTION = f"perfgate/perfgate@v{__version__}"  # when the installed commit is not known
_GITHUB_URL = re.compile(r"(?:git\+)?https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?")
_COMMIT = re.compile(r"[0-9a-f]{40}")
# what `init --action` accepts: it is written into `uses:` and a pip requirement, so nothing
# that YAML, a shell or an expression (quotes, spaces, newlines, `${{`) could read
ACTION_REFERENCE = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}@[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}"
)
SUITE_FOLDERS = ("benchmarks", "benchmark", "bench", "tests", "test")
# pytest-benchmark's defaults run a microsecond benchmark for a second and record millions of
# samples (one round once made a 315 MB file): each sample lasts at least 100 us (calibrated
# calls per sample) and each benchmark at most 0.2 s a round, so <= ~2,000 samples a round
BOUNDED_ARGS = (
    "--benchmark-min-rounds=75",
    "--benchmark-min-time=0.0001",
    "--benchmark-max-time=0.2",
)
_USES_BENCHMARK = re.compile(r"def test\w*\([^)]*\bbenchmark\b")
_SKIP = {".git", ".nox", ".venv", "venv", ".tox", ".perfgate", ".asv", "node_modules", "build"}


def pinned_action(direct_url: str | None) -> str | None:
    """``OWNER/REPO@<commit sha>`` from pip's record of where perfgate was installed from
    (``direct_url.json``, PEP 610), when that was a commit of a GitHub repository, else
    None: a wheel from an index names no commit."""
    if not direct_url:
        return None
    try:
        record = json.loads(direct_url)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("vcs_info"), dict):
        return None
    commit = record["vcs_info"].get("commit_id")
    found = _GITHUB_URL.fullmatch(str(record.get("url", "")))
    if found is None or not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
        return None
    action = f"{found[1]}/{found[2]}@{commit}"
    return action if ACTION_REFERENCE.fullmatch(action) else None


def default_action() -> str | None:
    """The commit this perfgate was installed from, as the Action's reference, if known."""
    from importlib.metadata import PackageNotFoundError, distribution  # noqa: PLC0415

    try:
        return pinned_action(distribution("perfgate").read_text("direct_url.json"))
    except (PackageNotFoundError, OSError):
        return None


@dataclass(frozen=True, kw_only=True)
class Project:
    """What :func:`detect` found."""

    name: str  # the distribution name (pyproject.toml), else the folder's name
    package: str  # what the example benchmark imports
    pytest_benchmark: tuple[str, ...]  # folders with tests that use the `benchmark` fixture
    asv_config: str | None  # asv.conf.json when there is one
    # the optional-dependency extras that provide what the benchmarks import
    extras: tuple[str, ...] = ()
    # requirements of the PEP 735 dependency groups that provide what the benchmarks import
    # (pip cannot install a group into another tree's environment by name: written out)
    group_requirements: tuple[str, ...] = ()
    install_why: tuple[str, ...] = ()  # "msgspec (extra fast)": why each was chosen
    unprovided: tuple[str, ...] = ()  # imports of the suite nothing found provides
    branch: str  # the default branch (for asv)
    noxfile: Literal["none", "without-perf", "with-perf"]
    ignores_reports: bool  # .gitignore lists .perfgate/
    # pyproject.toml, setup.py or setup.cfg: pip can install the tree ({tree}); a bare folder
    # cannot be, so its benchmarks import its modules from the tree itself
    installable: bool = True
    modules: tuple[str, ...] = ()  # a bare folder's own top-level modules and packages


@dataclass(frozen=True, kw_only=True)
class Planned:
    path: str  # relative to the project root
    text: str
    # create: a new file (kept if it exists, unless forced); append: added to the end of the
    # file, created if missing (.gitignore); append-if-forced: noxfile.py's session
    mode: Literal["create", "append", "append-if-forced"] = "create"


def detect(root: Path) -> Project:
    meta = _pyproject(root)
    name = str(meta.get("name") or root.resolve().name)
    suites = tuple(sorted({_top(root, f) for f in _benchmark_files(root)}))
    asv_config = "asv.conf.json" if (root / "asv.conf.json").is_file() else None
    choice = _install_choice(root, meta)
    installable = any(
        (root / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg")
    )
    noxfile = root / "noxfile.py"
    nox_state: Literal["none", "without-perf", "with-perf"] = "none"
    if noxfile.is_file():
        text = noxfile.read_text(encoding="utf-8", errors="replace")
        nox_state = "with-perf" if re.search(r"^def perf\(", text, re.M) else "without-perf"
    return Project(
        name=name,
        package=_package(root, name),
        pytest_benchmark=suites,
        asv_config=asv_config,
        extras=choice.extras,
        group_requirements=_group_requirements(root, choice.groups),
        install_why=choice.why,
        unprovided=choice.missing,
        branch=_branch(root),
        noxfile=nox_state,
        ignores_reports=_ignores_reports(root / ".gitignore"),
        installable=installable,
        modules=() if installable else _root_modules(root),
    )


def _root_modules(root: Path) -> tuple[str, ...]:
    """The modules and packages at a bare folder's top (what its benchmarks can import)."""
    names = []
    for child in sorted(root.iterdir()):
        if child.name in _SKIP or child.name.startswith(".") or child.name in SUITE_FOLDERS:
            continue
        if child.suffix == ".py" and child.stem.isidentifier() and child.stem != "noxfile":
            names.append(child.stem)
        elif child.is_dir() and (child / "__init__.py").is_file() and child.name.isidentifier():
            names.append(child.name)
    return tuple(names)


def _install_choice(root: Path, meta: dict[str, object]) -> suite_imports.Choice:
    """Which extras and dependency groups provide what the benchmarks and their conftests
    import (:mod:`perfgate.scaffold.suite_imports`)."""
    imported: set[str] = set()
    for path in [*_benchmark_files(root), *_conftests(root)]:
        imported |= suite_imports.imports_of(path.read_text(encoding="utf-8", errors="replace"))
    extras = meta.get("optional-dependencies")
    dependencies = meta.get("dependencies")
    return suite_imports.choose(
        imported,
        local=_local_modules(root),
        dependencies=_strings(dependencies),
        extras={str(name): _strings(reqs) for name, reqs in extras.items()}
        if isinstance(extras, dict)
        else {},
        groups={name: _group(root, name) for name in _group_names(root)},
    )


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _conftests(root: Path) -> list[Path]:
    found = [root / "conftest.py"]
    for folder in SUITE_FOLDERS:
        if (root / folder).is_dir():
            found += [
                path
                for path in (root / folder).rglob("conftest.py")
                if not _SKIP.intersection(path.relative_to(root).parts)
            ]
    return [path for path in found if path.is_file()]


def _local_modules(root: Path) -> set[str]:
    """What the project and its suite folders provide themselves: packages and modules at the
    root, in src/ and in the suite folders (a suite's helper module, imported by name)."""
    names = set()
    for base in (root, root / "src", *(root / folder for folder in SUITE_FOLDERS)):
        if not base.is_dir():
            continue
        for child in base.iterdir():
            if child.name in _SKIP or child.name.startswith("."):
                continue
            if child.suffix == ".py":
                names.add(child.stem)
            elif child.is_dir() and (
                (child / "__init__.py").is_file() or child.name in SUITE_FOLDERS
            ):
                names.add(child.name)
    return names


def _group_names(root: Path) -> list[str]:
    groups = _pyproject_table(root).get("dependency-groups")
    return [str(name) for name in groups] if isinstance(groups, dict) else []


def _group_requirements(root: Path, names: Sequence[str]) -> tuple[str, ...]:
    """The requirements of the dependency groups ``names``, in order, each once."""
    found: list[str] = []
    for name in names:
        found += [r for r in _group(root, name) if r not in found]
    return tuple(found)


def _group(root: Path, name: str) -> list[str]:
    """One dependency group's requirements (``[dependency-groups]``, PEP 735), with
    ``{include-group = ...}`` entries followed."""
    groups = _pyproject_table(root).get("dependency-groups")
    if not isinstance(groups, dict):
        return []
    found: list[str] = []

    def add(group: str, seen: frozenset[str]) -> None:
        entries = groups.get(group)
        if group in seen or not isinstance(entries, list):
            return
        for entry in entries:
            if isinstance(entry, str) and entry not in found:
                found.append(entry)
            elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
                add(entry["include-group"], seen | {group})

    add(name, frozenset())
    return found


def _ignores_reports(gitignore: Path) -> bool:
    if not gitignore.is_file():
        return False
    lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(line.strip().strip("/") == ".perfgate" for line in lines)


def _branch(root: Path) -> str:
    try:
        branch = default_branch(toplevel(root))
    except PerfgateError:  # not a git repository (yet)
        branch = None
    return (branch or "main").removeprefix("origin/")


def _pyproject(root: Path) -> dict[str, object]:
    project = _pyproject_table(root).get("project", {})
    return project if isinstance(project, dict) else {}


def _pyproject_table(root: Path) -> dict[str, object]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        table: dict[str, object] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    return table


def _benchmark_files(root: Path) -> list[Path]:
    found = []
    for folder in SUITE_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            if _SKIP.intersection(path.relative_to(root).parts):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if _USES_BENCHMARK.search(text):
                found.append(path)
    return found


def _top(root: Path, path: Path) -> str:
    return path.relative_to(root).parts[0]


def _package(root: Path, name: str) -> str:
    """The import name: the distribution's name normalized, else the only package in src/."""
    module = re.sub(r"[^0-9A-Za-z_]", "_", name).lower()
    src = root / "src"
    if not (src / module).is_dir() and src.is_dir():
        packages = [p.name for p in src.iterdir() if (p / "__init__.py").is_file()]
        if len(packages) == 1:
            return packages[0]
    return module


def plan(
    project: Project,
    *,
    asv: bool = False,
    action: str = ACTION,
    shards: int = 1,
    calibration: str | None = None,
) -> list[Planned]:
    """The files for ``project``: perfgate.yml, the nox session, the workflow (one job, or
    with ``shards`` > 1 a matrix of shard jobs and a merge job), and with ``asv`` an asv
    configuration and suite (unless the project has asv already). ``calibration``: the
    config's line for this machine's calibration reference (pytest-benchmark suites)."""
    workflow = _workflow(action) if shards == 1 else sharded_workflow(action, shards)
    files = [
        Planned(path="perfgate.yml", text=_config(project, asv=asv, calibration=calibration)),
        Planned(path=".github/workflows/perf.yml", text=workflow),
    ]
    if project.noxfile == "none":
        files.append(Planned(path="noxfile.py", text=NOXFILE_HEADER + NOX_SESSION))
    elif project.noxfile == "without-perf":
        files.append(Planned(path="noxfile.py", text=NOX_APPEND, mode="append-if-forced"))
    if not project.ignores_reports:
        files.append(Planned(path=".gitignore", text=GITIGNORE, mode="append"))
    if not project.pytest_benchmark and not project.asv_config and not asv:
        example = project.package if project.installable else next(iter(project.modules), None)
        files.append(Planned(path="benchmarks/test_benchmarks.py", text=_pytest_example(example)))
    if not project.installable and not asv_harness(project, asv=asv):
        for folder in project.pytest_benchmark or ("benchmarks",):
            files.append(Planned(path=f"{folder}/conftest.py", text=fill("conftest-bare.py.txt")))
    if asv and not project.asv_config:
        files.append(Planned(path="asv.conf.json", text=_asv_config(project)))
        files.append(Planned(path="asv_bench/__init__.py", text=""))
        files.append(
            Planned(path=f"asv_bench/bench_{project.package}.py", text=_asv_example(project))
        )
    return files


def asv_harness(project: Project, *, asv: bool) -> bool:
    """Whether init makes asv the harness: the project has an asv suite, or ``--asv`` wrote
    one, and no pytest-benchmark suite (that one would stop running on pull requests)."""
    return (project.asv_config is not None or asv) and not project.pytest_benchmark


# asv's own default gives a process 5 samples of a quick benchmark (measured with init's
# example: `p50 needs >= 6, has 5`); a round of perfgate is one process: 10 samples in it
ASV_ARGS = ("--attribute", "processes=1", "--attribute", "repeat=10")


def _config(project: Project, *, asv: bool = False, calibration: str | None = None) -> str:
    tree = f"{{tree}}[{','.join(project.extras)}]" if project.extras else "{tree}"
    trees = [tree] if project.installable else []
    use_asv = asv_harness(project, asv=asv)
    # asv keeps ~10 samples a benchmark and process: too few for a p95 (72 needed for a
    # bounded interval), enough for the median; pytest-benchmark's bounded runs give 75+
    metric = "p50" if use_asv else "p95"
    why = (
        "the median: asv records about 10 samples a benchmark, too few for a p95"
        if use_asv
        else "the 95th percentile of each benchmark's samples"
    )
    lines = [
        "# perfgate's configuration: `nox -s perf` and the Action in .github/workflows/perf.yml",
        "# read it. Written by `perfgate init`.",
        "version: 1",
        f"metric: {metric}              # budgets and tables: {why}",
        "fail-on: critical",
        "",
        "# Budgets per benchmark (fnmatch patterns on the name), checked on every run. Measure",
        f"# first (`nox -s perf` prints each {metric}), then set a target about 2x today's:",
        "# budgets:",
        '#   "*test_parse_large_file":',
        "#     target: 50ms        # warning at 1.2x, critical (fails) at 1.5x the target",
        "budgets: {}",
        "",
    ]
    if calibration is not None and not use_asv:
        lines += [
            "# How fast the machine that ran `perfgate init` runs a fixed piece of Python: budgets",
            "# set there are judged at its speed on any machine, each sample scaled by that",
            "# piece's time measured beside it. Set budgets on this machine, or measure again",
            "# where you set them: `perfgate budgets calibrate --write`.",
            calibration,
            "",
        ]
    lines += [
        "# How base and head are benchmarked: each side's tree installed in its own environment.",
        "harness:",
    ]
    groups = list(project.group_requirements)
    if groups:
        lines.append("  # the benchmarks' dependency group, written out from pyproject.toml")
    if use_asv:
        lines += [
            "  type: asv",
            f"  asv-config: {project.asv_config or 'asv.conf.json'}",
            "  # one process a round, 10 samples a benchmark in it (the median needs 6)",
            f"  args: {json.dumps(list(ASV_ARGS))}",
            f"  install: {json.dumps([*trees, *groups])}",
        ]
    else:
        folders = list(project.pytest_benchmark) or ["benchmarks"]
        args = [*folders, "--benchmark-only", *BOUNDED_ARGS]
        install = [*trees, "pytest", "pytest-benchmark", *(g for g in groups if g not in (
            "pytest", "pytest-benchmark"))]  # fmt: skip
        if not project.installable:
            lines.append(
                "  # not an installable package (no pyproject.toml or setup.py): the tree is not "
                "installed;\n  # the benchmarks import its modules by name (see their conftest.py)"
            )
        lines += [
            "  type: pytest-benchmark",
            "  # 75 samples a benchmark at least (a p95 needs 72 for a bounded 95% interval);",
            "  # samples of >= 100 us and <= 0.2 s a benchmark keep a round's file small",
            f"  args: {json.dumps(args)}",
            f"  install: {json.dumps(install)}",
            "  # true: also compare each benchmark's peak memory (tracemalloc), as `NAME (peak",
            "  # memory)` rows; budgets for them take sizes such as 500MB",
            "  memory: false",
            "  # auto: the wall clock less the time spent waiting for a CPU while other processes",
            "  # ran (Linux; the wall clock elsewhere); `cpu` for CPU time, `wall` for the clock",
            "  timer: auto",
        ]
        if project.asv_config:
            lines.append(f"  # {project.asv_config} found too: `type: asv` would run that suite")
    lines += [
        "",
        "# Rounds: base and head alternate, one process each per round; the gate stops early",
        "# once every benchmark is decided, or once a slowdown that fails the check is settled.",
        "rounds:",
        "  min: 3",
        "  max: 10",
        "  time-budget: 15min",
        "",
    ]
    return "\n".join(lines)


NOXFILE_HEADER = fill("noxfile.py.txt")
NOX_SESSION = fill("nox-session.py.txt")

GITIGNORE = "# perfgate: reports, round files, environments, the history store\n.perfgate/\n"

NOX_APPEND = (
    "\n\n# `nox -s perf`, added by `perfgate init` (perfgate must be importable where nox runs:\n"
    "# `pip install nox perfgate`)\nimport perfgate.nox  # noqa: E402\n" + NOX_SESSION
)


def _workflow(action: str) -> str:
    """The pull-request workflow: one job, base and head interleaved, through the Action."""
    return fill("perf.yml", WORKFLOW_HEAD=fill("workflow-head.yml"), ACTION=action)


SETUP_PYTHON = "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0"
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
UPLOAD = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2"
DOWNLOAD = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0"


def pip_requirement(action: str) -> str:
    """``OWNER/REPO@REF`` (the Action) as a pip requirement for perfgate from that repository."""
    repository, ref = action.split("@", 1)
    return f"perfgate @ git+https://github.com/{repository}@{ref}"


def sharded_workflow(action: str, shards: int) -> str:
    """A pull-request workflow for a suite too big for one job: ``shards`` matrix jobs, each
    running base and head interleaved on its shard of the benchmarks (``perfgate run --shard
    K/N``) and uploading its rounds, then one merge job that compares all the rounds together
    (suite-wide false-alarm control), writes the job summary, posts the one comment and fails
    the check on a critical slowdown. Shard jobs get no write permission; nothing runs a
    fork's code with a writing token (a fork's pull request gets a read-only one, and the
    comment becomes a warning)."""
    return fill(
        "perf-shards.yml",
        WORKFLOW_HEAD=fill("workflow-head.yml"),
        SHARDS=str(shards),
        NUMBERS=", ".join(str(k) for k in range(1, shards + 1)),
        INSTALL=pip_requirement(action),
        CHECKOUT=CHECKOUT,
        SETUP_PYTHON=SETUP_PYTHON,
        UPLOAD=UPLOAD,
        DOWNLOAD=DOWNLOAD,
    )


def _pytest_example(package: str | None) -> str:
    """The example suite: it imports ``package``, or (a folder with no module) times a sort."""
    if package is None:
        return fill("test_benchmarks-bare.py.txt")
    return fill("test_benchmarks.py.txt", PACKAGE=package)


def _asv_config(project: Project) -> str:
    config = {
        "version": 1,
        "project": project.name,
        "repo": ".",
        "branches": [project.branch],
        "environment_type": "virtualenv",
        "build_command": ["python -m pip wheel --no-deps -w {build_cache_dir} {build_dir}"],
        "benchmark_dir": "asv_bench",
        "env_dir": ".asv/env",
        "results_dir": ".asv/results",
        "html_dir": ".asv/html",
    }
    return json.dumps(config, indent=4) + "\n"


def _asv_example(project: Project) -> str:
    return f'''\
"""asv benchmarks of {project.name} across commits (written by `perfgate init`).

`asv run` times every `time_*` method, `peakmem_*` records peak memory; replace the example
with the operations your users wait for.
"""

import importlib


class Import:
    def time_import(self):
        importlib.reload(importlib.import_module("{project.package}"))

    def peakmem_import(self):
        importlib.reload(importlib.import_module("{project.package}"))
'''


Outcome = Literal["wrote", "appended to", "overwrote", "kept"]


def apply(root: Path, files: Sequence[Planned], *, force: bool) -> list[tuple[Planned, Outcome]]:
    """Write ``files`` under ``root``; an existing file is kept unless ``force`` (or, for an
    ``append`` item, added to)."""
    done: list[tuple[Planned, Outcome]] = []
    for item in files:
        path = root / item.path
        existed = path.exists()
        if existed and item.mode == "create" and not force:
            outcome: Outcome = "kept"
        elif existed and item.mode == "append-if-forced" and not force:
            outcome = "kept"
        elif existed and item.mode != "create":
            existing = path.read_text(encoding="utf-8")
            write_text_atomic(path, existing.rstrip("\n") + "\n" + item.text)
            outcome = "appended to"
        else:
            write_text_atomic(path, item.text)
            outcome = "overwrote" if existed else "wrote"
        done.append((item, outcome))
    return done
