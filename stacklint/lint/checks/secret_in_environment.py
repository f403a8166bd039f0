"""A password-like environment variable with a literal value belongs in a secret."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache

from stacklint.lint.checks import RuleContext
from stacklint.model import Hit
from stacklint.tree import value_origin


@lru_cache(maxsize=8)
def _secret_names(pattern: str) -> Callable[[str], bool]:
    """Whether a variable name is a secret's, remembered per name: every service of a
    stack repeats the same few names (`LOG_LEVEL`, `DATABASE_URL` …)."""
    names = re.compile(pattern)

    @lru_cache(maxsize=4096)
    def is_secret(name: str) -> bool:
        return names.search(name) is not None and not name.upper().endswith("_FILE")
    return is_secret


def check(ctx: RuleContext) -> Iterator[Hit]:
    env = ctx.node.get("environment")
    if not isinstance(env, Mapping):
        return
    is_secret = _secret_names(ctx.options.get("names") or r"(?!)")
    interpolated: set[object] = getattr(ctx.stack, "interpolated", set())
    for variable, value in env.items():
        name = str(variable)
        if not is_secret(name):
            continue
        if value in (None, "") or value_origin(env, variable) in interpolated:
            continue                     # unset, or taken from the deploying shell
        yield ctx.hit("environment", variable, variable=name)
