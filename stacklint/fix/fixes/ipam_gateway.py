"""SL725: `ipam.config[].gateway` (Compose passes it through); no stack schema allows it."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Pointer, Proposal, Rule
from stacklint.fix.textedit import delete_entry
from stacklint.tree import SList, SMap

RULE = Rule("SL725", "ipam-gateway", "Remove the default gateway")


def default_gateway(subnet: object) -> str | None:
    """The address a swarm gives a network as gateway: the first of its subnet."""
    try:
        network = ipaddress.ip_network(str(subnet), strict=False)
    except ValueError:
        return None
    return str(network.network_address + 1) if network.num_addresses > 2 else None


def propose(ctx: FixContext) -> Iterator[Proposal]:
    networks = ctx.doc.data.get("networks") if isinstance(ctx.doc.data, SMap) else None
    if not isinstance(networks, SMap):
        return
    for name, network in networks.items():
        ipam = network.get("ipam") if isinstance(network, SMap) else None
        configs = ipam.get("config") if isinstance(ipam, SMap) else None
        if not isinstance(configs, SList):
            continue
        for i, config in enumerate(configs):
            if isinstance(config, SMap) and "gateway" in config:
                yield _gateway(ctx, ("networks", name, "ipam", "config", i, "gateway"), config)


def _gateway(ctx: FixContext, pointer: Pointer, config: SMap) -> Proposal:
    where = ".".join(map(str, pointer))
    gateway, subnet = str(config["gateway"]), config.get("subnet")
    origin = config.key_origins.get("gateway")
    if default_gateway(subnet) == gateway:
        return ctx.proposal(
            RULE, pointer, origin,
            f"removed {where}: {gateway} is the gateway a swarm gives {subnet} anyway "
            "(its first address)", (delete_entry(ctx.text, config, "gateway"),),
            (("delete", pointer, None),))
    return ctx.proposal(
        RULE, pointer, origin,
        f"{where}: a stack cannot choose the gateway {gateway}; a swarm gives the network "
        f"the first address of {subnet or 'its subnet'}",
        manual="remove it if the first address will do, or create the network with "
               "`docker network create --gateway` and declare it `external: true`")
