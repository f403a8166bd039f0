"""Errors that end a run with a clear message, and the exit codes."""
from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2        # unreadable input, bad usage or config
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


class InputError(StacklintError):
    """A file that cannot be read, decoded, parsed, interpolated or merged."""


class ConfigError(StacklintError):
    """A bad `.stacklint.yml`, `[tool.stacklint]` or command line."""


class RuleDefinitionError(StacklintError):
    """A rule file that does not match the rule schema."""
