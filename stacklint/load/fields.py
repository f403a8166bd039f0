"""Per-key normalisers for a service, mirroring docker/cli's loader transformers."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from stacklint import gotypes
from stacklint.model import Origin
from stacklint.tree import SList, SMap, make_map, shallow_copy, writable

if TYPE_CHECKING:                 # the handlers are called with the Normalizer that runs them
    from stacklint.load.normalize import Normalizer
    Pointer = tuple[Any, ...]

# Every handler leaves its input alone: a value it does not rewrite is returned as it is
# (shared with the layer), and a container is copied on its first edit (`writable`).


def _map(origin: Origin | None, **items: Any) -> SMap:
    """A new mapping whose every key and value points at `origin`."""
    if origin is not None:
        return make_map(items, origin, dict.fromkeys(items, origin), dict.fromkeys(items, origin))
    out = make_map(items, None, {}, {})
    for key, value in items.items():     # as `put` records it: a container at its own node
        if isinstance(value, (SMap, SList)) and value.origin is not None:
            out.value_origins[key] = value.origin
    return out


def mapping(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer,
            allow_nil: bool) -> Any:
    """`- K=V` lists and maps to a map of strings (null kept only where Docker keeps it)."""
    if isinstance(value, SList):
        out = SMap(origin=value.origin)
        for item, item_origin in zip(value, value.item_origins):
            text = item if isinstance(item, str) else gotypes.go_string(item)
            key, has, val = text.partition("=")
            out.put(key, val if has else (None if allow_nil else ""), item_origin, item_origin)
        return out
    if isinstance(value, SMap):
        if _strings(value, allow_nil):
            return value        # already what Docker decodes: shared, not rebuilt
        out = SMap(origin=value.origin)
        for key in value:
            item = value[key]
            item_text = None if item is None else (item if isinstance(item, str)
                                                   else gotypes.go_string(item))
            out.put(key, item_text if (item_text is not None or allow_nil) else "",
                    value.key_origins.get(key), value.value_origins.get(key))
        return out
    return None


def _strings(value: SMap, allow_nil: bool) -> bool:
    """Whether every value is a string (or a kept null)."""
    for item in value.values():
        if not isinstance(item, str) and (item is not None or not allow_nil):
            return False
    return True


def string_list(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if isinstance(value, str):
        return SList([value], origin, [origin])
    if isinstance(value, SList):
        if all(isinstance(v, (str, SMap, SList)) for v in value):
            return value
        return SList([v if isinstance(v, (str, SMap, SList)) else gotypes.go_string(v)
                      for v in value], value.origin, value.item_origins)
    return None


def shell_command(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, str):
        return None
    try:
        words = gotypes.shell_split(value)
    except ValueError as exc:
        raise norm.error(f"{'.'.join(map(str, pointer))}: cannot split {value!r}: {exc}", origin,
                         hint="close the quote, or write the command as a list") from None
    return SList(words, origin, [origin] * len(words))



def ports(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, SList):
        return None
    out = SList(origin=value.origin)
    for index, (item, item_origin) in enumerate(zip(value, value.item_origins)):
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            try:
                entries = gotypes.parse_port(str(item))
            except ValueError:
                out.add(item, item_origin)      # left for validation to report
                continue
            for entry in entries:
                if entry.dropped_ip:
                    norm.note("ip-address-dropped",
                              f"ignoring IP-address ({entry.dropped_ip}:{entry.published or ''}:"
                              f"{entry.target}/{entry.protocol}) service will listen on "
                              "'0.0.0.0'", item_origin, pointer + (index,))
                fields: dict[str, Any] = {"mode": "ingress", "target": entry.target}
                if entry.published:
                    fields["published"] = entry.published
                fields["protocol"] = entry.protocol
                out.add(_map(item_origin, **fields), item_origin)
        else:
            out.add(item, item_origin)
    return out


def _bind_source(norm: Normalizer, source: str) -> str:
    """The absolute path of a bind mount's source (the same few in many services)."""
    known = norm.bind_sources.get(source)
    if known is None:
        known = norm.bind_sources[source] = _absolute_source(norm, source)
    return known


