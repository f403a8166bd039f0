"""SL706: a key the declared `version` does not allow (`configs` under 3.1 …): raise it."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule
from stacklint.fix.fixes.version_align import KNOWN, aligned, declared
from stacklint.fix.fixes.versions import as_tuple, minimum
from stacklint.fix.textedit import quote, replace_value
from stacklint.tree import SMap

RULE = Rule("SL706", "version-too-low", "Raise `version`")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    data = ctx.doc.data
    chain = ctx.chain or [ctx.doc]
    if not isinstance(data, SMap) or not aligned(chain):
        return
    present, version = declared(ctx.doc)
    if not present or version not in KNOWN:
        return
    needs = [(minimum(d.data), d.path) for d in chain]
    (needed, pointer), where = max(needs, key=lambda item: as_tuple(item[0][0]))
    if as_tuple(needed) <= as_tuple(version or ""):
        return
    key = ".".join(str(step) for step in pointer or ())
    yield ctx.proposal(
        RULE, ("version",), data.value_origins.get("version"),
        f'version "{version}" raised to "{needed}": {key} in {where} needs it',
        (replace_value(ctx.text, data, "version", quote(needed)),),
        (("set", ("version",), needed),))
