"""SL715: `x-*` keys where the stack schema allows none (inside `deploy`, `logging`, ports …)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint.fix.fixes import FixContext, Proposal, Rule
from stacklint.fix.textedit import delete_entry
from stacklint.tree import SList, SMap

RULE = Rule("SL715", "nested-extension-key", "Remove the extension key")
# x-* is allowed at the top level, on a service, and on a top-level network, volume,
# secret or config entry; everywhere below those, the schema rejects it
SECTIONS = ("services", "networks", "volumes", "secrets", "configs")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    if not isinstance(data, SMap) or not _may_have_extension_key(ctx.text):
        return
    for section in SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, SMap):
            continue
        for name, entry in entries.items():
            if isinstance(entry, SMap):
                for key, value in entry.items():
                    if not str(key).startswith("x-"):
                        yield from _walk(ctx, value, (section, name, key))


# besides whitespace, what can stand right before a key: flow collections, `?`, `:`, quotes
_KEY_AFTER = frozenset("{[,?:'\"\ufeff")


def _may_have_extension_key(text: str) -> bool:
    """False only when no key can start with `x-`: without a backslash (an escape could
    spell one), every key's characters stand in the text as they are. Walking a
    1000-service file takes ~35 ms; finding its `x-` (as in `max-size`) a few."""
    if "\\" in text:
        return True
    at = text.find("x-")
    while at != -1:
        before = text[at - 1] if at else " "
        if before in _KEY_AFTER or before.isspace():
            return True
        at = text.find("x-", at + 2)
    return False


def _walk(ctx: FixContext, node: Any, pointer: tuple[Any, ...]) -> Iterator[Proposal]:
    if isinstance(node, SList):
        for i, item in enumerate(node):
            if isinstance(item, (SMap, SList)):     # scalars hold no keys: no walk there
                yield from _walk(ctx, item, (*pointer, i))
        return
    if not isinstance(node, SMap):
        return
    for key, value in node.items():
        if isinstance(key, str) and key.startswith("x-") and not _is_data(pointer):
            here = (*pointer, key)
            yield ctx.proposal(
                RULE, here, node.key_origins.get(key),
                f"removed {'.'.join(map(str, here))}: the stack schema allows `x-*` keys only "
                "at the top level, on a service and on a top-level network, volume, secret "
                "or config; move it there if a tool reads it", (delete_entry(ctx.text, node, key),),
                (("delete", here, None),))
        elif isinstance(value, (SMap, SList)):
            yield from _walk(ctx, value, (*pointer, key))


def _is_data(pointer: tuple[Any, ...]) -> bool:
    """Maps whose keys are user data (labels, environment, …): `x-` is an ordinary key there."""
    return bool(pointer) and pointer[-1] in (
        "labels", "environment", "sysctls", "extra_hosts", "driver_opts", "options", "args",
        "ulimits", "networks", "aliases")
