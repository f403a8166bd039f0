"""Drop what Docker never prints: zero-valued struct fields (`omitempty`), except pointers."""
from __future__ import annotations

from typing import Any

from stacklint.merge import is_zero
from stacklint.tree import SList, SMap

# struct-typed paths inside a service ('[]' = any list item); their zero fields are dropped
_STRUCTS = {
    (), ("deploy",), ("deploy", "update_config"), ("deploy", "rollback_config"),
    ("deploy", "restart_policy"), ("deploy", "resources"), ("deploy", "resources", "limits"),
    ("deploy", "resources", "reservations"), ("deploy", "placement"), ("healthcheck",),
    ("logging",), ("build",), ("credential_spec",), ("ports", "[]"), ("volumes", "[]"),
    ("volumes", "[]", "bind"), ("volumes", "[]", "volume"), ("volumes", "[]", "tmpfs"),
    ("secrets", "[]"), ("configs", "[]"), ("networks", "*"),
}
# pointer fields: printed even when zero (`init: false`, `replicas: 0`, `healthcheck: {}`)
_POINTERS = {
    ("init",), ("stop_grace_period",), ("healthcheck",), ("logging",),
    ("deploy", "replicas"), ("deploy", "update_config"), ("deploy", "rollback_config"),
    ("deploy", "restart_policy"), ("deploy", "update_config", "parallelism"),
    ("deploy", "rollback_config", "parallelism"), ("deploy", "restart_policy", "delay"),
    ("deploy", "restart_policy", "max_attempts"), ("deploy", "restart_policy", "window"),
    ("deploy", "resources", "limits"), ("deploy", "resources", "reservations"),
    ("healthcheck", "timeout"), ("healthcheck", "interval"), ("healthcheck", "retries"),
    ("healthcheck", "start_period"), ("healthcheck", "start_interval"),
    ("secrets", "[]", "mode"), ("configs", "[]", "mode"), ("volumes", "[]", "bind"),
    ("volumes", "[]", "volume"), ("volumes", "[]", "tmpfs"),
}

# paths on the way to a struct: below any other path nothing is dropped, so no walk there
_PREFIXES = {path[:i] for path in _STRUCTS for i in range(len(path) + 1)}


def _walk(value: Any, path: tuple[str, ...]) -> None:
    if isinstance(value, SList):
        inner = path + ("[]",)
        for item in value:
            if isinstance(item, (SMap, SList)):
                _walk(item, inner)
        return
    if not isinstance(value, SMap):
        return
    if path and path[0] == "networks" and len(path) == 2:
        path = ("networks", "*")
    if path not in _PREFIXES:
        return
    is_struct = path in _STRUCTS
    for key in list(value):
        if not isinstance(key, str) or key.startswith("x-"):
            continue
        item = value[key]
        if isinstance(item, (SMap, SList, dict, list)):
            child = path + (key,)
            _walk(item, child)
            drop = len(item) == 0
        elif is_struct:
            child = path + (key,)
            drop = is_zero(key, item)
        else:
            continue
        if drop and is_struct and child not in _POINTERS:
            value.pop_entry(key)


def omit_empty(model: SMap) -> SMap:
    """Remove, in place, the service fields Docker's printer would leave out."""
    services = model.get("services")
    if isinstance(services, SMap):
        for body in services.values():
            _walk(body, ())
    return model
