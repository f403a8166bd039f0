"""One-pass read of YAML: C parser events straight into SMap/SList, no node tree.

The node tree of a 1 MiB compose file takes ~30 MiB and most of the parse time.  For
the files compose stacks are made of (plain YAML, anchors, aliases and `<<` merge keys),
`build` gives the same values and origins as `document.Converter`: an alias is the very
object its anchor made, with the anchor's origin; `<<` merges as go-yaml v3 does (explicit
keys win, then the earlier merged map).  Anything else (tags, keys that are not strings,
duplicate keys or anchors, an alias of an unknown or unfinished anchor, a merge of a
non-mapping, aliasing beyond `document`'s bound, and every YAML error) returns
(False, None) so the caller takes the careful node path, which owns the error messages,
the alias bound's wording and the tag list.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stacklint.load.yamlimport  # noqa: F401  (before yaml: see there)
from yaml import YAMLError
from yaml import events as ev

from stacklint.model import Origin
from stacklint.tree import SList, SMap

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    CParser = None  # type: ignore[assignment, misc]

# deeper documents take the node path, whose own recursion bound reports them
MAX_DEPTH = 64
# the alias bound of `document.Converter.convert` (go-yaml's "excessive aliasing")
MAX_EXPANDED_NODES = 1_000_000
ALIAS_RATIO = 10
_NEW = tuple.__new__      # an Origin without the NamedTuple's Python-level __new__


class _Unusual(Exception):
    """Something the one-pass builder leaves to the careful path."""


def build(text: str, path: str, resolve: Callable[[str], Any]) -> tuple[bool, Any]:
    """(True, data) when the text is plain YAML, else (False, None).

    `resolve` gives the value of a plain (unquoted, untagged) scalar."""
    if CParser is None:
        return False, None
    parser = CParser(text)
    try:
        return True, _document(parser.get_event, path, resolve)
    except (_Unusual, YAMLError):
        return False, None
    finally:
        parser.dispose()


def build_all(text: str, path: str, resolve: Callable[[str], Any]) -> list[Any] | None:
    """Each document's value, when every document of the stream is plain YAML, else None.

    The fixer's guard reads the entries its edits touch this way, each a document of one
    stream (`fix/splice.py`): one parser for them all, not one per entry."""
    if CParser is None:
        return None
    parser = CParser(text)
    try:
        get = parser.get_event
        get()                                   # StreamStart
        value = _builder(get, path, resolve)
        out = []
        while get().__class__ is not ev.StreamEndEvent:     # DocumentStart
            out.append(value(get(), 0))
            get()                               # DocumentEnd
        return out
    except (_Unusual, YAMLError):
        return None
    finally:
        parser.dispose()


def _document(get: Callable[[], Any], path: str, resolve: Callable[[str], Any]) -> Any:
    get()                                       # StreamStart
    if get().__class__ is ev.StreamEndEvent:    # no document (empty, or only comments)
        return None
    data = _builder(get, path, resolve)(get(), 0)
    if get().__class__ is not ev.DocumentEndEvent or get().__class__ is not ev.StreamEndEvent:
        raise _Unusual        # a second document: the careful path reads only the first
    return data


def _builder(get: Callable[[], Any], path: str,
             resolve: Callable[[str], Any]) -> Callable[[Any, int], Any]:
    """The recursive value builder, with everything it reads bound locally.

    Scalars, most of a file, are handled inline in the loops (no call per scalar).  Each
    container counts the nodes it holds (`document.Converter._size` counts them the same
    way: keys, values and items, an alias as its anchor's whole size), for the alias bound."""
    scalar_event, seq_start, seq_end = ev.ScalarEvent, ev.SequenceStartEvent, ev.SequenceEndEvent
    map_start, map_end, alias_event = ev.MappingStartEvent, ev.MappingEndEvent, ev.AliasEvent
    new = _NEW
    memo: dict[str, Any] = {}       # repeated plain scalars (`true`, `30s`, keys) resolve once
    known, miss = memo.get, memo
    anchors: dict[str, tuple[Any, Origin, int]] = {}    # name -> value, origin, expanded size
    counts = [0, 0]                 # nodes after expanding aliases; nodes the aliases added

    def scalar(event: Any) -> Any:
        if event.tag is not None:
            raise _Unusual
        text = event.value
        if not event.implicit[0]:   # quoted or block: a string
            v = text
        else:
            v = known(text, miss)
            if v is miss:
                v = memo[text] = resolve(text)
        if event.anchor is not None:
            a, b = event.start_mark, event.end_mark
            anchor(event.anchor, v, new(Origin, (path, a.line + 1, a.column + 1, a.index,
                                                 b.index)), 1)
        return v

    def anchor(name: str, v: Any, origin: Origin, size: int) -> None:
        if name in anchors:         # PyYAML refuses it; the node path says so
            raise _Unusual
        anchors[name] = (v, origin, size)

    def alias(event: Any) -> tuple[Any, Origin]:
        found = anchors.get(event.anchor)
        if found is None:           # unknown, or its own value still being read (a cycle)
            raise _Unusual
        counts[0] += found[2]
        counts[1] += found[2]
        if counts[0] > MAX_EXPANDED_NODES:
            raise _Unusual          # "excessive aliasing": the node path words it
        return found[0], found[1]

    def container(event: Any, depth: int) -> Any:
        if event.tag is not None or depth > MAX_DEPTH:
            raise _Unusual
        if event.anchor is None:
            return value(event, depth)
        before = counts[0]
        v = value(event, depth)
        anchor(event.anchor, v, v.origin, counts[0] - before)
        return v

    def value(event: Any, depth: int) -> Any:
        cls = event.__class__
        s = event.start_mark
        n = 1
        if cls is seq_start:
            out = SList()
            append, origins = out.append, out.item_origins.append
            while True:
                item = get()
                cls = item.__class__
                if cls is scalar_event:
                    n += 1
                    append(scalar(item))
                    a, b = item.start_mark, item.end_mark
                    origins(new(Origin, (path, a.line + 1, a.column + 1, a.index, b.index)))
                elif cls is seq_end:
                    e = item.end_mark
                    out.origin = new(Origin, (path, s.line + 1, s.column + 1, s.index, e.index))
                    counts[0] += n
                    return out
                elif cls is alias_event:
                    v, o = alias(item)
                    append(v)
                    origins(o)
                else:
                    v = container(item, depth + 1)
                    append(v)
                    origins(v.origin)
        if cls is not map_start:
            raise _Unusual
        out_map = SMap()
        keys, values = out_map.key_origins, out_map.value_origins
        merged: list[SMap] | None = None
        while True:
            key_event = get()
            if key_event.__class__ is not scalar_event:
                if key_event.__class__ is map_end:
                    if merged is not None:      # explicit keys win, then the earlier map
                        for source in merged:
                            for key in source:
                                if key not in out_map:
                                    out_map.copy_entry(source, key)
                    e = key_event.end_mark
                    out_map.origin = new(Origin, (path, s.line + 1, s.column + 1, s.index,
                                                  e.index))  # type: ignore[union-attr]
                    counts[0] += n
                    return out_map
                raise _Unusual
            n += 1
            key = scalar(key_event)
            if key == "<<" and key_event.implicit[0]:
                if merged is None:
                    merged = []
                merged.extend(merge_sources(get(), depth))
                continue
            if key.__class__ is not str or key in out_map or key == "<<":
                raise _Unusual    # odd keys, duplicates, a quoted `<<`: the careful path
            # the stubs type an event's marks `Mark | None`; the C parser sets both on every event
            a, b = key_event.start_mark, key_event.end_mark
            keys[key] = new(Origin, (path, a.line + 1, a.column + 1, a.index,  # type: ignore[union-attr]
                                     b.index))  # type: ignore[union-attr]
            item = get()
            cls = item.__class__
            if cls is scalar_event:
                n += 1
                out_map[key] = scalar(item)
                a, b = item.start_mark, item.end_mark
                values[key] = new(Origin, (path, a.line + 1, a.column + 1, a.index, b.index))
            elif cls is alias_event:
                out_map[key], values[key] = alias(item)
            else:
                v = out_map[key] = container(item, depth + 1)
                values[key] = v.origin

    def merge_sources(event: Any, depth: int) -> list[SMap]:
        """The maps a `<<` value names: an alias or a mapping, or a list of them."""
        cls = event.__class__
        if cls is alias_event:
            v = alias(event)[0]
        elif cls is scalar_event:
            raise _Unusual                      # not a mapping: the node path's error
        else:
            v = container(event, depth + 1)
        items = v if v.__class__ is SList else [v]
        if not all(item.__class__ is SMap for item in items):
            raise _Unusual
        return list(items)

    def top(event: Any, depth: int) -> Any:
        cls = event.__class__
        if cls is scalar_event:
            counts[0] += 1
            return scalar(event)
        if cls is alias_event:
            raise _Unusual
        return container(event, depth)

    def checked(event: Any, depth: int) -> Any:
        """The document's value, if its aliases stay within `document`'s bound."""
        data = top(event, depth)
        expanded = counts[0]
        distinct = expanded - counts[1]
        if expanded > MAX_EXPANDED_NODES or expanded > ALIAS_RATIO * distinct + 10_000:
            raise _Unusual
        return data

    return checked
