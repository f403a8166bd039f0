"""The fixer's guard: a fixed text must parse, say what the old one said plus the fix, and
gain no schema error."""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from stacklint.load.document import Document, parse
from stacklint.errors import InputError
from stacklint.fix.fixes import Proposal
from stacklint.model import Edit, Finding, Location, Severity
from stacklint.fix.splice import Decline, spliced
from stacklint.fix.textedit import apply_edits

if TYPE_CHECKING:
    from stacklint.fix.fixer import FixResult
    from stacklint.tree import SMap


def extension_spans(data: Any) -> list[tuple[int, int]]:
    """Spans of top-level `x-*` entries: anchors there are templates, not uses."""
    if not isinstance(data, dict):
        return []
    top = cast("SMap", data)      # a parsed mapping
    spans = []
    for key in top:
        if isinstance(key, str) and key.startswith("x-"):
            key_o = top.key_origins.get(key)
            value_o = top.value_origins.get(key)
            if key_o is not None:
                spans.append((key_o.start, max(key_o.end, value_o.end if value_o else 0)))
    return spans


def comparable(data: Any, memo: dict[int, Any] | None = None) -> Any:
    """Plain dicts and lists, sharing kept (as aliases share), without top-level `x-*`."""
    memo = {} if memo is None else memo
    top = memo == {}
    if id(data) in memo:
        return memo[id(data)]
    if isinstance(data, dict):
        out: Any = {}
        memo[id(data)] = out
        for key, value in data.items():
            if not (top and isinstance(key, str) and key.startswith("x-")):
                out[key] = comparable(value, memo)
    elif isinstance(data, list):
        out = []
        memo[id(data)] = out
        out.extend(comparable(v, memo) for v in data)
    else:
        out = data
    return out


def _top(data: Any) -> Any:
    """`comparable` for equality alone: only the top level is new; below it, the very
    containers of `data` (an SMap equals the dict with the same items)."""
    if not isinstance(data, dict):
        return comparable(data)
    return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}


def _same_after(old: Document, new: Document, proposals: Sequence[Proposal]) -> bool:
    """Whether `new` says what `old` said plus the proposals' declared changes."""
    if "&" in old.text or "&" in new.text:    # aliases share nodes: copy with the sharing
        return bool(comparable(new.data) == expected(old.data, proposals))
    return bool(_top(new.data) == _edited(old.data, proposals))


def _edited(data: Any, proposals: Sequence[Proposal]) -> Any:
    """`expected` for a tree without shared nodes: copies only the containers on the
    proposals' paths (a 1000-service file: a few thousand, not every node)."""
    out = _top(data)
    if not isinstance(out, dict):
        return expected(data, proposals)
    return _apply(out, proposals, own={id(out)})


def expected(data: Any, proposals: Sequence[Proposal]) -> Any:
    """The old data with each proposal's declared change applied."""
    return _apply(comparable(data), proposals, own=None)


def _apply(out: Any, proposals: Sequence[Proposal], own: set[int] | None) -> Any:
    """Apply the proposals' declared changes to `out`.  With `own` (the ids of
    containers already copied), a container on a path is copied before its
    first edit; with None, `out` is a private copy and is edited in place."""
    for p in proposals:
        for op, pointer, value in p.expect:
            node = out
            for step in pointer[:-1]:
                if isinstance(node, dict) and not isinstance(node.get(step), (dict, list)):
                    node[step] = {}
                    if own is not None:
                        own.add(id(node[step]))
                child = node[step]
                if own is not None and id(child) not in own:
                    child = dict(child) if isinstance(child, dict) else list(child)
                    node[step] = child
                    own.add(id(child))
                node = child
            _change(node, op, pointer[-1], value)
    return out


def _change(node: Any, op: str, last: Any, value: Any) -> None:
    """Apply one declared change (`set` or a removal) to its parent container."""
    if op == "set":
        node[last] = value
    elif isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and last < len(node):
        node.pop(last)


# (path, text) -> (version, the file's `validate_layer` findings), None if unknown
_SEEN: dict[tuple[str, str], tuple[str, list[Finding]] | None] = {}


