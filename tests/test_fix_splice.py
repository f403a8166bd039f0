"""The guard's splice (`fix/splice.py`) gives exactly the Document a full parse of the fixed
text gives (values, classes and every origin), or declines and the full parse is made.

Every fix the fixer makes on the fix fixtures, the Compose v2 output fixtures, the corpus
(when ../shared is present) and a generated Compose v2 output is re-read both ways; so are
many single and paired edits of hand-written files with the YAML a unit must not misread."""
from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, REPO, SHARED
from stacklint.errors import InputError
from stacklint.fix import fixer, splice
from stacklint.fix.fixes import guard
from stacklint.fix.textedit import apply_edits, block_entry_end, line_start
from stacklint.load.document import Document, parse
from stacklint.model import Edit, Origin
from stacklint.parallel import split
from stacklint.tree import SList, SMap


def differences(a: Any, b: Any, where: str = "$") -> Iterator[str]:
    """Where two parsed trees differ: class, value, order, or any origin."""
    if a.__class__ is not b.__class__:
        yield f"{where}: {type(a).__name__} against {type(b).__name__}"
    elif isinstance(a, SMap):
        if a.origin != b.origin:
            yield f"{where}: node origin {a.origin} against {b.origin}"
        if list(a) != list(b):
            yield f"{where}: keys {list(a)} against {list(b)}"
            return
        for key in a:
            for kind, mine, theirs in (("key", a.key_origins, b.key_origins),
                                       ("value", a.value_origins, b.value_origins)):
                if mine.get(key) != theirs.get(key):
                    yield f"{where}.{key}: {kind} origin {mine.get(key)} against {theirs.get(key)}"
            yield from differences(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, SList):
        if a.origin != b.origin:
            yield f"{where}: node origin {a.origin} against {b.origin}"
        if len(a) != len(b) or a.item_origins != b.item_origins:
            yield f"{where}: items {a.item_origins} against {b.item_origins}"
            return
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{where}[{i}]")
    elif a != b and not (isinstance(a, float) and math.isnan(a) and math.isnan(b)):
        yield f"{where}: {a!r} against {b!r}"


def assert_same(fast: Document, full: Document) -> None:
    assert (fast.path, fast.text, fast.encoding, fast.newline, fast.tags) == \
        (full.path, full.text, full.encoding, full.newline, full.tags)
    found = list(itertools.islice(differences(fast.data, full.data), 5))
    assert not found, "\n".join(found)


class Both:
    """`guard.reparsed` that splices and parses every fixed text, compares the two and
    hands on the full parse (so the fixer runs exactly as without the splice)."""

    def __init__(self) -> None:
        self.spliced = 0
        self.declined: list[str] = []

    def __call__(self, doc: Document, text: str, edits: Any) -> Document:
        try:
            full = parse(text, doc.path, doc.encoding)
        except InputError:
            full = None
        try:
            fast = splice.spliced(doc, text, list(edits))
        except splice.Decline as why:
            self.declined.append(str(why))
        else:
            assert full is not None, "spliced a text that does not parse"
            assert_same(fast, full)
            self.spliced += 1
        if full is None:
            raise InputError("the fixed text does not parse", doc.path, 1, 1)
        return full


@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch) -> Both:
    spy = Both()
    monkeypatch.setattr(guard, "reparsed", spy)
    monkeypatch.setattr(splice, "CHECK_OLD", True)   # each unit's old text reads alone the same
    return spy


def _fix(paths: list[Path], chain: bool) -> None:
    try:
        fixer.fix_paths([str(p) for p in paths], chain)
    except InputError:
        pass                    # a file fix cannot read: nothing was spliced either


FIX_CASES = sorted(p for p in (FIXTURES / "fix").iterdir() if (p / "1.yml").exists())
OUTPUT_CASES = sorted(p for p in (FIXTURES / "compose-output").iterdir()
                      if (p / "stack.yml").exists())


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.name for c in FIX_CASES])
def test_fix_fixtures_splice_as_they_parse(case: Path, both: Both) -> None:
    files = sorted(p for p in case.iterdir() if p.name[0].isdigit() and p.suffixes == [".yml"])
    _fix(files, chain=True)
    for f in files:
        _fix([f], chain=False)


@pytest.mark.parametrize("case", OUTPUT_CASES, ids=[c.name for c in OUTPUT_CASES])
def test_compose_output_splices_as_it_parses(case: Path, both: Both) -> None:
    _fix([case / "stack.yml"], chain=False)


def test_the_fix_fixtures_take_the_splice(both: Both) -> None:
    """Not a test that cannot fail: the fixtures' fixes mostly go the fast way."""
    for case in FIX_CASES:
        _fix(sorted(p for p in case.iterdir() if p.name[0].isdigit() and p.suffixes == [".yml"]),
             chain=True)
    assert both.spliced > len(both.declined) > 0, (both.spliced, both.declined)


