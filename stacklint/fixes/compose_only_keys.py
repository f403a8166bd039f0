"""SL708: service keys of the compose spec that `docker stack deploy` rejects."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fixes import FixContext, Proposal, Rule, services
from stacklint.textedit import delete_entry

RULE = Rule("SL708", "compose-only-service-key", "Remove the compose-only key")

# compose-spec service keys that schema 3.13 rejects (breakages.md §B.13); Swarm has
# no equivalent for them, so removing them changes nothing a swarm would do.
REMOVABLE = frozenset("""
    annotations attach blkio_config cgroup cpu_count cpu_percent cpu_period cpu_quota
    cpu_rt_period cpu_rt_runtime cpu_shares cpuset develop device_cgroup_rules dns_opt
    gpus group_add label_file mem_swappiness memswap_limit models oom_kill_disable
    platform post_start pre_stop profiles provider pull_policy pull_refresh_after runtime
    storage_opt use_api_socket uts
""".split())
# keys a person has to resolve: removing them would lose what they mean
MANUAL = {
    "extends": "copy the keys of the extended service into this one, then remove `extends`",
    "volumes_from": "declare a top-level volume and mount it in both services",
}


def propose(ctx: FixContext) -> Iterator[Proposal]:
    for name, svc in services(ctx.doc.data):
        for key in list(svc):
            pointer = ("services", name, key)
            origin = svc.key_origins.get(key)
            if key in REMOVABLE:
                yield ctx.proposal(
                    RULE, pointer, origin,
                    f"removed services.{name}.{key}: a compose-only key that "
                    "`docker stack deploy` rejects and a swarm has no use for",
                    (delete_entry(ctx.text, svc, key),), (("delete", pointer, None),))
            elif key in MANUAL:
                yield ctx.proposal(RULE, pointer, origin,
                                   f"services.{name}.{key} is not supported by `docker stack`",
                                   manual=MANUAL[key])
