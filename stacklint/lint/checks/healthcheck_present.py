"""A service needs a healthcheck with a test for Swarm to judge an update."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from stacklint.lint.checks import RuleContext, rolls_out
from stacklint.model import Hit


def check(ctx: RuleContext) -> Iterator[Hit]:
    if not ctx.fact(rolls_out):
        return
    hc = ctx.node.get("healthcheck")
    if not isinstance(hc, Mapping):
        yield ctx.hit("healthcheck")
        return
    test = hc.get("test")
    if hc.get("disable") is True or (isinstance(test, list) and test[:1] == ["NONE"]):
        yield ctx.hit("healthcheck", "disable" if "disable" in hc else "test", variant="disabled")
    elif not test:
        # timings only: the image's HEALTHCHECK runs with them, if the image has one
        yield ctx.hit("healthcheck", variant="image-test")