def _corpus_files() -> list[Path]:
    corpus = SHARED / "corpus"
    return sorted(corpus.glob("*/*.yml")) if corpus.exists() else []


@pytest.mark.parametrize("path", _corpus_files() or [None],
                         ids=lambda p: f"{p.parent.name}/{p.name}" if p else "absent")
def test_corpus_splices_as_it_parses(path: Path | None, both: Both) -> None:
    if path is None:
        pytest.skip(f"{SHARED / 'corpus'} is not present: the team's reference material")
    _fix([path], chain=False)


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", module)
    spec.loader.exec_module(module)
    return module


def test_compose_v2_output_splices_as_it_parses(tmp_path: Path, both: Both) -> None:
    """The benchmark's file (`bench/out/merged/n1000.yml`), at 40 services: the fast path
    is taken and gives the full parse's tree."""
    generate = _generate()
    path = generate.write_merged(tmp_path, 40)
    _fix([path], chain=False)
    assert both.spliced >= 1 and not both.declined, both.declined
    # a half of the two-core fix: the other half's service entries blank (`split.blank`)
    text = path.read_text()
    services = parse(text, str(path)).data["services"]
    spans = [(line_start(text, services.key_origins[name].start),
              block_entry_end(text, services.key_origins[name]))
             for i, name in enumerate(services) if i % 3 == 1]
    half = tmp_path / "half.yml"
    half.write_text(split.blank(text, spans))
    _fix([half], chain=False)
    assert both.spliced >= 2 and not both.declined, both.declined


def test_splice_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = parse("a:\n  b: 1\n", "x.yml")
    edit = Edit("x.yml", 8, 9, "2")
    calls: list[int] = []
    real = splice.spliced
    monkeypatch.setattr(guard, "spliced", lambda *a: calls.append(1) or real(*a))
    assert guard.reparsed(doc, "a:\n  b: 2\n", [edit]).data == {"a": {"b": 2}}
    monkeypatch.setattr(guard, "SPLICE", False)
    assert guard.reparsed(doc, "a:\n  b: 2\n", [edit]).data == {"a": {"b": 2}}
    assert calls == [1]


