"""The fixed document without parsing the whole fixed text again: only the entries the edits
touch are read anew, every other origin is the old one moved by the edits before it.

The guard (`fix/fixes/guard.py`) needs the fixed text's Document, exactly as
`document.parse` gives it: pass 2 computes edit offsets from its origins and the post-fix
check reports its lines.  Parsing a 1000-service file again takes as long as reading it.

Each edit gets a *unit*: one or more consecutive whole entries of one block mapping, from
the start of the first key's line (only spaces before the key) to the start of the line of
the token that follows the last entry (so its trailing blank and comment lines, and a
block scalar's kept blank lines, are inside).  The units are found in the old tree, not by
reading the text: a key of a block mapping (not flow, not the first key of a `- ` item),
up to the next key or the mapping's end, both tokens the full parse placed, so a unit holds
its entries' multi-line scalars whole.  The innermost mapping whose entries hold the edit is
taken; when its new text is not a mapping at the same column (a mapping that became a list),
the entry holding that mapping.  Inside a block mapping at column c, libyaml reads such
lines as it reads them alone, at the same columns: on their first line its scanner holds
nothing but the indentation c on its stack (no flow level, no open scalar, no pending simple
key), and the token after them, at column <= c in the valid old text (a `-` there would be
an error), closes whatever they opened the same way.  So each unit's new text is parsed
alone, all of them as the documents of one stream (one parser, not one per unit): it must be
a block mapping at column c, ending at a line end (or nothing: the entries were removed), and
its entries replace the old ones, their origins moved to where the unit stands in the new
text (a container that ended at the unit's end ends at the token after it).  Outside the
units each origin moves by the length and line count the units before it changed; its
column stays, units being whole lines.  The tests also read each unit's old text alone
(`CHECK_OLD`) and check it gives exactly the old entries and key origins: the reasoning
above, tested on every fixture; the fixer does not pay for it.

Anything this cannot prove is declined (`Decline`, with the reason) and the guard parses the
whole text as before: tags, anchors, merge keys, tabs, a byte order mark or document
markers anywhere in the file or the new text, a top level that is not a block mapping, an
edit no unit holds, a unit whose new text reads otherwise alone, a mapping the edits empty,
a key the new text repeats.  The tests compare the result with `document.parse`, every
origin included.
"""
from __future__ import annotations

import bisect
import operator
import sys
from collections.abc import Sequence
from typing import Any, cast

from stacklint.load import yamlevents
from stacklint.load.document import Document, newline_of, resolve_plain
from stacklint.model import Edit, Origin
from stacklint.tree import SList, SMap, make_map

_NEW = tuple.__new__      # an Origin without the NamedTuple's Python-level __new__
_START = operator.itemgetter(3)     # an Origin's start
_FAR = sys.maxsize
_REFUSED = (("&", "anchors"), ("<<", "merge keys"), ("\t", "tabs"), ("\ufeff", "a byte order mark"))
_MARKERS = ("\n---", "\n...", "\n%")
# the tests set it: each unit's old text, read alone, must give the old entries
CHECK_OLD = False


class Decline(Exception):
    """The splice cannot prove its result exact: the whole text is parsed instead."""


def spliced(doc: Document, text: str, edits: Sequence[Edit]) -> Document:
    """`document.parse(text, doc.path, doc.encoding)`, where `text` is `doc.text` with
    `edits` applied, built from `doc`'s tree (not changed); `Decline` when not provable."""
    return _Splice(doc, text, edits).document()


# a unit it could be: (owner, its keys, first, stop, start, end, column, after), entries
# [first, stop) of the block mapping `owner`, spanning [start, end) of the old text, the first
# key at `column`, `after` the token that follows the last entry
_Candidate = tuple[SMap, list[Any], int, int, int, int, int, int]


class _Unit:
    """Entries the edits touch, read anew: where they stand in the old and the new text."""

    __slots__ = ("owner", "keys", "first", "stop", "start", "end", "column", "after", "edits",
                 "new_start", "new_end", "new_line", "old_line", "delta", "lines", "parsed",
                 "first_new", "after_new")

    def __init__(self, cand: _Candidate) -> None:
        (self.owner, self.keys, self.first, self.stop, self.start, self.end, self.column,
         self.after) = cand
        self.edits: list[int] = []
        self.new_start = self.new_end = self.new_line = self.old_line = 0
        self.delta = self.lines = self.first_new = self.after_new = 0
        self.parsed: SMap | None = None


