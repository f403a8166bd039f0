"""The project's JSON schemas, pruned per target and version, compiled once per process.

`schemas/stack.schema.json` is the one source: a property annotated
`"x-since": "3.4"` exists from 3.4 on, and `"x-changes"` lists keyword values
that hold before a version.  `schemas/compose.overlay.json` turns the newest
stack schema into the compose-specification target.  Callers see only
`compiled(target, version)`, a `CompiledSchema`: a fast yes/no check
(`fastcheck`) answers for valid files, and jsonschema (imported lazily: it
costs ~80 ms) lists every error only for invalid ones.  A version's pruned stack
schema is kept in the cache (`stacklint.cachefile`): a run reads it back, without `json`.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Protocol

from stacklint import cachefile, gotypes
from stacklint.errors import InputError
from stacklint.resources import schemas_dir

LATEST = "3.13"
VERSIONS = tuple(f"3.{minor}" for minor in range(14))
TARGETS = ("stack", "compose")


def version_key(version: str) -> tuple[int, int]:
    """`"3.4"` -> (3, 4); anything else raises ValueError."""
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def check_version(version: str | None, path: str | None = None, line: int = 1, column: int = 1) -> str:
    """`version` if Docker 28 knows its schema, else the InputError Docker gives."""
    if version in VERSIONS:
        return version
    if version in (None, "", "3"):          # Docker 28: missing, empty or "3" is the newest
        return LATEST
    raise InputError(f"unsupported Compose file version: {version}", path, line, column,
                     hint=f'use a version from 3.0 to {LATEST}, or omit it (= {LATEST})')


@lru_cache(maxsize=None)
def _raw(name: str) -> dict[str, Any]:
    import json
    with open(schemas_dir() / name, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


@lru_cache(maxsize=None)
def schema_for(target: str, version: str = LATEST) -> dict[str, Any]:
    """The plain JSON schema of `target` at `version` (memoised; do not mutate)."""
    if target == "compose":
        return _overlay(_copy(schema_for("stack", LATEST)), _raw("compose.overlay.json"))
    if target != "stack":
        raise ValueError(f"unknown target {target!r}; use one of {', '.join(TARGETS)}")
    source = os.path.join(schemas_dir(), "stack.schema.json")
    cache = cachefile.location("schema", [source, __file__], target, version)
    pruned: dict[str, Any] | None = cachefile.read(cache)
    if not isinstance(pruned, dict):
        pruned = _prune(_raw("stack.schema.json"), version_key(version))
        cachefile.write(cache, pruned)
    return pruned


def _copy(value: Any) -> Any:
    """A deep copy of JSON data: `copy.deepcopy`'s result, without importing `copy` (and
    `weakref`) at start-up or keeping its memo (JSON data shares no objects)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _since(node: Any) -> tuple[int, int]:
    since = node.get("x-since") if isinstance(node, dict) else None
    return version_key(since) if since else (0, 0)


def _prune(node: Any, version: tuple[int, int]) -> Any:
    """A copy of `node` without what `version` does not have, dropped keys remembered in
    `x-later`; `node` (the memoised raw schema) is left as it is.  One pass: each map and
    list is copied as it is pruned, not deep-copied first and pruned in place."""
    if isinstance(node, list):
        return [_prune(item, version) for item in node if _since(item) <= version]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    for change in node.pop("x-changes", ()):
        if version < version_key(change["before"]):
            node.update(change["set"])
            node["x-opens-in"] = change["before"]      # for "needs version ..." messages
    for key in ("oneOf", "anyOf"):
        dropped = [_since(b) for b in node.get(key, ()) if _since(b) > version]
        if dropped:                                    # e.g. long-syntax ports before 3.2
            node["x-later-form"] = "%d.%d" % min(dropped)
    later: dict[str, str] = {}
    for key in ("properties", "patternProperties"):
        entries = node.get(key)
        if isinstance(entries, dict):
            gone = [n for n, sub in entries.items() if _since(sub) > version]
            if gone:
                entries = node[key] = dict(entries)
                for name in gone:
                    later[name] = entries.pop(name)["x-since"]
    if later:
        node["x-later"] = later
    for key, value in node.items():       # values, not schemas, are copied and kept
        node[key] = _copy(value) if key in ("x-later", "enum", "required") \
            else _prune(value, version)
    return node


def _overlay(schema: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Apply `relax`, `drop_formats`, `remove` (pointers) and `set` (pointer -> value)."""
    _relax(schema, set(overlay.get("relax", {}).get("types", ())),
           overlay.get("relax", {}).get("also"), set(overlay.get("drop_formats", ())))
    for pointer in overlay.get("remove", ()):
        parent, key = _walk(schema, pointer)
        parent.pop(key, None)
    for pointer, value in overlay.get("set", {}).items():
        parent, key = _walk(schema, pointer)
        if isinstance(parent, list):          # "/oneOf/2" appends a branch
            parent[int(key):int(key) + 1] = [value]
        else:
            parent[key] = value
    return schema


def _relax(node: Any, types: set[str], also: str | None, formats_: set[str]) -> None:
    """Let `types` also be `also`, and drop `formats_`, everywhere below `node`."""
    if isinstance(node, list):
        for item in node:
            _relax(item, types, also, formats_)
        return
    if not isinstance(node, dict):
        return
    kinds = node.get("type")
    if also and isinstance(kinds, (str, list)):
        listed = [kinds] if isinstance(kinds, str) else list(kinds)
        if types & set(listed) and also not in listed:
            node["type"] = listed + [also]
    if node.get("format") in formats_:
        del node["format"]
    for value in node.values():
        _relax(value, types, also, formats_)


def _walk(schema: dict[str, Any], pointer: str) -> tuple[Any, str]:
    steps = [s.replace("~1", "/").replace("~0", "~") for s in pointer.strip("/").split("/")]
    node: Any = schema
    for step in steps[:-1]:
        node = node[int(step)] if isinstance(node, list) else node.setdefault(step, {})
    return node, steps[-1]


class SchemaError(Protocol):
    """What a backend reports for one failed check (the jsonschema error shape)."""

    validator: str
    validator_value: Any
    instance: Any
    schema: Any
    absolute_path: Any
    context: Any
    message: str


class CompiledSchema(Protocol):
    def is_valid(self, instance: Any) -> bool: ...

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]: ...


FORMATS = {"duration": gotypes.is_duration, "ports": gotypes.is_port_spec}


class _TwoStage:
    """`is_valid` by closures compiled from the schema; errors by jsonschema, built on demand."""

    def __init__(self, schema: dict[str, Any]) -> None:
        from stacklint.validate.fastcheck import compile_schema

        self.schema = schema
        self._fast = compile_schema(schema, FORMATS)
        self._full: Any = None

    def is_valid(self, instance: Any) -> bool:
        return self._fast(instance)

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        if self._full is None:
            import jsonschema

            checker = jsonschema.FormatChecker(formats=())
            for name, check in FORMATS.items():
                checker.checks(name)(check)
            self._full = jsonschema.Draft7Validator(self.schema, format_checker=checker)
        return self._full.iter_errors(instance)  # type: ignore[no-any-return]


@lru_cache(maxsize=None)
def compiled(target: str, version: str = LATEST) -> CompiledSchema:
    """A validator for `target` at `version`, built once per process."""
    return _TwoStage(schema_for(target, version))
