"""`monitor` must outlast the time a task that passed its healthcheck needs to turn unhealthy.

Seen on a real swarm (tests/test_rules_swarm.py): a task with a healthcheck counts as
running only once its check passed, and a task that fails before that is counted against
the update however short `monitor` is (start_period included). What `monitor` decides is
a task that passes its check and fails later: Docker marks it unhealthy only after
`retries` failed checks, `interval` apart; if `monitor` ended before that, Swarm has counted
the task as good, completes the update, and restarts the failing tasks on the new version.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stacklint.lint.checks import (DEFAULT_INTERVAL, DEFAULT_MONITOR, DEFAULT_RETRIES, RuleContext,
                              as_written, duration, duration_text, get, healthcheck_test, number,
                              rolls_out, setting_text)
from stacklint.model import Hit


def _unhealthy_after(hc: Mapping[str, Any]) -> float:
    """interval × retries: a task that passed its check turns unhealthy no sooner."""
    return (duration(hc.get("interval")) or DEFAULT_INTERVAL) * (
        number(hc.get("retries")) or DEFAULT_RETRIES)          # 0 is Docker's default too


def _formula(ctx: RuleContext) -> str:
    interval = as_written(ctx, "healthcheck", "interval")
    retries = as_written(ctx, "healthcheck", "retries")
    return (setting_text("interval", interval, duration(interval), duration_text(DEFAULT_INTERVAL))
            + " × " + setting_text("retries", retries, number(retries), str(DEFAULT_RETRIES)))


def check(ctx: RuleContext) -> Iterator[Hit]:
    hc = healthcheck_test(ctx.node)
    if hc is None or not ctx.fact(rolls_out):
        return
    worst = _unhealthy_after(hc)
    for block in ("update_config", "rollback_config"):
        # update_config's defaults always apply; a missing rollback_config is SL503's
        if block == "rollback_config" and get(ctx.node, "deploy", block) is None:
            continue
        window = duration(get(ctx.node, "deploy", block, "monitor"))
        if (window or DEFAULT_MONITOR) < worst:
            # `0s` is dropped from the model, as by Docker: quote the file
            value = as_written(ctx, "deploy", block, "monitor")
            monitor = setting_text(f"{block}.monitor", value, duration(value),
                               duration_text(DEFAULT_MONITOR))
            yield ctx.hit("deploy", block, "monitor", monitor=monitor,
                          worst=duration_text(worst), formula=_formula(ctx))
