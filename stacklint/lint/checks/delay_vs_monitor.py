"""A `delay` longer than `monitor` leaves failures during the delay uncounted.

Seen on a real swarm (tests/test_rules_swarm.py): a batch that failed during the delay,
after its monitor window, was not counted and the next batch started anyway.
"""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import (DEFAULT_MONITOR, UPDATE_BLOCKS, RuleContext, as_written, duration,
                              duration_text, get, monitor, rolls_out, setting_text)
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
            value = as_written(ctx, "deploy", block, "monitor")
            yield ctx.hit("deploy", block, "delay", block=block,
                          delay=as_written(ctx, "deploy", block, "delay"),
                          monitor=setting_text("monitor", value, duration(value),
                                               duration_text(DEFAULT_MONITOR)))
