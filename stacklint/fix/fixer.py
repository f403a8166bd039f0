"""Apply the fixes as minimal text edits, guarded by a reparse, to a fixpoint; write atomically."""
from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacklint.load import document as _document
from stacklint.load.document import Document
from stacklint.errors import InputError, ReadError
from stacklint.fix.fixes import FixContext, Pointer, Proposal, Rule, load_fixes
from stacklint.fix.fixes import anchors as _anchors
from stacklint.fix.fixes import guard
from stacklint.fix.fixes import sequence_indent
from stacklint.model import Applicability, Edit, Finding, Fix, Location, Severity
from stacklint.fix.textedit import apply_edits

if TYPE_CHECKING:
    from stacklint.lint.ruleset import RuleSet
    from stacklint.lint.suppress import Suppression

MAX_PASSES = 10
NOT_CONVERGED = Rule("SL799", "fix-not-converged", "Fix by hand")


@dataclass
class FixResult:
    """One file: its text before and after, what was fixed and what is left for a person."""

    path: str
    original: Document | None
    document: Document | None
    applied: list[Finding] = field(default_factory=list)
    left: list[Finding] = field(default_factory=list)
    original_text: str = ""
    # the fixed text was validated already and `docker stack deploy` rejects nothing in it
    # (the two-core fix checks each half): `fixcheck.add_rejections` need not load it again
    checked: bool = False
    # the original's top-level keys, with the value of `name` (what the post-fix check reads
    # of it), when `original` holds no parsed tree (the two-core fix parses only halves)
    original_top: dict[str, Any] | None = None
    # what `docker stack deploy` rejects in the fixed text, (file by file, as a whole stack),
    # when the two-core fix's halves found it (None where unknown): not loaded again
    rejections: tuple[list[Finding] | None, list[Finding] | None] | None = None

    @property
    def text(self) -> str:
        return self.document.text if self.document is not None else self.original_text

    @property
    def changed(self) -> bool:
        return self.text != self.original_text


def finding(proposal: Proposal, path: str, extra: str | None = None) -> Finding:
    """A Finding for a proposal: with its edits when applied, with the manual step when not."""
    origin = proposal.origin
    loc = Location.of(origin, proposal.pointer) if origin else Location(path, 1, 1,
                                                                        pointer=proposal.pointer)
    if proposal.edits and extra is None:
        fix = Fix(proposal.rule.title, proposal.edits, Applicability.SAFE)
        return Finding(proposal.rule.id, proposal.rule.name, Severity.INFO, proposal.message,
                       loc, fix)
    how = extra or proposal.manual or "fix it by hand"
    return Finding(proposal.rule.id, proposal.rule.name, proposal.rule.severity,
                   f"{proposal.message}: {how}", loc,
                   Fix(proposal.rule.title, (), Applicability.DISPLAY_ONLY))


def read_for_fix(path: str) -> tuple[Document, list[Finding]]:
    """Read a file; when it does not parse, try the list-indentation repair (SL711)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror}", path) from None
    text, encoding = _document.decode(raw, path)
    lead = text[: len(text) - len(text.lstrip("\ufeff"))]
    if lead:                                  # a second BOM: YAML ignores it, fix keeps it
        doc, applied = _read_endings(text[len(lead):], path, encoding)
        doc.lead = lead
        getattr(doc, "before", doc).lead = lead
        return doc, applied
    return _read_endings(text, path, encoding)


def _read_endings(text: str, path: str, encoding: str) -> tuple[Document, list[Finding]]:
    if "\r" in text and "\n" not in text:   # old Mac endings: fixed as \n (same offsets),
        doc, applied = _read_text(text.replace("\r", "\n"), path, encoding)   # written as \r
        doc.cr_only = True
        getattr(doc, "before", doc).cr_only = True
        return doc, applied
    return _read_text(text, path, encoding)


def _read_text(text: str, path: str, encoding: str) -> tuple[Document, list[Finding]]:
    try:
        return _document.parse(text, path, encoding), []
    except InputError as exc:
        repaired = sequence_indent.repair(text, path)
        if repaired is None:
            raise
        fixed, edits, messages = repaired
        doc = _document.parse(fixed, path, encoding)
        rule = sequence_indent.RULE
        applied = [Finding(rule.id, rule.name, Severity.INFO,
                           f"{m} (the file did not parse: {exc.message})",
                           Location(path, line, 1), Fix(rule.title, tuple(edits)))
                   for line, m in messages]
        original = Document(path, text, encoding, doc.newline, None)
        return _Repaired(doc, original), applied


class _Repaired(Document):
    """A document whose text was already repaired before parsing; `before` is the file's text."""

    def __init__(self, doc: Document, before: Document) -> None:
        super().__init__(doc.path, doc.text, doc.encoding, doc.newline, doc.data)
        self.before = before