class _Splice:
    def __init__(self, doc: Document, text: str, edits: Sequence[Edit]) -> None:
        self.doc, self.old, self.text, self.path = doc, doc.text, text, doc.path
        # in the order `apply_edits` applies them, so offsets add up the same way
        self.edits = sorted(set(edits), key=lambda e: (e.start, e.end, e.content))
        self.maps: dict[int, tuple[list[Any], list[int], bool]] = {}
        self.lists: dict[int, list[int] | None] = {}
        self.levels: dict[tuple[int, int], tuple[int | None, _Candidate | None]] = {}
        # the single-entry levels of the last descent: (from, to, stop, candidate, child)
        self.trail: list[tuple[int, int, int, _Candidate | None, Any]] = []
        self.units: list[_Unit] = []
        self.starts: list[int] = []            # each unit's old start, for bisect
        self.cumulative: list[int] = []        # the length change through each unit
        self.bases: list[tuple[int, int, int]] = []   # each new unit's document in the stream

    def document(self) -> Document:
        self._check_file()
        units = self._units()
        self._parse(units)
        self._place(units)
        root = self._rebuild(units)
        return Document(self.path, self.text, self.doc.encoding, newline_of(self.text), root, [])

    # -- what the file may hold ------------------------------------------------------------

    def _check_file(self) -> None:
        doc, old = self.doc, self.old
        if doc.tags:
            raise Decline("the file has tags")
        if not isinstance(doc.data, SMap) or not doc.data or self._flow(doc.data):
            raise Decline("the top level is not a block mapping")
        for bad, what in _REFUSED:
            if bad in old:
                raise Decline(f"the file has {what}")
        if old.startswith(("---", "...", "%")) or any(m in old for m in _MARKERS):
            raise Decline("the file has document markers or directives")
        if not self.edits:
            raise Decline("no edits")

    def _flow(self, node: SMap | SList) -> bool:
        origin = node.origin
        return origin is None or self.old[origin.start:origin.start + 1] in ("{", "[")

    # -- the units -------------------------------------------------------------------------

    def _map_info(self, node: SMap) -> tuple[list[Any], list[int], bool]:
        """The mapping's keys, where each starts, whether it is flow style."""
        found = self.maps[id(node)] = (list(node), list(map(_START, node.key_origins.values())),
                                       self._flow(node))
        return found

    def _line_end(self, token: int) -> int | None:
        """The start of the line of `token`, the first on its line (else None); the end
        of the text when it is there."""
        old = self.old
        if token >= len(old):
            return len(old)
        start = old.rfind("\n", 0, token) + 1
        return start if old.count(" ", start, token) == token - start else None

    def _level(self, node: SMap, keys: list[Any], starts: list[int], first: int,
               last: int) -> tuple[int | None, _Candidate | None]:
        """Where entries [first, last] of `node` end (None: not at a line start), and the
        candidate they make (None when the first key is not the first on its line)."""
        origins = node.key_origins
        after = origins[keys[last + 1]].start if last + 1 < len(keys) \
            else node.origin.end      # type: ignore[union-attr]   # not flow: has one
        stop = self._line_end(after)
        key_start = starts[first]
        line = self.old.rfind("\n", 0, key_start) + 1
        if stop is None or self.old.count(" ", line, key_start) != key_start - line:
            return stop, None
        return stop, (node, keys, first, last + 1, line, stop, key_start - line, after)

    def _chain(self, start: int, end: int) -> list[_Candidate]:
        """The candidates for an edit of [start, end), outermost first.

        The edits come in order, and the next one is mostly in the same service: the levels
        of the last descent that hold this edit too (`trail`) are taken as they are."""
        out: list[_Candidate] = []
        node: Any = self.doc.data
        trail = self.trail
        depth = 0
        for lo, hi, stop, cand, child in trail:
            if not (lo <= start < hi and end <= stop):
                break
            if cand is not None:
                out.append(cand)
            node = child
            depth += 1
        del trail[depth:]
        maps, lists, levels = self.maps, self.lists, self.levels
        after, before = bisect.bisect_right, bisect.bisect_left
        while True:
            cls = node.__class__
            if cls is SMap:
                keys, starts, flow = maps.get(id(node)) or self._map_info(node)
                first = after(starts, start) - 1
                if flow or first < 0:
                    return out
                last = before(starts, end) - 1
                if last <= first:
                    last = first
                    level = levels.get((id(node), first))
                    if level is None:
                        level = levels[(id(node), first)] = self._level(node, keys, starts,
                                                                         first, first)
                else:
                    level = self._level(node, keys, starts, first, last)
                reach, cand = level
                if reach is None or end > reach:
                    return out
                if cand is not None:
                    out.append(cand)
                if last != first:
                    return out
                child = node[keys[first]]
                trail.append((starts[first], starts[first + 1] if first + 1 < len(starts)
                              else _FAR, reach, cand, child))
                node = child
            elif cls is SList:
                found = lists.get(id(node))
                if found is None:
                    found = lists[id(node)] = (None if self._flow(node) else
                                               [o.start if o is not None else -1
                                                for o in node.item_origins])
                at = -1 if found is None else after(found, start) - 1
                if found is None or at < 0:
                    return out
                child = node[at]
                trail.append((found[at], found[at + 1] if at + 1 < len(found) else _FAR, _FAR,
                              None, child))
                node = child
            else:
                return out

    def _units(self) -> list[_Unit]:
        chains = [self._chain(e.start, e.end) for e in self.edits]
        level = [len(c) - 1 for c in chains]
        if min(level) < 0:
            raise Decline("an edit is outside every block mapping entry it could be read in")
        while True:
            units = self._group(chains, level)
            failed = [u for u in units if not self._fits(u)]
            if not failed:
                return units
            for unit in failed:
                for k in unit.edits:
                    level[k] -= 1
                    if level[k] < 0:
                        raise Decline("an edited entry does not read alone as a mapping "
                                      "at its column")

    def _group(self, chains: list[list[_Candidate]], level: list[int]) -> list[_Unit]:
        """The units: candidates that overlap merged, each with its edits (in order)."""
        picked = sorted(((chains[k][level[k]], k) for k in range(len(chains))),
                        key=lambda ck: (ck[0][4], -ck[0][5], ck[1]))
        units: list[_Unit] = []
        for cand, k in picked:
            unit = units[-1] if units else None
            if unit is not None and cand[4] < unit.end:
                if cand[0] is unit.owner and cand[3] > unit.stop:
                    unit.stop, unit.end, unit.after = cand[3], cand[5], cand[7]
                elif cand[5] > unit.end:
                    raise Decline("edits overlap across mappings")
            else:
                unit = _Unit(cand)
                units.append(unit)
            unit.edits.append(k)
        last = -1
        for unit in units:
            unit.edits.sort()
            if unit.edits[0] != last + 1 or unit.edits[-1] != last + len(unit.edits):
                raise Decline("two units' edits interleave")   # insertions at one offset
            last = unit.edits[-1]
        self._offsets(units)
        return units

    def _offsets(self, units: list[_Unit]) -> None:
        """Where each unit stands in the new text."""
        shift = 0
        for unit in units:
            delta = sum(len(self.edits[k].content) - self.edits[k].end + self.edits[k].start
                        for k in unit.edits)
            unit.new_start = unit.start + shift
            unit.new_end = unit.end + shift + delta
            unit.delta = delta
            shift += delta

    def _fits(self, unit: _Unit) -> bool:
        """Whether the unit's new text is mapping entries at its column (or nothing)."""
        text = self.text[unit.new_start:unit.new_end]
        if text and text[-1] != "\n" and unit.new_end < len(self.text):
            return False            # its last line runs on into what follows
        for bad, what in _REFUSED:
            if bad in text:
                raise Decline(f"the fixed text has {what}")
        if text.startswith(("---", "...", "%")) or any(m in text for m in _MARKERS):
            raise Decline("the fixed text has document markers or directives")
        column, first = unit.column, True
        for line in text.split("\n"):
            body = line.lstrip(" ")
            if not body.rstrip("\r") or body[0] == "#":
                continue
            at = len(line) - len(body)
            if first:
                if at != column or body[0] in "-?:" and body[1:2] in ("", " ", "\r"):
                    return False
                first = False
            elif at < column:
                return False
        return True

    # -- reading the units alone -----------------------------------------------------------

    def _parse(self, units: list[_Unit]) -> None:
        """Each unit's new text as a document of one stream: a mapping at the unit's column,
        or nothing.  With `CHECK_OLD` (the tests), the old texts too, which must give the old
        entries: the check of the reasoning above, not needed for a result it proves."""
        old, text = self.old, self.text
        parts: list[str] = []
        bases: list[tuple[int, int, int]] = []        # (offset, line, end) of each document
        offset, line = 0, 1
        olds = [old[u.start:u.end] for u in units] if CHECK_OLD else []
        pieces = olds + [text[u.new_start:u.new_end] for u in units]
        for n, piece in enumerate(pieces):
            offset, line = offset + 4, line + 1
            bases.append((offset, line, offset + len(piece)))
            # only a unit at the end of the text lacks a final newline: the last new one
            # ends the stream as it ends the text; an old one reads otherwise (declined)
            gap = "" if piece.endswith("\n") or n == len(pieces) - 1 else "\n"
            parts += ["---\n", piece, gap]
            offset, line = offset + len(piece) + len(gap), line + piece.count("\n") + len(gap)
        docs = yamlevents.build_all("".join(parts), self.path, resolve_plain)
        if docs is None or len(docs) != len(pieces):
            raise Decline("an edited entry is not plain YAML on its own")
        lines = 1
        pos = 0
        for unit in units:                  # line numbers, counted on from the unit before
            lines += old.count("\n", pos, unit.start)
            pos = unit.start
            unit.old_line = lines
        shift = 0
        for n, unit in enumerate(units):
            unit.new_line = unit.old_line + shift
            unit.lines = text.count("\n", unit.new_start, unit.new_end) - \
                old.count("\n", unit.start, unit.end)
            shift += unit.lines
            if olds:
                self._check_old(unit, docs[n], bases[n])
            new = docs[len(olds) + n]
            # a block mapping at the unit's column: alone, a flow mapping there is the whole
            # document, where in the file it would have to be a key
            if new is not None and (not isinstance(new, SMap) or new.origin is None or
                                    new.origin.column != unit.column + 1 or
                                    text[unit.new_start + new.origin.start
                                         - bases[len(olds) + n][0]] == "{"):
                raise Decline("an edited entry does not read alone as a mapping at its column")
            unit.parsed = new
        self.bases = bases[len(olds):]

    def _check_old(self, unit: _Unit, parsed: Any, base: tuple[int, int, int]) -> None:
        owner, keys = unit.owner, unit.keys[unit.first:unit.stop]
        if parsed.__class__ is not SMap or list(parsed) != keys or \
                any(parsed[k] != owner[k] for k in keys):
            raise AssertionError(f"unit {unit.start}-{unit.end} reads otherwise on its own")
        offset, line, _ = base
        origins, theirs = owner.key_origins, parsed.key_origins
        for k in keys:
            mine, o = origins[k], theirs[k]
            if (o.line - line + unit.old_line, o.column, o.start - offset + unit.start,
                    o.end - offset + unit.start) != mine[1:]:
                raise AssertionError(f"unit {unit.start}-{unit.end}: key {k!r} moved alone")

    # -- where things go -------------------------------------------------------------------

    def _place(self, units: list[_Unit]) -> None:
        """Each unit's first token and the token after it, in the new text (from the last
        unit back: the token after one may be the first of the next)."""
        self.starts = [u.start for u in units]
        self.units = units
        total = 0
        for unit in units:
            total += unit.delta
            self.cumulative.append(total)
        for n in range(len(units) - 1, -1, -1):
            unit = units[n]
            unit.after_new = self._moved_end(unit.after)
            parsed = unit.parsed
            if parsed is not None:
                origin = parsed.origin
                assert origin is not None
                unit.first_new = origin.start - self.bases[n][0] + unit.new_start
            else:
                unit.first_new = unit.after_new
            self._convert(unit, self.bases[n])

    def _moved_end(self, pos: int) -> int:
        """Where the old offset `pos` (a token that ends a container) is in the new text."""
        n = bisect.bisect_right(self.starts, pos) - 1
        if n < 0:
            return pos
        unit = self.units[n]
        if pos < unit.end:
            if pos == unit.start + unit.column:
                return unit.first_new
            raise Decline("a container ends inside an edited entry")
        return pos + self.cumulative[n]

    def _convert(self, unit: _Unit, base: tuple[int, int, int]) -> None:
        """The unit's parsed entries' origins moved to the new text, in place (the tree is
        this splice's own)."""
        if unit.parsed is None:
            return
        offset, line, end = base
        shift, lines, path, after = unit.new_start - offset, unit.new_line - line, self.path, \
            unit.after_new
        new = _NEW

        def moved(o: Origin, container: bool) -> Origin:
            stop = o.end
            if stop >= end:
                stop = after if container else end + shift
            else:
                stop += shift
            return new(Origin, (path, o.line + lines, o.column, o.start + shift, stop))

        todo: list[Any] = [unit.parsed]
        while todo:
            node = todo.pop()
            if node.__class__ is SMap:
                for origins in (node.key_origins, node.value_origins):
                    for key, o in origins.items():
                        value = node[key] if origins is node.value_origins else None
                        origins[key] = moved(o, value.__class__ in (SMap, SList))
                todo.extend(v for v in node.values() if v.__class__ in (SMap, SList))
            else:
                node.item_origins = [moved(o, v.__class__ in (SMap, SList))
                                     for o, v in zip(node.item_origins, node)]
                todo.extend(v for v in node if v.__class__ in (SMap, SList))
            if node.origin is not None:
                node.origin = moved(node.origin, True)

    # -- the new tree ----------------------------------------------------------------------

    def _rebuild(self, units: list[_Unit]) -> SMap:
        """A new tree: the old one's values, each unit's entries replaced by its parse, every
        origin moved.  In document order, carrying the shift the units so far made; a
        container that ends before the next unit starts moves whole (`_moved`)."""
        path, new, moved_end, old, moved = self.path, _NEW, self._moved_end, self.old, \
            self._moved
        state = [0, 0, 0]           # chars, lines, index of the next unit
        firsts = [u.owner.key_origins[u.keys[u.first]].start for u in units] + [-1]
        starts = [u.start for u in units] + [len(old) + 1]
        next_first, next_start = firsts[0], starts[0]

        def mapping(node: SMap) -> SMap:
            nonlocal next_first, next_start
            origins, values = node.key_origins, node.value_origins
            entries: dict[Any, Any] = {}
            new_keys: dict[Any, Origin] = {}
            new_values: dict[Any, Origin] = {}
            start = cast(Origin, node.origin)
            flow = old[start.start] == "{"
            c, d = state[0], state[1]
            head = (start.line + d, start.column, start.start + c)
            if len(origins) != len(node):
                raise Decline("a mapping without an origin for every key")
            skip = expected = 0
            # a parsed mapping's key origins are in the order of its keys
            for (key, value), o in zip(node.items(), origins.values()):
                if o[3] == next_first:
                    unit = units[state[2]]
                    parsed = unit.parsed
                    if parsed is not None:
                        entries.update(parsed)
                        new_keys.update(parsed.key_origins)
                        new_values.update(parsed.value_origins)
                        expected += len(parsed)
                    skip = unit.stop - unit.first
                    c = state[0] = c + unit.delta
                    d = state[1] = d + unit.lines
                    state[2] += 1
                    next_first, next_start = firsts[state[2]], starts[state[2]]
                if skip:
                    skip -= 1
                    continue
                expected += 1
                new_keys[key] = new(Origin, (path, o[1] + d, o[2], o[3] + c, o[4] + c))
                cls = value.__class__
                if cls is SMap or cls is SList:
                    value = container(value, c, d)
                    c, d = state[0], state[1]
                    new_values[key] = cast(Origin, value.origin)
                else:
                    v = values[key]
                    new_values[key] = new(Origin, (path, v[1] + d, v[2], v[3] + c, v[4] + c))
                entries[key] = value
            if len(entries) != expected:
                raise Decline("the fixed text repeats a key")
            if not entries:
                raise Decline("the edits empty a mapping")
            if not flow:        # a block mapping starts at its first key
                first = new_keys[next(iter(entries))]
                head = (first.line, first.column, first.start)
            return make_map(entries, new(Origin, (path, *head, moved_end(start.end))),
                            new_keys, new_values)

        def container(node: Any, c: int, d: int) -> Any:
            """`node` moved whole when it ends before the next unit, else walked."""
            if node.origin.end < next_start:
                return moved(node, c, d)
            return mapping(node) if node.__class__ is SMap else sequence(node)

        def sequence(node: SList) -> SList:
            start = cast(Origin, node.origin)
            c, d = state[0], state[1]
            head = new(Origin, (path, start.line + d, start.column, start.start + c, 0))
            items = []
            item_origins: list[Origin | None] = []
            for value, o in zip(node, node.item_origins):
                cls = value.__class__
                if cls is SMap or cls is SList:
                    value = container(value, c, d)
                    c, d = state[0], state[1]
                    item_origins.append(value.origin)
                else:
                    item_origins.append(None if o is None else
                                        new(Origin, (path, o[1] + d, o[2], o[3] + c, o[4] + c)))
                items.append(value)
            return _list(items, head._replace(end=moved_end(start.end)), item_origins)

        root = mapping(cast(SMap, self.doc.data))
        if state[2] != len(units):
            raise Decline("an edited entry was not met in the tree")
        return root

    def _moved(self, node: Any, c: int, d: int) -> Any:
        """A copy of `node` with every origin moved by `c` characters and `d` lines (no unit
        starts before it ends)."""
        o = node.origin
        origin = _NEW(Origin, (self.path, o[1] + d, o[2], o[3] + c, o[4] + c))
        return (_moved_map if node.__class__ is SMap else _moved_list)(node, origin, self.path,
                                                                         c, d)


