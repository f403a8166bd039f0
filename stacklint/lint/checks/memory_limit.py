"""Every service needs a memory limit, no larger than the `max` option when it is set."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.lint.checks import RuleContext, get
from stacklint.gotypes import byte_size as parse_bytes
from stacklint.model import Hit


def _human(size: int) -> str:
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g}{unit}"
    return f"{size}B"


def check(ctx: RuleContext) -> Iterator[Hit]:
    limit = get(ctx.node, "deploy", "resources", "limits", "memory")
    where = ("deploy", "resources", "limits", "memory")
    if limit is None:
        yield ctx.hit(*where)
        return
    maximum = parse_bytes(ctx.options.get("max"))
    if maximum is None:                  # no `max` (the default): any limit will do
        return
    size = parse_bytes(limit)
    if size is not None and size > maximum:
        yield ctx.hit(*where, variant="above-max", limit=_human(size), max=_human(maximum))