class _Chain:
    """The fixpoint loop over the documents of one chain."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = list(docs)
        self.first = list(docs)
        self.applied: list[list[Finding]] = [[] for _ in docs]
        # (document, proposal) -> (why it was refused, the text it was refused on)
        self.rejected: dict[tuple[int, tuple[str, Pointer]], tuple[str, str]] = {}
        self.fixes = load_fixes()
        self._proposed: dict[tuple[int, tuple[str, ...]], list[Proposal]] = {}

    def proposals(self, i: int) -> list[Proposal]:
        """The proposals for document `i`, once per state of the chain's texts (the last
        pass and the list of what is left ask for the same state)."""
        state = (i, tuple(d.text for d in self.docs))
        if state not in self._proposed:
            self._proposed[state] = self._propose(i)
        return self._proposed[state]

    def _propose(self, i: int) -> list[Proposal]:
        doc = self.docs[i]
        ctx = FixContext(doc, self.docs, self.first[i])
        found: dict[tuple[tuple[str, Pointer], tuple[Edit, ...]], Proposal] = {}
        for module in self.fixes:
            for p in module.propose(ctx):
                found.setdefault((p.key, p.edits), p)   # an alias visits a value twice
        sups = _suppressions(doc)
        return [p for p in found.values()
                if not any(s.covers(finding(p, doc.path)) for s in sups)]

    def run(self) -> bool:
        """Apply fixes until nothing changes; False when the loop did not converge."""
        seen = {tuple(d.text for d in self.docs)}
        for _ in range(MAX_PASSES):
            rejected = len(self.rejected)
            changed = [self.step(i) for i in range(len(self.docs))]
            if not any(changed):
                if len(self.rejected) == rejected:
                    return True
                continue          # a refused fix may have hidden one that now fits
            state = tuple(d.text for d in self.docs)
            if state in seen:
                return False
            seen.add(state)
        return False

    def step(self, i: int) -> bool:
        """One pass over document `i`; True when its text changed."""
        doc = self.docs[i]
        props = self.proposals(i)
        shared = _anchors.scan(doc.text, guard.extension_spans(doc.data))
        chosen: list[Proposal] = []
        taken = _Spans()
        for p in sorted((p for p in props if p.edits), key=lambda p: (min(p.edits), p.rule.id)):
            if self.rejected.get((i, p.key), ("", None))[1] == doc.text:
                continue              # refused on this very text; another fix may change it
            reason = next(filter(None, (_anchors.conflict(e, shared) for e in p.edits)), None)
            if reason:
                self.rejected[(i, p.key)] = (reason, doc.text)
            elif not any(taken.overlaps(e) for e in p.edits):   # ruff: skip, retry next pass
                chosen.append(p)
                taken.add(p.edits)
        if not chosen:
            return False
        chosen = _with_comments(doc, chosen)
        new, accepted, failed = guard.apply_guarded(doc, chosen)
        for p, reason in failed:
            self.rejected[(i, p.key)] = (reason, doc.text)
        if not accepted:
            return False
        self.docs[i] = new
        self.applied[i] += [finding(p, doc.path) for p in accepted]
        return True

    def left(self, i: int) -> list[Finding]:
        out = []
        for p in self.proposals(i):
            reason = self.rejected.get((i, p.key), (None, ""))[0]
            if p.manual or reason:
                out.append(finding(p, self.docs[i].path, reason))
        return sorted(out, key=Finding.sort_key)     # by place, as the two-core fix sorts


def _with_comments(doc: Document, proposals: list[Proposal]) -> list[Proposal]:
    """The proposals with the comments of the lines they rewrite kept (fixes/comments.py)."""
    from dataclasses import replace
    from stacklint.fix.fixes.comments import keep
    out = []
    for proposal in proposals:
        if not any(e is None for e in proposal.edits):
            edits = keep(doc.text, proposal.edits, doc.newline)
            if edits != proposal.edits:
                proposal = replace(proposal, edits=edits)
        out.append(proposal)
    return out


def _suppressions(doc: Document) -> list[Suppression]:
    """`# stacklint: disable=SL707 -- reason` comments: the person chose to keep that text."""
    if "stacklint" not in doc.text:
        return []
    from stacklint.lint.suppress import parse_comments

    return parse_comments(doc.path, doc.text, _rules().get)[0]


@functools.lru_cache(maxsize=1)
def _rules() -> RuleSet:
    from stacklint.lint.ruleset import load_rules

    return load_rules()


class _Spans:
    """Edits taken this pass, sorted, for overlap checks in log time."""

    def __init__(self) -> None:
        self.edits: list[Edit] = []     # named tuples: compared in C

    def overlaps(self, edit: Edit) -> bool:
        at = bisect.bisect_left(self.edits, edit)
        near = self.edits[max(at - 2, 0):at + 2]
        return any(_overlaps(edit, other) for other in near)

    def add(self, edits: tuple[Edit, ...]) -> None:
        for edit in edits:
            bisect.insort(self.edits, edit)


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:
        return b.start < a.start < b.end or a.start < b.start < a.end or a == b
    return a.start < b.end and b.start < a.end


def fix_chain(docs: Sequence[Document]) -> list[FixResult]:
    """Fix the documents of one chain (one file alone is a chain of one)."""
    originals = [getattr(d, "before", d) for d in docs]
    chain = _Chain([Document(d.path, d.text, d.encoding, d.newline, d.data) for d in docs])
    if not chain.run():
        return [_unconverged(d) for d in originals]
    results = []
    for i, doc in enumerate(chain.docs):
        before = originals[i]
        result = FixResult(doc.path, before, doc, chain.applied[i], chain.left(i),
                           original_text=before.text)
        if result.changed and not guard.final_check(before, doc, result):
            result.document = before
            result.applied = []
        results.append(result)
    return results


def _unconverged(doc: Document) -> FixResult:
    message = ("the fixes did not settle after {0} passes; nothing was changed: "
               "fix the findings of `stacklint validate` by hand").format(MAX_PASSES)
    left = Finding(NOT_CONVERGED.id, NOT_CONVERGED.name, Severity.ERROR, message,
                   Location(doc.path, 1, 1))
    return FixResult(doc.path, doc, doc, [], [left], original_text=doc.text)


def fix_document(doc: Document) -> FixResult:
    """Fix one parsed document on its own."""
    return fix_chain([doc])[0]


def fix_paths(paths: Sequence[str], chain: bool) -> list[FixResult]:
    """Read and fix files: one chain (`-f a -f b`) or each file on its own, in this process
    (`commands.fix` decides whether a big file is fixed on two cores, `fixsplit`)."""
    read = [read_for_fix(p) for p in paths]
    groups = [list(range(len(paths)))] if chain else [[i] for i in range(len(paths))]
    results: list[FixResult] = []
    for group in groups:
        fixed = fix_chain([read[i][0] for i in group])
        for i, result in zip(group, fixed):
            if read[i][1] and result.document is not None and \
                    result.document is not result.original:
                result.applied[:0] = read[i][1]
            results.append(result)
    return results


def encoded(result: FixResult) -> bytes:
    """The fixed text in the file's own encoding (BOM, UTF-16 and newlines kept)."""
    doc = result.original or result.document
    assert doc is not None
    return doc.encode(result.text)


