"""Mappings and lists that remember where each key and value came from.

Every stage works on these plain-looking containers: `SMap` is a dict and
`SList` a list (jsonschema, json and the rules see ordinary data), and each
carries the `Origin` of its own node, of every key and of every value.  Merging
and normalising copy origins along with values, so a finding on the merged
model can name the file and line a person has to change.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stacklint.model import Origin

Pointer = tuple[Any, ...]


class SMap(dict):  # type: ignore[type-arg]
    """A dict with `origin` (the node), `key_origins` and `value_origins`."""

    __slots__ = ("origin", "key_origins", "value_origins")

    def __init__(self, *args: Any, origin: Origin | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origin = origin
        self.key_origins: dict[Any, Origin] = {}
        self.value_origins: dict[Any, Origin] = {}

    def put(self, key: Any, value: Any, key_origin: Origin | None = None,
            value_origin: Origin | None = None) -> None:
        """Set `key` and record where the key and the value stand."""
        self[key] = value
        if key_origin is not None:
            self.key_origins[key] = key_origin
        if value_origin is None and isinstance(value, (SMap, SList)):
            value_origin = value.origin
        if value_origin is not None:
            self.value_origins[key] = value_origin

    def copy_entry(self, other: SMap, key: Any, new_key: Any = None) -> None:
        """Copy `other[key]` here, origins included."""
        self.put(key if new_key is None else new_key, other[key],
                 other.key_origins.get(key), other.value_origins.get(key))

    def pop_entry(self, key: Any) -> Any:
        self.key_origins.pop(key, None)
        self.value_origins.pop(key, None)
        return self.pop(key)


class SList(list):  # type: ignore[type-arg]
    """A list with `origin` (the node) and `item_origins`, parallel to the items."""

    __slots__ = ("origin", "item_origins")

    def __init__(self, items: Iterable[Any] = (), origin: Origin | None = None,
                 item_origins: Iterable[Origin | None] | None = None) -> None:
        super().__init__(items)
        self.origin = origin
        self.item_origins: list[Origin | None] = (
            list(item_origins) if item_origins is not None else [None] * len(self))

    def add(self, value: Any, origin: Origin | None = None) -> None:
        if origin is None and isinstance(value, (SMap, SList)):
            origin = value.origin
        self.append(value)
        self.item_origins.append(origin)


_new_map, _update = SMap.__new__, dict.update


def make_map(entries: dict[Any, Any], origin: Origin | None, key_origins: dict[Any, Origin],
             value_origins: dict[Any, Origin]) -> SMap:
    """An SMap of `entries` that takes the two origin dicts as they are (not copied).

    Faster than `SMap()` + `put` per entry, for the many mappings a load builds."""
    out = _new_map(SMap)        # not __init__: its empty origin dicts would be replaced
    _update(out, entries)
    out.origin = origin
    out.key_origins = key_origins
    out.value_origins = value_origins
    return out


def shallow_copy(source: SMap) -> SMap:
    """A new mapping with the same entries and origins; the values are shared, not copied."""
    return make_map(source, source.origin, source.key_origins.copy(),
                    source.value_origins.copy())


def copy_entries(source: SMap, order: Iterable[Any] | None = None) -> SMap:
    """`shallow_copy` (its keys in `order` if given), with origins as `copy_entry` of every
    key records them: a container value without a recorded origin is recorded at its own
    node's origin."""
    out = make_map(source if order is None else {key: source[key] for key in order},
                   source.origin, source.key_origins.copy(), source.value_origins.copy())
    values = out.value_origins
    if not values.keys() >= out.keys():        # every parsed entry has one: nearly never
        for key, value in out.items():
            if values.get(key) is None and isinstance(value, (SMap, SList)) \
                    and value.origin is not None:
                values[key] = value.origin
    return out


def writable(source: SMap, out: SMap) -> SMap:
    """`out`, first copied if it is still `source`: a layer's tree is shared with the file's
    data and the merged model, so it is copied on its first edit, never edited in place."""
    return shallow_copy(source) if out is source else out


def value_origin(container: Any, key: Any) -> Origin | None:
    """Where `container[key]` was written (the value, or its node)."""
    if isinstance(container, SMap):
        found = container.value_origins.get(key)
        if found is None:
            found = container.key_origins.get(key)
        return found
    if isinstance(container, SList) and isinstance(key, int) and 0 <= key < len(container):
        return container.item_origins[key]
    return None


def key_origin(container: Any, key: Any) -> Origin | None:
    """Where the key `key` of a mapping was written."""
    if isinstance(container, SMap):
        return container.key_origins.get(key) or container.value_origins.get(key)
    return value_origin(container, key)


def locate(root: Any, pointer: Pointer, prefer_key: bool = False) -> Origin | None:
    """The origin of `pointer` in `root`, else of its nearest ancestor that has one.

    `prefer_key` names the key's line for a mapping entry (where an
    "unexpected key" or "bad value" finding should point); otherwise the value's.
    """
    best: Origin | None = getattr(root, "origin", None)
    node = root
    for i, step in enumerate(pointer):
        last = i == len(pointer) - 1
        here = (key_origin if (last and prefer_key) else value_origin)(node, step)
        if here is not None:
            best = here
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if not last:
            inner = getattr(node, "origin", None)
            if inner is not None and here is None:
                best = inner
    return best


def plain(value: Any) -> Any:
    """A deep copy as built-in dicts and lists (for dumping and comparing)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
