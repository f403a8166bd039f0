"""The host's network namespace: `network_mode: host` or the swarm's `host` network."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from stacklint.lint.checks import RuleContext, get
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.node.get("network_mode") == "host":
        yield ctx.hit("network_mode", how="network_mode: host")
    networks = ctx.node.get("networks")
    if not isinstance(networks, Mapping):
        return
    top = ctx.model.get("networks") if isinstance(ctx.model, Mapping) else None
    for key in networks:
        definition = top.get(key) if isinstance(top, Mapping) else None
        real = get(definition, "name") if get(definition, "external") else None
        if key == "host" or real == "host":
            yield ctx.hit("networks", key, how=f"network {key!r}")
