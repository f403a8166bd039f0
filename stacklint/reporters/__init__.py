"""Output formats for findings: `REPORTERS[name].report(findings, summary, out)`."""
from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from stacklint.model import Finding, Severity

FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class RunSummary:
    """What one run covered, for the summary line and the machine formats."""

    stacks: tuple[tuple[str, tuple[str, ...]], ...] = ()    # (name, files)
    seconds: float = 0.0
    rules: Any = None                                       # the RuleSet, for rule metadata
    fail_on: Severity = Severity.WARNING
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return sorted({f for _, files in self.stacks for f in files})


class Reporter(Protocol):
    def report(self, findings: Sequence[Finding], summary: RunSummary, out: TextIO) -> None: ...


def get_reporter(name: str) -> Reporter:
    """The reporter module for a format name (imported only when used)."""
    if name not in FORMATS:
        raise KeyError(name)
    return importlib.import_module(f"stacklint.reporters.{name}")  # type: ignore[return-value]


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


def repo_path(path: str) -> str:
    """A posix path relative to the current folder when it lies below it (CI checkouts)."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return path.replace(os.sep, "/").removeprefix("./")
