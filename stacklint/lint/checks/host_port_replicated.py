"""A host-mode port on a replicated service pins each replica to a node of its own."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import RuleContext, host_port_list, replicas
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    count = ctx.fact(replicas)
    if count is None or count == 0:          # global services: SL403; 0 replicas run nothing
        return
    for index, port in ctx.fact(host_port_list):
        yield ctx.hit("ports", index, port=port["published"], replicas=count)
