"""The deploy gate: safe fixes in memory, then validation and rules, then a verdict."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from stacklint.load.document import Document
from stacklint.model import Finding, Severity

if TYPE_CHECKING:
    from stacklint.model import Stack


@dataclass
class GateOutcome:
    """What the gate decided, and the stack text to deploy when it passed."""

    fail_on: Severity
    fixed: list[Finding] = field(default_factory=list)      # applied in memory only
    findings: list[Finding] = field(default_factory=list)   # left after the fixes
    blocking: list[Finding] = field(default_factory=list)
    text: str = ""                                         # rendered stack ('' when refused)
    services: list[str] = field(default_factory=list)
    stack: Stack | None = None                             # the loaded Stack (fixed in memory)
    documents: tuple[Sequence[Document], Sequence[Document]] = ((), ())   # (users', fixed)

    def relocated(self, findings: Sequence[Finding]) -> list[Finding]:
        """Findings on the fixed text, pointed back at the lines of the user's files."""
        return relocate(findings, *self.documents)


def run_gate(files: Sequence[str], config_path: str | None, fail_on: str | None,
             env_files: Sequence[str] = ()) -> GateOutcome:
    """Fix in memory, check, and render the stack unless a finding blocks it."""
    from stacklint.emit import stackfile
    from stacklint.fix import fixer
    from stacklint.lint import pipeline
    from stacklint.lint.config import load_config

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
    moved = relocate(result.findings, documents, fixed_documents)
    live = left + [f for f in moved if f.suppressed is None]
    outcome = GateOutcome(level, applied, live, [f for f in live if f.severity >= level],
                          stack=result.stack, documents=(documents, fixed_documents))
    if not outcome.blocking:
        outcome.text = stackfile.render(result.stack.model)
        outcome.services = [str(name) for name in (result.stack.model.get("services") or {})]
    return outcome


def line_map(old: str, new: str) -> list[int]:
    """For every line of `new` (1-based; index 0 unused), the line of `old` it stands for."""
    import difflib

    a, b = old.splitlines(), new.splitlines()
    out = [0] * (len(b) + 1)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for _tag, i1, i2, j1, j2 in opcodes:
        for k in range(j2 - j1):
            # an edited or inserted line stands for the first old line of its hunk
            out[j1 + k + 1] = min(i1 + k, max(i2 - 1, i1), max(len(a) - 1, 0)) + 1
    return out


def relocate(findings: Sequence[Finding], originals: Sequence[Document],
             fixed: Sequence[Document]) -> list[Finding]:
    """Point findings on the fixed text back at the lines of the user's files."""
    maps = {}
    for before, after in zip(originals, fixed):
        old = getattr(before, "before", before).text    # a repaired file keeps its raw text
        if old != after.text:
            maps[after.path] = line_map(old, after.text)
    out = []
    for finding in findings:
        lines = maps.get(finding.location.path)
        loc = finding.location
        if lines and 0 < loc.line < len(lines):
            loc = loc._replace(line=lines[loc.line], end_line=None, end_column=None)
            finding = finding._replace(location=loc)
        out.append(finding)
    return out


def _applied(finding: Finding) -> bool:
    return finding.fix is not None and bool(finding.fix.edits)


def print_report(outcome: GateOutcome, out: TextIO, files: Sequence[str] = (),
                 format: str = "text") -> None:
    """The fixes applied in memory, then the findings left, through a reporter."""
    from stacklint.reporters import RunSummary, chain_name, get_reporter

    stacks = ((chain_name(files), tuple(files)),) if files else ()
    summary = RunSummary(stacks, fail_on=outcome.fail_on, fixed=tuple(outcome.fixed),
                         only_in="the deployed stack")
    get_reporter(format).report(outcome.findings, summary, out)
