"""start-first updates cannot bind a host-mode port the old task still holds."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import UPDATE_BLOCKS, RuleContext, host_port_list, order
from stacklint.model import Hit

# how each block reads in the message: "updates start-first", "rolls back start-first"
_DOES = {"update_config": "updates", "rollback_config": "rolls back"}


def check(ctx: RuleContext) -> Iterator[Hit]:
    ports = ctx.fact(host_port_list)
    if not ports:
        return
    for block in UPDATE_BLOCKS:
        if order(ctx.node, block) == "start-first":
            yield ctx.hit("deploy", block, "order", block=block, does=_DOES.get(block, block),
                          port=ports[0][1]["published"])
