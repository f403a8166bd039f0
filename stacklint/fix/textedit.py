"""Span helpers for minimal text edits: find an entry's lines, delete, replace, insert."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from stacklint.load.document import resolve_plain
from stacklint.model import Edit, Origin
from stacklint.tree import SList, SMap


class EditConflict(Exception):
    """Two edits touch the same span."""


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Splice non-overlapping edits into `text`; overlaps raise `EditConflict`."""
    out: list[str] = []
    pos = 0
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end, e.content)):
        if edit.start < pos:
            raise EditConflict(edit)
        out += [text[pos:edit.start], edit.content]
        pos = edit.end
    return "".join([*out, text[pos:]])


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    """The offset just after the newline of the line holding `pos`."""
    found = text.find("\n", pos)
    return len(text) if found < 0 else found + 1


def column(text: str, pos: int) -> int:
    return pos - line_start(text, pos)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def is_flow(text: str, container: Any) -> bool:
    """True when a mapping or list is written in flow style (`{…}` / `[…]`)."""
    origin = getattr(container, "origin", None)
    return origin is not None and text[origin.start:origin.start + 1] in ("{", "[")


def is_alias(key_o: Origin, value_o: Origin | None) -> bool:
    """A value written as `*name` carries the anchored node's origin, not its own."""
    return value_o is not None and value_o.start < key_o.end


def block_entry_end(text: str, key_o: Origin, indentless_list: bool = False) -> int:
    """The end (after its last newline) of the lines a block-mapping entry occupies.

    The entry is the key's line plus every later line indented deeper than the
    key (or, for an indentless list value, lines starting `-` at the key's
    column). Trailing blank and comment-only lines belong to what follows.
    """
    key_col = column(text, key_o.start)
    end = line_end(text, key_o.end)
    pos = end
    while pos < len(text):
        nxt = line_end(text, pos)
        line = text[pos:nxt].rstrip("\r\n")
        if _is_filler(line):
            pos = nxt
            continue
        ind = _indent(line)
        dash = indentless_list and ind == key_col and line[ind:ind + 1] == "-"
        if ind <= key_col and not dash:
            break
        pos = end = nxt
    return end


def sibling_keys(container: SMap) -> list[tuple[str, Origin]]:
    """Own keys of a mapping in text order (merged `<<` entries point elsewhere)."""
    span = container.origin
    keys = [(k, o) for k, o in container.key_origins.items()
            if span is None or span.start <= o.start]
    return sorted(keys, key=lambda item: item[1].start)


def delete_entry(text: str, container: SMap, key: str) -> Edit | None:
    """An edit deleting `key` and its value from `container`, or None if it cannot."""
    key_o = container.key_origins.get(key)
    value_o = container.value_origins.get(key)
    if key_o is None:
        return None
    if is_flow(text, container):
        return _delete_flow_entry(text, container, key, key_o, value_o)
    start = line_start(text, key_o.start)
    value = container.get(key)
    indentless = isinstance(value, SList) and not is_flow(text, value)
    end = block_entry_end(text, key_o, indentless)
    if text[start:key_o.start].strip():          # `- key: v`: keep the dash
        following = [o for _, o in sibling_keys(container) if o.start >= end]
        if not following:
            return None
        return Edit(key_o.path, key_o.start, following[0].start, "")
    return Edit(key_o.path, start, end, "")


def _delete_flow_entry(text: str, container: SMap, key: str, key_o: Origin,
                       value_o: Origin | None) -> Edit | None:
    if is_alias(key_o, value_o):
        return None
    value_end = value_o.end if value_o is not None else key_o.end
    later = [o for _, o in sibling_keys(container) if o.start > key_o.start]
    if later:                                    # `a: 1, b: 2` -> `b: 2`
        return Edit(key_o.path, key_o.start, later[0].start, "")
    before = text.rfind(",", container.origin.start if container.origin else 0, key_o.start)
    if before < 0:                               # the only entry: `{a: 1}` -> `{}`
        return Edit(key_o.path, key_o.start, value_end, "")
    return Edit(key_o.path, before, value_end, "")


def own_entries(container: SMap) -> int:
    return len(sibling_keys(container))


def scalar_text(text: str, container: Any, key: Any) -> str | None:
    """The source text of a scalar value (quotes included), or None for an alias."""
    if isinstance(container, SMap):
        key_o, value_o = container.key_origins.get(key), container.value_origins.get(key)
        if key_o is None or value_o is None or is_alias(key_o, value_o):
            return None
        return text[value_o.start:value_o.end]
    if isinstance(container, SList):
        origin = container.item_origins[key]
        return None if origin is None else text[origin.start:origin.end]
    return None


_PROPS = re.compile(r"(?:[&!][^\s]*\s+)+")


