"""SL703: `deploy.resources.*.cpus` written as a number; the stack schema wants a string."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.fix.textedit import quote, replace_value
from stacklint.tree import SMap

RULE = Rule("SL703", "cpus-number", "Quote `cpus`")


@lru_cache(maxsize=1024)     # a stack repeats a few CPU counts in every service
def cpus_text(value: float | int) -> str:
    """The shortest decimal for a CPU count: 0.5 -> "0.5", 2.0 -> "2", 1e-05 -> "0.00001"."""
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return text


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        resources = _get(svc, "deploy", "resources")
        for kind in ("limits", "reservations"):
            block = resources.get(kind) if isinstance(resources, SMap) else None
            if not isinstance(block, SMap):
                continue
            value = block.get("cpus")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            pointer = ("services", name, "deploy", "resources", kind, "cpus")
            text = cpus_text(value)
            yield ctx.proposal(
                RULE, pointer, block.value_origins.get("cpus"),
                f"services.{name}.deploy.resources.{kind}.cpus: {value} written as the string "
                f'"{text}"', (replace_value(ctx.text, block, "cpus", quote(text)),),
                (("set", pointer, text),))


def _get(node: object, *keys: str) -> object:
    for key in keys:
        node = node.get(key) if isinstance(node, SMap) else None
    return node
