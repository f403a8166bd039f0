"""SL721: a tmpfs mount's `size` written as a string ("67108864"); the stack wants bytes as an
integer."""
from __future__ import annotations

import re
from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, list_items
from stacklint.fix.textedit import replace_value
from stacklint.tree import SMap

RULE = Rule("SL721", "tmpfs-size-string", "Write the tmpfs size in bytes as an integer")
# Compose's units.RAMInBytes: a number, an optional binary unit (k = 1024), an optional b
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?", re.IGNORECASE)
_UNIT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def size_bytes(text: str) -> int | None:
    """Bytes for "67108864" or "64m" as Compose reads them; None when it is no size."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        return None
    return int(float(found.group(1)) * _UNIT[found.group(2).lower()])


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, _, i, mount in list_items(ctx.doc.data, "volumes"):
        tmpfs = mount.get("tmpfs") if isinstance(mount, SMap) else None
        if not (isinstance(tmpfs, SMap) and isinstance(tmpfs.get("size"), str)):
            continue
        pointer = ("services", name, "volumes", i, "tmpfs", "size")
        value = tmpfs["size"]
        number = size_bytes(value)
        where = ".".join(map(str, pointer))
        if number is None:
            yield ctx.proposal(RULE, pointer, tmpfs.value_origins.get("size"),
                               f'{where}: "{value}" is no size',
                               manual="write the size in bytes, e.g. 67108864")
        else:
            yield ctx.proposal(RULE, pointer, tmpfs.value_origins.get("size"),
                               f'{where}: "{value}" written as the integer {number}',
                               (replace_value(ctx.text, tmpfs, "size", str(number)),),
                               (("set", pointer, number),))
