"""Suppressions: `# stacklint: disable=RULE -- reason` comments and `x-stacklint: {ignore: …}`.

Where a comment stands decides what it covers: the line it is on, or (on a
line of its own) the next line; if that line opens a block (a key with nested
lines, a list item), the whole block; before the first line of YAML, the file.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TYPE_CHECKING

from stacklint.model import Finding, Location, Severity

if TYPE_CHECKING:
    from stacklint.model import Stack

UNUSED, MALFORMED = "unused-suppression", "malformed-suppression"
# the patterns are compiled by `re` on first use: most files hold no directive (start-up time)
_COMMENT = r"(?:^|\s)#\s*stacklint\s*:(?P<body>.*)$"
_DIRECTIVE = (r"^\s*disable\s*=\s*(?P<rules>[^\s,]+(?:\s*,\s*[^\s,]+)*)"
              r"\s+--\s*(?P<reason>\S.*?)\s*$")
SYNTAX = "# stacklint: disable=RULE[,RULE] -- reason"
# the rules are there, the reason is not: say that, not that the whole directive is unreadable
_NO_REASON = r"^\s*disable\s*=\s*(?P<rules>[^\s,]+(?:\s*,\s*[^\s,]+)*)\s*(?:--\s*)?$"


class Suppression:
    """One directive, and the rules it silenced so far (a plain class: see model.py)."""

    __slots__ = ("path", "line", "column", "rules", "reason", "first", "last", "service",
                 "pointer", "used")

    def __init__(self, path: str, line: int, column: int, rules: frozenset[str], reason: str,
                 first: int, last: int, service: str | None = None,
                 pointer: tuple[Any, ...] = ()) -> None:
        self.path = path
        self.line = line                # where the directive stands
        self.column = column
        self.rules = rules              # rule ids
        self.reason = reason
        self.first = first              # lines covered, inclusive
        self.last = last
        self.service = service          # x-stacklint on a service; '*' for the top level
        self.pointer = pointer
        self.used: set[str] = set()

    def covers(self, finding: Finding) -> bool:
        if finding.rule_id not in self.rules:
            return False
        loc = finding.location
        if self.service is not None:
            return self.service == "*" or loc.pointer[:2] == ("services", self.service)
        return loc.path == self.path and self.first <= loc.line <= self.last


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#") and text not in ("---", "...")


def block_end(lines: Sequence[str], start: int) -> int:
    """The last line (0-based) of the node that starts on line `start`."""
    indent = _indent(lines[start])
    opens_key = lines[start].rstrip().endswith(":")
    end = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not _is_content(line):
            continue
        deeper = _indent(line) > indent
        # `key:` followed by a sequence at the same indent (a common compose style)
        same_level_item = opens_key and _indent(line) == indent and line.lstrip().startswith("- ")
        if not (deeper or same_level_item):
            break
        end = i
    return end


def parse_comments(path: str, text: str, resolve: Any) -> tuple[list[Suppression], list[Finding]]:
    """Directives of one file; malformed ones come back as findings."""
    if "stacklint" not in text:
        return [], []
    lines = text.splitlines()
    first_content = next((i for i, line in enumerate(lines) if _is_content(line)), len(lines))
    found, bad = [], []
    comment, directive_at, no_reason = (re.compile(p) for p in (_COMMENT, _DIRECTIVE, _NO_REASON))
    for i, line in enumerate(lines):
        match = comment.search(line)
        if not match:
            continue
        column = match.start() + (1 if line[match.start()] != "#" else 0) + 1
        where = Location(path, i + 1, column)
        directive = directive_at.match(match.group("body"))
        if directive is None:
            rules = no_reason.match(match.group("body"))
            message = (f"the suppression gives no reason; write "
                       f"`# stacklint: disable={rules.group('rules')} -- why it is safe here`"
                       if rules else f"cannot read this directive; write `{SYNTAX}`")
            bad.append(_malformed(where, message))
            continue
        ids, unknown = _resolve_rules(directive.group("rules"), resolve)
        if unknown:
            bad.append(_malformed(where, f"unknown rule {unknown!r} in suppression"))
            continue
        own_line = not line[: match.start()].strip()
        if own_line and i < first_content:
            first, last = 1, len(lines)
        else:
            target = i if not own_line else next(
                (j for j in range(i + 1, len(lines)) if _is_content(lines[j])), i)
            first, last = target + 1, block_end(lines, target) + 1
        found.append(Suppression(path, i + 1, column, ids, directive.group("reason"), first, last))
    return found, bad


def _resolve_rules(text: str, resolve: Any) -> tuple[frozenset[str], str | None]:
    ids = set()
    for ref in (r.strip() for r in text.split(",")):
        rule = resolve(ref)
        if rule is None:
            return frozenset(), ref
        ids.add(rule.id)
    return frozenset(ids), None


def _malformed(where: Location, message: str) -> Finding:
    return Finding("SL002", MALFORMED, Severity.WARNING, message, where)


def parse_extensions(stack: Stack, resolve: Any) -> tuple[list[Suppression], list[Finding]]:
    """`x-stacklint: {ignore: {rule: reason}}` on services and at the top level."""
    from stacklint.lint.engine import locate_pointer
    found, bad = [], []
    model = stack.model
    places: list[tuple[str, tuple[Any, ...], Any]] = [("*", (), model)]
    services = model.get("services") if isinstance(model, Mapping) else None
    if isinstance(services, Mapping):
        places += [(str(n), ("services", n), s) for n, s in services.items()]
    for service, base, node in places:
        ext = node.get("x-stacklint") if isinstance(node, Mapping) else None
        if ext is None:
            continue
        ptr = (*base, "x-stacklint")
        ignore = ext.get("ignore") if isinstance(ext, Mapping) else None
        if not isinstance(ignore, Mapping) or set(ext) - {"ignore"}:
            bad.append(_malformed(locate_pointer(stack, ptr),
                                  "write `x-stacklint: {ignore: {RULE: reason}}`"))
            continue
        for ref, reason in ignore.items():
            where = locate_pointer(stack, (*ptr, "ignore", ref))
            rule = resolve(str(ref))
            if rule is None or not isinstance(reason, str) or not reason.strip():
                why = f"unknown rule {ref!r}" if rule is None else "a reason is required"
                bad.append(_malformed(where, f"{why} in x-stacklint"))
                continue
            found.append(Suppression(where.path, where.line, where.column, frozenset({rule.id}),
                                     reason.strip(), 0, 0, service, (*ptr, "ignore", ref)))
    return found, bad


def apply(findings: Iterable[Finding], suppressions: Sequence[Suppression]) -> list[Finding]:
    """Mark covered findings as suppressed (with the reason); record which directives were used."""
    out = []
    for finding in findings:
        if finding.rule_name not in (UNUSED, MALFORMED):
            covering = [sup for sup in suppressions if sup.covers(finding)]
            for sup in covering:          # every directive that covers it counts as used
                sup.used.add(finding.rule_id)
            if covering:                  # the first (most specific) one gives the reason
                finding = finding._replace(suppressed=covering[0].reason)
        out.append(finding)
    return out


def unused(suppressions: Sequence[Suppression], enabled: Any) -> list[Finding]:
    """A finding for each rule a directive names but never silenced (if that rule ran)."""
    out = []
    for sup in suppressions:
        for rule_id in sorted(sup.rules - sup.used):
            if enabled(rule_id):
                out.append(Finding("SL001", UNUSED, Severity.WARNING,
                                   f"suppression of {rule_id} is unused; remove it",
                                   Location(sup.path, sup.line, sup.column, pointer=sup.pointer)))
    return out


def suppress(stack: Stack, findings: Sequence[Finding], resolve: Any,
             enabled: Any) -> list[Finding]:
    """All of the above for one stack: suppressed findings marked, plus SL001/SL002 findings."""
    sups: list[Suppression] = []
    bad: list[Finding] = []
    for layer in getattr(stack, "layers", ()):
        doc = layer.document
        more, worse = parse_comments(doc.path, doc.text, resolve)
        sups += more
        bad += worse
    more, worse = parse_extensions(stack, resolve)     # after comments: those are more specific
    marked = apply(findings, sups + more)
    sups += more
    bad += worse
    return marked + bad + unused(sups, enabled)
