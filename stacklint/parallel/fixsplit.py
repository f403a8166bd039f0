"""`stacklint fix` on one big file, on two cores: each process fixes half of the services.

The halves are those of `split` (the other half's entries blanked, every offset kept),
so the edits each process makes are offsets into the original text, and the fixed
file is the original with both processes' edits applied.  Each process runs the
whole guarded fixer on its half: its edits parse and say what its half said plus
the fixes.  The result is used only when it is exactly what one process would give:
- the file has no anchors (whether an anchored value may change depends on every alias);
- each half settled in one pass (so every edit is an offset into the original text);
- both halves made the same top-level edits and left the same top-level findings, but
  for `version`: there the half needing the higher version is right;
- the fixed text still has the same service entries, in the same order;
- when a half leaves findings for a person, no edit changes the number of lines (a half
  sees only its own edits, so the other half's would move the lines it reports).
Otherwise the caller fixes the file in one process.

Each half also makes the post-fix check (`fixcheck`) of its fixed text, on the tree its
guard parsed.  When both find nothing and the fixed file, outside the other half's
entries, is piece for piece the text each half checked (only the blanks' lengths may
differ: the other half's fixes change its entries' lengths), the result is marked
`checked` and the parent neither parses nor loads the fixed file again; else `fixcheck`
checks it whole.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stacklint.parallel import split
from stacklint.load.document import Document
from stacklint.errors import InputError
from stacklint.fix.fixes.versions import as_tuple
from stacklint.model import Edit, Finding
from stacklint.fix.textedit import apply_edits

if TYPE_CHECKING:
    from stacklint.fix.fixer import FixResult

NOT_CONVERGED = "SL799"
VERSION_RULES = {"SL705", "SL706"}     # version-unaligned, version-too-low


@dataclass
class HalfFix:
    """One side's fixes: for its services, and (compared, not merged) for the top level."""

    applied: list[Finding]
    left: list[Finding]
    top_applied: list[Finding]
    top_left: list[Finding]
    version: str          # the half's `version` after its fixes ("" when it has none)
    pieces: list[str] | None = None   # its fixed text outside the blanks (None: unknown)
    accepted: bool = False   # its post-fix check found nothing (`fixcheck.accepts`)


class _NotOnePass(Exception):
    """A half needed edits on edited text, or did not settle."""


def fix(path: str) -> FixResult | None:
    """The fixed file, found in two processes; None when that would not be exact."""
    from stacklint.fix.fixer import FixResult
    if not split.can_fork():
        return split.fallback("fix", "no second core (or no fork)")
    try:
        _, text, encoding = split.decoded(path)
    except (OSError, InputError) as exc:
        return split.fallback("fix", f"the file cannot be read ({exc})")
    if "&" in text:       # a fix may rewrite an anchored block that the other half aliases
        return split.fallback("fix", f"{path} has anchors (`&`), which fix reads whole")
    layout = split.plan([text])
    if layout is None:
        return split.fallback("fix", split.unplanned([text], [path]))
    halves = split.in_two(lambda side: _half(side, layout, path, text, encoding))
    if halves is None:
        return split.fallback("fix", "a half could not be fixed as planned (see above)")
    mine, theirs = halves
    top = _top_level(mine, theirs)
    if top is None:
        return split.fallback("fix", "the halves fixed the top level differently")
    applied = sorted(mine.applied + theirs.applied + top[0], key=_applied_order)
    if (mine.left or theirs.left) and any(_moves_lines(text, e) for f in applied
                                          for e in _edits(f)):
        return split.fallback("fix", "a fix moves lines while findings are left")
    fixed = apply_edits(text, [e for f in applied for e in _edits(f)])
    again = split.entries(fixed)
    if again is None or [e.name for e in again] != [e.name for e in layout.entries[0]]:
        return split.fallback("fix", "the fixed text's service entries are not the same")
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"
    left = sorted(mine.left + theirs.left + top[1], key=Finding.sort_key)
    return FixResult(path, Document(path, text, encoding, newline, None),
                     Document(path, fixed, encoding, newline, None), applied, left,
                     original_text=text, checked=_checked(mine, theirs, layout, fixed, again))


def _checked(mine: HalfFix, theirs: HalfFix, layout: split.Plan, fixed: str,
             again: list[split.Entry]) -> bool:
    """Whether both halves' post-fix checks found nothing on exactly the fixed file's halves
    (else, under STACKLINT_DEBUG, one line on stderr says why the whole file is checked)."""
    if not (mine.accepted and theirs.accepted):
        return _whole("a half's post-fix check found something (or could not run)")
    after = split.Plan(layout.owner, [again])
    if all(half.pieces is not None and half.pieces == _outside(fixed, _blanked(after, side))
           for side, half in ((split.PARENT, mine), (split.CHILD, theirs))):
        return True
    return _whole("the fixed file's halves are not the texts the halves checked")


