"""`perfgate init` on scratch projects, `--base auto`'s choice of base, and the end-to-end flow
a newcomer follows: `perfgate init`, then `nox -s perf` on main, then on a slower branch."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from perfgate import scaffold
from perfgate.commands.init import init_command
from perfgate.config import load_config
from perfgate.harness.git import auto_base
from tests.harnesses import git
from tests.helpers import PACKAGE, run_cli

SUITE = """
import slowpkg


def test_work(benchmark):
    benchmark(slowpkg.work, 50000)  # a 5 ms sleep: head's 10x shows under any load
"""


def small_project(root: Path, *, suite: bool = True) -> Path:
    """A src-layout package with a `test` extra (and a pytest-benchmark suite), committed on
    main."""
    (root / "src" / "slowpkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        '\n[project]\nname = "slowpkg"\nversion = "0.1"\n'
        '[project.optional-dependencies]\ntest = ["pytest"]\n'
    )
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=1.0))
    if suite:
        (root / "benchmarks").mkdir()
        (root / "benchmarks" / "test_bench.py").write_text(SUITE)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def test_init_writes_a_working_setup_and_never_overwrites(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    done = run_cli("init", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "pytest-benchmark tests in benchmarks/" in done.stdout
    for name in ("perfgate.yml", "noxfile.py", ".github/workflows/perf.yml", ".gitignore"):
        assert f"wrote {name}" in done.stdout
    config = load_config(root / "perfgate.yml")
    assert config.harness.type == "pytest-benchmark"
    assert config.harness.args[0] == "benchmarks"
    assert config.harness.install[0] == "{tree}"  # the suite imports nothing the extra adds
    assert "install: the project alone" in done.stdout
    # this machine's calibration reference, for the budgets the user sets here; with no
    # budgets yet, nothing is timed beside a calibration
    assert config.calibration is not None
    assert 1e-5 < config.calibration < 0.1
    assert not config.harness.calibrated
    assert "def perf(session" in (root / "noxfile.py").read_text()
    assert not (root / "benchmarks" / "test_benchmarks.py").exists()  # it has a suite
    workflow = yaml.safe_load((root / ".github/workflows/perf.yml").read_text())
    steps = workflow["jobs"]["perf"]["steps"]
    assert steps[-1]["uses"].startswith("perfgate/perfgate@v")

    # run again: everything is kept, the user's edits survive, .gitignore gains no duplicate
    (root / "perfgate.yml").write_text("version: 1\n# mine\n")
    again = run_cli("init", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "kept perfgate.yml (it exists; --force overwrites it)" in again.stdout
    assert "kept noxfile.py: it has a `perf` session already" in again.stdout
    assert "nothing written: every file was there already" in again.stdout
    assert "next: commit" not in again.stdout  # there is nothing to commit
    assert (root / "perfgate.yml").read_text() == "version: 1\n# mine\n"
    assert (root / ".gitignore").read_text().count(".perfgate/") == 1

    forced = run_cli("init", "--force", "--action", "me/perfgate@0123abc", cwd=root)
    assert "overwrote perfgate.yml" in forced.stdout
    assert "me/perfgate@0123abc" in (root / ".github/workflows/perf.yml").read_text()


def test_an_existing_noxfile_gets_the_session_only_with_force(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    mine = 'import nox\n\n\n@nox.session\ndef tests(session):\n    session.run("pytest")\n'
    (root / "noxfile.py").write_text(mine)
    done = run_cli("init", cwd=root)
    assert "kept noxfile.py: add these lines to it" in done.stdout
    assert "perfgate.nox.perf(session)" in done.stdout  # the lines, shown
    assert (root / "noxfile.py").read_text() == mine
    forced = run_cli("init", "--force", cwd=root)
    assert "appended to noxfile.py" in forced.stdout
    text = (root / "noxfile.py").read_text()
    assert text.startswith(mine)
    assert "def perf(session" in text
    compile(text, "noxfile.py", "exec")  # still Python


def test_asv_projects_and_the_asv_option(tmp_path: Path) -> None:
    # an asv suite alone: the harness is asv
    root = small_project(tmp_path / "asvproj", suite=False)
    (root / "asv.conf.json").write_text('{"version": 1, "project": "slowpkg"}')
    done = run_cli("init", cwd=root)
    assert "asv (asv.conf.json)" in done.stdout
    config = load_config(root / "perfgate.yml")
    assert config.harness.type == "asv"
    assert config.metric == "p50"  # asv's ~10 samples a benchmark: no p95 ("few samples")
    assert config.calibration is None  # asv times itself: nothing to scale
    assert not (root / "asv_bench").exists()

    # no suite at all: an example pytest-benchmark file
    plain = small_project(tmp_path / "plain", suite=False)
    done = run_cli("init", cwd=plain)
    assert "no benchmark suite (an example is written)" in done.stdout
    example = (plain / "benchmarks" / "test_benchmarks.py").read_text()
    assert 'import_module("slowpkg")' in example
    assert load_config(plain / "perfgate.yml").harness.type == "pytest-benchmark"

    # and with --asv an asv setup, which is the harness then
    bare = small_project(tmp_path / "bare", suite=False)
    done = run_cli("init", "--asv", cwd=bare)
    assert not (bare / "benchmarks").exists()
    config = load_config(bare / "perfgate.yml")
    assert (config.harness.type, config.metric) == ("asv", "p50")
    assert config.harness.args == ("--attribute", "processes=1", "--attribute", "repeat=10")
    conf = json.loads((bare / "asv.conf.json").read_text())
    assert conf["branches"] == ["main"]
    assert conf["benchmark_dir"] == "asv_bench"
    assert (bare / "asv_bench" / "bench_slowpkg.py").is_file()

    # beside a pytest-benchmark suite --asv writes the asv setup and says why it is not run
    both = small_project(tmp_path / "both")
    done = run_cli("init", "--asv", cwd=both)
    assert "--asv: the harness stays pytest-benchmark" in done.stdout
    assert load_config(both / "perfgate.yml").harness.type == "pytest-benchmark"
    assert (both / "asv.conf.json").is_file()


def test_scaffolded_workflow_passes_githubs_schema(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    assert run_cli("init", cwd=root).returncode == 0
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows",
         str(root / ".github/workflows/perf.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dir", "nowhere"], "perfgate: error: --dir nowhere: no such directory\n"),
        *(
            (["--action", action], f"perfgate: error: --action {action!r}: expected OWNER/REPO@REF "
             "(letters, digits, '-', '_', '.'; a REF of those and '/'), e.g. "
             "perfgate/perfgate@<commit sha>\n")
            for action in ("latest", 'me/p@v1"\n  run: curl evil', "me/p@${{ github.token }}",
                           "me/p@v1 #", "me/p@-x")
        ),
    ],
)  # fmt: skip
def test_init_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_cli("init", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == message


def test_auto_base(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    base, why = auto_base(root)
    assert base is None
    assert "the tree is clean" in why
    # uncommitted changes on main: compare HEAD with the working tree
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=2.0))
    head = git(root, "rev-parse", "HEAD")
    assert auto_base(root)[0] == head
    git(root, "checkout", "-q", "--", ".")
    # a branch: the merge-base with main, even after main moved on
    git(root, "checkout", "-qb", "feature")
    (root / "NOTES").write_text("x")
    git(root, "add", "NOTES")
    git(root, "commit", "-qm", "feature")
    git(root, "checkout", "-q", "main")
    (root / "OTHER").write_text("y")
    git(root, "add", "OTHER")
    git(root, "commit", "-qm", "main moves")
    git(root, "checkout", "-q", "feature")
    assert auto_base(root) == (head, "the merge-base of HEAD and main")
    # a clone: origin/HEAD names the default branch (the one the source has checked out)
    git(root, "checkout", "-q", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "feature", str(root), str(clone))
    assert auto_base(clone) == (head, "the merge-base of HEAD and origin/main")
    # main in a clone, ahead of origin/main by a commit not pushed yet (init's own): head
    # alone, as init promises (it compared with origin/main and built two environments)
    git(clone, "checkout", "-q", "main")
    (clone / "perfgate.yml").write_text("version: 1\n")
    git(clone, "add", "perfgate.yml")
    git(clone, "commit", "-qm", "perfgate init")
    base, why = auto_base(clone)
    assert base is None
    assert why.startswith("HEAD is main and the tree is clean")
    (clone / "perfgate.yml").write_text("version: 1\nmetric: p95\n")  # dirty: compare
    assert auto_base(clone)[0] == git(clone, "rev-parse", "origin/main")
    # no default branch to compare with
    lone = tmp_path / "lone"
    lone.mkdir()
    git(lone, "init", "-q", "-b", "trunk")
    git(lone, "commit", "-q", "--allow-empty", "-m", "first")
    assert auto_base(lone)[0] is None


# A realistic suite: microsecond benchmarks at pytest-benchmark's default settings (1 s and
# ~100,000 samples each unless perfgate bounds them), one importing a package that only the
# `bench` dependency group (PEP 735) lists, and the sleep-based one a branch slows down
REALISTIC_SUITE = (
    SUITE
    + """
