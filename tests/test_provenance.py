"""Every key of the merged model points at the file:line:col that wrote it."""
from __future__ import annotations

from typing import Any

import pytest

from pathlib import Path

from stacklint.load.document import decode
from stacklint.model import Origin
from stacklint.load.stack import load_stack
from stacklint.tree import SList, SMap, locate
from tests import dockerdiff as dd

# long-form keys Docker derives from a short-form scalar (which they point at)
SYNTHESISED = {"mode", "target", "published", "protocol", "type", "source", "read_only",
               "volume", "nocopy", "bind", "propagation", "context", "name", "external",
               "environment", "file"}
CASES = [c for c in dd.numbered_cases(dd.FIXTURES) if (c.folder / "expected.yml").exists()]


def _keys(node: Any, pointer: tuple = ()) -> list[tuple[tuple, Any, Origin | None, Any]]:
    """(pointer, key, key origin, origin of the entry that holds it) for every mapping key."""
    out = []
    if isinstance(node, SMap):
        for key, value in node.items():
            out.append((pointer + (key,), key, node.key_origins.get(key), node.origin))
            out += _keys(value, pointer + (key,))
    elif isinstance(node, SList):
        for index, (item, origin) in enumerate(zip(node, node.item_origins)):
            for entry in _keys(item, pointer + (index,)):
                out.append(entry if entry[3] is not None else entry[:3] + (origin,))
    return out


def _span(origin: Origin, texts: dict[str, str]) -> str:
    if origin.path not in texts:
        texts[origin.path] = decode(Path(origin.path).read_bytes(), origin.path)[0]
    return texts[origin.path][origin.start:origin.end]


def _line(origin: Origin, texts: dict[str, str]) -> str:
    _span(origin, texts)
    return texts[origin.path].splitlines()[origin.line - 1]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_key_points_at_its_source(case: dd.Case) -> None:
    stack = load_stack([str(case.folder / f) for f in case.files], env=case.env)
    texts: dict[str, str] = {}
    for pointer, key, origin, _holder in _keys(stack.model):
        if pointer == ("version",) and origin is None:
            continue          # a file without `version:`: Docker's default
        assert origin is not None, f"{case.name}: no origin for {pointer}"
        span = _span(origin, texts).strip("'\"")
        # the key as written, a `- KEY=value` list entry, or a key normalisation expanded
        assert (span == str(key) or span.startswith((f"{key}=", f"{key}:"))
                or key in SYNTHESISED), (case.name, pointer, span)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_values_of_the_last_writer(case: dd.Case) -> None:
    """A scalar that an override set reports the override's line, which holds the key."""
    stack = load_stack([str(case.folder / f) for f in case.files], env=case.env)
    texts: dict[str, str] = {}
    for pointer, key, origin, _holder in _keys(stack.model):
        value_origin = locate(stack.model, pointer)
        assert value_origin is not None, pointer
        if origin is not None and span_is_key(origin, key, texts):
            assert value_origin.path == origin.path, (pointer, value_origin, origin)


def span_is_key(origin: Origin, key: Any, texts: dict[str, str]) -> bool:
    return _span(origin, texts).strip("'\"") == str(key)


def test_override_scalar_points_at_override() -> None:
    folder = dd.FIXTURES / "01-scalars-and-falsy-overrides"
    stack = load_stack([str(folder / "1.yml"), str(folder / "2.yml")], env={})
    image = locate(stack.model, ("services", "web", "image"))
    assert image is not None and image.path.endswith("2.yml") and image.line == 4
    user = locate(stack.model, ("services", "web", "user"))          # "" could not override
    assert user is not None and user.path.endswith("1.yml") and user.line == 5
    key = locate(stack.model, ("services", "web", "deploy", "replicas"), prefer_key=True)
    assert key is not None and key.path.endswith("2.yml") and key.line == 10


def test_expanded_port_points_at_short_form() -> None:
    folder = dd.FIXTURES / "02-ports-short-syntax"
    stack = load_stack([str(folder / "1.yml")], env={})
    ports = stack.model["services"]["web"]["ports"]
    texts: dict[str, str] = {}
    for index, entry in enumerate(ports):
        for field in entry:
            origin = locate(stack.model, ("services", "web", "ports", index, field))
            assert origin is not None
            assert origin == ports.item_origins[index]
            assert ":" in _span(origin, texts) or str(entry["target"]) in _span(origin, texts)


def test_interpolated_origins_recorded() -> None:
    folder = dd.FIXTURES / "20-interpolation-forms"
    case = next(c for c in dd.numbered_cases(dd.FIXTURES) if c.folder == folder)
    stack = load_stack([str(folder / "1.yml")], env=case.env)
    texts: dict[str, str] = {}
    spans = {_span(o, texts) for o in stack.interpolated}
    assert '"nginx:${TAG}"' in spans and "${TAG}" in spans
    image = locate(stack.model, ("services", "web", "image"))
    assert image in stack.interpolated
