"""Key order of `docker stack config` output: Go struct field order, sorted maps."""
from __future__ import annotations

import functools
from typing import Any

from stacklint.tree import SList, SMap

_STRUCTS: dict[str, list[str]] = {
    "top": ["version", "services", "networks", "volumes", "secrets", "configs"],
    "service": [
        "build", "cap_add", "cap_drop", "cgroup_parent", "command", "configs", "container_name",
        "credential_spec", "depends_on", "deploy", "devices", "dns", "dns_search", "domainname",
        "entrypoint", "environment", "env_file", "expose", "external_links", "extra_hosts",
        "hostname", "healthcheck", "image", "init", "ipc", "isolation", "labels", "links",
        "logging", "mac_address", "network_mode", "networks", "pid", "ports", "privileged",
        "read_only", "restart", "secrets", "security_opt", "shm_size", "stdin_open",
        "stop_grace_period", "stop_signal", "sysctls", "tmpfs", "tty", "ulimits", "user",
        "userns_mode", "volumes", "working_dir"],
    "deploy": ["mode", "replicas", "labels", "update_config", "rollback_config", "resources",
               "restart_policy", "placement", "endpoint_mode"],
    "update": ["parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"],
    "resources": ["limits", "reservations"],
    "resource": ["cpus", "memory", "pids", "generic_resources"],
    "restart": ["condition", "delay", "max_attempts", "window"],
    "placement": ["constraints", "preferences", "max_replicas_per_node"],
    "healthcheck": ["test", "timeout", "interval", "retries", "start_period", "start_interval",
                    "disable"],
    "logging": ["driver", "options"],
    "build": ["context", "dockerfile", "args", "labels", "cache_from", "extra_hosts", "network",
              "target"],
    "port": ["mode", "target", "published", "protocol"],
    "volume": ["type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs"],
    "file_ref": ["source", "target", "uid", "gid", "mode"],
    "attachment": ["aliases", "ipv4_address", "ipv6_address"],
    "network": ["name", "driver", "driver_opts", "ipam", "external", "internal", "attachable",
                "labels"],
    "named_volume": ["name", "driver", "driver_opts", "external", "labels"],
    "file_object": ["name", "file", "external", "labels", "driver", "driver_opts",
                    "template_driver"],
}
# what each struct's fields hold: another struct, a list of structs, or a map of structs
_CHILDREN: dict[str, dict[str, tuple[str, str]]] = {
    "top": {"services": ("map", "service"), "networks": ("map", "network"),
            "volumes": ("map", "named_volume"), "secrets": ("map", "file_object"),
            "configs": ("map", "file_object")},
    "service": {"deploy": ("one", "deploy"), "healthcheck": ("one", "healthcheck"),
                "logging": ("one", "logging"), "build": ("one", "build"),
                "ports": ("list", "port"),
                "volumes": ("list", "volume"), "secrets": ("list", "file_ref"),
                "configs": ("list", "file_ref"), "networks": ("map", "attachment")},
    "deploy": {"update_config": ("one", "update"), "rollback_config": ("one", "update"),
               "resources": ("one", "resources"), "restart_policy": ("one", "restart"),
               "placement": ("one", "placement")},
    "resources": {"limits": ("one", "resource"), "reservations": ("one", "resource")},
}


def ordered(value: Any, kind: str = "top") -> Any:
    """`value` (a struct of `kind`) with keys in Docker's print order; maps sorted."""
    if not isinstance(value, SMap):
        return value
    rank = _RANKS.get(kind) or {}
    keys = _struct_keys(kind, tuple(value))
    out = SMap(origin=value.origin)
    for key in keys:
        out.copy_entry(value, key)
        shape, child = _CHILDREN.get(kind, {}).get(key, ("", ""))
        item = value[key]
        if shape == "one":
            out[key] = ordered(item, child)
        elif shape == "list" and isinstance(item, SList):
            out[key] = SList([ordered(v, child) for v in item], item.origin, item.item_origins)
        elif shape == "map" and isinstance(item, SMap):
            out[key] = _sorted_map(item, child)
        elif str(key).startswith("x-"):
            out[key] = _sorted_deep(item)           # map[string]any: every level sorted
        elif isinstance(item, SMap) and key in rank:
            out[key] = _sorted_map(item, "")      # a free-form map: environment, labels …
    return out


_RANKS = {kind: {name: i for i, name in enumerate(fields)} for kind, fields in _STRUCTS.items()}


def _struct_keys(kind: str, keys: tuple[Any, ...]) -> tuple[Any, ...]:
    """Struct fields in Go's order, then other keys by name, `x-` keys last."""
    if all(type(k) is str for k in keys):      # the usual case: the same key sets repeat
        return _cached_struct_keys(kind, keys)
    return _struct_order(kind, keys)


@functools.lru_cache(maxsize=1 << 14)
def _cached_struct_keys(kind: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    return _struct_order(kind, keys)


def _struct_order(kind: str, keys: tuple[Any, ...]) -> tuple[Any, ...]:
    rank = _RANKS.get(kind) or {}
    return tuple(sorted(keys, key=lambda k: (0, rank[k], "") if k in rank else
                        (2 if str(k).startswith("x-") else 1, 0, str(k))))


def _map_keys(value: SMap) -> tuple[Any, ...]:
    """A map's keys in yaml.v3's order."""
    keys = tuple(value)
    if all(type(k) is str for k in keys):      # (1 and True are equal keys of a cache)
        return _cached_map_keys(keys)
    return tuple(sorted(keys, key=_YAML_KEY))


@functools.lru_cache(maxsize=1 << 14)
def _cached_map_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(keys, key=_YAML_KEY))


def _sorted_deep(value: Any) -> Any:
    if isinstance(value, SMap):
        out = SMap(origin=value.origin)
        for key in _map_keys(value):
            out.copy_entry(value, key)
            out[key] = _sorted_deep(value[key])
        return out
    if isinstance(value, SList):
        return SList([_sorted_deep(v) for v in value], value.origin, value.item_origins)
    return value


def _yaml_less(a: str, b: str) -> bool:
    """yaml.v3's map key order (`keyList.Less`): numbers by value, other signs before letters."""
    digits = False
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            digits = a[i].isdecimal()
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return al if digits else bl
        an, ai = _number(a, i)
        bn, bi = _number(b, i)
        if (a[i] == "0" or b[i] == "0") and any(c != "0" for c in _digits_before(a, i)):
            an = bn = 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


def _number(text: str, start: int) -> tuple[int, int]:
    """The digit run at `start`, valued as Go does (rune - '0', any decimal digit)."""
    end, value = start, 0
    while end < len(text) and text[end].isdecimal():
        value = value * 10 + ord(text[end]) - ord("0")
        end += 1
    return value, end


def _digits_before(text: str, index: int) -> str:
    start = index
    while start > 0 and text[start - 1].isdecimal():
        start -= 1
    return text[start:index]


_YAML_KEY = functools.cmp_to_key(
    lambda a, b: -1 if _yaml_less(str(a), str(b)) else (1 if _yaml_less(str(b), str(a)) else 0))


def _sorted_map(value: SMap, child: str) -> SMap:
    out = SMap(origin=value.origin)
    for key in _map_keys(value):
        out.copy_entry(value, key)
        if child:
            out[key] = ordered(value[key], child)
    return out
