"""SL722: `devices` entries in the long form Compose v2 prints (`{source, target,
permissions}`); the stack schema wants `source:target:permissions` strings."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint.fix.fixes import FixContext, Pointer, Proposal, Rule, list_items
from stacklint.fix.textedit import plain_or_quoted, replace_item
from stacklint.tree import SList, SMap

RULE = Rule("SL722", "device-long-form", "Write the device as source:target:permissions")
_KEYS = {"source", "target", "permissions"}


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, devices, i, entry in list_items(ctx.doc.data, "devices"):
        if isinstance(entry, SMap):
            yield _entry(ctx, ("services", name, "devices", i), devices, i, entry)


def _entry(ctx: FixContext, pointer: Pointer, devices: SList, i: int, entry: SMap) -> Proposal:
    where = ".".join(map(str, pointer))
    origin = devices.item_origins[i]
    parts: list[Any] = [entry.get(k) for k in ("source", "target", "permissions")]
    if set(entry) - _KEYS or not all(isinstance(p, str) and p and ":" not in p
                                     for p in parts if p is not None) \
            or not isinstance(parts[0], str):
        return ctx.proposal(RULE, pointer, origin, f"{where}: a device in an unknown form",
                            manual="write it as source:target:permissions, e.g. "
                                   "/dev/fuse:/dev/fuse:rwm")
    source, target, permissions = parts
    value = ":".join([source, target or source, *([permissions] if permissions else [])])
    edit = replace_item(ctx.text, devices, i, plain_or_quoted(value), ctx.doc.newline)
    return ctx.proposal(RULE, pointer, origin, f"{where}: written as {value}", (edit,),
                        (("set", pointer, value),))
