"""SL705: `version` missing, not a string, or different across a chain: one version everywhere."""
from __future__ import annotations

from collections.abc import Iterator


from stacklint.load.document import Document
from stacklint.fix.fixes import FixContext, Proposal, Rule
from stacklint.fix.fixes.versions import NEWEST, as_tuple, minimum
from stacklint.model import Edit
from stacklint.fix.textedit import column, is_flow, line_start, quote, replace_value, scalar_text, \
    sibling_keys
from stacklint.tree import SMap

RULE = Rule("SL705", "version-unaligned", "Set the same `version` in every file")
KNOWN = frozenset(f"3.{minor}" for minor in range(14))
LATEST_ALIASES = frozenset(["", "3"])   # what Docker 23+ reads as the newest version


def declared(doc: Document) -> tuple[bool, str | None]:
    """(present, version text); a number keeps its source text (3.10 is not 3.1)."""
    data = doc.data
    if not isinstance(data, SMap) or "version" not in data:
        return False, None
    value = data["version"]
    if isinstance(value, str):
        return True, value
    if value is None:                    # `version:` or `version: ~`: Docker reads ""
        return True, ""
    source = scalar_text(doc.text, data, "version")
    return True, source if source is not None else str(value)


def target_version(chain: list[Document]) -> str:
    """The lowest version that allows every key, never below one a file already declares."""
    needed = max((minimum(d.data)[0] for d in chain), key=as_tuple, default="3.0")
    floors = [v for present, v in map(declared, chain)
              if present and v in KNOWN]
    floor = min(floors, key=as_tuple) if floors else needed
    return max(needed, floor, key=as_tuple)


def aligned(chain: list[Document]) -> bool:
    """True when every file has the same string version (nothing for this fix to do)."""
    states = [declared(d) for d in chain if isinstance(d.data, SMap)]
    strings = all(isinstance(d.data.get("version"), str) for d in chain
                  if isinstance(d.data, SMap))
    return strings and all(s[0] for s in states) and len({s[1] for s in states}) <= 1


def _unknown(doc: Document) -> bool:
    present, version = declared(doc)
    return present and version not in KNOWN and version not in LATEST_ALIASES


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    chain = ctx.chain or [ctx.doc]
    if not isinstance(data, SMap) or not sibling_keys(data):
        return
    present, version = declared(ctx.doc)
    if _unknown(ctx.doc):
        yield ctx.proposal(RULE, ("version",), data.key_origins.get("version"),
                           f'version "{version}" is not a stack file version',
                           manual=f'port the file to a 3.x version (for example "{NEWEST}"); '
                                  "2.x keys differ, so this is not done automatically")
        return
    if aligned(chain) or any(_unknown(d) for d in chain):
        return
    target = target_version(chain)
    if present and version == target and isinstance(data["version"], str):
        return
    why = ("the files of a chain must declare the same version" if len(chain) > 1
           else "docker CLI before 23.0 needs it")
    if present and not isinstance(data["version"], str) and version == target:
        edit = replace_value(ctx.text, data, "version", quote(target))
        message = f'version {version} written as the string "{target}" (it must be a string)'
    elif present:
        edit = replace_value(ctx.text, data, "version", quote(target))
        message = f'version "{version}" set to "{target}" ({why})'
    else:
        edit = _insert(ctx.text, data, target, ctx.doc.newline)
        message = f'added version "{target}", the lowest that allows every key used ({why})'
    yield ctx.proposal(RULE, ("version",), data.key_origins.get("version") or data.origin,
                       message, (edit,), (("set", ("version",), target),))


def _insert(text: str, data: SMap, target: str, newline: str) -> Edit | None:
    origin = data.origin
    if origin is None:
        return None
    if is_flow(text, data):
        return Edit(origin.path, origin.start + 1, origin.start + 1, f'version: "{target}", ')
    first = sibling_keys(data)[0][1]
    at = line_start(text, first.start)
    if text[at:first.start].strip():
        return None
    return Edit(origin.path, at, at, f'{" " * column(text, first.start)}version: "{target}"'
                f"{newline}")


