"""A `delay` longer than `monitor` leaves failures between batches uncounted."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.checks import UPDATE_BLOCKS, RuleContext, duration, duration_text, get, monitor, rolls_out
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not ctx.fact(rolls_out):
        return
    for block in UPDATE_BLOCKS:
        delay = duration(get(ctx.node, "deploy", block, "delay"))
        if not delay:
            continue
        window = monitor(ctx.node, block)
        if delay > window:
            yield ctx.hit("deploy", block, "delay", block=block, delay=duration_text(delay),
                          monitor=duration_text(window))