def _absolute_source(norm: Normalizer, source: str) -> str:
    if source.startswith("~"):
        home = norm.env.get("HOME")
        if home is not None:
            source = source.replace("~", home, 1)
    if source.startswith("/") or (len(source) > 2 and source[1] == ":" and source[0].isalpha()):
        return source
    return os.path.normpath(os.path.join(norm.workdir, source))


def volumes(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, SList):
        return None
    out = SList(origin=value.origin)
    for item, item_origin in zip(value, value.item_origins):
        source: SMap | None = None
        if isinstance(item, str):
            entry = _short_volume(norm, item, item_origin)
        elif isinstance(item, SMap):
            source = item
            entry = _long_volume(item)
        else:
            out.add(item, item_origin)
            continue
        if entry.get("type") == "bind":
            entry = _resolve_bind(norm, source, entry, item_origin)
        out.add(entry, item_origin)
    return out


def _short_volume(norm: Normalizer, text: str, origin: Origin | None) -> SMap:
    try:
        spec = gotypes.parse_volume(text)
    except ValueError as exc:
        raise norm.error(str(exc), origin, "write `source:target[:ro]`") from None
    fields: dict[str, Any] = {"type": spec.type}
    if spec.source:
        fields["source"] = spec.source
    fields["target"] = spec.target
    if spec.read_only:
        fields["read_only"] = True
    for key, sub in spec.extra.items():
        fields[key] = _map(origin, **sub)
    return _map(origin, **fields)


def _long_volume(item: SMap) -> SMap:
    entry = item
    tmpfs = entry.get("tmpfs")
    if isinstance(tmpfs, SMap):
        entry = _set(item, entry, "tmpfs", _bytes_at(tmpfs, tmpfs, "size", as_int=True))
    bind = entry.get("bind")
    if isinstance(bind, SMap) and "create_host_path" in bind:
        # not in Docker's struct: it deploys an empty BindOptions the daemon rejects
        bind = shallow_copy(bind)
        bind.pop_entry("create_host_path")
        entry = writable(item, entry)
        if bind:
            entry["bind"] = bind
        else:
            entry.pop_entry("bind")
    return entry


def _resolve_bind(norm: Normalizer, item: SMap | None, entry: SMap,
                  origin: Origin | None) -> SMap:
    """`entry` (copied if it is still `item`) with its source made absolute."""
    source = entry.get("source")
    if not source:
        raise norm.error('invalid mount config for type "bind": field Source must not be empty',
                         origin, "give the bind mount a `source`")
    if isinstance(source, str):
        resolved = _bind_source(norm, source)
        if resolved != source:
            entry = writable(item, entry) if item is not None else entry
            entry.put("source", resolved, entry.key_origins.get("source"),
                      entry.value_origins.get("source"))
    return entry


def file_objects(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, SList):
        return None
    out = SList(origin=value.origin)
    for item, item_origin in zip(value, value.item_origins):
        if isinstance(item, str):
            out.add(_map(item_origin, source=item), item_origin)
        else:
            out.add(item, item_origin)
    return out