def test_a_declined_splice_says_why_under_debug(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    doc = parse("a: &x 1\nb: *x\n", "x.yml")
    monkeypatch.setenv("STACKLINT_DEBUG", "1")
    new = guard.reparsed(doc, "a: &x 2\nb: *x\n", [Edit("x.yml", 6, 7, "2")])
    assert new.data == {"a": 2, "b": 2}
    assert "fix parses the whole fixed text: the file has anchors" in capsys.readouterr().err


# -- hand-written files and many edits of them ------------------------------------------

HOSTILE = {
    "flow": "a:\n  b: {c: 1, d: [2, 3]}\n  e: [4,\n    5]\n  f: {g: 1,\n      h: 2}\nz: 1\n",
    "multi-line plain": "a:\n  b: one\n    two\n\n    three\n  c: x\nd: plain\n  more\n",
    "multi-line quoted": 'a:\n  b: "one\n    two"\n  c: \'x\n\n  y\'\n  d: 1\nz: "q\n r"\n',
    "block scalars": "a:\n  b: |\n    one\n\n  # not in it\n  c: >+\n    two\n\n\n  d: |-\n"
                     "    three\n  e: 1\nf: |\n  last\n",
    "comments": "# top\na:\n# col 0\n    # deep\n  b: 1  # after\n      # deeper\n  c:\n"
                "  # between\n    d: 2\n\n#end\n",
    "lists": "a:\n- b: 1\n  c: 2\n- d: 3\n- - e\n  - f: 4\n    g: 5\nh:\n  - i: 6\n    j: 7\n"
             "  - 8\n",
    "crlf": "a:\r\n  b: 1\r\n  c:\r\n    d: x\r\n\r\n# c\r\n  e: [1]\r\nf: 2\r\n",
    "no final newline": "a:\n  b: 1\n  c:\n    d: 2",
    "nulls": "a:\nb:\n  c:\n  d: ~\ne:\n  - \n  -\n",
    "nested": "s:\n  one:\n    deploy:\n      resources:\n        limits:\n          cpus: 0.5\n"
              "          memory: 1G\n    ports:\n    - target: 80\n      published: '8080'\n"
              "  two:\n    image: x\n",
    "quoted keys": "\"a\": 1\n'b':\n  \"c d\": 2\n? e\n: 3\nf: 4\n",
}


def _entries(data: Any) -> Iterator[tuple[SMap, Any]]:
    todo = [data]
    while todo:
        node = todo.pop()
        if isinstance(node, SMap):
            for key, value in node.items():
                yield node, key
                todo.append(value)
        elif isinstance(node, SList):
            todo.extend(node)


def _edits(text: str, data: Any) -> Iterator[Edit]:
    """Edits of every kind a fix makes: values replaced, entries removed, lines inserted."""
    eol = "\r\n" if "\r\n" in text else "\n"
    for node, key in _entries(data):
        key_o, value_o = node.key_origins[key], node.value_origins[key]
        column = key_o.column - 1
        if not isinstance(node[key], (SMap, SList)) and value_o.start >= key_o.end:
            for content in ('"9"', "10", "[1, 2]", "{x: 1}", "", "two\n  words", "'a\n\n  b'",
                            f"|{eol}{' ' * (column + 2)}block{eol}"):
                yield Edit("x.yml", value_o.start, value_o.end, content)
        if node.origin is not None and text[node.origin.start] not in "{[":
            start = line_start(text, key_o.start)
            end = block_entry_end(text, key_o)
            yield Edit("x.yml", start, end, "")
            pad = " " * column
            yield Edit("x.yml", start, start, f"{pad}added: 1{eol}")
            yield Edit("x.yml", start, start, f"{pad}{key}: again{eol}")          # a repeat
            yield Edit("x.yml", start, start, f"# odd{eol} {pad}# odder{eol}")
            yield Edit("x.yml", end, end, f"{pad}last: [1,{eol}{pad}  2]{eol}")
            yield Edit("x.yml", start, end, f"{pad}{key}:{eol}{pad}- listed{eol}")
            yield Edit("x.yml", start, end, f"{pad}{{x: 1}}{eol}")      # not a key: no mapping
            yield Edit("x.yml", start, end, f"{pad}[1]: 2{eol}")
            yield Edit("x.yml", start, end, f"{pad}{key}: &a 1{eol}")
            yield Edit("x.yml", start, end, f"{pad}{key}: !!str 1{eol}")
            yield Edit("x.yml", start, end, f"{pad}{key}:\t1{eol}")
    yield Edit("x.yml", 0, 0, f"version: '3.8'{eol}")
    yield Edit("x.yml", len(text), len(text), f"{eol}tail: 1{eol}")
    yield Edit("x.yml", len(text), len(text), "tail: 1")


def _compare(text: str, edits: list[Edit]) -> bool:
    """Whether the splice was taken; it must equal the full parse when it is."""
    doc = parse(text, "x.yml")
    new_text = apply_edits(text, edits)
    try:
        full = parse(new_text, "x.yml")
    except InputError:
        full = None
    try:
        fast = splice.spliced(doc, new_text, edits)
    except splice.Decline:
        return False
    assert full is not None, f"spliced a text that does not parse: {new_text!r}"
    assert_same(fast, full)
    return True


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_edits_splice_as_they_parse(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splice, "CHECK_OLD", True)
    text = HOSTILE[name]
    edits = list(dict.fromkeys(_edits(text, parse(text, "x.yml").data)))
    taken = 0
    for edit in edits:
        try:
            taken += _compare(text, [edit])
        except AssertionError as exc:
            raise AssertionError(f"{edit}: {exc}") from None
    for a, b in zip(edits, edits[1:]):          # edits next to each other, or apart
        if a.end <= b.start or b.end <= a.start:
            try:
                taken += _compare(text, [a, b])
            except AssertionError as exc:
                raise AssertionError(f"{a} + {b}: {exc}") from None
    assert taken > 0


def test_an_edit_that_empties_a_mapping() -> None:
    text = "a:\n  b: 1\nc: 2\n"
    assert _compare(text, [Edit("x.yml", 3, 10, "")])    # the entry of `a` read anew: null
    doc = parse(text, "x.yml")
    with pytest.raises(splice.Decline, match="empty a mapping"):
        splice.spliced(doc, "a:\n  \nc: 2\n", [Edit("x.yml", 5, 9, "")])


def test_first_and_last_line_and_neighbouring_edits_splice() -> None:
    text = "name: x\nservices:\n  a:\n    cpus: 0.5\n    mem: 1\n  b:\n    cpus: 1"
    edits = [Edit("x.yml", 0, 0, "version: '3.8'\n"), Edit("x.yml", 0, 8, ""),
             Edit("x.yml", 33, 36, '"0.5"'), Edit("x.yml", 46, 47, "2"),
             Edit("x.yml", len(text) - 1, len(text), '"1"')]
    assert _compare(text, edits)


def test_origins_are_those_of_a_full_parse_field_by_field() -> None:
    """A check of the comparison itself: one moved origin is found."""
    a, b = parse("a: 1\n", "x.yml").data, parse("a: 1\n", "x.yml").data
    b.value_origins["a"] = Origin("x.yml", 1, 4, 3, 5)
    assert list(differences(a, b)) == ["$.a: value origin Origin(path='x.yml', line=1, "
                                       "column=4, start=3, end=4) against Origin(path='x.yml', "
                                       "line=1, column=4, start=3, end=5)"]
