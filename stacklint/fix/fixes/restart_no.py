"""SL723: `restart: "no"` without `deploy.restart_policy`: Swarm restarts the service anyway."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.model import Severity
from stacklint.tree import SMap

RULE = Rule("SL723", "restart-no", "Set deploy.restart_policy.condition: none",
            Severity.WARNING)
WAY_OUT = ("add `deploy: {restart_policy: {condition: none}}` to keep it stopped after it "
           "exits, as Compose does, or remove `restart` if Swarm should restart it")


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        if svc.get("restart") != "no" or _has_policy(ctx, name):
            continue
        yield ctx.proposal(
            RULE, ("services", name, "restart"), svc.value_origins.get("restart"),
            f'services.{name}.restart: "no" does not stop a swarm from restarting it: '
            "`docker stack deploy` maps `restart` only when deploy.restart_policy is unset, "
            'and "no" maps to no policy, which a swarm runs as condition `any` (a restart '
            "on every exit)", manual=WAY_OUT)


def _has_policy(ctx: FixContext, name: str) -> bool:
    """Whether a file of the chain sets the service's deploy.restart_policy."""
    for doc in ctx.chain or [ctx.doc]:
        svc = dict(services(doc.data)).get(name)
        deploy = svc.get("deploy") if svc is not None else None
        if isinstance(deploy, SMap) and "restart_policy" in deploy:
            return True
    return False
