"""Output formats for findings: `get_reporter(name).report(findings, summary, out)`.

Every command that reports findings (check, validate, fix, merge, deploy's gate) prints them
through here, so a finding reads the same everywhere and `--format` means the same thing.

No `from __future__ import annotations`: RunSummary is a NamedTuple (see model.py).
"""

import importlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, TextIO

from stacklint.lint.ruleset import RuleSet      # a RunSummary field's type, so imported
from stacklint.model import Finding, Location, Severity

if TYPE_CHECKING:
    import argparse

    from stacklint.errors import InputError

FORMATS = ("text", "json", "sarif", "github")
FORMAT_HELP = ("how findings are printed: text (default), json (versioned, stable), "
               "sarif (code scanning) or github (workflow annotations)")


class RunSummary(NamedTuple):
    """What one run covered, for the summary line and the machine formats (a NamedTuple,
    not a dataclass: see model.py)."""

    stacks: tuple[tuple[str, tuple[str, ...]], ...] = ()    # (name, files)
    seconds: float = 0.0
    rules: RuleSet | None = None                            # for rule metadata (SARIF)
    fail_on: Severity = Severity.WARNING
    # fixes applied (or due, with --check/--diff); None for commands that do not fix
    fixed: tuple[Finding, ...] | None = None
    verb: str = "fixed"                                     # how text names an applied fix
    only_in: str | None = None        # where fixes made in memory went ("the merged output")

    @property
    def files(self) -> list[str]:
        return sorted({f for _, files in self.stacks for f in files})


class Reporter(Protocol):
    def report(self, findings: Sequence[Finding], summary: RunSummary, out: TextIO) -> None: ...


def get_reporter(name: str) -> Reporter:
    """The reporter module for a format name (imported only when used)."""
    if name not in FORMATS:
        raise KeyError(name)
    return importlib.import_module(f"stacklint.reporters.{name}")


def add_format_option(parser: "argparse.ArgumentParser", flag: str = "--format") -> None:
    parser.add_argument(flag, choices=FORMATS, default="text",
                        help=FORMAT_HELP)


def input_finding(exc: "InputError", fallback_path: str, rules: RuleSet | None = None) -> Finding:
    """A stack file Docker or stacklint rejects, as an SL003 finding at the offending line
    (a defect in the checked files, like a syntax error in a linter): exit 1, and SARIF and
    annotations show it where CI looks."""
    if rules is None:
        from stacklint.lint.config import default_config
        rules = default_config().ruleset()
    path = exc.path or fallback_path
    where = Location(path, exc.line or 1, exc.column or 1)
    hint = fix_repairs(path) or exc.hint
    message = exc.message + (f" ({hint})" if hint else "")
    return rules.finding("invalid-input", message, where)


def fix_repairs(path: str) -> str | None:
    """How `stacklint fix` repairs a file that does not parse, when it can (else None).

    Only a list item's keys that lost their indentation are repaired in a file
    that does not parse (SL711); the repair is tried here, in memory, so the
    hint is given only where `fix` would really succeed.
    """
    from stacklint.load.document import decode
    from stacklint.errors import StacklintError
    from stacklint.fix.fixes import sequence_indent
    try:
        with open(path, "rb") as handle:
            text, _ = decode(handle.read(), path)
    except (OSError, StacklintError):
        return None
    if sequence_indent.repair(text, path) is None:
        return None
    title = sequence_indent.RULE.title
    return f"run `stacklint fix {path}` to {title[0].lower()}{title[1:]}"


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Unsuppressed findings by severity name, plus `suppressed`."""
    out = {"error": 0, "warning": 0, "info": 0, "suppressed": 0}
    for f in findings:
        out["suppressed" if f.suppressed is not None else str(f.severity)] += 1
    return out


def summary_line(findings: Sequence[Finding], summary: RunSummary) -> str:
    """`2 stacks, 6 files: 1 error, 3 warnings, 2 info (1 suppressed) in 0.12s`."""
    c = counts(findings)
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"
    text = (f"{plural(len(summary.stacks), 'stack')}, {plural(len(summary.files), 'file')}: "
            f"{plural(c['error'], 'error')}, {plural(c['warning'], 'warning')}, "
            f"{plural(c['info'], 'info')}")
    if c["suppressed"]:
        text += f" ({c['suppressed']} suppressed)"
    return f"{text} in {summary.seconds:.2f}s"


def chain_name(files: Sequence[str]) -> str:
    """The name of an override chain given with -f: its first file's folder."""
    return os.path.basename(os.path.dirname(os.path.abspath(files[0]))) or "stack"


def repo_path(path: str) -> str:
    """A posix path relative to the current folder when it lies below it (CI checkouts)."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return path.replace(os.sep, "/").removeprefix("./")
