"""Checks on the merged stack that `docker stack config` does not make.

Some of these fail only at `docker stack deploy` (undefined references,
duplicate secret targets, `mode: global` with `replicas`), some are sent to
swarm as they are (`failure_action: explode`, `max_failure_ratio: 2`).
Each yields a `Problem` whose pointer is in the merged model, whose values
remember the file and line they came from.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stacklint import gotypes
from stacklint.validate import suggest
from stacklint.validate.schema_errors import Problem, dotted, shown

# cli/command/stack/loader/loader.go + compose/types: "Ignoring unsupported options" and
# "Ignoring deprecated options", plus keys swarm drops without a word (depends_on, tmpfs)
IGNORED = {
    "build": "it is ignored by docker stack deploy: build and push the image first",
    "cgroupns_mode": "it is ignored by docker stack deploy",
    "cgroup_parent": "it is ignored by docker stack deploy",
    "devices": "it is ignored by docker stack deploy (swarm cannot map devices)",
    "domainname": "it is ignored by docker stack deploy",
    "external_links": "it is ignored by docker stack deploy",
    "ipc": "it is ignored by docker stack deploy",
    "links": "it is ignored by docker stack deploy: services reach each other by name",
    "mac_address": "it is ignored by docker stack deploy",
    "network_mode": "it is ignored by docker stack deploy: attach the service to networks",
    "pid": "it is ignored by docker stack deploy",
    "privileged": "it is ignored by docker stack deploy: use cap_add for what it needs",
    "restart": "it is ignored by docker stack deploy: use deploy.restart_policy.condition",
    "security_opt": "it is ignored by docker stack deploy",
    "shm_size": "it is ignored by docker stack deploy: mount a tmpfs volume at /dev/shm",
    "userns_mode": "it is ignored by docker stack deploy",
    "container_name": "Setting the container name is not supported (swarm names tasks itself)",
    "expose": "Exposing ports is unnecessary - services on the same network can access each "
              "other's containers on any port",
    "depends_on": "it is ignored by docker stack deploy: make the service retry until its "
                  "dependencies answer",
    "tmpfs": "it is ignored by docker stack deploy: use a volume with `type: tmpfs`",
}
FAILURE_ACTIONS = {"update_config": ("continue", "rollback", "pause"),
                   "rollback_config": ("continue", "pause")}
ORDERS = ("start-first", "stop-first")
# values swarm knows; Docker's schema takes any string for these
CHOICES = {
    ("deploy", "mode"): ("replicated", "global", "replicated-job", "global-job"),
    ("deploy", "endpoint_mode"): ("vip", "dnsrr"),
    ("deploy", "restart_policy", "condition"): ("none", "on-failure", "any"),
}
ITEM_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "ports": {"mode": ("ingress", "host"), "protocol": ("tcp", "udp", "sctp")},
    "volumes": {"type": ("volume", "bind", "tmpfs", "npipe", "cluster")},
}
# tuples, not sets: a set of strings iterates in an order that changes with each process's
# hash seed, and which of two problems at one origin (values an alias shares) is kept
# depends on the order they come in
DURATIONS: tuple[tuple[str, ...], ...] = (
    ("stop_grace_period",), ("healthcheck", "interval"), ("healthcheck", "timeout"),
    ("healthcheck", "start_period"), ("healthcheck", "start_interval"),
    ("deploy", "update_config", "delay"), ("deploy", "update_config", "monitor"),
    ("deploy", "rollback_config", "delay"), ("deploy", "rollback_config", "monitor"),
    ("deploy", "restart_policy", "delay"), ("deploy", "restart_policy", "window"),
)
SIZES: tuple[tuple[str, ...], ...] = (("shm_size",), ("build", "shm_size"),
         ("deploy", "resources", "limits", "memory"),
         ("deploy", "resources", "reservations", "memory"))


def _get(node: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node


def _entries(value: Any) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(index, source, entry) of a service's secrets/configs list, short or long form."""
    if not isinstance(value, list):
        return
    for index, item in enumerate(value):
        if isinstance(item, str):
            yield index, item, {"source": item}
        elif isinstance(item, dict) and isinstance(item.get("source"), str):
            yield index, item["source"], item