import tomli_w


def test_dumps(benchmark):
    benchmark(tomli_w.dumps, {"a": 1})


def test_add(benchmark):
    benchmark(int.__add__, 1, 2)
"""
)


@pytest.mark.slow
def test_init_then_nox_perf_on_main_then_on_a_slower_branch(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    (root / "benchmarks" / "test_bench.py").write_text(REALISTIC_SUITE)
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[dependency-groups]\nbench = ["tomli-w"]\n')
    git(root, "commit", "-qam", "a suite that needs the bench group")
    assert run_cli("init", cwd=root).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "perfgate init")
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("VIRTUAL_ENV", None)  # an outer nox session's; the inner one makes its own
    nox = [sys.executable, "-m", "nox", "-s", "perf"]

    # main, clean: head alone, checked against budgets, stored in the history
    first = subprocess.run(nox, cwd=root, env=env, capture_output=True, text=True, check=False)
    log = first.stdout + first.stderr
    assert first.returncode == 0, log
    assert "nothing to compare" in log
    assert "head: building environment env-" in log  # progress while the environment builds
    assert "p95" in log
    assert "test_work" in log
    assert "test_dumps" in log  # its import came from the dependency group
    assert "imported 1 run(s)" in log
    assert (root / ".perfgate" / "history.sqlite").is_file()
    report = json.loads((root / ".perfgate" / "report.json").read_text())
    assert report["verdict"] == "pass"
    samples = {b["name"].rsplit("::", 1)[-1]: b["head"]["n"] for b in report["benchmarks"]}
    assert 75 <= samples["test_add"] <= 5_000  # bounded: not pytest-benchmark's ~100,000
    [env_folder] = (root / ".perfgate" / "envs").iterdir()
    assert not (root / "build").exists()  # installing head from the tree left nothing there
    assert not list(root.glob("src/*.egg-info"))

    # a branch that makes `work` ten times as slow: compared with main, and it fails
    git(root, "checkout", "-qb", "slower")
    (root / "src" / "slowpkg" / "__init__.py").write_text(PACKAGE.format(factor=10.0))
    git(root, "commit", "-qam", "ten times the work")
    second = subprocess.run(
        [*nox, "--", "--rounds", "5"], cwd=root, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    log = second.stdout + second.stderr
    assert second.returncode == 1, log
    assert "the merge-base of HEAD and main" in log
    assert f"base: environment {env_folder.name} reused" in log  # main's, built by run 1
    assert not list((root / ".perfgate" / "worktrees").glob("*"))  # base's tree is gone
    assert "Reusing existing virtual environment" in log  # nox's perf session, not rebuilt
    assert "5 interleaved rounds per side" in log
    report = json.loads((root / ".perfgate" / "report.json").read_text())
    assert report["verdict"] == "fail"
    (bench,) = [b for b in report["benchmarks"] if b["name"].endswith("test_work")]
    assert bench["severity"] == "critical"
    assert "CRITICAL" in (root / ".perfgate" / "report.md").read_text()


def test_init_installs_the_benchmarks_dependency_group_and_bounds_the_harness(
    tmp_path: Path,
) -> None:
    """A suite importing a package listed only in `[dependency-groups]` (PEP 735): init writes
    the group's requirements into the install list, and harness arguments that bound a
    microsecond benchmark's samples."""
    root = small_project(tmp_path / "proj")
    (root / "benchmarks" / "test_bench.py").write_text(REALISTIC_SUITE)  # imports tomli_w
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write(
            '\n[dependency-groups]\nlint = ["ruff"]\n'
            'bench = ["pytest-benchmark>=4", "tomli-w", {include-group = "lint"}]\n'
        )
    done = run_cli("init", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "install: the benchmarks import tomli_w (group bench)" in done.stdout
    config = load_config(root / "perfgate.yml")
    assert config.harness.install == (
        "{tree}", "pytest", "pytest-benchmark", "pytest-benchmark>=4", "tomli-w", "ruff",
    )  # fmt: skip
    assert "--benchmark-max-time=0.2" in config.harness.args
    # the first run after init should be head alone: init says to commit first
    assert "next: commit what init wrote" in done.stdout
    assert "--benchmark-min-time=0.0001" in config.harness.args


def test_init_shards_writes_a_matrix_and_one_commenting_merge_job(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    done = run_cli("init", "--shards", "4", "--action", "me/perfgate@0123abc", cwd=root)
    assert done.returncode == 0, done.stderr
    workflow = root / ".github" / "workflows" / "perf.yml"
    bindir = Path(sys.executable).parent
    schema = subprocess.run(
        [str(bindir / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         str(workflow)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr
    assert _pedantic_findings(workflow) == []
    document = yaml.safe_load(workflow.read_text())
    shard, merge = document["jobs"]["shard"], document["jobs"]["merge"]
    assert shard["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert shard["permissions"] == {"contents": "read"}  # shard jobs never comment
    assert merge["needs"] == "shard"
    assert merge["permissions"]["pull-requests"] == "write"
    shard_script = "\n".join(step.get("run", "") for step in shard["steps"])
    merge_script = "\n".join(step.get("run", "") for step in merge["steps"])
    assert '--shard "$SHARD/4"' in shard_script
    assert '"$perfgate" merge shards/*/' in merge_script
    assert '"$perfgate" github comment' in merge_script
    # the job that can comment runs nothing of the pull request's tree: perfgate is installed
    # into its own environment, from outside the checkout, and run from there
    install = next(step for step in merge["steps"] if "pip install" in step.get("run", ""))
    assert install["working-directory"] == "${{ runner.temp }}"
    assert "python -m pip" not in merge_script
    assert "-I -m pip install" in install["run"]
    assert "github comment" not in shard_script
    assert "perfgate @ git+https://github.com/me/perfgate@0123abc" in shard_script
    for step in (*shard["steps"], *merge["steps"]):
        assert "${{" not in step.get("run", "")  # expressions reach scripts through env only


def _pedantic_findings(workflow: Path) -> list[str]:
    audit = subprocess.run(
        [str(Path(sys.executable).parent / "zizmor"), "--offline", "--persona", "pedantic",
         "--format", "json", str(workflow)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert audit.stdout.strip().startswith("["), audit.stdout + audit.stderr
    return [str(f["ident"]) for f in json.loads(audit.stdout)]


# what pip writes (PEP 610) for `pip install git+https://github.com/perfgate/perfgate@v0.1.0`
GIT_INSTALL = json.dumps({
    "url": "https://github.com/perfgate/perfgate.git",
    "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0", "commit_id": "a" * 40},
})  # fmt: skip


@pytest.mark.parametrize(
    ("record", "pinned"),
    [
        (GIT_INSTALL, "perfgate/perfgate@" + "a" * 40),
        (GIT_INSTALL.replace("https://", "git+https://"), "perfgate/perfgate@" + "a" * 40),
        (GIT_INSTALL.replace("github.com", "gitlab.com"), None),  # not an Action's home
        (GIT_INSTALL.replace("a" * 40, "main"), None),  # a branch is not a pin
        ('{"url": "file:///src/perfgate", "dir_info": {"editable": true}}', None),
        ("not json", None),
        (None, None),
    ],
)
def test_the_action_is_pinned_to_the_commit_perfgate_came_from(
    record: str | None, pinned: str | None
) -> None:
    assert scaffold.pinned_action(record) == pinned


def test_default_workflow_pinned_to_the_installed_commit_is_clean_under_pedantic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed from a git commit, init pins the Action to it and the workflow passes
    zizmor --pedantic; not knowing the commit, it writes the tag and says so."""
    monkeypatch.setattr(scaffold, "default_action", lambda: scaffold.pinned_action(GIT_INSTALL))
    root = small_project(tmp_path / "pinned")
    out = io.StringIO()
    assert init_command(root, asv=False, force=False, action=None, stdout=out) == 0
    workflow = root / ".github" / "workflows" / "perf.yml"
    assert f"uses: perfgate/perfgate@{'a' * 40}" in workflow.read_text()
    assert _pedantic_findings(workflow) == []
    assert "a tag" not in out.getvalue()

    monkeypatch.setattr(scaffold, "default_action", lambda: None)
    root = small_project(tmp_path / "tagged")
    out = io.StringIO()
    assert init_command(root, asv=False, force=False, action=None, stdout=out) == 0
    workflow = root / ".github" / "workflows" / "perf.yml"
    assert f"uses: {scaffold.ACTION}" in workflow.read_text()
    assert "unpinned-uses" in _pedantic_findings(workflow)
    assert f"note: the workflow uses {scaffold.ACTION}, a tag" in out.getvalue()


def test_init_shards_out_of_range_is_one_line(tmp_path: Path) -> None:
    root = small_project(tmp_path / "proj")
    done = run_cli("init", "--shards", "0", cwd=root)
    assert done.returncode == 2
    assert done.stderr == "perfgate: error: --shards 0: expected 1 to 256\n"


def _local_distribution(folder: Path, name: str) -> str:
    """A one-module distribution on disk; returns its PEP 508 requirement (``name @ file``)."""
    (folder / name).mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"'
        f'\n[project]\nname = "{name}"\nversion = "1.0"\n'
    )
    (folder / name / "__init__.py").write_text("def encode(value):\n    return repr(value)\n")
    return f"{name} @ {folder.as_uri()}"


@pytest.mark.slow
def test_init_installs_exactly_the_extras_the_suite_imports(tmp_path: Path) -> None:
    """A suite importing two packages that two extras provide (as msgspec and orjson came
    from extras of those names), beside a `bench` group of tools it never imports: init
    installs exactly the two extras, says why, and head's environment runs the suite."""
    fastenc = _local_distribution(tmp_path / "deps" / "fastenc", "fastenc")
    slimjson = _local_distribution(tmp_path / "deps" / "slimjson", "slimjson")
    root = small_project(tmp_path / "proj")
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write(
            f'fast = ["{fastenc}"]\njson = ["{slimjson}"]\ndocs = ["sphinx"]\n'
            '\n[dependency-groups]\nbench = ["pyperf", "asv"]\n'
        )
    (root / "benchmarks" / "test_bench.py").write_text(
        "import fastenc\nimport pytest\nfrom slimjson import encode\n\nimport slowpkg\n"
        "from helpers import VALUE\n\n\n"
        "def test_fast(benchmark):\n    benchmark(fastenc.encode, VALUE)\n\n\n"
        "def test_slim(benchmark):\n    benchmark(encode, VALUE)\n\n\n"
        "def test_optional_backend():\n    pytest.importorskip('quickjson')\n"
        "    import quickjson  # noqa: F401 - nothing provides it: init names it\n"
    )
    (root / "benchmarks" / "helpers.py").write_text("VALUE = {'a': 1}\n")
    (root / "benchmarks" / "conftest.py").write_text(  # its folder importable: helpers
        "import sys\nfrom pathlib import Path\n\nimport slowpkg  # noqa: F401\n\n"
        "sys.path.insert(0, str(Path(__file__).parent))\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a suite that needs two extras")
    done = run_cli("init", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "install: the benchmarks import fastenc (extra fast), slimjson (extra json)" in (
        done.stdout
    )
    config = load_config(root / "perfgate.yml")
    assert "warning: the benchmarks import 'quickjson'" in done.stdout
    assert config.harness.install == ("{tree}[fast,json]", "pytest", "pytest-benchmark")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "perfgate init")
    # head in an environment of its own, built from that install list (the tree is base's:
    # nothing to compare, head alone for its budgets)
    ran = run_cli("run", "--base", "HEAD", "--format", "json", cwd=root)
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    names = sorted(b["name"].rsplit("::", 1)[-1] for b in report["benchmarks"])
    assert names == ["test_fast", "test_slim"]


@pytest.mark.slow
@pytest.mark.parametrize("module", [True, False])
def test_init_on_a_bare_folder_writes_a_config_whose_first_run_passes(
    tmp_path: Path, module: bool
) -> None:
    """A folder with no pyproject.toml or setup.py: pip cannot install it, so init installs
    no `{tree}`, and the suite imports the folder's modules through a conftest.py init writes
    (perfgate's importlib mode puts no folder on sys.path); with no suite, the example imports
    a module that exists, or none."""
    root = tmp_path / "bare"
    root.mkdir()
    if module:
        (root / "mylib.py").write_text("def work(n):\n    return sum(range(n))\n")
        (root / "benchmarks").mkdir()
        (root / "benchmarks" / "test_x.py").write_text(
            "from mylib import work\n\n\ndef test_work(benchmark):\n    benchmark(work, 1000)\n"
        )
    else:
        (root / "README").write_text("notes\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "bare")
    done = run_cli("init", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "this folder has no pyproject.toml or setup.py" in done.stdout
    config = load_config(root / "perfgate.yml")
    assert config.harness.install == ("pytest", "pytest-benchmark")
    assert (root / "benchmarks" / "conftest.py").is_file()
    if not module:
        code = (root / "benchmarks" / "test_benchmarks.py").read_text().split('"""')[2]
        assert "import" not in code  # nothing of the folder's to import: a sort is timed
    git(root, "add", "-A")
    git(root, "commit", "-qm", "perfgate init")
    ran = run_cli("run", "--format", "json", cwd=root)  # a clean main: head alone
    assert ran.returncode == 0, ran.stderr
    names = [b["name"].rsplit("::", 1)[-1] for b in json.loads(ran.stdout)["benchmarks"]]
    assert names == (["test_work"] if module else ["test_sort"])


@pytest.mark.slow
def test_init_asv_runs_asv_with_enough_samples_for_its_median(tmp_path: Path) -> None:
    """`init --asv` on a project without a suite: asv is the harness, and a round of the
    example suite gives each timing benchmark enough samples for a bounded p50 (asv's own
    default gave 5: `[-inf, +inf]`, "p50 needs >= 6, has 5")."""
    root = small_project(tmp_path / "proj", suite=False)
    done = run_cli("init", "--asv", cwd=root)
    assert done.returncode == 0, done.stderr
    git(root, "add", "-A")
    git(root, "commit", "-qm", "perfgate init --asv")
    # one round a side, each side in an environment built from init's install list; then the
    # head round alone, as `check` judges it (the metric init wrote: p50)
    home, out = {"HOME": str(tmp_path)}, tmp_path / "rounds"
    ran = run_cli("run", "--base", "HEAD", "--rounds", "1", "--rounds-dir", out, cwd=root, env=home)
    # an A/A of one round a side: under load its verdict may be anything; the round is the point
    assert ran.returncode in (0, 1), ran.stderr
    (head_round,) = (out / "head").glob("round-*.json")
    checked = run_cli("check", head_round, "--format", "json", cwd=root, env=home)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    (timed,) = [b for b in report["benchmarks"] if b["unit"] == "s"]
    head = timed["head"]
    assert head["metric_used"] == "p50"
    assert head["n"] >= 10
    assert not head["few_samples"]
    assert all(math.isfinite(end) for end in head["ci"])
