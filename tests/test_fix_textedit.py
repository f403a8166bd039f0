"""Span helpers: each edit touches only its own entry, whatever the layout."""
from __future__ import annotations

import pytest

from stacklint.load.document import parse
from stacklint.fix.textedit import apply_edits, delete_entry, insert_entry, replace_value


def _delete(text: str, *path: str) -> str:
    data = parse(text).data
    for key in path[:-1]:
        data = data[key]
    edit = delete_entry(text, data, path[-1])
    assert edit is not None
    return apply_edits(text, [edit])


@pytest.mark.parametrize(("text", "path", "want"), [
    ("a: {x: 1, y: 2, z: 3}\n", ("a", "y"), "a: {x: 1, z: 3}\n"),
    ("a: {x: 1, y: 2}\n", ("a", "y"), "a: {x: 1}\n"),
    ("a: {x: 1, y: 2}\n", ("a", "x"), "a: {y: 2}\n"),
    ("a:\n  x: 1  # x\n  y:\n    - 1\n  # about z\n  z: 3\n", ("a", "y"),
     "a:\n  x: 1  # x\n  # about z\n  z: 3\n"),
    ("a:\n  y:\n  - 1\n  - 2\n  z: 3\n", ("a", "y"), "a:\n  z: 3\n"),
    ("p:\n  - h: 1\n    t: 2\n  - t: 3\n", ("p",), "p:\n  - h: 1\n    t: 2\n  - t: 3\n"),
    ("n: x\r\nv: |\r\n  text\r\n", ("n",), "v: |\r\n  text\r\n"),
    ("v: 1\nn: x", ("n",), "v: 1\n"),
])
def test_delete_entry(text: str, path: tuple[str, ...], want: str) -> None:
    if path == ("p",):                 # the first key of a list item keeps the dash
        data = parse(text).data["p"][0]
        assert apply_edits(text, [delete_entry(text, data, "h")]) == "p:\n  - t: 2\n  - t: 3\n"
        return
    assert _delete(text, *path) == want


def test_insert_entry_block_flow_and_eof() -> None:
    text = "d:\n   mode: global  # c\nx: 1"
    data = parse(text).data
    edit = insert_entry(text, data["d"], data.key_origins["d"], ("resources", "limits", "cpus"),
                        '"1"', "\n")
    assert apply_edits(text, [edit]) == ('d:\n   mode: global  # c\n   resources:\n'
                                         '      limits:\n         cpus: "1"\nx: 1')
    text = "d: {mode: global}"
    data = parse(text).data
    edit = insert_entry(text, data["d"], None, ("resources", "cpus"), '"1"', "\n")
    assert apply_edits(text, [edit]) == 'd: {mode: global, resources: {cpus: "1"}}'
    text = "d:\n  a: 1"
    data = parse(text).data
    edit = insert_entry(text, data["d"], data.key_origins["d"], ("b",), "2", "\n")
    assert apply_edits(text, [edit]) == "d:\n  a: 1\n  b: 2\n"


def test_replace_value_keeps_anchor_and_drops_tag() -> None:
    text = "a: &x 0.5\nb: !!float 1\nc: 'q'  # c\n"
    data = parse(text).data
    edits = [replace_value(text, data, "a", '"0.5"'), replace_value(text, data, "b", '"1"'),
             replace_value(text, data, "c", "8")]
    assert apply_edits(text, edits) == 'a: &x "0.5"\nb: "1"\nc: 8  # c\n'


@pytest.mark.parametrize(("text", "index", "want"), [
    ("l: [a, b, c]\n", 1, "l: [a, c]\n"),
    ("l: [a, b]\n", 1, "l: [a]\n"),
    ("l:\n  - a   # a\n  - b\n", 0, "l:\n  - b\n"),
    ("l:\n  - x: 1\n    y: 2\n  # c\n  - z: 3", 0, "l:\n  # c\n  - z: 3"),
    ("l:\n- a\n- b", 1, "l:\n- a\n"),
])
def test_delete_item(text: str, index: int, want: str) -> None:
    from stacklint.fix.textedit import delete_item

    items = parse(text).data["l"]
    assert apply_edits(text, [delete_item(text, items, index)]) == want


def test_replace_an_empty_value() -> None:
    text = "version:   # none\nx: 1\n"
    data = parse(text).data
    assert apply_edits(text, [replace_value(text, data, "version", '"3.8"')]) == \
        'version: "3.8"   # none\nx: 1\n'
