"""Drop what Docker never prints: zero-valued struct fields (`omitempty`), except pointers."""
from __future__ import annotations

from typing import Any

from stacklint.tree import SList, SMap, writable

Path = tuple[str, ...]

_DURATIONS = {"delay", "monitor", "window", "timeout", "interval", "start_period",
              "start_interval", "stop_grace_period"}
# the only strings `is_zero` is true for (for some keys)
ZERO_TEXTS = frozenset(("", "0", "0s"))


def is_zero(key: Any, value: object) -> bool:
    """Go's zero value test, as mergo applies it to a decoded field."""
    if value is None or value is False or value == "" or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0):
        return True
    if key in _DURATIONS and value == "0s":
        return True
    return key == "memory" and value == "0"


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


def _named(path: Path) -> Path:
    """A service's network entries are all one struct, whatever the network's name."""
    return ("networks", "*") if len(path) == 2 and path[0] == "networks" else path


class _Plan:
    """What to do with the entries of a mapping at one path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.is_struct = path in _STRUCTS
        self.pointers = {p[-1] for p in _POINTERS if p[:-1] == path}
        # child mappings and lists worth walking: key -> plan of the mapping (of the items)
        self.maps: dict[Any, _Plan] = {}
        self.lists: dict[Any, _Plan] = {}
        self.any_map: _Plan | None = None

    def link(self, plans: dict[Path, _Plan]) -> None:
        path = self.path
        self.maps = {p[-1]: plans[p] for p in plans if len(p) == len(path) + 1
                     and p[:-1] == path}
        self.lists = {p[-2]: plans[p] for p in plans if len(p) == len(path) + 2
                      and p[:-2] == path and p[-1] == "[]"}
        if path == ("networks",):
            self.any_map = plans[("networks", "*")]
        if path == ():
            self.lists["networks"] = plans[_named(("networks", "[]"))]


_PLANS = {path: _Plan(path) for path in _PREFIXES}
for _plan in _PLANS.values():
    _plan.link(_PLANS)
_SERVICE = _PLANS[()]


def _walk_map(value: SMap, plan: _Plan) -> SMap:
    """`value` without its omitted fields: the same object when nothing is dropped (the
    model shares unchanged subtrees with the files' layers, so nothing is edited in place)."""
    is_struct, pointers = plan.is_struct, plan.pointers
    out = value
    for key, item in value.items():
        kind = item.__class__
        if kind is str:
            if item not in ZERO_TEXTS:
                continue        # most values: a non-empty string is never dropped
        elif kind is int or kind is bool or kind is float:
            if item:
                continue        # nor is a number other than 0, or true
        new = item
        if isinstance(item, (dict, list)):
            if isinstance(item, SMap):
                child = plan.maps.get(key, plan.any_map)
                if child is not None:
                    new = _walk_map(item, child)
            elif isinstance(item, SList):
                child = plan.lists.get(key)
                if child is not None:
                    new = _walk_list(item, child)
            drop = is_struct and not new and key not in pointers
        elif is_struct:
            drop = key not in pointers and is_zero(key, item)
        else:
            continue
        if (drop or new is not item) and isinstance(key, str) and not key.startswith("x-"):
            out = writable(value, out)
            if drop:
                out.pop_entry(key)
            else:
                out[key] = new
    return out


def _walk_list(value: SList, item_plan: _Plan) -> SList:
    items = None
    for index, item in enumerate(value):
        if isinstance(item, SMap):
            new = _walk_map(item, item_plan)
            if new is not item:
                items = list(value) if items is None else items
                items[index] = new
    return value if items is None else SList(items, value.origin, value.item_origins)


def omit_empty(model: SMap) -> SMap:
    """`model` (edited: a new mapping of the merge) with each service as Docker's printer
    leaves it; a service that loses a field is a new mapping, the layers are left alone."""
    services = model.get("services")
    if isinstance(services, SMap):
        out = services
        for name, body in services.items():
            if isinstance(body, SMap):
                new = _walk_map(body, _SERVICE)
                if new is not body:
                    out = writable(services, out)
                    out[name] = new
        model["services"] = out
    return model
