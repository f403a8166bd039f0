"""Merge normalised files left to right with docker/cli's rules (mergo + its transformers).

Normalised layers are private to one load, so their values move into the model without
copies; the input files' own trees are never touched.
"""
from __future__ import annotations

from typing import Any

from stacklint.load import mergefields
from stacklint.errors import InputError
from stacklint.load.mergefields import KEEP, append
from stacklint.model import Note, Origin
from stacklint.load.omit import ZERO_TEXTS, is_zero, omit_empty
from stacklint.tree import SList, SMap, copy_entries

Pointer = tuple[Any, ...]

# *uint64 fields: replaced whenever set, so 0 does override (docker/cli mergeUint64)
_UINT64 = {("deploy", "replicas"), ("deploy", "update_config", "parallelism"),
           ("deploy", "rollback_config", "parallelism"),
           ("deploy", "restart_policy", "max_attempts"), ("healthcheck", "retries")}
# map[string]string fields: key-wise, the override wins even when empty
_STRING_MAPS = {("labels",), ("sysctls",), ("deploy", "labels"), ("build", "args"),
                ("build", "labels"), ("logging", "options")}
_KEYED = {"ports": "published", "volumes": "target", "secrets": "source", "configs": "source"}
_RESOURCES = ("networks", "volumes", "secrets", "configs")


