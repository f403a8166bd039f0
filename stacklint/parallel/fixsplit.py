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
guard parsed, file by file and as a whole stack (each service's whole-stack checks read
only it and the top level, which each half has whole), and keeps what it owns.  When the
fixed file, outside the other half's entries, is piece for piece the text each half
checked (only the blanks' lengths may differ: the other half's fixes change its entries'
lengths), the parent neither parses nor loads the fixed file again: the result is marked
`checked` when both found nothing, else it carries what they found (`rejections`).  The
result also carries the original's top-level keys and `name` (`original_top`), which
decide whether the whole-stack checks apply and which project Compose names.  Else
`fixcheck` checks the fixed file whole.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from stacklint.parallel import split
from stacklint.load.document import Document
from stacklint.errors import InputError
from stacklint.fix.fixes.versions import as_tuple
from stacklint.model import Edit, Finding, Fix, Location
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
    # what its post-fix check found of its own (`fixcheck.rejections`: file by file, as a
    # whole stack); None when it could not check (the parent then checks the whole file)
    found: tuple[list[Finding], list[Finding]] | None = None
    blanks: list[tuple[int, int]] | None = None   # each blank of its fixed text: (line, breaks)
    original_top: dict[str, Any] | None = None   # see `FixResult.original_top`

    # the child's fixes go to the parent as rows of plain values: pickled as records, each
    # of the ~5000 records of 1250 fixes made a Python call (~14 ms of the child's end,
    # against ~7; the parent reads them back in about the same time either way)
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "applied": _rows(self.applied)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, applied=_findings(state["applied"]))


def _rows(findings: list[Finding]) -> list[tuple[Any, ...]]:
    """`findings` as tuples of their fields (and their location's, fix's and edits')."""
    return [(f.rule_id, f.rule_name, f.severity, f.message, f.suppressed,
             (at := f.location).path, at.line, at.column, at.end_line, at.end_column, at.pointer,
             None if (fix := f.fix) is None else
             (fix.title, fix.applicability, [(e.path, e.start, e.end, e.content) for e in fix.edits]))
            for f in findings]


def _findings(rows: list[tuple[Any, ...]]) -> list[Finding]:
    """The findings of `_rows`, equal to the ones it was given.  The records are named
    tuples made by `tuple.__new__` with every field in order: what their generated
    `__new__` does, without a Python call per record."""
    new, edit = tuple.__new__, partial(tuple.__new__, Edit)
    return [new(Finding, (rule_id, name, severity, message,
                          new(Location, (path, line, column, end_line, end_column, pointer)),
                          None if fix is None else
                          new(Fix, (fix[0], tuple(map(edit, fix[2])), fix[1])), suppressed))
            for (rule_id, name, severity, message, suppressed, path, line, column, end_line,
                 end_column, pointer, fix) in rows]


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
    # each process plans the halves itself, from the same text (the parent's plan is the
    # one kept): made before the fork, it was ~25 ms of the parent's serial time
    planned: list[split.Plan | None] = []

    def half(side: int) -> HalfFix | None:
        layout = split.plan([text])
        if side == split.PARENT:
            planned.append(layout)
        return None if layout is None else _half(side, layout, path, text, encoding)

    halves = split.in_two(half)
    layout = planned[0] if planned else None
    if layout is None and planned:
        return split.fallback("fix", split.unplanned([text], [path]))
    if halves is None or layout is None:
        return split.fallback("fix", "a half could not be fixed as planned (see above)")
    mine, theirs = halves
    if mine is None or theirs is None:
        return split.fallback("fix", "a half could not be fixed as planned (see above)")
    if mine.original_top != theirs.original_top:
        return split.fallback("fix", "the halves read different top levels")
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
                     original_text=text, original_top=mine.original_top,
                     **_checked(mine, theirs, layout, fixed, again))


