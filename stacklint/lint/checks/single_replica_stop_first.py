"""One replica updated stop-first means downtime on every deploy."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import RuleContext, host_port_list, order, replicas, rolls_out
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not ctx.fact(rolls_out) or ctx.fact(replicas) != 1 or ctx.fact(host_port_list):
        return
    if order(ctx.node) != "start-first":
        yield ctx.hit("deploy", "update_config", "order")
