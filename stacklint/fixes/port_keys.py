"""SL707: port keys of the compose spec (`host_ip`, `app_protocol`, `name`) a stack rejects."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fixes import FixContext, Proposal, Rule, long_ports
from stacklint.textedit import delete_entry

RULE = Rule("SL707", "port-compose-key", "Remove the port key")
WHY = {
    "host_ip": "a swarm publishes on every address (0.0.0.0)",
    "app_protocol": "it is a hint for Compose only",
    "name": "it is a label for Compose only",
}

# the addresses a swarm publishes on anyway: removing these changes nothing
EVERY_ADDRESS = {"0.0.0.0", "::", ""}
NARROW = ("the fixer will not widen it: remove the port and reach the service over an "
          "overlay network (or `docker exec`), or publish it with `mode: host` plus a placement "
          "constraint and a host firewall that allows only this address")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, i, port in long_ports(ctx.doc.data):
        for key in WHY:
            if key in port:
                pointer = ("services", name, "ports", i, key)
                if key == "host_ip" and str(port[key]).strip("[]") not in EVERY_ADDRESS:
                    yield ctx.proposal(
                        RULE, pointer, port.key_origins.get(key),
                        f"services.{name}.ports.{i}.host_ip: {port[key]!s} keeps the port on "
                        "one address, and a stack cannot: without it a swarm would publish "
                        "the port on every address of every node", manual=NARROW)
                    continue
                yield ctx.proposal(
                    RULE, pointer, port.key_origins.get(key),
                    f"removed services.{name}.ports.{i}.{key}: {port[key]!s} "
                    f"(not allowed in a stack; {WHY[key]})",
                    (delete_entry(ctx.text, port, key),), (("delete", pointer, None),))
