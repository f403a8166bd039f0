"""SL701: a top-level `name` (every `docker compose config` output) is not allowed in a stack."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule
from stacklint.fix.textedit import delete_entry
from stacklint.tree import SMap

RULE = Rule("SL701", "toplevel-name", "Remove the top-level `name`")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    if not isinstance(data, SMap) or "name" not in data:
        return
    project = data["name"]
    yield ctx.proposal(
        RULE, ("name",), data.key_origins.get("name"),
        f"removed top-level `name: {project}`: `docker stack deploy` rejects it "
        "(the stack name comes from the deploy command line)",
        (delete_entry(ctx.text, data, "name"),), (("delete", ("name",), None),))
