"""Run ``action.yml``'s steps the way a GitHub runner does, locally.

Each ``run:`` step is written to a file and run with ``bash --noprofile --norc -eo pipefail``
(GitHub's ``shell: bash``), its ``env:`` evaluated, with ``GITHUB_ACTION_PATH``, a fresh
``GITHUB_OUTPUT`` file per step, and the job's ``GITHUB_*`` variables. A failed step fails the
action; later steps run only when their ``if:`` says ``always()``. Two ``uses:`` steps stand in
for GitHub's own actions: setup-python answers with this interpreter, upload-artifact records
the folder or file it was given (which must exist).

Only the expression forms action.yml uses are understood (``inputs.X``, ``steps.ID.outputs.X``,
``github.token``, ``always()``, ``&&``, ``!= ''``, ``inputs.X == 'value'``); anything else
raises, so the harness cannot silently run a step differently from GitHub.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class Result:
    returncode: int  # of the first failed step, else 0
    outputs: dict[str, str]  # the action's outputs
    log: str
    uploads: list[tuple[str, Path]] = field(default_factory=list)
    steps: dict[str, dict[str, str]] = field(default_factory=dict)


class ActionRunner:
    def __init__(self, action: Path = ROOT / "action.yml") -> None:
        self.path = action
        self.spec: dict[str, Any] = yaml.safe_load(action.read_text(encoding="utf-8"))
        self.reuse: dict[str, dict[str, str]] = {}  # step id -> outputs kept from an earlier run

    def run(
        self, inputs: dict[str, str], env: dict[str, str], workspace: Path, token: str = ""
    ) -> Result:
        """Run the steps; ``token`` is what ``${{ github.token }}`` gives (never a variable)."""
        declared = self.spec["inputs"]
        unknown = set(inputs) - set(declared)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        values.update(inputs)
        values = {k: v.replace("${{ github.token }}", token) for k, v in values.items()}
        steps_out: dict[str, dict[str, str]] = {}
        log: list[str] = []
        failed = 0
        uploads: list[tuple[str, Path]] = []
        temp = Path(env["RUNNER_TEMP"])
        for index, step in enumerate(self.spec["runs"]["steps"]):
            step_id = step.get("id", f"step{index}")
            context = {"inputs": values, "steps": steps_out, "token": token}
            if not self._should_run(step.get("if"), failed, context):
                continue
            if step_id in self.reuse:
                steps_out[step_id] = self.reuse[step_id]
                continue
            if "uses" in step:
                with_ = {k: _evaluate(str(v), context) for k, v in step.get("with", {}).items()}
                steps_out[step_id] = self._uses(step["uses"], with_, uploads)
                continue
            output_file = temp / f"output-{step_id}"
            output_file.write_text("")
            script = temp / f"step-{step_id}.sh"
            script.write_text(step["run"], encoding="utf-8")
            step_env = {k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()}
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace,
                env={
                    **env,
                    **step_env,
                    "GITHUB_ACTION_PATH": str(self.path.parent),
                    "GITHUB_OUTPUT": str(output_file),
                },
                capture_output=True,
                text=True,
                check=False,
            )
            log.append(f"--- {step_id} (exit {done.returncode})\n{done.stdout}{done.stderr}")
            steps_out[step_id] = parse_outputs(output_file.read_text(encoding="utf-8"))
            if done.returncode and not failed:
                failed = done.returncode
            elif step_id == "install":  # installed once per runner, like a cached tool
                self.reuse[step_id] = steps_out[step_id]
        context = {"inputs": values, "steps": steps_out, "token": token}
        outputs = {
            name: _evaluate(str(spec["value"]), context)
            for name, spec in self.spec.get("outputs", {}).items()
        }
        return Result(
            returncode=failed,
            outputs=outputs,
            log="\n".join(log),
            uploads=uploads,
            steps=steps_out,
        )

    def _should_run(self, condition: str | None, failed: int, context: dict[str, Any]) -> bool:
        if condition is None:
            return not failed  # success() is the default
        terms = [t.strip() for t in str(condition).split("&&")]
        always = "always()" in terms
        ok = always or not failed
        for term in terms:
            if term == "always()":
                continue
            match = re.fullmatch(r"(steps\.[\w-]+\.outputs\.[\w-]+)\s*!=\s*''", term)
            equal = re.fullmatch(r"(inputs\.[\w-]+)\s*==\s*'(\w*)'", term)
            if match:
                ok = ok and _lookup(match.group(1), context) != ""
            elif equal:
                ok = ok and _lookup(equal.group(1), context) == equal.group(2)
            else:
                raise AssertionError(f"the harness does not understand the condition {term!r}")
        return ok

    @staticmethod
    def _uses(uses: str, with_: dict[str, str], uploads: list[tuple[str, Path]]) -> dict[str, str]:
        name, _, ref = uses.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{uses} is not pinned to a commit"
        if name == "actions/setup-python":
            return {"python-path": sys.executable, "python-version": sys.version.split()[0]}
        if name == "actions/upload-artifact":
            path = Path(with_["path"])
            assert path.exists(), f"upload-artifact of a missing path {path}"
            uploads.append((with_["name"], path))
            return {}
        raise AssertionError(f"the harness has no stand-in for {uses}")


def _lookup(path: str, context: dict[str, Any]) -> str:
    parts = path.split(".")
    if parts[0] == "inputs" and len(parts) == 2:
        return str(context["inputs"][parts[1]])
    if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
        return str(context["steps"].get(parts[1], {}).get(parts[3], ""))
    if path == "github.token":
        return str(context["token"])
    raise AssertionError(f"the harness does not understand ${{{{ {path} }}}}")


def _evaluate(text: str, context: dict[str, Any]) -> str:
    return _EXPR.sub(lambda m: _lookup(m.group(1), context), text)


def parse_outputs(text: str) -> dict[str, str]:
    """A GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIM`` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            collected = []
            for inner in lines:
                if inner == delimiter:
                    break
                collected.append(inner)
            values[name] = "\n".join(collected)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def job_env(root: Path, api_url: str, event: dict[str, Any]) -> dict[str, str]:
    """The variables a runner gives a job, with its files under ``root``."""
    import json  # noqa: PLC0415

    (root / "temp").mkdir(parents=True, exist_ok=True)
    event_path = root / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    summary = root / "summary.md"
    summary.touch()
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "octo/proj",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(root / "temp"),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
    }