def check_model(model: Any, target: str = "stack") -> Iterator[Problem]:
    """Every Docker-missed problem in the merged model."""
    if not isinstance(model, dict) or not isinstance(model.get("services"), dict):
        return
    defined = _defined(model)
    for name, service in model["services"].items():
        if not isinstance(service, dict):
            continue
        at = ("services", name)
        yield from _update_policies(service, at)
        yield from _values(service, at)
        yield from _choices(service, at)
        yield from _deploy_mode(service, at)
        yield from _healthcheck(service, at)
        yield from _references(defined, service, at)
        yield from _ports(service, at)
        if target == "stack":
            yield from _image(service, at)
            yield from _ignored(service, at)


def _update_policies(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    for key, actions in FAILURE_ACTIONS.items():
        policy = _get(service, ("deploy", key))
        if not isinstance(policy, dict):
            continue
        here = at + ("deploy", key)
        action = policy.get("failure_action")
        if action is not None and action not in actions:
            yield Problem("invalid-failure-action", here + ("failure_action",), False,
                          f"{dotted(here)}.failure_action must be one of: {', '.join(actions)}, "
                          f"not {shown(action)}; swarm would reject the service")
        ratio = policy.get("max_failure_ratio")
        if isinstance(ratio, (int, float)) and not isinstance(ratio, bool) \
                and not 0 <= ratio <= 1:
            # `docker stack config` accepts any number; swarmkit refuses it in update_config
            # only, and stores a rollback_config ratio as given (checked on a real swarm)
            verdict = ("the swarm refuses the service at deploy (update-maxfailureratio cannot be "
                       "less than 0 or bigger than 1)" if key == "update_config" else
                       "the swarm deploys it as given, where above 1 no failures ever stop a "
                       "rollback and below 0 the first one does")
            yield Problem("invalid-max-failure-ratio", here + ("max_failure_ratio",), False,
                          f"{dotted(here)}.max_failure_ratio is a fraction of tasks from 0 to 1 "
                          f"(0.2 = 20%), not {ratio}: `docker stack config` accepts it, but "
                          f"{verdict}")
        order = policy.get("order")
        if isinstance(order, str) and order not in ORDERS:
            yield Problem("invalid-update-order", here + ("order",), False,
                          f"{dotted(here)}.order must be start-first or stop-first, "
                          f"not {shown(order)}")


def _values(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    # `_get` written out: ~9000 calls for a 500-service half, ~2 of its ~10 ms
    for path in DURATIONS:
        value: Any = service
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        if isinstance(value, str) and (not gotypes.is_duration(value) or value.startswith("-")):
            yield Problem("invalid-duration", at + path, False,
                          f"{dotted(at + path)}: {shown(value)} is not a positive duration: "
                          "write a number with a unit (ns, us, ms, s, m, h), e.g. 30s or 1m30s")
    for path in SIZES:
        value = service
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, float) and not gotypes.is_byte_size(value):
            yield Problem("invalid-byte-size", at + path, False,
                          f"{dotted(at + path)}: {shown(value)} is not a size: write a number "
                          "with an optional unit b, k, m, g (e.g. 512m or 1g)")


def _choices(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    for path, allowed in CHOICES.items():
        value = _get(service, path)
        if isinstance(value, str) and value not in allowed:
            yield _bad_choice(at + path, value, allowed)
    for key, fields in ITEM_CHOICES.items():
        items = service.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            for name, allowed in fields.items():
                value = item.get(name) if isinstance(item, dict) else None
                if isinstance(value, str) and value.lower() not in allowed:
                    yield _bad_choice(at + (key, index, name), value, allowed)


def _bad_choice(pointer: tuple[Any, ...], value: str, allowed: tuple[str, ...]) -> Problem:
    return Problem("invalid-option-value", pointer, False,
                   f"{dotted(pointer)} must be one of: {', '.join(allowed)}, not {shown(value)}"
                   f"{suggest.did_you_mean(value, allowed)}")


def _deploy_mode(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    deploy = service.get("deploy")
    if isinstance(deploy, dict) and deploy.get("mode") in ("global", "global-job") \
            and deploy.get("replicas") is not None:
        here = at + ("deploy", "replicas")
        yield Problem("global-mode-with-replicas", here, True,
                      f"{dotted(here)}: `replicas` cannot be used with mode "
                      f"{deploy['mode']} (docker stack deploy: replicas can only be used with "
                      "replicated or replicated-job mode); remove replicas from every file "
                      "that sets it")


def _healthcheck(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    check = service.get("healthcheck")
    if isinstance(check, dict) and check.get("disable") is True and check.get("test"):
        here = at + ("healthcheck", "disable")
        yield Problem("healthcheck-test-with-disable", here, True,
                      f"{dotted(here)}: `disable: true` together with `test` fails at deploy "
                      "(test and disable can't be set at the same time); use `test: [\"NONE\"]` "
                      "instead of disable, or remove test from every file")


def _defined(model: dict[str, Any]) -> dict[str, set[str]]:
    """The names defined at the top level, per kind ('default' is always a network)."""
    out = {}
    for kind in ("networks", "volumes", "secrets", "configs"):
        top = model.get(kind)
        out[kind] = set(top) if isinstance(top, dict) else set()
    out["networks"].add("default")
    return out


def _references(defined: dict[str, set[str]], service: dict[str, Any],
                at: tuple[Any, ...]) -> Iterator[Problem]:
    networks = service.get("networks")
    names = networks if isinstance(networks, (dict, list)) else []
    for index, net in enumerate(names):
        if isinstance(net, str) and net not in defined["networks"]:
            step = net if isinstance(networks, dict) else index
            yield _undefined("network", at + ("networks", step), net, isinstance(networks, dict))
    volumes = service.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        source = _volume_source(volume)
        if source and source not in defined["volumes"]:
            yield _undefined("volume", at + ("volumes", index), source, False)
    for kind in ("secrets", "configs"):
        for index, source, _ in _entries(service.get(kind)):
            if source not in defined[kind]:
                yield _undefined(kind[:-1], at + (kind, index), source, False)


def _volume_source(volume: Any) -> str | None:
    if isinstance(volume, dict):
        source = volume.get("source")
        return source if volume.get("type") == "volume" and isinstance(source, str) else None
    if isinstance(volume, str) and ":" in volume:
        source = volume.split(":", 1)[0]
        return None if source[:1] in ("/", ".", "~", "$") or "\\" in source else source
    return None


def _undefined(kind: str, pointer: tuple[Any, ...], name: str, key: bool) -> Problem:
    return Problem(f"undefined-{kind}", pointer, key,
                   f"{dotted(pointer)}: {kind} `{name}` is not defined (docker stack deploy: "
                   f"undefined {kind} \"{name}\"); add it under the top-level `{kind}s:` "
                   "(with `external: true` if it already exists) or fix the name")


def _ports(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    ports = service.get("ports")
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        if not isinstance(port, dict):
            continue
        for key in ("published", "target"):
            value = port.get(key)
            if isinstance(value, int) and not isinstance(value, bool) \
                    and not 1 <= value <= 65535 and not (key == "published" and value == 0):
                here = at + ("ports", index, key)
                yield Problem("port-out-of-range", here, False,
                              f"{dotted(here)}: port {value} is outside 1..65535")
    yield from _duplicate_targets(service, at)


def _duplicate_targets(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    for kind in ("secrets", "configs"):
        seen: dict[str, str] = {}
        for index, source, entry in _entries(service.get(kind)):
            target = entry.get("target") or source
            if target in seen:
                here = at + (kind, index)
                yield Problem(f"duplicate-{kind[:-1]}-target", here, False,
                              f"{dotted(here)}: {kind[:-1]}s `{seen[target]}` and `{source}` "
                              f"both mount at `{target}` (docker stack deploy: duplicate "
                              f"{kind[:-1]} target); give one of them another `target`")
            seen.setdefault(target, source)


def _image(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    if service.get("image"):
        return
    reason = " (`build` is ignored by docker stack deploy)" if "build" in service else ""
    yield Problem("missing-image", at, True,
                  f"{dotted(at)}: no image specified{reason}: set `image:` to an image the "
                  "swarm nodes can pull")


def _ignored(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    for key in service:
        if key in IGNORED:
            yield Problem("swarm-ignored-key", at + (key,), True,
                          f"{dotted(at + (key,))}: {IGNORED[key]}")
