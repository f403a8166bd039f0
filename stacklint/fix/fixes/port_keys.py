"""SL707: port keys of the compose spec (`host_ip`, `app_protocol`, `name`) a stack rejects."""
from __future__ import annotations

import re
from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, list_items, long_ports
from stacklint.fix.textedit import delete_entry

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
# "127.0.0.1:8080:80": docker stack deploy drops the address with only a CLI warning
_SHORT_IP = re.compile(r"\s*(\[[^\]]*\]|\d{1,3}(?:\.\d{1,3}){3}):")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, ports, i, port in list_items(ctx.doc.data, "ports"):
        found = _SHORT_IP.match(port) if isinstance(port, str) else None
        if found and found.group(1).strip("[]") not in EVERY_ADDRESS:
            yield ctx.proposal(
                RULE, ("services", name, "ports", i), ports.item_origins[i],
                f"services.{name}.ports.{i}: {port} keeps the port on {found.group(1)}, and "
                "`docker stack deploy` drops the address (only a warning: \"ignoring "
                "IP-address\"), publishing it on every address of every node", manual=NARROW)
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
