"""Per-key normalisers for a service, mirroring docker/cli's loader transformers."""
from __future__ import annotations

import os
from typing import Any

from stacklint import gotypes
from stacklint.model import Origin
from stacklint.normalize import (Normalizer, _map, copy_tree, mapping, shell_command,
                                 string_list)
from stacklint.tree import SList, SMap


def ports(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
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
            out.add(copy_tree(item), item_origin)
    return out


def _bind_source(norm: Normalizer, source: str) -> str:
    if source.startswith("~"):
        home = norm.env.get("HOME")
        if home is not None:
            source = source.replace("~", home, 1)
    if source.startswith("/") or (len(source) > 2 and source[1] == ":" and source[0].isalpha()):
        return source
    return os.path.normpath(os.path.join(norm.workdir, source))


def volumes(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if not isinstance(value, SList):
        return None
    out = SList(origin=value.origin)
    for item, item_origin in zip(value, value.item_origins):
        if isinstance(item, str):
            entry = _short_volume(norm, item, item_origin)
        elif isinstance(item, SMap):
            entry = _long_volume(item)
        else:
            out.add(copy_tree(item), item_origin)
            continue
        if entry.get("type") == "bind":
            _resolve_bind(norm, entry, item_origin)
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
    entry = copy_tree(item)
    if isinstance(entry.get("tmpfs"), SMap):
        _bytes_at(entry["tmpfs"], "size", as_int=True)
    if isinstance(entry.get("bind"), SMap) and "create_host_path" in entry["bind"]:
        # not in Docker's struct: it deploys an empty BindOptions the daemon rejects
        entry["bind"].pop_entry("create_host_path")
        if not entry["bind"]:
            entry.pop_entry("bind")
    return entry


def _resolve_bind(norm: Normalizer, entry: SMap, origin: Origin | None) -> None:
    source = entry.get("source")
    if not source:
        raise norm.error('invalid mount config for type "bind": field Source must not be empty',
                         origin, "give the bind mount a `source`")
    if isinstance(source, str):
        entry.put("source", _bind_source(norm, source), entry.key_origins.get("source"),
                  entry.value_origins.get("source"))


def file_objects(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if not isinstance(value, SList):
        return None
    out = SList(origin=value.origin)
    for item, item_origin in zip(value, value.item_origins):
        if isinstance(item, str):
            out.add(_map(item_origin, source=item), item_origin)
        else:
            out.add(copy_tree(item), item_origin)
    return out


def environment(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    return mapping(norm, value, origin, pointer, True)


def labels(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    return mapping(norm, value, origin, pointer, False)


def extra_hosts(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
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


def healthcheck(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if not isinstance(value, SMap):
        return None
    out = copy_tree(value)
    test = out.get("test")
    if isinstance(test, str):
        test_origin = out.value_origins.get("test")
        out.put("test", SList(["CMD-SHELL", test], test_origin, [test_origin] * 2),
                out.key_origins.get("test"), test_origin)
    for key in ("timeout", "interval", "start_period", "start_interval"):
        _duration_at(out, key)
    return out


def networks(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if isinstance(value, SList) and all(isinstance(item, str) for item in value):
        out = SMap(origin=value.origin)
        for item, item_origin in zip(value, value.item_origins):
            out.put(item, None, item_origin, item_origin)
        return out
    return None


def build(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if isinstance(value, str):
        return _map(origin, context=value)
    if isinstance(value, SMap):
        out = copy_tree(value)
        for key in ("args", "labels"):
            if key in out:
                new = mapping(norm, out[key], out.value_origins.get(key), (), key == "args")
                if new is not None:
                    out.put(key, new, out.key_origins.get(key), out.value_origins.get(key))
        return out
    return None


def logging(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if not isinstance(value, SMap):
        return None
    out = copy_tree(value)
    if "options" in out:
        new = mapping(norm, out["options"], out.value_origins.get("options"), (), False)
        if new is not None:
            out.put("options", new, out.key_origins.get("options"), out.value_origins.get("options"))
    return out


def deploy(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if not isinstance(value, SMap):
        return None
    out = copy_tree(value)
    if "labels" in out:
        new = labels(norm, out["labels"], out.value_origins.get("labels"), ())
        if new is not None:
            out.put("labels", new, out.key_origins.get("labels"), out.value_origins.get("labels"))
    for key in ("update_config", "rollback_config"):
        if isinstance(out.get(key), SMap):
            _duration_at(out[key], "delay")
            _duration_at(out[key], "monitor")
    if isinstance(out.get("restart_policy"), SMap):
        _duration_at(out["restart_policy"], "delay")
        _duration_at(out["restart_policy"], "window")
    resources = out.get("resources")
    if isinstance(resources, SMap):
        for key in ("limits", "reservations"):
            if isinstance(resources.get(key), SMap):
                _bytes_at(resources[key], "memory")
    return out


def duration(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
    if isinstance(value, str):
        ns = gotypes.parse_duration(value)
        if ns is not None:
            return gotypes.format_duration(ns)
    return None


def _duration_at(container: SMap, key: str) -> None:
    value = container.get(key)
    if isinstance(value, str):
        ns = gotypes.parse_duration(value)
        if ns is not None:
            container[key] = gotypes.format_duration(ns)


def _bytes_at(container: SMap, key: str, as_int: bool = False) -> None:
    value = container.get(key)
    if isinstance(value, str):
        size = gotypes.parse_bytes(value)
        if size is not None:
            container[key] = size if as_int else str(size)
    elif isinstance(value, int) and not isinstance(value, bool) and not as_int:
        container[key] = str(value)


def expose(norm: Normalizer, value: Any, origin: Origin | None, pointer: tuple) -> Any:
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
