"""One replica updated stop-first means downtime on every deploy."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.checks import RuleContext, host_ports, order, replicas, rolls_out
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not rolls_out(ctx.node) or replicas(ctx.node) != 1 or any(host_ports(ctx.node)):
        return
    if order(ctx.node) != "start-first":
        yield ctx.hit("deploy", "update_config", "order")