def _whole(reason: str) -> bool:
    if os.environ.get("STACKLINT_DEBUG"):
        print(f"stacklint: fix checks the whole fixed file: {reason}", file=sys.stderr)
    return False


def _blanked(layout: split.Plan, side: int) -> list[tuple[int, int]]:
    """The spans of the one file that `side` reads blank."""
    kept = {e.name for e in layout.kept(0, side)}
    return [(e.start, e.end) for e in layout.entries[0] if e.name not in kept]


def _outside(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The pieces of `text` between the (sorted, disjoint) `spans`."""
    bounds = [0] + [b for span in spans for b in span] + [len(text)]
    return [text[a:b] for a, b in zip(bounds[::2], bounds[1::2])]


def _moved(spans: list[tuple[int, int]], edits: list[Edit]) -> list[tuple[int, int]] | None:
    """`spans` of a text where they stand after `edits`; None when an edit reaches into one."""
    out, shift, edits = [], 0, sorted(set(edits), key=lambda e: (e.start, e.end, e.content))
    at = 0
    for a, b in spans:
        while at < len(edits) and edits[at].end <= a and edits[at].start < b:
            shift += len(edits[at].content) - (edits[at].end - edits[at].start)
            at += 1
        if at < len(edits) and edits[at].start < b and edits[at].end > a:
            return None
        out.append((a + shift, b + shift))
    return out


def _half(side: int, layout: split.Plan, path: str, text: str, encoding: str) -> HalfFix:
    from stacklint.fix.fixer import fix_chain
    doc = split.read_half(layout, 0, side, path, text, encoding)
    result = fix_chain([doc])[0]
    if any(f.rule_id == NOT_CONVERGED for f in result.left):
        raise _NotOnePass(path)
    if apply_edits(doc.text, [e for f in result.applied for e in _edits(f)]) != result.text:
        raise _NotOnePass(path)
    paths = {path: 0}
    data = result.document.data if result.document is not None else None
    version = data.get("version") if isinstance(data, dict) else None
    accepted = _accepts(result.document, layout, side)
    spans = _moved(_blanked(layout, side), [e for f in result.applied for e in _edits(f)]) \
        if accepted else None
    out = HalfFix([], [], [], [], version if isinstance(version, str) else "",
                  None if spans is None else _outside(result.text, spans), accepted)
    for findings, own, top in ((result.applied, out.applied, out.top_applied),
                               (result.left, out.left, out.top_left)):
        for f in findings:
            if _is_top_level(f, layout):
                top.append(f)
            elif split.owner_of(f, layout, paths) == side:
                own.append(f)
    return out


def _accepts(doc: Document | None, layout: split.Plan, side: int) -> bool:
    """The half's post-fix check: its fixed tree holds just its entries and nothing in it
    would be rejected."""
    from stacklint.fix.fixcheck import accepts
    if doc is None or not isinstance(doc.data, dict):
        return False
    services = doc.data.get("services")
    if not isinstance(services, dict) or list(services) != [e.name for e in layout.kept(0, side)]:
        return False
    return accepts(doc)


def _top_level(mine: HalfFix, theirs: HalfFix) -> tuple[list[Finding], list[Finding]] | None:
    """The top-level fixes one process would make: the halves' own when they agree.

    A half chooses `version` from the keys it sees; one process takes the highest version
    any key needs.  So when the halves differ only there, the half needing the higher
    version has the right version fixes (its keys are the ones that need it)."""
    if mine.top_applied == theirs.top_applied and mine.top_left == theirs.top_left:
        return mine.top_applied, mine.top_left

    def rest(findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if f.rule_id not in VERSION_RULES]
    if rest(mine.top_applied) != rest(theirs.top_applied) \
            or rest(mine.top_left) != rest(theirs.top_left) \
            or as_tuple(mine.version) == as_tuple(theirs.version):
        return None
    higher = max(mine, theirs, key=lambda half: as_tuple(half.version))
    return higher.top_applied, higher.top_left


def _is_top_level(finding: Finding, layout: split.Plan) -> bool:
    pointer = finding.location.pointer
    if len(pointer) >= 2 and pointer[0] == "services" and pointer[1] in layout.owner:
        return False
    return layout.entry_at(0, finding.location.line) is None


def _moves_lines(text: str, edit: Edit) -> bool:
    return edit.content.count("\n") != text.count("\n", edit.start, edit.end)


def _edits(finding: Finding) -> tuple[Edit, ...]:
    return finding.fix.edits if finding.fix is not None else ()


def _applied_order(finding: Finding) -> tuple[Any, ...]:
    """The fixer's own order of one pass: by the first edit, then the rule."""
    edits = _edits(finding)
    return (min(edits) if edits else (), finding.rule_id)
