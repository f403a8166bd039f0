"""SL704: long-form `depends_on` (a mapping with conditions) becomes a list of names."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.model import Edit
from stacklint.fix.textedit import (block_entry_end, child_column, is_alias, is_flow, line_end,
                                plain_or_quoted)
from stacklint.tree import SMap

RULE = Rule("SL704", "depends-on-mapping", "Write `depends_on` as a list of service names")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        deps = svc.get("depends_on")
        if not isinstance(deps, SMap):
            continue
        pointer = ("services", name, "depends_on")
        names = list(deps)
        yield ctx.proposal(
            RULE, pointer, svc.key_origins.get("depends_on"),
            f"services.{name}.depends_on: the long form written as the list {names} "
            "(`docker stack deploy` ignores depends_on; conditions have no effect in a swarm)",
            (_edit(ctx, svc, deps, names),), (("set", pointer, names),))


def _edit(ctx: FixContext, svc: SMap, deps: SMap, names: list[str]) -> Edit | None:
    text = ctx.text
    key_o, value_o = svc.key_origins.get("depends_on"), svc.value_origins.get("depends_on")
    if key_o is None or value_o is None or is_alias(key_o, value_o) or deps.origin is None:
        return None
    if is_flow(text, deps):
        flow = "[" + ", ".join(plain_or_quoted(n) for n in names) + "]"
        return Edit(key_o.path, value_o.start, value_o.end, flow)
    if not names:
        return None
    start = line_end(text, key_o.end)
    if start > deps.origin.start:               # `depends_on: {…` on the key's own line
        return None
    end = block_entry_end(text, key_o)
    col, _ = child_column(text, deps, key_o)
    lines = "".join(f"{' ' * col}- {plain_or_quoted(n)}{ctx.doc.newline}" for n in names)
    if end == len(text) and not text.endswith("\n"):
        lines = lines[: -len(ctx.doc.newline)]
    return Edit(key_o.path, start, end, lines)
