"""Exception classes. The CLI turns every :class:`PerfgateError` into one line and exit code 2."""

from __future__ import annotations

from dataclasses import dataclass


class PerfgateError(Exception):
    """A problem with the user's input, config or invocation (never a bug in perfgate)."""

    exit_code = 2


class InputError(PerfgateError):
    """A result file that cannot be read: missing, empty, corrupt, of no known format, ..."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a config file, located by file, line (when known) and key path."""

    file: str
    line: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.key_path}: {self.message}"
            if self.key_path
            else (f"{where}: {self.message}")
        )


class ConfigError(PerfgateError):
    """Every problem found in a config file, reported together."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(PerfgateError):
    """Command-line arguments that do not fit together."""


class TerminatedError(KeyboardInterrupt):
    """SIGTERM, turned into an interrupt so that runs stop the way Ctrl-C stops them."""

    signal = "SIGTERM"
