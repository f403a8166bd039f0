"""Placement constraints as swarmkit parses and matches them (manager/constraint).

`key==value` or `key!=value`; values compare case-insensitively, label names are case
sensitive; a key swarmkit does not know never matches, so such a constraint leaves no
node for the service (its tasks stay pending with "scheduling constraints not satisfied").
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, cast

from stacklint.cluster.state import Node

_KEY = re.compile(r"(?i)^[a-z_][a-z0-9\-_.]+$")
_VALUE = re.compile(r"(?i)^[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$")
KNOWN_KEYS = ("node.id", "node.hostname", "node.ip", "node.role", "node.platform.os",
              "node.platform.arch")
LABEL_PREFIXES = ("node.labels.", "engine.labels.")


@dataclass(frozen=True)
class Constraint:
    key: str
    equal: bool
    value: str
    text: str

    def matches(self, node: Node) -> bool:
        found = _value_of(self.key, node)
        if found is _UNKNOWN:
            return False
        text = cast(str, found)
        if self.key.lower() == "node.ip":
            hit = _ip_matches(self.value, text)
        else:
            hit = text.lower() == self.value.lower()   # strings.EqualFold
        return hit if self.equal else not hit


class ConstraintError(ValueError):
    """A constraint swarmkit rejects when the service is created."""


def parse(text: str) -> Constraint:
    """One constraint, or ConstraintError with swarmkit's reason."""
    for op, equal in (("==", True), ("!=", False)):
        if op in text:
            key, value = (part.strip() for part in text.split(op, 1))
            if not _KEY.match(key):
                raise ConstraintError(f"key {key!r} is invalid")
            if not _VALUE.match(value):
                raise ConstraintError(f"value {value!r} is invalid")
            return Constraint(key, equal, value, text)
    raise ConstraintError("it has no operator (use == or !=)")


def known(constraint: Constraint) -> bool:
    key = constraint.key.lower()
    return key in KNOWN_KEYS or any(key.startswith(p) and len(key) > len(p)
                                    for p in LABEL_PREFIXES)


_UNKNOWN = object()


def _value_of(key: str, node: Node) -> str | object:
    low = key.lower()
    simple = {"node.id": node.id, "node.hostname": node.hostname, "node.role": node.role,
              "node.platform.os": node.os, "node.platform.arch": node.arch,
              "node.ip": node.addr}
    if low in simple:
        return simple[low]
    for prefix, labels in (("node.labels.", node.labels), ("engine.labels.", node.engine_labels)):
        if low.startswith(prefix) and len(low) > len(prefix):
            return labels.get(key[len(prefix):], "")    # a missing label matches as ''
    return _UNKNOWN


def _ip_matches(expected: str, addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
        if "/" in expected:
            return ip in ipaddress.ip_network(expected, strict=False)
        return ip == ipaddress.ip_address(expected)
    except ValueError:
        return False


def admits(spec: dict[str, Any], node: Node) -> bool:
    """Whether a live service's placement constraints admit `node` (unparsable: no)."""
    texts = (((spec.get("TaskTemplate") or {}).get("Placement") or {}).get("Constraints")
             or [])
    try:
        return all(parse(text).matches(node) for text in texts)
    except ConstraintError:
        return False
