"""Errors that end a run with a clear message, and the exit codes."""
from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2        # stacklint could not run as asked: usage, a missing or unreadable file, config
EXIT_INTERNAL = 3


class StacklintError(Exception):
    """An error the user can act on: printed as `path:line:col: error: message`."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}:{self.column or 1}"
            where += ": "
        text = f"{where}error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # keep the location across a process pool (Exception pickles only the message)
        return (type(self), (self.message, self.path, self.line, self.column, self.hint))


class InputError(StacklintError):
    """A stack file Docker or stacklint rejects: it does not decode, parse, interpolate or
    merge.  The stack has a problem, as when a rule fails, so the run exits 1."""

    exit_code = EXIT_FINDINGS


class ReadError(InputError):
    """A file that cannot be read or written at all (missing, a folder, no permission), or no
    file given: stacklint could not run as asked (exit 2), whatever the files say."""

    exit_code = EXIT_INPUT


class ConfigError(StacklintError):
    """A bad `.stacklint.yml`, `[tool.stacklint]` or command line."""


class RuleDefinitionError(StacklintError):
    """A rule file that does not match the rule schema."""
