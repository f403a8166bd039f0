"""Load an override chain: per file version check and interpolation, then normalise and merge."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stacklint.load import document as _document
from stacklint.load.document import Document
from stacklint.errors import InputError, ReadError
from stacklint.model import Layer, Note, Origin, Stack  # the records; re-exported from here
from stacklint.tree import SMap

DEFAULT_VERSION = "3.13"   # Docker 28: a missing, empty or "3" version means the latest


def effective_version(raw: Any) -> str:
    """The schema version Docker picks for a file's raw `version` value."""
    if raw is None or raw == "" or raw == "3":
        return DEFAULT_VERSION
    return raw if isinstance(raw, str) else str(raw)


def _document_of(source: str | Document | os.PathLike[str]) -> Document:
    return source if isinstance(source, Document) else _document.read(source)


def _top_mapping(doc: Document) -> SMap:
    if isinstance(doc.data, SMap):
        return doc.data
    if doc.data is None:
        raise InputError("top-level object must be a mapping (the file is empty)", doc.path, 1, 1,
                         hint="a stack file needs at least `services:`")
    origin = getattr(doc.data, "origin", None)
    raise InputError("top-level object must be a mapping", doc.path,
                     origin.line if origin else 1, origin.column if origin else 1,
                     hint="start the file with `services:`")


def _check_version(first: tuple[str, SMap, Document], data: SMap, doc: Document,
                   allow: bool, notes: list[Note]) -> str:
    version = effective_version(data.get("version"))
    want, first_data, first_doc = first
    if version == want:
        return version
    here = data.key_origins.get("version") or data.origin
    there = first_data.key_origins.get("version") or first_data.origin
    where = f"{first_doc.path}:{there.line}" if there else first_doc.path
    message = (f"version mismatched between two composefiles : {want} and {version} "
               f"({where} declares {want})")
    if allow:
        notes.append(Note("version-mismatch", message, here, ("version",)))
        return version
    raise InputError(message, doc.path, here.line if here else 1, here.column if here else 1,
                     hint=f'give every file the same `version:` (e.g. "{want}")')


def load_stack(sources: Sequence[str | Document | os.PathLike[str]],
               env: Mapping[str, str] | None = None, env_files: Sequence[str] = (),
               target: str = "stack", allow_version_mismatch: bool = False) -> Stack:
    """Read, interpolate, normalise and merge `sources` as `docker stack config` does."""
    if not sources:
        raise ReadError("no compose file given", hint="pass at least one file with -f")
    try:
        return _load(sources, env, env_files, allow_version_mismatch)
    except RecursionError:
        first = sources[0]
        raise _document.too_deep(first.path if isinstance(first, Document) else str(first)) \
            from None


_TAG_INSTEAD = {
    "!reset": " (the base file's value is kept or merged into); remove it from the base file, "
              "or move it to an override that only the chains needing it use",
    "!override": " (lists are appended and mappings merged, not replaced); write the whole "
                 "value in the base file, or in an override the base does not set",
}


def _load(sources: Sequence[str | Document | os.PathLike[str]], env: Mapping[str, str] | None,
          env_files: Sequence[str], allow_version_mismatch: bool) -> Stack:
    from stacklint.load import envfile, interpolate, merge, normalize

    values: dict[str, str] = envfile.load_values(list(env_files))
    values.update(os.environ if env is None else env)
    documents = [_document_of(s) for s in sources]
    workdir = Path(os.path.abspath(documents[0].path)).parent   # Go: filepath.Abs, no symlinks
    notes: list[Note] = []
    interpolated: set[Origin] = set()
    secrets: dict[str, str] = {}
    layers: list[Layer] = []
    first: tuple[str, SMap, Document] | None = None
    for doc in documents:
        raw = _top_mapping(doc)
        if first is None:
            first = (effective_version(raw.get("version")), raw, doc)
        version = _check_version(first, raw, doc, allow_version_mismatch, notes)
        for tag, origin in getattr(doc, "tags", ()):
            if tag in ("!reset", "!override"):
                notes.append(Note("compose-tag-ignored", f"docker stack ignores the Compose tag "
                                  f"`{tag}`: this value is merged by the usual rules"
                                  f"{_TAG_INSTEAD[tag]}", origin))
        data, result = interpolate.interpolate(raw, values, doc.path, doc.text)
        interpolated |= result.interpolated
        for value, name in result.secrets.items():
            secrets.setdefault(value, name)
        for name, origin, path, pointer in result.unset:
            notes.append(Note("unset-variable",
                              f'variable "{name}" is not set: {path} gets an empty string',
                              origin, pointer))
        layers.append(Layer(doc, data, version))
    from stacklint.load.composefeatures import chain_notes
    notes += chain_notes(documents, values, workdir, env_files)
    normalised = [normalize.normalize(layer.data, Path(workdir), values, notes, layer.version,
                                      secrets, interpolated) for layer in layers]
    # a value the user's own file spells out is theirs to see
    secrets = {v: n for v, n in secrets.items() if not any(v in d.text for d in documents)}
    model = merge.merge(normalised, notes)
    assert first is not None
    model_version = first[0]
    model.put("version", model_version, first[1].key_origins.get("version"),
              first[1].value_origins.get("version"))
    return Stack(layers, _ordered(model), model_version, notes, interpolated, secrets)


def _ordered(model: SMap) -> SMap:
    """`version` first, then the other top-level keys in Docker's print order."""
    order = ["version", "services", "networks", "volumes", "secrets", "configs"]
    out = SMap(origin=model.origin)
    keys = [k for k in order if k in model] + sorted(k for k in model if k not in order)
    for key in keys:
        out.copy_entry(model, key)
    return out
