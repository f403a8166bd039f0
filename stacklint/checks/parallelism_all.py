"""`parallelism` 0, or at least the replica count, replaces every task at once."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.checks import UPDATE_BLOCKS, RuleContext, get, number, replicas, rolls_out
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not ctx.fact(rolls_out):
        return
    count = ctx.fact(replicas)          # None: global, the task count is the node count
    for block in UPDATE_BLOCKS:
        value = number(get(ctx.node, "deploy", block, "parallelism"))
        if value is None:
            continue                     # default 1
        if value == 0:
            what = "(0) means all tasks at once"
        elif count is not None and count > 1 and value >= count:
            what = f"is at least the {count} replicas: all of them are replaced at once"
        else:
            continue
        yield ctx.hit("deploy", block, "parallelism", block=block, parallelism=int(value),
                      replicas=count if count is not None else "global", what=what)
