"""Probe two JSON schemas with the same generated documents and list where their verdicts differ.

For every property a reference schema declares (walked through `$ref`, `oneOf`,
`items` and name patterns), a document holding only that property is built
with a set of valid and invalid sample values; both schemas judge each one.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SAMPLES: list[Any] = ["text", "10s", "-5s", "1d", "8080:80", "99999:80", "0.5", "true", "yes",
                      0, 80, -1, 70000, 1.5, 2, True, False, None, {}, [], ["a"], ["a", "a"],
                      {"a": "b"}, {"a": True}, {"name": "n"}, {"source": "s"},
                      {"target": 80}, {"soft": 1, "hard": 2}, {"condition": "service_started"},
                      {"type": "volume", "target": "/a"}, {"path": "a.env"}, ["CMD", "true"]]
NAME_SAMPLES = {"^[a-zA-Z0-9._-]+$": "web", "^[a-z]+$": "nofile"}
Path_ = tuple[Any, ...]


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        node: Any = root
        ref = schema["$ref"]
        for step in ref.split("#", 1)[1].lstrip("/").split("/") if "#" in ref else []:
            node = node[step]
        schema, seen = node, seen + 1
    return schema


def property_paths(root: dict[str, Any], limit: int = 6) -> list[Path_]:
    """Instance paths of every declared property (strings = keys, 0 = a list item)."""
    out: list[Path_] = []

    def walk(schema: Any, path: Path_, depth: int) -> None:
        schema = _resolve(schema, root)
        if not isinstance(schema, dict) or depth > limit:
            return
        for name, sub in schema.get("properties", {}).items():
            if path + (name,) not in out:
                out.append(path + (name,))
                walk(sub, path + (name,), depth + 1)
        for pattern, sub in schema.get("patternProperties", {}).items():
            if pattern in NAME_SAMPLES:
                walk(sub, path + (NAME_SAMPLES[pattern],), depth + 1)
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in schema.get(key, ()):
                walk(branch, path, depth)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], path + (0,), depth + 1)

    walk(root, (), 0)
    return out


def document(path: Path_, value: Any) -> Any:
    """The smallest document with `value` at `path`."""
    for step in reversed(path):
        value = [value] if step == 0 else {step: value}
    return value


def differences(reference: Any, ours: Any, paths: list[Path_],
                prefix: dict[str, Any] | None = None) -> Iterator[tuple[str, Any, bool, bool]]:
    """(dotted path, value, reference verdict, our verdict) wherever they disagree."""
    for path in paths:
        for value in SAMPLES:
            doc = document(path, value)
            if prefix:
                doc = {**prefix, **doc}
            theirs, mine = reference.is_valid(doc), ours.is_valid(doc)
            if theirs != mine:
                yield ".".join(str(p) for p in path), value, theirs, mine
