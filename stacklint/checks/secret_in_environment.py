"""A password-like environment variable with a literal value belongs in a secret."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from stacklint.checks import RuleContext
from stacklint.model import Hit
from stacklint.tree import value_origin


def check(ctx: RuleContext) -> Iterator[Hit]:
    env = ctx.node.get("environment")
    if not isinstance(env, Mapping):
        return
    names = re.compile(ctx.options.get("names") or r"(?!)")
    interpolated: set[object] = getattr(ctx.stack, "interpolated", set())
    for variable, value in env.items():
        name = str(variable)
        if name.upper().endswith("_FILE") or not names.search(name):
            continue
        if value in (None, "") or value_origin(env, variable) in interpolated:
            continue                     # unset, or taken from the deploying shell
        yield ctx.hit("environment", variable, variable=name)
