"""Did-you-mean for unknown keys and values, and what to use instead of Compose-only keys."""
from __future__ import annotations

from collections.abc import Iterable

# Keys `docker stack deploy` rejects but Compose knows, and where their meaning lives in a stack file.
INSTEAD = {
    "/name": "remove it: the stack's name is the one given to `docker stack deploy`",
    "cpus": 'use deploy.resources.limits.cpus (a quoted string, e.g. "0.5")',
    "mem_reservation": "use deploy.resources.reservations.memory",
    "pids_limit": "use deploy.resources.limits.pids (version 3.9 or later)",
    "scale": "use deploy.replicas",
    "profiles": "remove it: docker stack deploy deploys every service",
    "pull_policy": "remove it: swarm pulls the image on each node",
    "platform": "use a placement constraint such as node.platform.arch==x86_64",
    "host_ip": "a swarm publishes on every address (0.0.0.0), so removing it widens the "
               "port: remove the port, or publish it with `mode: host` behind a firewall",
    "app_protocol": "remove it",
    "ports/name": "remove it: swarm does not name ports",
    "include": "merge the files with several -c options instead",
    "develop": "remove it: it is for `docker compose watch`",
    "gateway": "remove it: swarm picks the gateway (only subnet is supported)",
    "ip_range": "remove it: only subnet is supported",
    "aux_addresses": "remove it: only subnet is supported",
    "devices": "remove it: GPU reservations need generic_resources on the nodes",
    "content": "write the content to a file and use `file:`, or create the config with "
               "`docker config create` and declare it `external: true`",
    "environment": "write the value to a file and use `file:`, or create the secret with "
                   "`docker secret create` and declare it `external: true`",
    "/models": "remove it and run the model server as a service of the stack: a swarm has "
               "no model runner",
}


def instead(context: str, key: str) -> str | None:
    """The advice for Compose-only `key` found under `context` (the parent key, '' at the top)."""
    return INSTEAD.get(f"{context}/{key}") or (INSTEAD.get(key) if key != "name" else None)


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate most like `word`, if one is close enough (`interva` -> `interval`)."""
    pool = [c for c in candidates if isinstance(c, str) and not c.startswith("^")]
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:                       # only the case differs
        return lowered[word.lower()]
    normalised = {c.replace("-", "_").replace(" ", "_"): c for c in pool}
    key = word.replace("-", "_").replace(" ", "_").lower()
    if key in normalised:
        return normalised[key]
    for part in reversed(word.replace("-", " ").replace("_", " ").split()):
        if part in pool and part != word:             # `rollback order` -> `order`
            return part
    import difflib      # lazily: only an unknown key needs it

    found = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`"; did you mean `x`?"` or an empty string."""
    match = closest(word, candidates)
    return f"; did you mean `{match}`?" if match else ""
