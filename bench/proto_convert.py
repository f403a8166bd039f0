"""A faster node-to-SMap conversion, measured against `stacklint.load.document.Converter`.

Same output (values, key and value origins, errors) as `Converter.convert`; it differs only in
cost: no alias bookkeeping when the text has no anchor, scalars resolved inline, and `Origin`
built with `tuple.__new__` instead of the NamedTuple's Python-level `__new__`.
`python bench/proto_convert.py` checks equality on the generated chains and times both.
"""
from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stacklint.load import document
from stacklint.load.document import PLAIN_TAG, Converter, resolve_plain
from stacklint.model import Origin
from stacklint.tree import SList, SMap

_new = tuple.__new__
_STR = "tag:yaml.org,2002:str"


def convert(node: Node, path: str, text: str) -> Any:
    """`Converter(path).convert(node)`, faster when the document has no anchors."""
    if "&" in text:        # anchors (and so aliases) possible: keep the guarded converter
        return Converter(path).convert(node)
    return _Fast(path).value(node)


class _Fast(Converter):
    """No aliases: every node is visited once, so no memo and no size pass."""

    def origin(self, node: Node) -> Origin:
        s, e = node.start_mark, node.end_mark
        return _new(Origin, (self.path, s.line + 1, s.column + 1, s.index, e.index))

    def value(self, node: Node) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            return resolve_plain(node.value) if node.tag == PLAIN_TAG else self._scalar(node)
        if cls is SequenceNode:
            out = SList(origin=self.origin(node))
            append, origins = out.append, out.item_origins.append
            for item in node.value:
                v = self.value(item)
                append(v)
                origins(v.origin if isinstance(v, (SMap, SList)) else self.origin(item))
            return out
        out_map = SMap(origin=self.origin(node))
        self.mapping(node, out_map)
        return out_map

    def mapping(self, node: MappingNode, out: SMap) -> None:
        keys, values = out.key_origins, out.value_origins
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.__class__ is not ScalarNode or key == "<<":
                return self._careful(node, out)
            tag = key_node.tag
            if tag == PLAIN_TAG:
                key = resolve_plain(key)
            elif tag != _STR:
                return self._careful(node, out)
            if key.__class__ is not str or key in out:   # odd keys, duplicates: careful path
                return self._careful(node, out)
            v = self.value(value_node)
            out[key] = v
            keys[key] = self.origin(key_node)
            values[key] = v.origin if isinstance(v, (SMap, SList)) else self.origin(value_node)
        return None

    def _careful(self, node: MappingNode, out: SMap) -> None:
        out.clear()
        out.key_origins.clear()
        out.value_origins.clear()
        self._mapping(node, out)

    def _value(self, node: Node) -> Any:  # the careful path recurses through the fast one
        return self.value(node)


def _bench(files: list[Path]) -> None:
    texts = [f.read_text(encoding="utf-8") for f in files]
    gc.disable()   # as the budgets assume; both sides get the same treatment
    nodes = [document.compose(t, str(f)) for t, f in zip(texts, files)]
    for name, fn in (("Converter", lambda n, f, t: Converter(str(f)).convert(n)),
                     ("proto", lambda n, f, t: convert(n, str(f), t))):
        best = min(_timed(fn, nodes, files, texts) for _ in range(3))
        print(f"{name:10s} {best:.3f} s for {len(files)} files")
    for n, f, t in zip(nodes, files, texts):
        a, b = Converter(str(f)).convert(n), convert(n, str(f), t)
        assert a == b and _origins(a) == _origins(b), f
    print("identical values and origins")


def _timed(fn: Any, nodes: list[Node], files: list[Path], texts: list[str]) -> float:
    start = time.perf_counter()
    for n, f, t in zip(nodes, files, texts):
        fn(n, f, t)
    return time.perf_counter() - start


def _origins(x: Any) -> Any:
    if isinstance(x, SMap):
        return (x.origin, x.key_origins, x.value_origins, {k: _origins(v) for k, v in x.items()})
    if isinstance(x, SList):
        return (x.origin, x.item_origins, [_origins(v) for v in x])
    return None


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else
                  Path(__file__).parent / "out" / "chains" / "n1000")
    _bench(sorted(folder.glob("*.yml")))
