"""A global service's host-mode port is closed on each node while its task is replaced."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import RuleContext, host_port_list, is_global
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not is_global(ctx.node):
        return
    for index, port in ctx.fact(host_port_list):
        yield ctx.hit("ports", index, port=port["published"])
