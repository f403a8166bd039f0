"""JSON output, versioned and stable (sorted keys, no timings) for snapshots and tools.

One shape for every command that reports findings: `version`, `stacks`, `findings`,
`counts`, `fail_on`, and `fixed` (the fixes applied, or due with --check/--diff) from the
commands that fix. The other JSON documents (`plan`, `history`, `cluster`, `rules`) carry
the same `version` at the top (`versioned`).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from stacklint.model import Finding
from stacklint.reporters import RunSummary, counts

VERSION = 1


def versioned(document: dict[str, Any]) -> dict[str, Any]:
    """A JSON document of any command, with the output format's version at the top."""
    return {"version": VERSION, **document}


def finding_dict(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    fix = finding.fix
    return {
        "rule_id": finding.rule_id, "rule_name": finding.rule_name,
        "severity": str(finding.severity), "message": finding.message,
        "path": loc.path, "line": loc.line, "column": loc.column,
        "end_line": loc.end_line, "end_column": loc.end_column,
        "pointer": [str(p) if not isinstance(p, int) else p for p in loc.pointer],
        "fix": None if fix is None else {
            "title": fix.title, "applicability": fix.applicability.value,
            "edits": [{"path": e.path, "start": e.start, "end": e.end, "content": e.content}
                      for e in fix.edits]},
        "suppressed": finding.suppressed,
    }


def report(findings: Sequence[Finding], summary: RunSummary, out: TextIO) -> None:
    document: dict[str, Any] = {
        "version": VERSION,
        "stacks": [{"name": name, "files": list(files)} for name, files in summary.stacks],
        "findings": [finding_dict(f) for f in findings],
        "counts": counts(findings),
        "fail_on": str(summary.fail_on),
    }
    if summary.fixed is not None:
        document["fixed"] = [finding_dict(f) for f in summary.fixed]
    json.dump(document, out, indent=2, sort_keys=True, ensure_ascii=False)
    out.write("\n")
