"""The Action's inputs, validated by perfgate (GitHub does not enforce ``required`` or types).

``action.yml`` hands every input to ``perfgate github action`` through an environment variable
``PERFGATE_INPUT_<NAME>`` (never through ``${{ }}`` inside a script). All problems are reported
together, one line each.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from perfgate import units
from perfgate.config import parse_fail_on
from perfgate.errors import UsageError
from perfgate.github.api import token_problem
from perfgate.github.comment import COMMENT_KEY
from perfgate.options import FAIL_ON, OPTIONS, FailOn


@dataclass(frozen=True, kw_only=True)
class ActionInputs:
    config: Path | None
    base: str | None
    rounds: int | None
    time_budget: str | None
    fail_on: FailOn | None
    comment: bool
    comment_key: str
    token: str
    working_directory: Path
    harness_args: tuple[str, ...]
    asv_url: str | None


def _get(env: Mapping[str, str], name: str) -> str:
    """The input ``name`` as action.yml hands it over (see Option.env_var)."""
    known = {o.action_input: o.env_var for o in OPTIONS.values() if o.env_var is not None}
    return env.get(known[name], "").strip()  # every input is in the table (a test checks)


def parse_inputs(env: Mapping[str, str]) -> ActionInputs:
    problems: list[str] = []

    def bad(name: str, message: str) -> None:
        problems.append(f"input `{name}`: {message}")

    rounds = _rounds(_get(env, "rounds"), bad)
    time_budget = _get(env, "time-budget") or None
    if time_budget is not None and not _is_duration(time_budget):
        bad("time-budget", f"{time_budget!r} is not a duration like 10min")
    fail_on_text = _get(env, "fail-on") or None
    fail_on: FailOn | None = None
    if fail_on_text is not None:
        try:
            fail_on = parse_fail_on(fail_on_text)
        except UsageError:
            bad("fail-on", f"{fail_on_text!r} is not one of {', '.join(FAIL_ON)}")
    comment_text = (_get(env, "comment") or "true").lower()
    if comment_text not in ("true", "false"):
        bad("comment", f"{comment_text!r} is not true or false")
    key = _get(env, "comment-key") or "perfgate"
    if not COMMENT_KEY.match(key):
        bad("comment-key", "use up to 64 letters, digits, '-', '_' or '.'")
    workdir = Path(_get(env, "working-directory") or ".")
    if not workdir.is_dir():
        bad("working-directory", f"{workdir} is not a directory")
    config = _get(env, "config") or None
    if config is not None and not (workdir / config).is_file():
        bad("config", f"{config} is not a file in {workdir}")
    try:
        harness_args = tuple(shlex.split(_get(env, "harness-args")))
    except ValueError as exc:
        bad("harness-args", f"cannot be split like a shell command line: {exc}")
        harness_args = ()
    asv_url = _get(env, "asv-url") or None
    if asv_url is not None and not asv_url.startswith(("https://", "http://")):
        bad("asv-url", f"{asv_url!r} is not an http(s) URL")
    token = _get(env, "github-token")
    if comment_text == "true" and not token:
        bad("github-token", "empty, and comment is true (pass github-token or comment: false)")
    elif token and (problem := token_problem(token)) is not None:
        bad("github-token", problem)
    if problems:
        raise UsageError("\n".join(problems))
    return ActionInputs(
        config=None if config is None else Path(config),
        base=_get(env, "base") or None,
        rounds=rounds,
        time_budget=time_budget,
        fail_on=fail_on,
        comment=comment_text == "true",
        comment_key=key,
        token=token,
        working_directory=workdir,
        harness_args=harness_args,
        asv_url=asv_url,
    )


def _rounds(text: str, bad: Callable[[str, str], None]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        bad("rounds", f"{text!r} is not a whole number of rounds, 1 or more")
        return None
    return int(text)


def _is_duration(text: str) -> bool:
    try:
        units.parse_duration(text)
    except units.UnitError:
        return False
    return True