class Merger:
    """Accumulates notes while merging one override into the base."""

    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        # lists `keyed` made (by id, kept alive here): keying one again with nothing
        # to add gives the same list, so a later file without the field reuses it
        self.keyed_lists: dict[int, SList] = {}
        # the chain's own files: an environment key from elsewhere was read from an env_file
        self.stack_files: set[str] = set()

    def note(self, kind: str, message: str, origin: Origin | None, pointer: Pointer) -> None:
        self.notes.append(Note(kind, message, origin, pointer))

    def top(self, base: SMap, over: SMap) -> SMap:
        out = copy_entries(base)
        for key in over:
            value = over[key]
            k_origin = over.key_origins.get(key)
            if key == "version":
                continue
            if isinstance(key, str) and key.startswith("x-"):
                self.note("toplevel-x-dropped", f"top-level `{key}` of an override file is "
                          "ignored by docker stack (only the first file's are kept)",
                          k_origin, (key,))
                continue
            if key == "services" and isinstance(out.get(key), SMap) and isinstance(value, SMap):
                out.put(key, self.services(out[key], value), out.key_origins.get(key),
                        out.value_origins.get(key))
            elif key in _RESOURCES and isinstance(out.get(key), SMap) and isinstance(value, SMap):
                out.put(key, self.resources(key, out[key], value), out.key_origins.get(key),
                        out.value_origins.get(key))
            elif key not in out or value is not None:
                out.put(key, value, k_origin, over.value_origins.get(key))
        return out

    def resources(self, kind: str, base: SMap, over: SMap) -> SMap:
        out = copy_entries(base)
        for name in over:
            before, after = out.get(name), over[name]
            lost = [k for k in before if not isinstance(after, dict) or k not in after] \
                if isinstance(before, dict) else []
            if lost:
                self.note("toplevel-entry-replaced",
                          f"{kind}.{name} is replaced as a whole by this file: "
                          f"{', '.join(map(str, lost))} from an earlier file is lost",
                          over.key_origins.get(name), (kind, name))
            out.copy_entry(over, name)
        return out

    def services(self, base: SMap, over: SMap) -> SMap:
        out = copy_entries(base)
        for name in over:
            value = over[name]
            if name in out and isinstance(out[name], SMap) and isinstance(value, SMap):
                out.put(name, self.service(out[name], value, ("services", name)),
                        out.key_origins.get(name), out.value_origins.get(name))
            elif name not in out or value is not None:
                out.put(name, value, over.key_origins.get(name),
                        over.value_origins.get(name))
        return SMap_sorted(out)

    def service(self, base: SMap, over: SMap, pointer: Pointer) -> SMap:
        out = self.struct(base, over, pointer, ())
        for key, ident in _KEYED.items():   # mergo runs these even when `over` lacks the key
            if isinstance(out.get(key), SList) and isinstance(base.get(key), SList):
                added = over.get(key)
                if id(base[key]) in self.keyed_lists and not isinstance(added, SList):
                    if key == "secrets":
                        self.secret_targets(base[key], pointer + (key,))
                    continue
                merged = self.keyed(key, ident, base[key], added, pointer + (key,))
                out.put(key, merged, out.key_origins.get(key), out.value_origins.get(key))
        return out

    def struct(self, base: SMap, over: SMap, pointer: Pointer, field: Pointer) -> SMap:
        """Field by field: scalars override when non-zero, lists append, maps recurse."""
        out = copy_entries(base)
        key_origins, value_origins, top = over.key_origins, over.value_origins, not field
        for key, value in over.items():
            k_origin, v_origin = key_origins.get(key), value_origins.get(key)
            current = out.get(key, _MISSING)
            if top and key in _KEYED:
                # appending [] to a missing (nil) slice leaves it nil in Go, so a later
                # override is appended as is rather than keyed and sorted
                nil_base = current is None or current is _MISSING
                if not isinstance(current, SList) and not (nil_base and value == []):
                    out.put(key, value, k_origin, v_origin)
                continue
            if current is None or current is _MISSING:
                if value is not None or current is _MISSING:
                    out.put(key, value, k_origin, v_origin)
                continue
            kind = value.__class__
            if kind is str and value not in ZERO_TEXTS or value and (
                    kind is int or kind is float or kind is bool):
                # a set scalar replaces the base's value at every path, special or not
                # (`field` would say so, the slow way): most of an override
                out.put(key, value, k_origin, v_origin)
                continue
            here = field + (key,)
            merged, replaced = self.field(out, key, value, pointer + (key,), here, k_origin)
            if merged is KEEP:
                continue
            if replaced:
                out.put(key, merged, k_origin, v_origin)
            else:
                out[key] = merged        # a combination: keep the base's key and node origins
        return out

    def field(self, out: SMap, key: Any, value: Any, pointer: Pointer, here: Pointer,
              k_origin: Origin | None) -> tuple[Any, bool]:
        """The merged value and whether it is the override's own value."""
        base = out[key]
        kind = _FIELD_KINDS.get(here)
        if kind is not None:
            if kind is _UINT64_FIELD:
                return (KEEP, False) if value is None else (value, True)
            if kind is not _STRING_MAP_FIELD:
                merged: mergefields.Result = kind(self, base, value, pointer, k_origin)
                return merged
            if isinstance(base, SMap) and isinstance(value, SMap):
                return _union(base, value), False
        if isinstance(key, str) and key.startswith("x-") and len(here) == 1:
            try:
                return mergefields.extras(base, value)
            except mergefields.ExtrasConflict as exc:
                raise InputError(f"cannot merge service {pointer[1]}: {exc}",
                                 *_where(k_origin), hint="use the same kind of value in "
                                 "every file (a list cannot extend a single value)") from None
        if isinstance(base, SMap) and isinstance(value, SMap):
            return self.struct(base, value, pointer, here), False
        if isinstance(base, SList) and isinstance(value, SList):
            return append(base, value), False
        if is_zero(key, value):
            if not is_zero(key, base) and value is not None:
                self.note("falsy-override-ignored",
                          f"`{key}: {value!r}` cannot undo `{base!r}` from an earlier file: "
                          "docker stack ignores empty and false values in overrides",
                          k_origin, pointer)
            return KEEP, False
        return value, True

    def keyed(self, key: str, ident: str, base: SList, over: Any, pointer: Pointer) -> SList:
        """Ports, volumes, secrets, configs: map by key, override wins, sorted by key."""
        entries: dict[Any, tuple[Any, Origin | None]] = {}
        missing = 0 if key == "ports" else ""
        for source in (base, over) if isinstance(over, SList) else (base,):
            for item, origin in zip(source, source.item_origins):
                ident_value = _hashable(item.get(ident, missing) if isinstance(item, SMap)
                                        else item)
                if ident_value in entries and _surprising(key, entries[ident_value], item, origin):
                    self.collapsed(key, ident, ident_value, origin, pointer)
                entries[ident_value] = (item, origin)
        out = SList(origin=base.origin)
        for ident_value in sorted(entries, key=_sort_key) if len(entries) > 1 else entries:
            item, origin = entries[ident_value]
            out.add(item, origin)
        if key == "secrets":
            self.secret_targets(out, pointer)
        self.keyed_lists[id(out)] = out
        return out

    def collapsed(self, key: str, ident: str, value: Any, origin: Origin | None,
                  pointer: Pointer) -> None:
        kind = "ports-collapsed" if key == "ports" else f"{key}-collapsed"
        extra = "" if key not in ("secrets", "configs") else (
            "; docker compose keeps every entry, so the two routes mount different targets: "
            f"list each {key[:-1]}'s entries in one file only")
        self.note(kind, f"{key} entries are keyed by `{ident}` ({value!r}) when files are "
                  "merged: this entry silently replaces an earlier one with the same key"
                  + extra, origin, pointer)

    def secret_targets(self, secrets: SList, pointer: Pointer) -> None:
        seen: dict[Any, Any] = {}
        for index, (item, origin) in enumerate(zip(secrets, secrets.item_origins)):
            if not isinstance(item, SMap):
                continue
            target = _hashable(item.get("target") or item.get("source"))
            if target in seen and seen[target] != item.get("source"):
                self.note("secret-target-duplicate",
                          f"secrets {seen[target]!r} and {item.get('source')!r} are both mounted "
                          f"at {target!r}: docker stack deploy fails", origin, pointer + (index,))
            seen.setdefault(target, item.get("source"))


