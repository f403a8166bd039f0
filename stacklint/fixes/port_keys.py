"""SL707: port keys of the compose spec (`host_ip`, `app_protocol`, `name`) a stack rejects."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fixes import FixContext, Proposal, Rule, long_ports
from stacklint.textedit import delete_entry

RULE = Rule("SL707", "port-compose-key", "Remove the port key")
WHY = {
    "host_ip": "a swarm publishes on every address (0.0.0.0); bind to one interface "
               "with a firewall or `mode: host` plus host networking instead",
    "app_protocol": "it is a hint for Compose only",
    "name": "it is a label for Compose only",
}


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, i, port in long_ports(ctx.doc.data):
        for key in WHY:
            if key in port:
                pointer = ("services", name, "ports", i, key)
                yield ctx.proposal(
                    RULE, pointer, port.key_origins.get(key),
                    f"removed services.{name}.ports.{i}.{key}: {port[key]!s} "
                    f"(not allowed in a stack; {WHY[key]})",
                    (delete_entry(ctx.text, port, key),), (("delete", pointer, None),))
