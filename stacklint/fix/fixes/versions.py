"""Which stack-file version each key needs (measured with `docker stack config`, CLI 28.2.2)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

# Steps match keys with fnmatch patterns; "{}" requires a mapping at that place
# (the long syntax of ports and volumes).  Order does not matter.
NEEDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("secrets",), "3.1"), (("services", "*", "secrets"), "3.1"),
    (("services", "*", "ports", "*", "{}"), "3.2"),
    (("services", "*", "volumes", "*", "{}"), "3.2"),
    (("services", "*", "build", "cache_from"), "3.2"),
    (("services", "*", "deploy", "endpoint_mode"), "3.2"),
    (("networks", "*", "attachable"), "3.2"),
    (("configs",), "3.3"), (("services", "*", "configs"), "3.3"),
    (("services", "*", "credential_spec"), "3.3"),
    (("services", "*", "deploy", "placement", "preferences"), "3.3"),
    (("services", "*", "build", "labels"), "3.3"),
    (("x-*",), "3.4"),
    (("services", "*", "healthcheck", "start_period"), "3.4"),
    (("services", "*", "deploy", "update_config", "order"), "3.4"),
    (("volumes", "*", "name"), "3.4"),
    (("services", "*", "build", "target"), "3.4"), (("services", "*", "build", "network"), "3.4"),
    (("networks", "*", "name"), "3.5"), (("secrets", "*", "name"), "3.5"),
    (("configs", "*", "name"), "3.5"),
    (("services", "*", "deploy", "resources", "reservations", "generic_resources"), "3.5"),
    (("services", "*", "isolation"), "3.5"), (("services", "*", "build", "shm_size"), "3.5"),
    (("services", "*", "volumes", "*", "tmpfs", "size"), "3.6"),
    (("services", "*", "deploy", "rollback_config"), "3.7"), (("services", "*", "init"), "3.7"),
    (("services", "*", "x-*"), "3.7"),
    (("networks", "*", "x-*"), "3.7"), (("volumes", "*", "x-*"), "3.7"),
    (("secrets", "*", "x-*"), "3.7"), (("configs", "*", "x-*"), "3.7"),
    (("services", "*", "deploy", "placement", "max_replicas_per_node"), "3.8"),
    (("services", "*", "credential_spec", "config"), "3.8"),
    (("secrets", "*", "driver"), "3.8"), (("secrets", "*", "template_driver"), "3.8"),
    (("configs", "*", "template_driver"), "3.8"),
    (("services", "*", "deploy", "resources", "limits", "pids"), "3.9"),
    (("services", "*", "pids_limit"), "3.9"),        # SL709 moves it to limits.pids
    (("services", "*", "cgroupns_mode"), "3.9"), (("services", "*", "build", "extra_hosts"), "3.9"),
    (("services", "*", "healthcheck", "start_interval"), "3.12"),
    (("services", "*", "oom_score_adj"), "3.13"),
    (("services", "*", "networks", "*", "driver_opts"), "3.13"),
)
# `build` is open (any key) from 3.11; before that only these keys
BUILD_3_10 = frozenset("context dockerfile args labels cache_from network target shm_size "
                       "extra_hosts".split())
LOWEST = "3.0"
NEWEST = "3.13"


def as_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


@lru_cache(maxsize=None)     # the table's steps, a few dozen
def _literal(step: str) -> bool:
    return not any(c in step for c in "*?[")


@lru_cache(maxsize=None)     # the table's step tuples and their tails
def _keys_only(steps: tuple[str, ...]) -> bool:
    """Whether every step is a literal key (no pattern, no `{}`)."""
    return all(_literal(step) and step != "{}" for step in steps)


def _holds(node: Any, steps: tuple[str, ...]) -> bool:
    """Whether the literal keys `steps` lead from `node` through mappings to a value."""
    for step in steps:
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


def _matches(node: Any, steps: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    if _keys_only(steps):       # literal keys (most of the table): a lookup, no generators
        if _holds(node, steps):
            yield steps
        return
    step, rest = steps[0], steps[1:]
    if step == "{}":
        if isinstance(node, dict):
            yield from _matches(node, rest)
        return
    if isinstance(node, dict) and _literal(step):
        if step in node:      # a literal key: one lookup, not an fnmatch over every key
            for tail in _matches(node[step], rest):
                yield (step, *tail)
        return
    if isinstance(node, dict):
        items: Iterable[tuple[Any, Any]] = node.items()
    elif isinstance(node, list) and step == "*":
        items = enumerate(node)
    else:
        return
    literal = _keys_only(rest)
    for key, value in items:
        if step == "*" or isinstance(key, int) or fnmatchcase(key, step):
            if literal:         # each service's own keys: looked up here, one by one
                if _holds(value, rest):
                    yield (key, *rest)
                continue
            for tail in _matches(value, rest):
                yield (key, *tail)


def needs(data: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """(version, pointer) for every key in `data` that needs more than 3.0."""
    found = [(version, pointer) for steps, version in NEEDS for pointer in _matches(data, steps)]
    found += [("3.11", pointer) for pointer in _build_extras(data)]
    return found


def _build_extras(data: Any) -> Iterator[tuple[Any, ...]]:
    """A `build` key that only 3.11 (where `build` is open) allows."""
    for pointer in _matches(data, ("services", "*", "build")):
        build = data["services"][pointer[1]]["build"]
        extra = sorted(k for k in build if k not in BUILD_3_10) if isinstance(build, dict) else []
        if extra:
            yield (*pointer, extra[0])


_VERSIONS = sorted({version for _, version in NEEDS} | {"3.11"}, key=as_tuple, reverse=True)


def minimum(data: Any) -> tuple[str, tuple[Any, ...] | None]:
    """The lowest version that allows every key in `data`, and the key that needs it.

    That is the highest version any key needs: versions are tried from the top and the
    first one with a key wins (its first key in `needs` order), so a stack of 3.7 keys
    does not walk the patterns of 3.1-3.6."""
    for version in _VERSIONS:
        if as_tuple(version) <= as_tuple(LOWEST):
            break
        for pointer in _needing(data, version):
            return version, pointer
    return LOWEST, None


def _needing(data: Any, version: str) -> Iterator[tuple[Any, ...]]:
    for steps, wanted in NEEDS:
        if wanted == version:
            yield from _matches(data, steps)
    if version == "3.11":
        yield from _build_extras(data)
