"""SL720: a secret's or config's `mode` written as a string ("0400"); the stack wants a number."""
from __future__ import annotations

import re
from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Pointer, Proposal, Rule, list_items
from stacklint.fix.textedit import replace_value
from stacklint.tree import SMap

RULE = Rule("SL720", "file-mode-string", "Write the file mode as an octal number")
_OCTAL = re.compile(r"(?:0o|0)?([0-7]{1,4})")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for kind in ("secrets", "configs"):
        for name, _, i, ref in list_items(ctx.doc.data, kind):
            if isinstance(ref, SMap) and isinstance(ref.get("mode"), str):
                yield _mode(ctx, ("services", name, kind, i, "mode"), ref)


def _mode(ctx: FixContext, pointer: Pointer, ref: SMap) -> Proposal:
    value = ref["mode"]
    where = ".".join(map(str, pointer))
    found = _OCTAL.fullmatch(value.strip())
    if found is None:
        return ctx.proposal(RULE, pointer, ref.value_origins.get("mode"),
                            f'{where}: "{value}" is no file mode',
                            manual="write the mode as an octal number, e.g. 0440")
    # Compose reads a string mode as octal ("0400" is r-------- for the owner); unquoted,
    # `0400` is octal to Docker's YAML reader too (256), while `400` would be decimal
    digits = found.group(1).lstrip("0") or "0"
    number = int(digits, 8)
    return ctx.proposal(RULE, pointer, ref.value_origins.get("mode"),
                        f'{where}: "{value}" written as the octal number 0{digits} ({number})',
                        (replace_value(ctx.text, ref, "mode", "0" + digits),),
                        (("set", pointer, number),))
