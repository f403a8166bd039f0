"""SL731: a `$$` in a mapping key of Compose's output, which `docker stack deploy` keeps.

Compose writes every `$` of its output as `$$`, keys included (a label `${KEY}` becomes
`$${KEY}`). `docker stack deploy` interpolates values, so `$$` there turns back into `$`,
but never keys: the label would be deployed as `$${KEY}`. Only in a file that shows it is
Compose's output (see SL730) is such a key written back with one `$`.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint.fix.fixes import FixContext, Pointer, Proposal, Rule
from stacklint.fix.fixes.project_names import compose_output
from stacklint.model import Edit
from stacklint.tree import SList, SMap, plain

RULE = Rule("SL731", "compose-escaped-key", "Write the key with one `$`")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    first = ctx.first or ctx.doc
    if "$$" not in ctx.text or not compose_output(first):
        return
    # only the keys Compose wrote: a key written back may still hold a `$$` (`$$$$`)
    written = {here for here, _ in _walk(first.data, ())}
    for here, node in _walk(ctx.doc.data, ()):
        if here in written:
            yield _proposal(ctx, node, here)


def _walk(node: Any, pointer: Pointer) -> Iterator[tuple[Pointer, SMap]]:
    """(pointer, parent) of every key with a `$$`, outside the top-level `x-*` entries."""
    if isinstance(node, SList):
        for i, item in enumerate(node):
            yield from _walk(item, (*pointer, i))
    if not isinstance(node, SMap):
        return
    for key, value in node.items():
        here = (*pointer, key)
        if isinstance(key, str) and "$$" in key:
            yield here, node
        if not (pointer == () and isinstance(key, str) and key.startswith("x-")):
            yield from _walk(value, here)


def _proposal(ctx: FixContext, node: SMap, here: Pointer) -> Proposal:
    key, pointer = here[-1], here[:-1]
    origin = node.key_origins.get(key)
    new = key.replace("$$", "$")
    source = ctx.text[origin.start:origin.end] if origin is not None else ""
    message = (f"{'.'.join(map(str, here))}: Compose wrote the key `{new}` as `{key}`; "
               "`docker stack deploy` does not unescape keys")
    if origin is None or new in node or "$$" not in source:   # an alias, or the key exists already
        return ctx.proposal(RULE, here, origin, message,
                            manual=f"write the key as `{new}` by hand")
    return ctx.proposal(
        RULE, here, origin, f"{message}, so it is written `{new}`",
        (Edit(ctx.doc.path, origin.start, origin.end, source.replace("$$", "$")),),
        (("delete", here, None), ("set", (*pointer, new), plain(node[key]))))
