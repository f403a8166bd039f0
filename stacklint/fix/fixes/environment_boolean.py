"""SL712: an `environment` value written as a YAML boolean; the stack schema wants a string."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.fix.textedit import quote, replace_value
from stacklint.tree import SMap

RULE = Rule("SL712", "environment-boolean", "Quote the environment value")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        env = svc.get("environment")
        if not isinstance(env, SMap):
            continue
        for key, value in env.items():
            if isinstance(value, bool):
                pointer = ("services", name, "environment", key)
                text = "true" if value else "false"     # what Compose passes to the container
                yield ctx.proposal(
                    RULE, pointer, env.value_origins.get(key),
                    f"services.{name}.environment.{key}: the boolean {text} written as the "
                    f'string "{text}"', (replace_value(ctx.text, env, key, quote(text)),),
                    (("set", pointer, text),))
