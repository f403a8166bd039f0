"""Per-file normalisation of short syntax to Docker's long form, keeping source origins."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stacklint import gotypes
from stacklint.load import envfile
from stacklint.errors import InputError
from stacklint.load.fields import SERVICE_FIELDS, mapping
from stacklint.model import Note, Origin
from stacklint.tree import SList, SMap, copy_entries, make_map, writable


def copy_tree(value: Any) -> Any:
    """A deep copy with origins (aliases become independent copies, as in Go)."""
    if isinstance(value, SMap):
        out = SMap(origin=value.origin)
        for key, item in value.items():
            out[key] = copy_tree(item) if isinstance(item, (SMap, SList)) else item
        out.key_origins = dict(value.key_origins)
        out.value_origins = dict(value.value_origins)
        return out
    if isinstance(value, SList):
        return SList([copy_tree(v) if isinstance(v, (SMap, SList)) else v for v in value],
                     value.origin, value.item_origins)
    return value


class Normalizer:
    """Rewrites one interpolated file into Docker's typed (long) form."""

    def __init__(self, workdir: Path, env: Mapping[str, str], notes: list[Note],
                 version: str, secrets: dict[str, str] | None = None,
                 from_env: set[Origin] | None = None) -> None:
        self.workdir = workdir
        # origins of values the environment filled in (a bare `- PASSWORD`): like ${VAR}
        self.from_env = set() if from_env is None else from_env
        # secret value -> its name, for values read from env files or the environment
        self.secrets = {} if secrets is None else secrets
        self.env = env
        self.notes = notes
        self.version = version
        self.fields = SERVICE_FIELDS
        self.bind_sources: dict[str, str] = {}

    def note(self, kind: str, message: str, origin: Origin | None, pointer: tuple[Any, ...]) -> None:
        self.notes.append(Note(kind, message, origin, pointer))

    def error(self, message: str, origin: Origin | None, hint: str | None = None) -> InputError:
        if origin is None:
            return InputError(message, hint=hint)
        return InputError(message, origin.path, origin.line, origin.column, hint=hint)

    def run(self, data: SMap) -> SMap:
        out = SMap(origin=data.origin)
        for key in data:
            value = data[key]
            if key == "services" and isinstance(value, SMap):
                value = self.services(value)
            elif key in ("networks", "volumes", "secrets", "configs") and isinstance(value, SMap):
                value = self.toplevel(key, value)
            else:
                value = copy_tree(value)
            out.put(key, value, data.key_origins.get(key), data.value_origins.get(key))
        return out

    # ---- services -------------------------------------------------------------------
    def services(self, services: SMap) -> SMap:
        out = copy_entries(services)
        for name, body in services.items():
            if isinstance(body, SMap):
                new = self.service(name, body)
                if new is not body:
                    out[name] = new         # a copy: the same node, so the same origins
        return out

    def service(self, name: str, body: SMap) -> SMap:
        """`body` in the long form: `body` itself when that is what it already is (the usual
        case for an override file); values no handler rewrites are shared with the layer."""
        fields = self.fields
        origins = body.value_origins
        out = body if origins.keys() >= body.keys() else copy_entries(body)
        for key, value in body.items():
            handler = fields.get(key)
            if handler is None:
                continue
            origin = origins.get(key)
            new = handler(self, value, origin, ("services", name, key))
            if new is not None and new is not value:
                out = writable(body, out)
                if origin is None:      # not the old value's node: `put` records the new one
                    out.value_origins.pop(key, None)
                out.put(key, new, body.key_origins.get(key), origin)
        if "oom_score_adj" in out:      # no mapstructure tag: Docker drops it silently
            out = writable(body, out)
            out.pop_entry("oom_score_adj")
        environment = self.resolve_environment(out, name)
        if environment is not None:
            key_origin = out.key_origins.get("environment") or out.key_origins.get("env_file")
            value_origin = out.value_origins.get("environment") or environment.origin
            out = writable(body, out)
            out.put("environment", environment, key_origin, value_origin)
        return out

    def resolve_environment(self, service: SMap, name: str = "") -> SMap | None:
        """env_file entries, then this file's environment over them (Docker, per file):
        the service's new `environment`, or None when it stays as it is."""
        files = service.get("env_file")
        if "env_file" not in service:
            if "environment" not in service:
                return None
            env = service.get("environment")
            if isinstance(env, SMap) and not any(
                    (value is None or value == "") and key in self.env
                    for key, value in env.items()):
                return None     # nothing to read or fill in: the mapping stands as it is
        result = SMap(origin=getattr(service.get("environment"), "origin", None)
                      or service.value_origins.get("env_file"))
        if isinstance(files, SList):
            for item, origin in zip(files, files.item_origins):
                if not isinstance(item, str):
                    continue
                path = item if os.path.isabs(item) else os.path.join(self.workdir, item)
                try:
                    pairs = envfile.entries(path, self.env.get)
                except InputError as exc:
                    if exc.line:        # a bad line inside the env file: point there
                        raise
                    raise self.error(exc.message, origin, exc.hint or
                                     "env_file paths are relative to the first file's folder"
                                     ) from None
                from stacklint.load.composefeatures import env_file_notes
                self.notes += env_file_notes(pairs, ("services", name, "environment"))
                # each value points at its line in the env file, where a person changes it
                self._update_env(result, [(k, v, o, o) for k, v, o in pairs], from_file=True)
        env = service.get("environment")
        if isinstance(env, SMap):
            self._update_env(result, [(k, env[k], env.key_origins.get(k),
                                       env.value_origins.get(k)) for k in env])
        elif env is not None:
            return None
        return result if result or "environment" in service else None

    def _update_env(self, result: SMap, pairs: list[tuple[str, Any, Any, Any]],
                    from_file: bool = False) -> None:
        from stacklint.redact import secret_value
        for key, value, key_origin, value_origin in pairs:
            secret = from_file
            if (value is None or value == "") and key in self.env:
                value, secret = self.env[key], True     # a bare `- PASSWORD`: the shell's
                if value_origin is not None:
                    self.from_env.add(value_origin)
            if secret and secret_value(key, value):
                self.secrets.setdefault(value, str(key))
            result.put(key, value, key_origin, value_origin)

    # ---- top level ----------------------------------------------------------------------
    def toplevel(self, kind: str, entries: SMap) -> SMap:
        out = SMap(origin=entries.origin)
        for name in entries:
            body = entries[name]
            origin = entries.value_origins.get(name)
            if body is None:
                body = SMap(origin=origin)
            elif isinstance(body, SMap):
                body = self.resource(kind, name, body)
            else:
                body = copy_tree(body)
            out.put(name, body, entries.key_origins.get(name), origin)
        return out

    def resource(self, kind: str, name: str, body: SMap) -> SMap:
        """A top-level network, volume, secret or config as Docker's loader leaves it."""
        out: SMap = copy_tree(body)
        for key in ("labels", "driver_opts"):
            if key in out:
                out.put(key, mapping(self, out[key], out.value_origins.get(key), (), False),
                        out.key_origins.get(key), out.value_origins.get(key))
        if isinstance(out.get("external"), SMap):
            self._legacy_external(kind, name, out)
        if out.get("external") is True:
            self._external(kind, name, out)
        elif kind in ("networks", "volumes"):
            for key in [k for k in out if isinstance(k, str) and k.startswith("x-")]:
                out.pop_entry(key)      # Docker keeps x-* only on external networks/volumes
        else:
            self._file_object(kind[:-1], name, out)
        return out

    def _legacy_external(self, kind: str, name: str, out: SMap) -> None:
        """`external: {name: x}` -> `name: x` + `external: true`."""
        external, origin, singular = out["external"], out.key_origins.get("external"), kind[:-1]
        if external.get("name"):
            if out.get("name"):
                raise self.error(f"{singular} {name}: {singular}.external.name and "
                                 f"{singular}.name conflict; only use {singular}.name", origin)
            out.put("name", external["name"], external.key_origins.get("name"),
                    external.value_origins.get("name"))
            if _at_least(self.version, "3.4" if kind == "volumes" else "3.5"):
                self.note("external-name-deprecated", f"{singular} {name}: {singular}.external."
                          f"name is deprecated in favor of {singular}.name", origin,
                          (kind, name, "external"))
        out.put("external", True, origin, out.value_origins.get("external"))

    def _external(self, kind: str, name: str, out: SMap) -> None:
        origin = out.key_origins.get("external")
        if kind == "volumes":
            for key in ("driver", "driver_opts", "labels"):
                if out.get(key):
                    raise self.error(f'conflicting parameters "external" and "{key}" specified '
                                     f'for volume "{name}"', out.key_origins.get(key),
                                     hint=f"remove `{key}` from the external volume")
        if not out.get("name"):
            out.put("name", name, origin, origin)

    def _file_object(self, singular: str, name: str, out: SMap) -> None:
        """A secret or config: `file` made absolute (even when missing, as Docker does)."""
        if out.get("driver"):
            if out.get("file"):
                raise self.error(f"{singular} {name}: {singular}.driver and {singular}.file "
                                 f"conflict; only use {singular}.driver",
                                 out.key_origins.get("file"), hint="remove `file` or `driver`")
            return
        given = out.get("file")
        file = given if isinstance(given, str) else ""
        origin = out.value_origins.get("file") or out.origin
        out.put("file", file if os.path.isabs(file) else
                os.path.normpath(os.path.join(self.workdir, file)),
                out.key_origins.get("file") or origin, origin)


def _at_least(version: str, wanted: str) -> bool:
    """Docker's `versions.GreaterThanOrEqualTo` on dotted numbers."""
    def parts(text: str) -> list[int]:
        return [int(p) if p.isdigit() else 0 for p in text.split(".")]
    return parts(version) >= parts(wanted)


def normalize(data: SMap, workdir: Path, env: Mapping[str, str], notes: list[Note],
              version: str, secrets: dict[str, str] | None = None,
              from_env: set[Origin] | None = None) -> SMap:
    """One interpolated file in Docker's long form (a new tree; `data` is left alone);
    `secrets` collects the secret-named values env files and the environment filled in."""
    return Normalizer(workdir, env, notes, version, secrets, from_env).run(data)
