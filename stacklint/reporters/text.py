"""Text output: `path:line:col: severity [id name] message`, plus the fix hint."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from stacklint.model import Finding, Severity
from stacklint.reporters import RunSummary

COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
RESET, DIM = "\033[0m", "\033[2m"


def format_finding(finding: Finding, colour: bool = False) -> str:
    """One finding as one line (and a `help:` line when there is a fix)."""
    severity = str(finding.severity)
    if colour:
        severity = f"{COLOURS[finding.severity]}{severity}{RESET}"
    line = (f"{finding.location}: {severity} [{finding.rule_id} {finding.rule_name}] "
            f"{finding.message}")
    if finding.fix is not None:
        hint = f"  help: {finding.fix.title}"
        line += "\n" + (f"{DIM}{hint}{RESET}" if colour else hint)
    return line


def format_fixed(finding: Finding, verb: str = "fixed", only_in: str | None = None) -> str:
    """A fix as `fix`, `merge --fix` and `deploy` all print it: one verb, the rule's tag.

    `only_in` names where a fix made in memory went ("the merged output"), so nobody
    thinks their file was changed.
    """
    line = f"{finding.location}: {verb} [{finding.rule_id} {finding.rule_name}] {finding.message}"
    return line + (f" (in {only_in} only; the file is unchanged)" if only_in else "")


def report(findings: Sequence[Finding], summary: RunSummary, out: TextIO) -> None:
    # colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)
    colour = bool(getattr(out, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")
    # one write for every fix (a 1000-service fix prints ~2500 lines: one print each cost
    # about as much as formatting them)
    verb, only_in = summary.verb, summary.only_in
    out.write("".join([format_fixed(fixed, verb, only_in) + "\n" for fixed in summary.fixed or ()]))
    for finding in findings:
        if finding.suppressed is None:
            print(format_finding(finding, colour), file=out)