def _moved_map(node: Any, origin: Origin, path: str, c: int, d: int) -> SMap:
    """`node` (a mapping) copied with `origin` and every origin inside moved by `c`, `d`."""
    new = _NEW
    entries = dict(node)
    values = {k: new(Origin, (path, o[1] + d, o[2], o[3] + c, o[4] + c))
              for k, o in node.value_origins.items()}
    for key, value in entries.items():
        cls = value.__class__
        if cls is SMap:             # a container's node origin is its value origin
            entries[key] = _moved_map(value, values[key], path, c, d)
        elif cls is SList:
            entries[key] = _moved_list(value, values[key], path, c, d)
    return make_map(entries, origin, {k: new(Origin, (path, o[1] + d, o[2], o[3] + c, o[4] + c))
                                      for k, o in node.key_origins.items()}, values)


def _moved_list(node: Any, origin: Origin, path: str, c: int, d: int) -> SList:
    """`node` (a list) copied with `origin` and every origin inside moved by `c`, `d`."""
    new = _NEW
    origins: list[Any] = [None if o is None else new(Origin, (path, o[1] + d, o[2], o[3] + c,
                                                              o[4] + c))
                          for o in node.item_origins]
    items = [v if v.__class__ is not SMap and v.__class__ is not SList else
             _moved_map(v, o, path, c, d) if v.__class__ is SMap else
             _moved_list(v, o, path, c, d) for v, o in zip(node, origins)]
    return _list(items, origin, origins)


_new_list = SList.__new__


def _list(items: list[Any], origin: Origin, item_origins: list[Origin | None]) -> SList:
    """An SList of `items` that takes `item_origins` as it is (not copied)."""
    out = _new_list(SList)
    list.extend(out, items)
    out.origin = origin
    out.item_origins = item_origins
    return out
