"""A one-pass parse: C parser events straight to SMap/SList, no node tree in between.

Same result as `document.parse` (values and origins) for documents without anchors, tags,
merge keys or duplicate keys; anything else returns None so the caller takes the usual path.
`python bench/proto_events.py [folder]` checks equality and compares time and memory.
"""
from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml import events as ev

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stacklint.load import document  # noqa: E402
from stacklint.load.document import resolve_plain  # noqa: E402
from stacklint.model import Origin  # noqa: E402
from stacklint.tree import SList, SMap  # noqa: E402

_new = tuple.__new__


class _Unusual(Exception):
    """Something the one-pass builder leaves to the careful path."""


def build(text: str, path: str) -> tuple[bool, Any]:
    """(True, data) when the fast path applies, else (False, None)."""
    if "&" in text or "!" in text or "<<" in text:
        return False, None
    parser = CParser(text)
    try:
        return True, _document(parser, path)
    except _Unusual:
        return False, None
    except yaml.YAMLError:
        return False, None         # the usual path reports the error with its position
    finally:
        parser.dispose()


def _document(parser: Any, path: str) -> Any:
    get = parser.get_event
    get()                                   # StreamStart
    first = get()
    if isinstance(first, ev.StreamEndEvent):
        return None
    data = _value(get, get(), path)         # after DocumentStart
    if not isinstance(get(), ev.DocumentEndEvent) or not isinstance(get(), ev.StreamEndEvent):
        raise _Unusual                      # more than one document
    return data


def _origin(path: str, start: Any, end: Any) -> Origin:
    return _new(Origin, (path, start.line + 1, start.column + 1, start.index, end.index))


def _value(get: Any, event: Any, path: str) -> Any:
    cls = event.__class__
    if cls is ev.ScalarEvent:
        return resolve_plain(event.value) if event.implicit[0] else event.value
    if cls is ev.SequenceStartEvent:
        out = SList()
        append, origins = out.append, out.item_origins.append
        while True:
            item = get()
            if item.__class__ is ev.SequenceEndEvent:
                out.origin = _origin(path, event.start_mark, item.end_mark)
                return out
            value = _value(get, item, path)
            append(value)
            origins(value.origin if isinstance(value, (SMap, SList))
                    else _origin(path, item.start_mark, item.end_mark))
    if cls is ev.MappingStartEvent:
        out_map = SMap()
        keys, values = out_map.key_origins, out_map.value_origins
        while True:
            key_event = get()
            if key_event.__class__ is ev.MappingEndEvent:
                out_map.origin = _origin(path, event.start_mark, key_event.end_mark)
                return out_map
            if key_event.__class__ is not ev.ScalarEvent:
                raise _Unusual
            key = resolve_plain(key_event.value) if key_event.implicit[0] else key_event.value
            if key.__class__ is not str or key in out_map:
                raise _Unusual
            item = get()
            value = _value(get, item, path)
            out_map[key] = value
            keys[key] = _origin(path, key_event.start_mark, key_event.end_mark)
            values[key] = (value.origin if isinstance(value, (SMap, SList))
                           else _origin(path, item.start_mark, item.end_mark))
    raise _Unusual                          # an alias


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, SMap):
        return (isinstance(b, SMap) and a.origin == b.origin and a.key_origins == b.key_origins
                and a.value_origins == b.value_origins and list(a) == list(b)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, SList):
        return (isinstance(b, SList) and a.origin == b.origin
                and a.item_origins == b.item_origins and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    return type(a) is type(b) and (a == b or a != a)    # NaN equals NaN here


def main(folder: Path) -> None:
    files = sorted(folder.glob("*.yml"), key=lambda f: -f.stat().st_size)
    texts = [f.read_text(encoding="utf-8") for f in files]
    gc.disable()
    for name, fn in (("compose+convert", lambda t, f: document.parse(t, f).data),
                     ("events", lambda t, f: build(t, f)[1])):
        start = time.process_time()
        for t, f in zip(texts, files):
            fn(t, str(f))
        seconds = time.process_time() - start
        tracemalloc.start()
        fn(texts[0], str(files[0]))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name:16s} {seconds:.3f} s cpu for {len(files)} files; "
              f"peak {peak / 2**20:.1f} MiB while parsing {files[0].name}")
    for t, f in zip(texts, files):
        ok, data = build(t, str(f))
        assert ok and _same(document.parse(t, str(f)).data, data), f
    print("identical values and origins")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else
         Path(__file__).parent / "out" / "chains" / "n1000")