def write(result: FixResult) -> None:
    """Replace the file with the fixed text (atomically), when anything changed."""
    write_results([result])


def write_results(results: Sequence[FixResult]) -> None:
    """Write every changed file of `results` as one step: none is written unless all can be,
    and none that changed since it was read (see `atomic.write_all`)."""
    from stacklint.atomic import write_all

    changed = [r for r in results if r.changed]
    if not changed:
        return
    try:
        write_all([(r.path, encoded(r), _read_bytes(r)) for r in changed])
    except OSError as exc:
        path = exc.filename or changed[0].path
        others = [r.path for r in changed if r.path != path]
        also = f"; {', '.join(others)} not written either (a chain is written whole)" \
            if others else ""
        raise ReadError(f"cannot write the fixed file: {exc.strerror}{also}", str(path),
                         hint="check the permissions of the file and its folder, "
                              "or use --diff to see the fix") from None


def _read_bytes(result: FixResult) -> bytes:
    """The bytes the fix was worked out from (the file's own text, encoded as it was)."""
    doc = result.original or result.document
    assert doc is not None
    return doc.encode(result.original_text)


def fix_in_memory(documents: Sequence[Document]) -> tuple[list[Document], list[Finding]]:
    """Fix a chain without touching files: (fixed documents, applied + left findings)."""
    results = fix_chain(list(documents))
    # a refused fix returns the file's own text; for a repaired file that text does not
    # parse, so hand back the repaired document the caller gave
    docs = [r.document if r.document is not None and r.document.data is not None else d
            for r, d in zip(results, documents)]
    return docs, [f for r in results for f in (*r.applied, *r.left)]


__all__ = ["FixResult", "apply_edits", "fix_chain", "fix_document", "fix_in_memory",
           "fix_paths", "read_for_fix", "write", "write_results", "encoded"]
