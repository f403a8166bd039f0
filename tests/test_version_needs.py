""""Which version a key needs" is said twice: `x-since` in schemas/stack.schema.json (what
validation prunes per version) and `fix/fixes/versions.NEEDS` (what the fixer raises a version
to, and `emit` raises the version of a merged file to). This test holds the two equal wherever
both name a key, and holds `emit` to the table."""
from __future__ import annotations

import json
from typing import Any

from stacklint.fix.fixes.versions import NEEDS
from stacklint.resources import schemas_dir


def _since(schema: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """(key path, x-since) of every property the schema marks; `*` for any name."""
    defs = schema.get("definitions", {})
    found: dict[tuple[str, ...], str] = {}

    def walk(node: Any, path: tuple[str, ...], depth: int) -> None:
        if depth > 12 or not isinstance(node, dict):
            return
        if "$ref" in node:
            walk(defs.get(node["$ref"].split("/")[-1], {}), path, depth + 1)
        if "x-since" in node:
            found.setdefault(path, node["x-since"])
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, path + (key,), depth + 1)
        for key, sub in (node.get("patternProperties") or {}).items():
            walk(sub, path + ("x-*" if key.startswith("^x-") else "*",), depth + 1)
        for key in ("additionalProperties", "items"):
            if isinstance(node.get(key), dict):
                walk(node[key], path + ("*",), depth + 1)
        for key in ("oneOf", "anyOf", "allOf"):
            for sub in node.get(key) or []:
                walk(sub, path, depth + 1)

    walk(schema, (), 0)
    return found


def test_the_fixer_and_the_schema_agree_on_every_key_version() -> None:
    since = _since(json.loads((schemas_dir() / "stack.schema.json").read_text()))
    pairs = [(tuple(s for s in path if s != "{}"), version) for path, version in NEEDS]
    both = [(path, version, since[path]) for path, version in pairs if path in since]
    assert [b for b in both if b[1] != b[2]] == []
    assert len(both) >= 40, "the walk no longer finds the schema's x-since marks"


def test_emit_raises_the_version_by_the_same_table() -> None:
    """A merged model in the long form gets the version the table gives its keys."""
    from stacklint.emit.stackfile import deploy_version
    from stacklint.load.document import parse
    cases = [
        ("version: '3.0'\nservices: {web: {image: a, ports: [{target: 80, published: 80}]}}\n", "3.2"),
        ("version: '3.0'\nservices: {web: {image: a}}\nconfigs: {c: {file: ./c}}\n", "3.3"),
        ("version: '3.1'\nservices: {web: {image: a}}\nvolumes: {data: {name: app_data}}\n", "3.4"),
        ("version: '3.2'\nservices: {web: {image: a}}\nnetworks: {net: {name: app_net}}\n", "3.5"),
        ("version: '3.8'\nservices: {web: {image: a, ports: [{target: 80}]}}\n", "3.8"),
        ("version: '3.0'\nservices: {web: {image: a, deploy: {rollback_config: {order: start-first}}}}\n",
         "3.7"),
    ]
    for text, version in cases:
        assert deploy_version(parse(text, "s.yml").data) == version, text
