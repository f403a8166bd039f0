"""What Docker refuses when it decodes a file into its Go types, after its schema passed.

`docker stack config` checks each file against its JSON schema, then decodes it into
docker/cli's structs (mapstructure): a schema-valid `replicas: -1` fails there ("-1
overflows uint"), as do an integer `shm_size` (a Go string), a float short port and an
empty `memory` (go-units: "invalid size"). The project's schemas stay equal to Docker's
(tests/test_schema.py); these are the decoding step's own refusals, at the value's line.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from stacklint.load.document import Timestamp
from stacklint.validate.schema_errors import Problem, dotted

if TYPE_CHECKING:
    from typing import TypeGuard

# unsigned integers in docker/cli's types (uint64, *uint64)
UNSIGNED: tuple[tuple[str, ...], ...] = (
    ("deploy", "replicas"), ("deploy", "update_config", "parallelism"),
    ("deploy", "rollback_config", "parallelism"),
    ("deploy", "restart_policy", "max_attempts"), ("healthcheck", "retries"))
MEMORY: tuple[tuple[str, ...], ...] = (("deploy", "resources", "limits", "memory"),
                                       ("deploy", "resources", "reservations", "memory"))


def problems(data: Any) -> Iterator[Problem]:
    """Decoding refusals of one file's interpolated data."""
    if not isinstance(data, dict):
        return
    services = data.get("services")
    for name, service in (services.items() if isinstance(services, dict) else ()):
        if isinstance(service, dict):
            yield from _service(service, ("services", name))
    for kind in ("secrets", "configs"):
        entries = data.get(kind)
        for name, entry in (entries.items() if isinstance(entries, dict) else ()):
            yield from _file_mode(entry, (kind, name))
    if Timestamp.made:                # else no value anywhere is one: the walk finds none
        yield from _timestamps(data, ())
    services = services if isinstance(services, dict) else {}
    for name, service in services.items():
        for kind in ("secrets", "configs"):
            items = service.get(kind) if isinstance(service, dict) else None
            for index, item in enumerate(items if isinstance(items, list) else ()):
                yield from _file_mode(item, ("services", name, kind, index))


# maps of free text: docker/cli turns a time.Time there into text ("2001-12-14 00:00:00
# +0000 UTC") instead of refusing it, so only struct fields and list items are refused
FREE_MAPS = frozenset(["environment", "labels", "extra_hosts", "sysctls", "args", "options",
                       "driver_opts"])


def _timestamps(data: Any, at: tuple[Any, ...]) -> Iterator[Problem]:
    found: list[tuple[tuple[Any, ...], Timestamp]] = []
    _dated(data, list(at), found)
    for pointer, node in found:
        yield Problem("schema-violation", pointer, False,
                      f"{dotted(pointer)} is the unquoted date {node}, which YAML reads as a "
                      "timestamp and Docker refuses (expected type 'string', got unconvertible "
                      f"type 'time.Time'): quote it (\"{node}\")")


_LEAVES = frozenset([str, int, float, bool, type(None)])


def _dated(node: Any, path: list[Any], out: list[tuple[tuple[Any, ...], Timestamp]]) -> None:
    """Each timestamp below `node` (at `path`) outside `x-` keys and free-text maps, in
    document order.  A plain walk with one path list (a 2 MiB file has ~70k values, nearly
    all plain strings and numbers, skipped by their class alone)."""
    leaves = _LEAVES
    if isinstance(node, dict):
        for key, value in node.items():
            if value.__class__ in leaves or isinstance(key, str) and key.startswith("x-"):
                continue
            if isinstance(value, dict):
                if key in FREE_MAPS:
                    continue
            elif not isinstance(value, list):
                if isinstance(value, Timestamp):
                    out.append(((*path, key), value))
                continue
            path.append(key)
            _dated(value, path, out)
            path.pop()
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if item.__class__ in leaves:
                continue
            if isinstance(item, (dict, list)):
                path.append(index)
                _dated(item, path, out)
                path.pop()
            elif isinstance(item, Timestamp):
                out.append(((*path, index), item))


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _get(node: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def _service(service: dict[str, Any], at: tuple[Any, ...]) -> Iterator[Problem]:
    for path in UNSIGNED:
        value = _get(service, path)
        if _number(value) and value < 0:
            yield Problem("schema-violation", at + path, False,
                          f"{dotted(at + path)} must be at least 0, not {value}: Docker reads "
                          f"it as an unsigned number ({value} overflows uint)")
    shm = service.get("shm_size")
    if _number(shm):
        yield Problem("schema-violation", at + ("shm_size",), False,
                      f"{dotted(at + ('shm_size',))} must be a string, not the number {shm}: "
                      f'Docker decodes it into a string; quote it ("{shm}") or add a unit')
    for path in MEMORY:
        if _get(service, path) == "":
            yield Problem("schema-violation", at + path, False,
                          f"{dotted(at + path)} must not be empty (Docker: invalid size ''): "
                          "write a size such as 512M, or remove the key")
    ulimits = service.get("ulimits")
    for name, limit in (ulimits.items() if isinstance(ulimits, dict) else ()):
        for key, value in ([(None, limit)] if not isinstance(limit, dict) else limit.items()):
            if isinstance(value, float):            # an int in docker/cli's UlimitsConfig
                pointer = at + ("ulimits", name) + ((key,) if key else ())
                yield Problem("schema-violation", pointer, False,
                              f"{dotted(pointer)} is the number {value}, and a ulimit is an "
                              "integer (Docker: invalid type float64 for ulimits)")
    ports = service.get("ports")
    for index, port in enumerate(ports if isinstance(ports, list) else ()):
        for key in ("target", "published"):       # uint32 in docker/cli's ServicePortConfig
            value = port.get(key) if isinstance(port, dict) else None
            if _number(value) and value < 0:
                pointer = at + ("ports", index, key)
                yield Problem("schema-violation", pointer, False,
                              f"{dotted(pointer)} must be at least 0, not {value}: a port "
                              "number is unsigned")
        if isinstance(port, float):
            pointer = at + ("ports", index)
            yield Problem("schema-violation", pointer, False,
                          f"{dotted(pointer)} is the number {port}, and a port is an integer: "
                          f'write "{port}" as HOST:CONTAINER (e.g. "8080:80") or an integer')


def _file_mode(entry: Any, at: tuple[Any, ...]) -> Iterator[Problem]:
    mode = entry.get("mode") if isinstance(entry, dict) else None
    if _number(mode) and mode < 0:
        pointer = at + ("mode",)
        yield Problem("schema-violation", pointer, False,
                      f"{dotted(pointer)} must be at least 0, not {mode}: a file mode is "
                      "unsigned (e.g. 0440)")
