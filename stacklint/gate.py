"""The deploy gate: safe fixes in memory, then validation and rules, then a verdict."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from stacklint.model import Finding, Severity


@dataclass
class GateOutcome:
    """What the gate decided, and the stack text to deploy when it passed."""

    fail_on: Severity
    fixed: list[Finding] = field(default_factory=list)      # applied in memory only
    findings: list[Finding] = field(default_factory=list)   # left after the fixes
    blocking: list[Finding] = field(default_factory=list)
    text: str = ""                                         # rendered stack ('' when refused)
    services: list[str] = field(default_factory=list)


def run_gate(files: Sequence[str], config_path: str | None, fail_on: str | None,
             env_files: Sequence[str] = ()) -> GateOutcome:
    """Fix in memory, check, and render the stack unless a finding blocks it."""
    from stacklint import emit, fixer, pipeline
    from stacklint.config import load_config

    config = load_config(config_path)
    level = Severity.parse(fail_on) if fail_on else config.fail_on
    documents, repaired = [], []
    for path in files:
        doc, found = fixer.read_for_fix(path)   # also repairs a list indented off by one
        documents.append(doc)
        repaired += found
    fixed_documents, from_fixer = fixer.fix_in_memory(documents)
    applied = repaired + [f for f in from_fixer if _applied(f)]
    left = [f for f in from_fixer if not _applied(f)]   # what the fixer could not do
    result = pipeline.check_stack(fixed_documents, config, env_files=list(env_files))
    live = left + [f for f in result.findings if f.suppressed is None]
    outcome = GateOutcome(level, applied, live, [f for f in live if f.severity >= level])
    if not outcome.blocking:
        outcome.text = emit.render(result.stack.model)
        outcome.services = [str(name) for name in (result.stack.model.get("services") or {})]
    return outcome


def _applied(finding: Finding) -> bool:
    return finding.fix is not None and bool(finding.fix.edits)


def format_finding(finding: Finding) -> str:
    """`path:line:col: severity [ID name] message`, the text reporter's line."""
    return (f"{finding.location}: {finding.severity} [{finding.rule_id} {finding.rule_name}] "
            f"{finding.message}")


def print_report(outcome: GateOutcome, out: TextIO) -> None:
    """The fixes applied in memory, then the findings, blocking ones marked."""
    for finding in outcome.fixed:
        title = finding.fix.title if finding.fix else finding.message
        print(f"{finding.location}: fixed in memory [{finding.rule_id} {finding.rule_name}] "
              f"{title} (the file is unchanged)", file=out)
    for finding in outcome.findings:
        print(format_finding(finding), file=out)
