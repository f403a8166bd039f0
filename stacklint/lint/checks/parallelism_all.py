"""`parallelism` 0, or at least the replica count, with stop-first stops every task at once.

Seen on a real swarm (tests/test_rules_swarm.py): stop-first with parallelism = replicas
stopped both tasks before either replacement ran, in an update and in a rollback; a
start-first rollback with parallelism = replicas went back to the old tasks while they
kept serving, so start-first is not reported.
"""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import UPDATE_BLOCKS, RuleContext, get, number, replicas, rolls_out, written
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not ctx.fact(rolls_out):
        return
    count = ctx.fact(replicas)          # None: global, the task count is the node count
    for block in UPDATE_BLOCKS:
        value = number(get(ctx.node, "deploy", block, "parallelism"))
        if value is None:
            continue                     # default 1
        order = get(ctx.node, "deploy", block, "order")
        if order == "start-first":
            continue                     # the old tasks serve until the new ones run
        if value == 0:
            what = "(0 means all tasks at once)"
        elif count is not None and count > 1 and value >= count:
            what = f"is at least its {count} replicas"
        else:
            continue
        shown = written(ctx.stack, (*ctx.pointer, "deploy", block, "parallelism"))
        order_text = ("order (not set: Docker's default stop-first)" if order is None
                      else f"order {order}")
        yield ctx.hit("deploy", block, "parallelism", block=block,
                      parallelism=int(value) if shown is None else shown, what=what,
                      order=order_text)
