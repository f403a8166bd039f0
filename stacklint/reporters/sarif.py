"""SARIF 2.1.0 output, shaped the way GitHub code scanning reads it."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, TextIO

from stacklint import __version__
from stacklint.model import Finding, Severity
from stacklint.reporters import RunSummary, repo_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
INFO_URI = "https://github.com/stacklint/stacklint"


def _uri(path: str) -> str:
    """A relative posix URI (code scanning resolves it against the repository root)."""
    return PurePosixPath(repo_path(path)).as_posix()


def rule_descriptor(rule: Any) -> dict[str, Any]:
    """`tool.driver.rules[]` entry from a rule file."""
    from stacklint.reporters.ruledoc import render_markdown
    docs = rule.docs
    descriptor = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(str(docs.get("why", rule.summary)).split())},
        "help": {"text": " ".join(str(docs.get("what", "")).split()),
                 "markdown": render_markdown(rule)},
        "helpUri": f"{INFO_URI}/blob/main/rules/{PurePosixPath(rule.source.replace(chr(92), '/')).name}",
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": list(rule.groups), "kebab-name": rule.name},
    }
    if "security" in rule.groups:         # code scanning ranks security alerts by this
        descriptor["properties"]["security-severity"] = SECURITY_SEVERITY[rule.severity]
    if not rule.builtin:                  # a user's rule has no page in stacklint's repository
        del descriptor["helpUri"]
    return descriptor


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    loc = finding.location
    region: dict[str, Any] = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    if loc.end_line is not None and loc.end_column is not None:
        region.update(endLine=loc.end_line, endColumn=loc.end_column)
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(loc.path)}, "region": region}}],
        "partialFingerprints": {
            "stacklint/v1": f"{finding.rule_id}:{_uri(loc.path)}:{'/'.join(map(str, loc.pointer))}"},
    }
    if finding.rule_id in index:
        result["ruleIndex"] = index[finding.rule_id]
    if finding.fix is not None and finding.fix.edits:
        result["fixes"] = [_fix(finding)]
    if finding.suppressed is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed}]
    return result


def _fix(finding: Finding) -> dict[str, Any]:
    assert finding.fix is not None
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in finding.fix.edits:
        changes.setdefault(edit.path, []).append({
            "deletedRegion": {"charOffset": edit.start, "charLength": edit.end - edit.start},
            "insertedContent": {"text": edit.content}})
    return {"description": {"text": finding.fix.title},
            "artifactChanges": [{"artifactLocation": {"uri": _uri(p)}, "replacements": r}
                                for p, r in changes.items()]}


def sarif_log(findings: Sequence[Finding], summary: RunSummary) -> dict[str, Any]:
    """The whole SARIF log as a dict."""
    rules = list(summary.rules) if summary.rules is not None else []
    used = {f.rule_id for f in findings}
    descriptors = [rule_descriptor(r) for r in rules if r.id in used or r.kind == "policy"]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    return {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "stacklint", "version": __version__,
                                "semanticVersion": __version__, "informationUri": INFO_URI,
                                "rules": descriptors}},
            "artifacts": [{"location": {"uri": _uri(p)}} for p in summary.files],
            "results": [_result(f, index) for f in findings],
            "columnKind": "unicodeCodePoints",
        }],
    }


def report(findings: Sequence[Finding], summary: RunSummary, out: TextIO) -> None:
    json.dump(sarif_log(findings, summary), out, indent=2, ensure_ascii=False)
    out.write("\n")
