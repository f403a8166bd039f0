"""One-pass read of plain YAML: C parser events straight into SMap/SList, no node tree.

The node tree of a 1 MiB compose file takes ~30 MiB and most of the parse time, and
nearly every compose file is plain: no anchors, tags, merge keys or duplicate keys. For
those, `build` gives the same values and origins as `document.Converter`. Anything else
(and every YAML error) returns (False, None) so the caller takes the careful node path,
which owns the error messages, the alias bound and the tag list.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yaml import YAMLError
from yaml import events as ev

from stacklint.model import Origin
from stacklint.tree import SList, SMap

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    CParser = None

# deeper documents take the node path, whose own recursion bound reports them
MAX_DEPTH = 64
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

    Scalars, most of a file, are handled inline in the loops (no call per scalar)."""
    scalar_event, seq_start, seq_end = ev.ScalarEvent, ev.SequenceStartEvent, ev.SequenceEndEvent
    map_start, map_end = ev.MappingStartEvent, ev.MappingEndEvent
    new = _NEW
    memo: dict[str, Any] = {}       # repeated plain scalars (`true`, `30s`, keys) resolve once
    known, miss = memo.get, memo

    def scalar(event: Any) -> Any:
        if event.tag is not None or event.anchor is not None:
            raise _Unusual
        text = event.value
        if not event.implicit[0]:   # quoted or block: a string
            return text
        v = known(text, miss)
        if v is miss:
            v = memo[text] = resolve(text)
        return v

    def value(event: Any, depth: int) -> Any:
        cls = event.__class__
        if cls is scalar_event:
            return scalar(event)
        if cls is ev.AliasEvent or event.tag is not None or event.anchor is not None \
                or depth > MAX_DEPTH:
            raise _Unusual
        s = event.start_mark
        if cls is seq_start:
            out = SList()
            append, origins = out.append, out.item_origins.append
            while True:
                item = get()
                cls = item.__class__
                if cls is scalar_event:
                    append(scalar(item))
                    a, b = item.start_mark, item.end_mark
                    origins(new(Origin, (path, a.line + 1, a.column + 1, a.index, b.index)))
                elif cls is seq_end:
                    e = item.end_mark
                    out.origin = new(Origin, (path, s.line + 1, s.column + 1, s.index, e.index))
                    return out
                else:
                    v = value(item, depth + 1)
                    append(v)
                    origins(v.origin)
        if cls is not map_start:
            raise _Unusual
        out_map = SMap()
        keys, values = out_map.key_origins, out_map.value_origins
        while True:
            key_event = get()
            if key_event.__class__ is not scalar_event:
                if key_event.__class__ is map_end:
                    e = key_event.end_mark
                    out_map.origin = new(Origin, (path, s.line + 1, s.column + 1, s.index,
                                                  e.index))
                    return out_map
                raise _Unusual
            key = scalar(key_event)
            if key.__class__ is not str or key in out_map or key == "<<":
                raise _Unusual    # odd keys, duplicates and merge keys: the careful path
            a, b = key_event.start_mark, key_event.end_mark
            keys[key] = new(Origin, (path, a.line + 1, a.column + 1, a.index, b.index))
            item = get()
            if item.__class__ is scalar_event:
                out_map[key] = scalar(item)
                a, b = item.start_mark, item.end_mark
                values[key] = new(Origin, (path, a.line + 1, a.column + 1, a.index, b.index))
            else:
                v = out_map[key] = value(item, depth + 1)
                values[key] = v.origin

    return value
