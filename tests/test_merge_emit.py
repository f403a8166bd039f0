"""The emitter writes YAML that go-yaml v3 (our reader) reads back as the same values."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacklint.load.document import parse
from stacklint.emit.stackfile import prepare, render, scalar
from stacklint.tree import SList, SMap, plain

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                     st.floats(allow_nan=False), _TEXT,
                     st.sampled_from(["yes", "on", "0400", "1_000", "0o17", "~", "%x", "@a", "-", "-u", "---",
                                      "--a", "-.5", "-x:", "-:", "-a,b",
                                      "a :b", "x # y", "x #y", "x: ", "(a) b", "a  b", "a\u00a0",
                                      "~ a", "Host(`x`)", "a 'b' \"c\"", "=x", "!x", "|x", ">x",
                                      "x|y", "a\\b", "{a", "a}", "a ", " a", "a:b c",
                                      "a\nb", "a\nb\n", "a\n\nb", "a\n b", " a\nb", "a \nb",
                                      "a\nb\n\n", "\na", "- x\ny", "#a\nb", "a: b\nc", "a\r\nb",
                                      "  a\nb", " a\n  b\n", "  x {\n    y\n  }", " \ta\nb",
                                      ":latest", "?x", ":", "?", ": x", "? x", "::", ":a:", "?a:b",
                                      "a: b", "- x", "#c", "*a", "&b", "!t", "'q'", "{}", "<<"]))


def _tree(value: object) -> object:
    if isinstance(value, dict):
        out = SMap()
        for key, item in value.items():
            out.put(key, _tree(item))
        return out
    if isinstance(value, list):
        return SList([_tree(v) for v in value])
    return value


_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)), max_leaves=15)


@pytest.mark.slow   # hypothesis
@given(st.dictionaries(_TEXT, _VALUES, max_size=4))
@settings(max_examples=300, deadline=None)
def test_render_reads_back(data: dict) -> None:
    model = _tree({"services": data})
    expected = plain(prepare(model))      # `$` doubled, repeated unique-list entries dropped
    assert plain(parse(render(model)).data) == expected
    assert plain(parse(render(model, annotate=True)).data) == expected


def test_scalars_that_need_quotes() -> None:
    for text in ["yes", "0400", "1_000", "true", "null", "", "1e3", "a: b", "%x", "@a", "#x",
                 "-", "---", "-1", "- x"]:
        assert scalar(text)[0] in "'\"", text
    for text in ["nginx:1.25", "/var/run/docker.sock", "http://a/b", "a=b", "node.role==worker",
                 "-u", "--port=80"]:
        assert scalar(text) == text