def replace_value(text: str, container: SMap, key: str, content: str) -> Edit | None:
    """Replace a scalar value's span (quotes included) with `content`.

    An anchor (`&name`) in front of the scalar stays, so aliases still resolve.
    """
    key_o, value_o = container.key_origins.get(key), container.value_origins.get(key)
    if key_o is None or value_o is None or is_alias(key_o, value_o):
        return None
    if value_o.start == value_o.end:                 # `key:` with no value
        return Edit(value_o.path, key_o.end + 1, key_o.end + 1, " " + content) \
            if text[key_o.end:key_o.end + 1] == ":" else None
    props = _PROPS.match(text, value_o.start, value_o.end)
    if props is None:
        return Edit(value_o.path, value_o.start, value_o.end, content)
    # the new text carries its own type: drop a tag (`!!float`), keep an anchor
    anchors = [t for t in props.group().split() if t.startswith("&")]
    return Edit(value_o.path, value_o.start, value_o.end, " ".join([*anchors, content]))


def quote(value: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plain_or_quoted(value: str) -> str:
    """`value` plain when go-yaml reads it back as the same string, else quoted."""
    safe = value and value.strip() == value and not any(c in value for c in ":#{}[],&*!|>'\"%@`")
    if safe and not value.startswith(("-", "?")) and resolve_plain(value) == value:
        return value
    return quote(value)


def child_column(text: str, container: SMap, parent_key_o: Origin | None) -> tuple[int, int]:
    """(column of the mapping's keys, indentation step) for a block mapping."""
    keys = sibling_keys(container)
    col = column(text, keys[0][1].start) if keys else 0
    parent = column(text, parent_key_o.start) if parent_key_o is not None else 0
    step = col - parent if col > parent else 2
    return col, step


def render_block(path: tuple[str, ...], value: str, col: int, step: int, newline: str) -> str:
    """`a:\\n  b: value` lines at `col`, each nested `step` deeper."""
    lines = []
    for depth, key in enumerate(path):
        pad = " " * (col + depth * step)
        tail = f" {value}" if depth == len(path) - 1 else ""
        lines.append(f"{pad}{key}:{tail}{newline}")
    return "".join(lines)


def render_flow(path: tuple[str, ...], value: str) -> str:
    """`a: {b: value}` for insertion into a flow mapping."""
    out = value
    for key in reversed(path[1:]):
        out = f"{{{key}: {out}}}"
    return f"{path[0]}: {out}"


def insert_entry(text: str, container: SMap, parent_key_o: Origin | None,
                 path: tuple[str, ...], value: str, newline: str) -> Edit | None:
    """Insert `path[0]: …path[-1]: value` as the last entry of `container`."""
    origin = container.origin
    if origin is None:
        return None
    if is_flow(text, container):
        close = text.rfind("}", origin.start, origin.end)
        sep = ", " if own_entries(container) else ""
        return Edit(origin.path, close, close, sep + render_flow(path, value))
    keys = sibling_keys(container)
    if not keys:
        return None
    last_o = keys[-1][1]
    last_value = container.get(keys[-1][0])
    indentless = isinstance(last_value, SList) and not is_flow(text, last_value)
    at = block_entry_end(text, last_o, indentless)
    col, step = child_column(text, container, parent_key_o)
    lead = newline if at == len(text) and not text.endswith("\n") else ""
    return Edit(origin.path, at, at, lead + render_block(path, value, col, step, newline))


def item_span(text: str, items: SList, index: int) -> tuple[int, int] | None:
    """(start, end) of a list item's own text; for a block mapping item, through its last line."""
    origin = items.item_origins[index]
    item = items[index]
    before = items.item_origins[index - 1] if index else None
    if origin is None or (before is not None and origin.start < before.start):
        return None                                  # an alias: its text is elsewhere
    if isinstance(item, SMap) and not is_flow(text, item):
        keys = sibling_keys(item)
        if not keys:
            return None
        last_key, last_o = keys[-1]
        value = item.get(last_key)
        indentless = isinstance(value, SList) and not is_flow(text, value)
        return origin.start, block_entry_end(text, last_o, indentless)
    return origin.start, origin.end


def replace_item(text: str, items: SList, index: int, content: str, newline: str
                 ) -> Edit | None:
    """An edit writing list item `index` as the scalar text `content` (a block mapping
    item included: its lines become the one scalar)."""
    span = item_span(text, items, index)
    origin = items.item_origins[index]
    if span is None or origin is None:
        return None
    tail = newline if text[span[1] - 1:span[1]] == "\n" else ""
    return Edit(origin.path, span[0], span[1], content + tail)


def delete_item(text: str, items: SList, index: int) -> Edit | None:
    """An edit deleting item `index` (and its dash line, or its comma) from a list."""
    span = item_span(text, items, index)
    origin = items.item_origins[index]
    if span is None or origin is None:
        return None
    start, end = span
    if is_flow(text, items):
        later = [o for o in items.item_origins[index + 1:] if o is not None]
        if later:
            return Edit(origin.path, start, later[0].start, "")
        before = text.rfind(",", items.origin.start if items.origin else 0, start)
        return Edit(origin.path, before if before >= 0 else start, end, "")
    head = line_start(text, start)
    if text[head:start].strip() != "-":
        return None
    if text[end - 1:end] != "\n":                   # a scalar item: through its newline
        end = line_end(text, max(end - 1, start))
    return Edit(origin.path, head, end, "")