def _checked(mine: HalfFix, theirs: HalfFix, layout: split.Plan, fixed: str,
             again: list[split.Entry]) -> dict[str, Any]:
    """The post-fix check of the fixed file from the halves' (`FixResult.checked` and
    `rejections`), when they checked exactly the fixed file's halves; else nothing, and
    under STACKLINT_DEBUG one line on stderr says why the whole file is checked."""
    mine_found, theirs_found = mine.found, theirs.found
    if mine_found is None or theirs_found is None:
        return _whole("a half's post-fix check could not run")
    after = split.Plan(layout.owner, [again])
    if not all(half.pieces is not None and half.pieces == _outside(fixed, _blanked(after, side))
               for side, half in ((split.PARENT, mine), (split.CHILD, theirs))):
        return _whole("the fixed file's halves are not the texts the halves checked")
    # the other half's fixes may change its entries' line counts: lines as in the fixed file
    found = [[_relined(f, half.blanks or [], [fixed.count("\n", a, b) for a, b
                                              in _blanked(after, side)]) for f in checked[1]]
             for side, half, checked in ((split.PARENT, mine, mine_found),
                                         (split.CHILD, theirs, theirs_found))]
    stacked = sorted(found[0] + found[1], key=Finding.sort_key)
    if not stacked:
        return {"checked": True}
    # file by file, one process lists them in the order the schema walks the whole file,
    # which the halves' lists do not give: known only when there are none
    alone: list[Finding] | None = [] if not (mine_found[0] or theirs_found[0]) else None
    return {"rejections": (alone, stacked)}


def _relined(finding: Finding, blanks: list[tuple[int, int]], breaks: list[int]) -> Finding:
    """`finding` of a half's fixed text at its line in the fixed file: each blank above it
    stands for an entry of the other half, which has `breaks` line breaks there."""
    def moved(line: int) -> int:
        return line + sum(whole - half for (first, half), whole in zip(blanks, breaks)
                          if first < line)
    at = finding.location
    if not any(first < at.line for first, _ in blanks):
        return finding
    return finding._replace(location=at._replace(
        line=moved(at.line), end_line=None if at.end_line is None else moved(at.end_line)))


def _whole(reason: str) -> dict[str, Any]:
    if os.environ.get("STACKLINT_DEBUG"):
        print(f"stacklint: fix checks the whole fixed file: {reason}", file=sys.stderr)
    return {}


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
    found = _post_check(result.document, layout, side, paths)
    spans = _moved(_blanked(layout, side), [e for f in result.applied for e in _edits(f)]) \
        if found is not None else None
    out = HalfFix([], [], [], [], version if isinstance(version, str) else "",
                  None if spans is None else _outside(result.text, spans), found,
                  None if spans is None else _lines_of(result.text, spans), _top_keys(doc))
    for findings, own, top in ((result.applied, out.applied, out.top_applied),
                               (result.left, out.left, out.top_left)):
        for f in findings:
            if _is_top_level(f, layout):
                top.append(f)
            elif split.owner_of(f, layout, paths) == side:
                own.append(f)
    return out


def _lines_of(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each (sorted, disjoint) span's first line and its number of line breaks.

    Counted on from the span before: counting each from the start of the text made this
    quadratic (the parent's half, whose blanks lie at the end, spent ~0.4 s here)."""
    out, line, at = [], 1, 0
    for a, b in spans:
        line += text.count("\n", at, a)
        breaks = text.count("\n", a, b)
        out.append((line, breaks))
        line, at = line + breaks, b
    return out


def _top_keys(doc: Document) -> dict[str, Any] | None:
    """The original's top-level keys and its `name`: a half's top level is the whole file's
    (only the other half's service entries are blank)."""
    if not isinstance(doc.data, dict):
        return None
    return {key: doc.data[key] if key == "name" else None for key in doc.data}


def _post_check(doc: Document | None, layout: split.Plan, side: int, paths: dict[str, int]
                ) -> tuple[list[Finding], list[Finding]] | None:
    """The half's post-fix check: what deploy rejects in its fixed tree, of what it owns
    (file by file, as a whole stack); None unless that tree holds just its entries and loads."""
    from stacklint.fix.fixcheck import not_a_stack, rejections
    if doc is None or not isinstance(doc.data, dict) or not_a_stack(doc) is not None:
        return None
    services = doc.data.get("services")
    if not isinstance(services, dict) or list(services) != [e.name for e in layout.kept(0, side)]:
        return None
    found = rejections([doc], None)
    if not isinstance(found, tuple):      # it did not load (or needs a variable): the whole says
        return None

    def own(findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if split.owner_of(f, layout, paths) == side]
    return own(found[0]), own(found[1])


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