def environment(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    return mapping(norm, value, origin, pointer, True)


def labels(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    return mapping(norm, value, origin, pointer, False)


def extra_hosts(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    entries: list[tuple[str, Origin | None]] = []
    if isinstance(value, SMap):
        entries = sorted((f"{k}:{gotypes.go_string(v)}", value.value_origins.get(k))
                         for k, v in value.items() if v is not None)
    elif isinstance(value, SList):
        for item, item_origin in zip(value, value.item_origins):
            text = gotypes.go_string(item)
            for sep in ("=", ":"):
                host, has, ip = text.partition(sep)
                if has:
                    entries.append((f"{host}:{ip}", item_origin))
                    break
    else:
        return None
    out = SList(origin=getattr(value, "origin", origin))
    for text, item_origin in entries:
        host, _, ip = text.partition(":")
        if len(ip) > 2 and ip[0] == "[" and ip[-1] == "]":
            text = f"{host}:{ip[1:-1]}"
        out.add(text, item_origin)
    return out


def healthcheck(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, SMap):
        return None
    out = value
    test = out.get("test")
    if isinstance(test, str):
        test_origin = out.value_origins.get("test")
        out = writable(value, out)
        out.put("test", SList(["CMD-SHELL", test], test_origin, [test_origin] * 2),
                out.key_origins.get("test"), test_origin)
    for key in ("timeout", "interval", "start_period", "start_interval"):
        out = _duration_at(value, out, key)
    return out


def networks(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if isinstance(value, SList) and all(isinstance(item, str) for item in value):
        out = SMap(origin=value.origin)
        for item, item_origin in zip(value, value.item_origins):
            out.put(item, None, item_origin, item_origin)
        return out
    return None


def build(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if isinstance(value, str):
        return _map(origin, context=value)
    if isinstance(value, SMap):
        out = value
        for key in ("args", "labels"):
            if key in out:
                new = mapping(norm, out[key], out.value_origins.get(key), (), key == "args")
                if new is not None:
                    out = _put(value, out, key, new)
        return out
    return None


def logging(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, SMap):
        return None
    out = value
    if "options" in out:
        new = mapping(norm, out["options"], out.value_origins.get("options"), (), False)
        if new is not None:
            out = _put(value, out, "options", new)
    return out


def deploy(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    if not isinstance(value, SMap):
        return None
    out = value
    if "labels" in out:
        new = labels(norm, out["labels"], out.value_origins.get("labels"), ())
        if new is not None:
            out = _put(value, out, "labels", new)
    for key, durations in _DEPLOY_DURATIONS:
        section = out.get(key)
        if isinstance(section, SMap):
            new = section
            for name in durations:
                new = _duration_at(section, new, name)
            out = _set(value, out, key, new)
    resources = out.get("resources")
    if isinstance(resources, SMap):
        new = resources
        for key in ("limits", "reservations"):
            part = new.get(key)
            if isinstance(part, SMap):
                new = _set(resources, new, key, _bytes_at(part, part, "memory"))
        out = _set(value, out, "resources", new)
    return out


_DEPLOY_DURATIONS = (("update_config", ("delay", "monitor")),
                     ("rollback_config", ("delay", "monitor")),
                     ("restart_policy", ("delay", "window")))


def duration(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    return gotypes.normal_duration(value) if isinstance(value, str) else None


def _set(source: SMap, out: SMap, key: Any, value: Any) -> SMap:
    """`out` with `out[key] = value` (origins unchanged), copied first if it is still `source`."""
    if value is out.get(key):
        return out
    out = writable(source, out)
    out[key] = value
    return out


def _put(source: SMap, out: SMap, key: Any, value: Any) -> SMap:
    """`out.put(key, value)` with the entry's own origins, copied first if it is still `source`."""
    origin = out.value_origins.get(key)
    if value is out.get(key) and origin is not None:
        return out
    out = writable(source, out)
    out.put(key, value, out.key_origins.get(key), origin)
    return out


def _duration_at(source: SMap, out: SMap, key: str) -> SMap:
    """`out` with a Go duration at `key` printed as Go prints it."""
    value = out.get(key)
    if isinstance(value, str):
        printed = gotypes.normal_duration(value)
        if printed is not None and printed != value:
            return _set(source, out, key, printed)
    return out


def _bytes_at(source: SMap, out: SMap, key: str, as_int: bool = False) -> SMap:
    """`out` with a byte size at `key` as Docker's number (an int, or its string)."""
    value = out.get(key)
    if isinstance(value, str):
        size = gotypes.parse_bytes(value)
        if size is not None:
            return _set(source, out, key, size if as_int else str(size))
    elif isinstance(value, int) and not isinstance(value, bool) and not as_int:
        return _set(source, out, key, str(value))
    return out


def expose(norm: Normalizer, value: Any, origin: Origin | None, pointer: Pointer) -> Any:
    return string_list(norm, value, origin, pointer)


SERVICE_FIELDS = {
    "ports": ports, "volumes": volumes, "secrets": file_objects, "configs": file_objects,
    "environment": environment, "labels": labels, "sysctls": labels,
    "extra_hosts": extra_hosts, "dns": string_list, "dns_search": string_list,
    "tmpfs": string_list, "env_file": string_list, "expose": expose,
    "command": shell_command, "entrypoint": shell_command, "healthcheck": healthcheck,
    "networks": networks, "build": build, "logging": logging, "deploy": deploy,
    "stop_grace_period": duration,
}
