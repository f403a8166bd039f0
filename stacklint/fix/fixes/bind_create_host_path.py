"""SL710: `bind.create_host_path` (Compose v2 output) makes swarm tasks fail (docker/cli#4358)."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import Expect, FixContext, Proposal, Rule, services
from stacklint.fix.textedit import delete_entry, own_entries
from stacklint.tree import SList, SMap

RULE = Rule("SL710", "bind-create-host-path", "Remove `bind.create_host_path`")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        volumes = svc.get("volumes")
        if not isinstance(volumes, SList):
            continue
        for i, volume in enumerate(volumes):
            bind = volume.get("bind") if isinstance(volume, SMap) else None
            if not isinstance(bind, SMap) or "create_host_path" not in bind:
                continue
            base = ("services", name, "volumes", i, "bind")
            if own_entries(bind) == 1 and len(bind) == 1:   # the whole block goes
                edit = delete_entry(ctx.text, volume, "bind")
                expect: Expect = ("delete", base, None)
            else:
                edit = delete_entry(ctx.text, bind, "create_host_path")
                expect = ("delete", (*base, "create_host_path"), None)
            yield ctx.proposal(
                RULE, (*base, "create_host_path"), bind.key_origins.get("create_host_path"),
                f"removed services.{name}.volumes.{i}.bind.create_host_path: the swarm "
                "receives empty bind options and the task fails to mount (docker/cli#4358); "
                "create the host folder on every node instead", (edit,), (expect,))
