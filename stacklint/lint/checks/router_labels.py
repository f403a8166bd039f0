"""Traefik/caddy labels belong to the service (`deploy.labels`), not the container."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from stacklint.lint.checks import RuleContext
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    labels = ctx.node.get("labels")
    prefixes = tuple(ctx.options.get("prefixes") or ())
    if not isinstance(labels, Mapping) or not prefixes:
        return
    for label in labels:
        if str(label).startswith(prefixes):
            yield ctx.hit("labels", label, label=label)
