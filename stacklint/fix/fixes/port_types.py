"""SL702: `published`/`target` written as strings ("80"); the stack schema wants integers."""
from __future__ import annotations

import re
from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Pointer, Proposal, Rule, long_ports
from stacklint.fix.textedit import replace_value
from stacklint.tree import SMap

RULE = Rule("SL702", "port-number-string", "Write the port number as an integer")
_RANGE = re.compile(r"\s*\d+\s*-\s*\d+\s*")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, i, port in long_ports(ctx.doc.data):
        for field in ("published", "target"):
            yield from _check(ctx, ("services", name, "ports", i, field), port, field)


def _check(ctx: FixContext, pointer: Pointer, port: SMap, field: str) -> Iterator[Proposal]:
    value = port.get(field)
    if not isinstance(value, str):
        return
    origin = port.value_origins.get(field)
    where = f"services.{pointer[1]}.ports.{pointer[3]}.{field}"
    if value.strip().isdigit() and value.strip().isascii():
        number = int(value.strip())
        yield ctx.proposal(RULE, pointer, origin,
                           f'{where}: "{value}" written as the integer {number}',
                           (replace_value(ctx.text, port, field, str(number)),),
                           (("set", pointer, number),))
    elif _RANGE.fullmatch(value):
        yield ctx.proposal(
            RULE, pointer, origin, f'{where}: the port range "{value}" cannot be an integer',
            manual="a stack publishes fixed ports only: use one port, or the short syntax "
                   '"8000-8001:80-81", which expands to one entry per port')
