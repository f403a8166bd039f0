"""SL724: one host given two addresses of one family in `extra_hosts`: Compose v2 and
`docker stack` both append an override's entries to the base's, whatever form each wrote."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.model import Severity
from stacklint.fix.textedit import delete_item
from stacklint.tree import SList

RULE = Rule("SL724", "extra-host-repeated", "Keep one address per host", Severity.WARNING)


def _split(entry: str) -> tuple[str, str] | None:
    """(host, address) of `host=addr` or `host:addr` (an IPv6 address holds colons)."""
    host, sep, address = entry.partition("=")
    if not sep:
        host, sep, address = entry.partition(":")
    if not sep:
        return None
    try:
        return host.strip(), str(ipaddress.ip_address(address.strip().strip("[]")))
    except ValueError:
        return None


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        hosts = svc.get("extra_hosts")
        if not isinstance(hosts, SList):
            continue
        seen: set[str] = set()
        first: dict[tuple[str, int], tuple[int, str]] = {}
        for i, entry in enumerate(hosts):
            if isinstance(entry, str) and entry in seen:
                # the very same entry twice: docker rejects it ("must be unique"), and one
                # of them says it all
                pointer = ("services", name, "extra_hosts", i)
                yield ctx.proposal(
                    RULE, pointer, hosts.item_origins[i],
                    f"removed services.{name}.extra_hosts.{i}: {entry} is listed twice "
                    "(Compose appends an override's entries to the base's)",
                    (delete_item(ctx.text, hosts, i),), (("delete", pointer, None),))
                break             # a deletion shifts the later indexes: next pass
            if isinstance(entry, str):
                seen.add(entry)
            parsed = _split(entry) if isinstance(entry, str) else None
            if parsed is None:
                continue
            host, address = parsed
            key = (host, ipaddress.ip_address(address).version)
            if key not in first:
                first[key] = (i, address)
                continue
            j, earlier = first[key]
            if earlier == address:
                continue
            origin = hosts.item_origins[i]
            line = hosts.item_origins[j]
            at = f" (line {line.line})" if line is not None else ""
            yield ctx.proposal(
                RULE, ("services", name, "extra_hosts", i), origin,
                f"services.{name}.extra_hosts: {host} is given {earlier}{at} and {address}: "
                "both go into the container's /etc/hosts and a lookup usually returns the "
                "first, so an override's address may never be used",
                manual="keep only the entry you mean: in a chain an override's entry does "
                       "not replace the base's, so set the host in one file only")