def schema_errors(doc: Document) -> set[tuple[str, str]] | None:
    """The file's schema errors on its own (as Docker checks each file), None if unknown."""
    found = _validated(doc)
    if found is None:
        return None
    return {(f.rule_id, f.message) for f in found[1] if f.severity >= Severity.ERROR}


def layer_findings(doc: Document, version: str) -> list[Finding] | None:
    """`validate_layer`'s findings for the file with this very text, when the guard has
    them already (it validated every fixed text), else None: the post-fix check
    (`fixcheck`) does not validate the same text twice."""
    found = _SEEN.get((doc.path, doc.text))
    return found[1] if found is not None and found[0] == version else None


def _validated(doc: Document) -> tuple[str, list[Finding]] | None:
    key = (doc.path, doc.text)
    if key not in _SEEN:
        if len(_SEEN) > 64:
            _SEEN.clear()
        _SEEN[key] = _layer_findings(doc)
    return _SEEN[key]


def _layer_findings(doc: Document) -> tuple[str, list[Finding]] | None:
    from stacklint.load.stack import effective_version
    from stacklint.validate.validator import validate_layer
    if not isinstance(doc.data, dict):
        return None
    version = effective_version(doc.data.get("version"))
    try:
        return version, validate_layer(cast("SMap", doc.data), version, doc.path)
    except InputError:
        return None


# False: every fixed text is parsed whole (the tests compare both ways)
SPLICE = True


def reparsed(doc: Document, text: str, edits: Sequence[Edit]) -> Document:
    """`parse(text)` for `doc.text` with `edits` applied: when `fix/splice.py` can prove
    it exact, built from `doc`'s tree and the touched entries alone (a 1000-service file
    is not read twice), else parsed whole; an `InputError` when it does not parse."""
    if SPLICE:
        try:
            return spliced(doc, text, edits)
        except Decline as why:
            if os.environ.get("STACKLINT_DEBUG"):
                print(f"stacklint: fix parses the whole fixed text: {why}", file=sys.stderr)
    return parse(text, doc.path, doc.encoding)


def try_apply(doc: Document, proposals: Sequence[Proposal]) -> tuple[Document | None, str]:
    """The fixed document, or None and why the edits cannot be kept."""
    edits = [e for p in proposals for e in p.edits]
    text = apply_edits(doc.text, edits)
    try:
        new = reparsed(doc, text, edits)
    except InputError as exc:
        return None, f"the fixed text would not parse ({exc.message}); fix it by hand"
    if not _same_after(doc, new, proposals):
        return None, "the edit would change more than this value; fix it by hand"
    gained = _gained(doc, new)
    if gained:
        return None, f"the fix would add a schema error ({gained[0][1]}); fix it by hand"
    return new, ""


def _gained(before: Document, after: Document) -> list[tuple[str, str]]:
    """Schema errors `after` has and `before` had not, sorted; [] when either is unknown."""
    new = schema_errors(after)
    if not new:      # the usual case: listing every error of the broken original costs more
        return []    # than all the rest of a fix, so it is done only when needed
    old = schema_errors(before) if before.data is not None else None
    return [] if old is None else sorted(new - old)


def apply_guarded(doc: Document, chosen: Sequence[Proposal]
                  ) -> tuple[Document, list[Proposal], list[tuple[Proposal, str]]]:
    """Apply all proposals that pass the guard: all at once, else one by one."""
    new, _ = try_apply(doc, chosen)
    if new is not None:
        return new, list(chosen), []
    accepted: list[Proposal] = []
    failed: list[tuple[Proposal, str]] = []
    current = doc
    for p in chosen:
        candidate, reason = try_apply(doc, [*accepted, p])
        if candidate is None:
            failed.append((p, reason))
        else:
            accepted.append(p)
            current = candidate
    return current, accepted, failed


def final_check(before: Document, after: Document, result: FixResult) -> bool:
    """The whole result once more: it gains no schema error; else keep the file.

    `after` is what `try_apply` parsed from this very text, so it is not parsed again."""
    gained = _gained(before, after)
    if not gained:
        return True
    reason = f"the fixes together would add a schema error ({gained[0][1]})"
    result.left.append(Finding("SL799", "fix-not-converged", Severity.ERROR,
                               f"nothing was changed: {reason}", Location(after.path, 1, 1)))
    return False
