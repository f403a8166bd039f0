"""SL714: `env_file` entries in the compose-spec form (`{path, required}`) become paths."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.fix.textedit import delete_entry, delete_item, plain_or_quoted, replace_item
from stacklint.tree import SList, SMap

RULE = Rule("SL714", "env-file-object", "Write the env file as a path")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        files = svc.get("env_file")
        if not isinstance(files, SList):
            continue
        for i, entry in enumerate(files):
            if isinstance(entry, SMap) and isinstance(entry.get("path"), str):
                found = _entry(ctx, name, svc, files, i, entry)
                yield found
                if found.message.startswith("removed"):
                    break         # a deletion shifts the later indexes: next pass


def _entry(ctx: FixContext, name: str, svc: SMap, files: SList, i: int,
           entry: SMap) -> Proposal:
    path = entry["path"]
    pointer = ("services", name, "env_file", i)
    where = f"services.{name}.env_file.{i}"
    optional = entry.get("required") is False
    if optional and not (ctx.doc.directory / Path(path)).exists():
        message = (f"removed {where}: the optional file {path} does not exist, and a stack "
                   "cannot skip a missing env file")
        if len(files) == 1:               # the whole key goes
            key = ("services", name, "env_file")
            return ctx.proposal(RULE, pointer, files.item_origins[i], message,
                                (delete_entry(ctx.text, svc, "env_file"),),
                                (("delete", key, None),))
        return ctx.proposal(RULE, pointer, files.item_origins[i], message,
                            (delete_item(ctx.text, files, i),), (("delete", pointer, None),))
    edit = replace_item(ctx.text, files, i, plain_or_quoted(path), ctx.doc.newline)
    note = " (a stack requires it: the file must exist)" if optional else ""
    return ctx.proposal(RULE, pointer, files.item_origins[i],
                        f"{where}: written as the path {path}{note}", (edit,),
                        (("set", pointer, path),))
