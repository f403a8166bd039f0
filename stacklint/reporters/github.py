"""GitHub Actions workflow annotations: `::error file=…,line=…,col=…,title=…::message`."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from stacklint.model import Finding, Severity
from stacklint.reporters import RunSummary, repo_path

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (actions/toolkit `escapeProperty`): also `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    loc = finding.location
    props = {"file": repo_path(loc.path), "line": str(loc.line), "col": str(loc.column)}
    if loc.end_line is not None and loc.end_column is not None:
        props.update(endLine=str(loc.end_line), endColumn=str(loc.end_column))
    props["title"] = f"{finding.rule_id} {finding.rule_name}"
    message = finding.message
    if finding.fix is not None:
        message += f"\nhelp: {finding.fix.title}"
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{LEVELS[finding.severity]} {head}::{escape_data(message)}"


def report(findings: Sequence[Finding], summary: RunSummary, out: TextIO) -> None:
    for finding in findings:
        if finding.suppressed is None:
            print(annotation(finding), file=out)
