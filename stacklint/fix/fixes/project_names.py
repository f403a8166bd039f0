"""SL730: the `name: <project>_<key>` Compose writes on every network, volume, config and secret.

A stack takes such a name literally, so `docker stack deploy -c stack.yml app` of Compose's
output would use `myproject_data` where deploying the Compose files as a stack uses
`app_data`: another volume (an empty one), other networks, configs and secrets. The fix
removes the name, so the stack's own namespace applies again. It does so only where the
file shows it is Compose's output (a top-level `name:` and a `name:` on every entry, as
`docker compose config` writes them); where a person may have written the name, it says
what either choice deploys and leaves the line.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint.load import composeproject
from stacklint.load.composeproject import Project
from stacklint.load.document import Document
from stacklint.fix.fixes import Expect, FixContext, Proposal, Rule, interpolated
from stacklint.fix.textedit import delete_entry, is_flow, scalar_text
from stacklint.model import Origin
from stacklint.tree import SMap

RULE = Rule("SL730", "compose-project-name", "Remove the Compose project name")
KINDS = {"networks": "network", "volumes": "volume", "configs": "config", "secrets": "secret"}
_LOST = {"network": "another network than before",
         "volume": "another volume than before, an empty one",
         "config": "another config object than before",
         "secret": "another secret object than before"}
KEEP = f"# stacklint: disable={RULE.id} -- the name is meant"


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    if not isinstance(data, SMap) or not any(k in data for k in KINDS):
        return
    first = ctx.first if ctx.first is not None else ctx.doc
    named = _top_name(ctx.doc) or _top_name(first)
    project = named or composeproject.from_environment((ctx.chain or [ctx.doc])[0].path)
    if project is None:
        return
    output = named is not None and compose_output(first)
    for kind, key, entry in _entries(data):
        name = entry.get("name")
        if name != f"{project.name}_{key}" or interpolated(scalar_text(ctx.text, entry, "name")):
            continue
        pointer = (kind, key, "name")
        origin = entry.key_origins.get("name")
        word = KINDS[kind]
        if output:
            yield _remove(ctx, kind, key, entry, project, word, origin)
        else:
            why = ("this file has no top-level `name:`" if named is None else
                   "not every network, volume, config and secret here has a `name:`")
            yield ctx.proposal(
                RULE, pointer, origin,
                f"{kind}.{key}.name `{name}` is `<project>_<key>` for the Compose project "
                f"`{project.name}` ({project.source}), but {why}, so it may not be Compose's "
                f"output: removed, `docker stack deploy -c … STACK` uses the {word} "
                f"`STACK_{key}`, as deploying the Compose files does; kept, it uses `{name}` "
                "under every stack name",
                manual=f"remove the line if Compose wrote it; if the name is meant, keep it "
                       f"with `{KEEP}`")


def _remove(ctx: FixContext, kind: str, key: str, entry: SMap, project: Project, word: str,
            origin: Origin | None) -> Proposal:
    pointer = (kind, key, "name")
    edit = delete_entry(ctx.text, entry, "name")
    if len(entry) == 1 and not is_flow(ctx.text, entry):
        expect: tuple[Expect, ...] = (("set", (kind, key), None),)   # `data:` alone is null
    else:
        expect = (("delete", pointer, None),)
    return ctx.proposal(
        RULE, pointer, origin,
        f"removed {kind}.{key}.name `{entry['name']}`: Compose names the {word} after the "
        f"project `{project.name}` ({project.source}); a stack names it `STACK_{key}`, as "
        f"deploying the Compose files does (kept, the stack would use {_LOST[word]})",
        (edit,), expect)


def _top_name(doc: Document) -> Project | None:
    data = doc.data
    return composeproject.from_name(data.get("name")) if isinstance(data, SMap) else None


def _entries(data: Any) -> Iterator[tuple[str, str, SMap]]:
    """(kind, key, entry) of the networks, volumes, configs and secrets a stack creates."""
    for kind in KINDS:
        section = data.get(kind) if isinstance(data, SMap) else None
        if not isinstance(section, SMap):
            continue
        for key, entry in section.items():
            if isinstance(entry, SMap) and isinstance(key, str) and not entry.get("external"):
                yield kind, key, entry


def compose_output(doc: Document) -> bool:
    """A top-level `name:` and one on every entry, as `docker compose config` writes them."""
    data = doc.data
    if _top_name(doc) is None:
        return False
    sections = [data.get(kind) for kind in KINDS] if isinstance(data, SMap) else []
    return all(isinstance(entry, SMap) and isinstance(entry.get("name"), str)
               for section in sections if isinstance(section, SMap)
               for entry in section.values())
