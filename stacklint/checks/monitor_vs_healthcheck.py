"""`monitor` must outlast the time a failing healthcheck needs to report unhealthy."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.checks import (RuleContext, duration, duration_text, get, healthcheck_worst_case, monitor,
                              rolls_out)
from stacklint.model import Hit


def _formula(ctx: RuleContext) -> str:
    hc = ctx.node.get("healthcheck") or {}
    def shown(key: str, default: str) -> str:
        seconds = duration(hc.get(key))
        return duration_text(seconds) if seconds else default
    retries = hc.get("retries") or 3
    return f"start_period {shown('start_period', '0s')} + interval {shown('interval', '30s')} × retries {retries}"


def check(ctx: RuleContext) -> Iterator[Hit]:
    worst = healthcheck_worst_case(ctx.node)
    if worst is None or not ctx.fact(rolls_out):
        return
    formula = None                       # the same for both blocks: written once
    for block in ("update_config", "rollback_config"):
        # update_config's defaults always apply; a missing rollback_config is SL503's
        if block == "rollback_config" and get(ctx.node, "deploy", block) is None:
            continue
        window = monitor(ctx.node, block)
        if window < worst:
            formula = formula or _formula(ctx)
            yield ctx.hit("deploy", block, "monitor", block=block, monitor=duration_text(window),
                          worst=duration_text(worst), formula=formula)
