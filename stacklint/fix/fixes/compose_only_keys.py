"""SL708: service keys of the compose spec that `docker stack deploy` rejects."""
from __future__ import annotations

from collections.abc import Iterator

from stacklint.fix.fixes import FixContext, Proposal, Rule, services
from stacklint.fix.textedit import delete_entry

RULE = Rule("SL708", "compose-only-service-key", "Remove the compose-only key")

# compose-spec service keys that schema 3.13 rejects (breakages.md §B.13); Swarm has
# no equivalent for them, and what they do under Compose is not what the service runs
# (a pull policy, a platform hint, a watch rule ...), so removing them changes nothing a
# swarm would do.
REMOVABLE = frozenset("""
    annotations attach blkio_config cgroup cpu_count cpu_percent cpu_period cpu_quota
    cpu_rt_period cpu_rt_runtime cpu_shares cpuset develop device_cgroup_rules dns_opt
    group_add label_file mem_swappiness memswap_limit oom_kill_disable
    platform pull_policy pull_refresh_after runtime
    storage_opt use_api_socket uts
""".split())
# keys a person has to resolve: removing them would lose what they mean
MANUAL = {
    "extends": "copy the keys of the extended service into this one, then remove `extends`",
    "volumes_from": "declare a top-level volume and mount it in both services",
    # these run something under Compose that a swarm would silently not run
    "models": "Compose runs the model and passes its URL in the environment; a swarm has no "
              "model runner: run the model server as a service, set its URL in "
              "`environment`, then remove `models`",
    "provider": "Compose runs the provider's command to make this service; a swarm cannot: "
                "replace it with a service that has an image, or create the resource before "
                "deploying",
    "post_start": "a swarm runs no lifecycle hooks: move the command into the image's "
                  "entrypoint, then remove it",
    "pre_stop": "a swarm runs no lifecycle hooks: handle SIGTERM in the service (and set "
                "stop_grace_period), then remove it",
    "gpus": "a swarm gives a task a GPU only through generic resources: advertise them on the "
            "nodes and reserve them in deploy.resources.reservations.generic_resources, then "
            "remove `gpus`",
}
# removing `profiles` deploys a service Compose starts only on demand (a debug adminer, a
# mailhog): the file must say whether it runs, not the fixer
PROFILES = ("delete the service from this stack file if it must not run in production "
            "(`docker compose config` without `--profile` leaves it out), or delete "
            "`profiles:` if it should run")


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
            elif key == "profiles":
                yield ctx.proposal(
                    RULE, pointer, origin,
                    f"services.{name} is in the profile(s) {_names(svc[key])}: Compose starts "
                    "it only when one is enabled, but `docker stack deploy` has no profiles "
                    "and would deploy it", manual=PROFILES)
            elif key in MANUAL:
                yield ctx.proposal(RULE, pointer, origin,
                                   f"services.{name}.{key} is not supported by `docker stack`",
                                   manual=MANUAL[key])


def _names(value: object) -> str:
    items = value if isinstance(value, list) else [value]
    return ", ".join(str(v) for v in items) or "(none)"