# what merging does at a field path: one lookup instead of a chain of set tests
_UINT64_FIELD: Any = object()
_STRING_MAP_FIELD: Any = object()
_FIELD_KINDS: dict[Pointer, Any] = {**dict.fromkeys(_UINT64, _UINT64_FIELD),
                                    **dict.fromkeys(_STRING_MAPS, _STRING_MAP_FIELD),
                                    **mergefields.SPECIAL}


def _where(origin: Origin | None) -> tuple[str | None, int | None, int | None]:
    return (origin.path, origin.line, origin.column) if origin else (None, None, None)


def _surprising(key: str, earlier: tuple[Any, Origin | None], item: Any,
                origin: Origin | None) -> bool:
    """Whether losing `earlier` to `item` (same key) is something a person would not expect.

    Two entries of one file always are; across files a port that changes protocol or is
    unpublished, or a secret/config entry that drops fields the earlier one set."""
    before, before_origin = earlier
    if before_origin is None or origin is None or before_origin.path == origin.path:
        return True
    if not (isinstance(before, dict) and isinstance(item, dict)):
        return False
    if key == "ports":
        return (before.get("protocol", "tcp") != item.get("protocol", "tcp")
                or not item.get("published"))
    if key in ("secrets", "configs"):
        # another target: docker stack mounts only the later one, Compose both
        return any(k not in item for k in before) or _target(before) != _target(item)
    return False


def _target(entry: dict[Any, Any]) -> Any:
    """Where a secret/config entry is mounted (the default target is its source's name)."""
    target = entry.get("target") or entry.get("source")
    if isinstance(target, str) and target.startswith("/run/secrets/"):
        return target[len("/run/secrets/"):]
    return target


_MISSING: Any = object()


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def SMap_sorted(services: SMap) -> SMap:  # noqa: N802 - reads as a constructor
    """Services printed sorted by name, as Docker does."""
    return copy_entries(services, sorted(services, key=str))


def _union(base: SMap, over: SMap) -> SMap:
    out = copy_entries(base)
    for key in over:
        out.put(key, over[key], over.key_origins.get(key), over.value_origins.get(key))
    return out


def merge(layers: list[SMap], notes: list[Note]) -> SMap:
    """The merged model of already normalised files."""
    model = layers[0]
    merger = Merger(notes)
    merger.stack_files = {layer.origin.path for layer in layers if layer.origin is not None}
    for layer in layers[1:]:
        model = merger.top(model, layer)
    if len(layers) == 1:
        model = copy_entries(model)
    omit_empty(model)
    if isinstance(model.get("services"), SMap):
        model.put("services", SMap_sorted(model["services"]), model.key_origins.get("services"),
                  model.value_origins.get("services"))
    return model
