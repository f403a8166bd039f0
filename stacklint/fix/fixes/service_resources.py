"""SL709: service-level `mem_limit`, `mem_reservation`, `cpus`, `pids_limit`, `scale` go to `deploy`."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint.fix.fixes import FixContext, Proposal, Rule, interpolated, services
from stacklint.fix.fixes.cpus_number import cpus_text
from stacklint.model import Edit, Origin
from stacklint.fix.textedit import (column, delete_entry, insert_entry, is_flow, quote,
                                render_block, scalar_text)
from stacklint.tree import SMap

RULE = Rule("SL709", "service-level-resource", "Move the key under `deploy`")

# key -> (place under the service, kind of value the stack schema wants)
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "mem_limit": (("deploy", "resources", "limits", "memory"), "bytes"),
    "mem_reservation": (("deploy", "resources", "reservations", "memory"), "bytes"),
    "cpus": (("deploy", "resources", "limits", "cpus"), "cpus"),
    "pids_limit": (("deploy", "resources", "limits", "pids"), "int"),
    "scale": (("deploy", "replicas"), "int"),
}


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    for name, svc in services(data):
        for key in MOVES:     # one move per service and pass: later ones see the new block
            if key in svc:
                yield _move(ctx, data["services"].key_origins.get(name), name, svc, key)
                break


def _render(value: Any, source: str | None, kind: str) -> tuple[str, Any] | None:
    """(text to write, value it reads as), or None when the value cannot move as is."""
    if isinstance(value, bool) or interpolated(source):
        return None
    if kind == "cpus" and isinstance(value, (int, float)):
        text = cpus_text(value)
        return quote(text), text
    if kind == "int":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        return (str(value), value) if isinstance(value, int) else None
    if isinstance(value, int):
        return quote(str(value)), str(value)
    if isinstance(value, str) and source is not None:
        return source, value
    return None


def _move(ctx: FixContext, svc_key_o: Origin | None, name: str, svc: SMap,
          key: str) -> Proposal:
    path, kind = MOVES[key]
    pointer = ("services", name, key)
    target = ".".join(path)
    message = f"services.{name}.{key} moved to services.{name}.{target}"
    origin = svc.key_origins.get(key)
    rendered = _render(svc[key], scalar_text(ctx.text, svc, key), kind)
    if rendered is None:
        return ctx.proposal(RULE, pointer, origin, f"services.{name}.{key} is not allowed "
                            "in a stack", manual=f"write its value under {target} by hand")
    text, value = rendered
    container, parent_o, depth = svc, svc_key_o, 0
    while depth < len(path) and isinstance(container.get(path[depth]), SMap):
        parent_o = container.key_origins.get(path[depth])
        container, depth = container[path[depth]], depth + 1
    expect = (("delete", pointer, None), ("set", ("services", name, *path), value))
    if depth < len(path) - 1 and path[depth] in container:     # e.g. `deploy:` left empty
        where = ".".join(path[:depth + 1])
        return ctx.proposal(RULE, pointer, origin, f"services.{name}.{key} is not allowed in "
                            f"a stack and {where} is not a mapping",
                            manual=f"write {target} under {where} by hand")
    if depth == len(path) or path[depth] in container:
        if depth == len(path) or container.get(path[depth]) != value:
            return ctx.proposal(RULE, pointer, origin, f"services.{name}.{key} and {target} "
                                "are both set", manual=f"keep {target} and remove {key}")
        return ctx.proposal(RULE, pointer, origin, f"removed services.{name}.{key}: "
                            f"{target} already says the same",
                            (delete_entry(ctx.text, svc, key),), expect[:1])
    rest = path[depth:]
    gone = delete_entry(ctx.text, svc, key)
    if depth == 0 and not is_flow(ctx.text, svc) and gone is not None:
        # no `deploy` yet: write the new block where the old key stood
        key_o = svc.key_origins[key]
        block = render_block(rest, text, column(ctx.text, key_o.start), _step(ctx, svc, key_o),
                             ctx.doc.newline)
        edits: tuple[Edit | None, ...] = (Edit(gone.path, gone.start, gone.end, block),)
    else:
        edits = (gone, insert_entry(ctx.text, container, parent_o, rest, text, ctx.doc.newline))
    return ctx.proposal(RULE, pointer, origin, message, edits, expect)


def _step(ctx: FixContext, svc: SMap, key_o: Origin) -> int:
    """The file's indentation step, read from a nested block mapping of the service."""
    for child_key, value in svc.items():
        child_o = svc.key_origins.get(child_key)
        if isinstance(value, SMap) and child_o and not is_flow(ctx.text, value):
            inner = [o.start for o in value.key_origins.values() if o.start > child_o.start]
            if inner:
                step = column(ctx.text, min(inner)) - column(ctx.text, child_o.start)
                if step > 0:
                    return step
    return 2
