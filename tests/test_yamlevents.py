"""The one-pass event reader gives exactly what the node path gives, or leaves it the work."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from stacklint.load import document, yamlevents
from stacklint.errors import InputError
from stacklint.tree import SList, SMap

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"

if yamlevents.CParser is None:  # pragma: no cover
    pytest.skip("PyYAML without libyaml: the event reader is not used", allow_module_level=True)


def node_path(text: str, path: str = "p.yml") -> Any:
    """The careful path: node tree, then Converter."""
    node = document.compose(text, path)
    return None if node is None else document.Converter(path).convert(node)


def fast(text: str, path: str = "p.yml") -> tuple[bool, Any]:
    return yamlevents.build(text, path, document.resolve_plain)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, and equal origins everywhere."""
    if isinstance(a, SMap):
        return (type(b) is SMap and a.origin == b.origin and list(a) == list(b)
                and a.key_origins == b.key_origins and a.value_origins == b.value_origins
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, SList):
        return (type(b) is SList and a.origin == b.origin and a.item_origins == b.item_origins
                and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


def assert_same_or_fallback(text: str) -> bool:
    ok, data = fast(text)
    try:
        want = node_path(text)
    except InputError:
        assert not ok, "the event reader accepted a text the node path rejects"
        return ok
    if ok:
        assert same(want, data)
    return ok


PLAIN = """\
version: "3.8"
services:
  web:
    image: nginx:1.25
    ports: ["80:80", {target: 443, published: 8443}]
    environment:
      A: yes
      B: 0400
      C: 0x1F
      D: .nan
      E: -.inf
      F: 1_000
      G: ~
      H: ''
      I:
    command: >-
      run
      now
    healthcheck:
      test: |
        curl -f http://x/?a=1&b=2 || exit 1
    labels:
      - "x=1"
"""


def test_plain_compose_file_takes_the_fast_path_with_identical_origins() -> None:
    assert assert_same_or_fallback(PLAIN)
    assert assert_same_or_fallback(PLAIN.replace("\n", "\r\n"))


@pytest.mark.parametrize("text", [
    "", "# only a comment\n", "---\n", "---\n...\n", "top", "- 1\n- [2, {}]\n- []\n",
    "%YAML 1.1\n---\na: 1\n", "a: 'x'\n...\n# after the end\n",
])
def test_edge_documents_are_read_the_same(text: str) -> None:
    assert assert_same_or_fallback(text)


ANCHORED = """\
version: "3.8"
x-logging: &default-logging
  driver: json-file
  options: {max-size: 10m, max-file: "3"}
x-deploy: &deploy
  replicas: 1
  restart_policy: &restart
    condition: on-failure
x-more: &more
  replicas: 9
  labels: [a, b]
x-networks: &nets
  - front
  - &back back
services:
  web:
    <<: *deploy
    image: &img nginx:1.25
    logging: *default-logging
    networks: *nets
    deploy:
      <<: [*deploy, *more, {mode: global}]
      replicas: 3
      restart_policy: *restart
  api:
    image: *img
    networks: [*back, other]
    deploy: {<<: *more, <<: *deploy}
"""


@pytest.mark.parametrize("text", [
    ANCHORED, ANCHORED.replace("\n", "\r\n"),
    "a: &x 1\nb: *x\n", "a: &x 'q'\nb: [*x, *x]\n", "a: &m {k: 1}\nb: *m\nc: [*m]\n",
    "<<: {a: 1}\nb: 2\n", "<<: [{a: 1}, {a: 2, b: 3}]\nb: 4\n", "a: &m {k: 1}\nb: {<<: *m, k: 2}\n",
    "a: &m {k: 1}\nb: &n {<<: *m, j: 2}\nc: {<<: *n}\n",   # a merged map merged again
    "&k key: 1\nother: *k\n",                                 # an anchored key
    "a: &e []\nb: &f {}\nc: [*e, *f]\n", "a: &n ~\nb: *n\n",
])
def test_anchors_aliases_and_merge_keys_take_the_fast_path(text: str) -> None:
    assert assert_same_or_fallback(text)


def test_an_alias_is_its_anchors_object_with_the_anchors_origin() -> None:
    ok, data = fast(ANCHORED)
    assert ok
    web, api = data["services"]["web"], data["services"]["api"]
    assert web["logging"] is data["x-logging"]
    assert web.value_origins["logging"] == data.value_origins["x-logging"]
    assert web["replicas"] == 1 and web.key_origins["replicas"] == data["x-deploy"].key_origins[
        "replicas"]
    assert web["deploy"]["replicas"] == 3 and web["deploy"]["mode"] == "global"
    assert web["deploy"]["labels"] == ["a", "b"]       # from the second merged map
    assert api["deploy"]["replicas"] == 9               # the first `<<` wins


def bloat(levels: int) -> str:
    """Each level a list of ten aliases of the one before: ~10**levels nodes expanded."""
    return "a: &a [" + ",".join(["x"] * 10) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(levels))


BLOAT = bloat(6)                # beyond the bound on expanded nodes
RATIO = bloat(3)                # ~12k nodes from ~45: beyond the bound on the ratio


def test_aliasing_within_the_bound_is_read_fast() -> None:
    assert assert_same_or_fallback(bloat(2))


@pytest.mark.parametrize("text", [
    "a: *x\n", "a: &x 1\nb: &x 2\nc: *x\n",            # an unknown alias, a duplicate anchor
    "a: &a {<<: *a}\n", "a: &l [*l]\n",                  # an alias inside its own anchor
    "<<: 1\n", "a: &s x\n<<: *s\n", "a: &m {k: 1}\n<<: [*m, 1]\n",   # merges of non-maps
    "a: &m {k: 1}\nb: {<<: *m, k: 2, k: 3}\n",             # a duplicate beside a merge
    "*a : 1\n", BLOAT, RATIO,             # an alias as key; excessive aliasing
])
def test_anchor_errors_take_the_node_path_and_keep_its_message(text: str) -> None:
    assert not assert_same_or_fallback(text)
    with pytest.raises(InputError):
        document.parse(text, "p.yml")


@pytest.mark.parametrize("text", [
    "a: !!str 1\n", "a: !reset null\n", "a: ! x\n",   # tags are recorded there
    "'<<': 1\n", "a: &m {k: 1}\nb: {!!merge <<: *m}\n",   # a quoted or tagged merge key
    "a: 1\na: 2\n", "a: 1\n'a': 2\n",      # duplicate keys: the error message lives there
    "1: a\n", "null: 1\n", "? [a]\n: 1\n",  # keys that are not strings
    "a: 1\n---\nb: 2\n",                    # a second document
    "a: [1, 2\n", "a: b: c\n", "\ta: 1\n",  # syntax errors
    "x: " + "[" * 100 + "]" * 100 + "\n",  # deep nesting: the node path bounds it
])
def test_unusual_documents_take_the_node_path(text: str) -> None:
    assert not assert_same_or_fallback(text)


def test_parse_still_reports_errors_and_keeps_tags() -> None:
    with pytest.raises(InputError, match="already defined at line 1"):
        document.parse("a: 1\na: 2\n", "p.yml")
    doc = document.parse("a: !reset null\n", "p.yml")
    assert doc.data == {"a": "null"} and doc.tags[0][0] == "!reset"


def _files() -> list[Path]:
    found = sorted((ROOT / "tests" / "fixtures").rglob("*.y*ml"))
    if SHARED.is_dir():
        found += sorted(SHARED.resolve().rglob("*.y*ml"))
    return found


def test_every_fixture_and_shared_file_reads_the_same() -> None:
    files = _files()
    fast_count = 0
    for path in files:
        try:
            text, _ = document.decode(path.read_bytes(), str(path))
        except InputError:
            continue
        fast_count += assert_same_or_fallback(text)
    assert fast_count > len(files) // 2      # most real files are plain


SCALARS = st.one_of(
    st.sampled_from(["yes", "no", "on", "true", "False", "0400", "08", "0x1F", "0o7", "1_000",
                     "+1", "-0", ".5", "1e3", ".nan", "-.inf", "~", "null", "", "2001-12-14",
                     "a: b", "#x", "- x", "&a", "*a", "!t", "<<", "é", "x\ny", " lead"]),
    st.text(max_size=8), st.integers(), st.booleans(), st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4)), max_leaves=20)


@pytest.mark.slow   # hypothesis
@settings(max_examples=150, deadline=None)
@given(VALUES, st.sampled_from([None, True, False]), st.sampled_from([None, '"', "'", "|"]))
def test_generated_documents_read_the_same(value: Any, flow: bool | None,
                                           style: str | None) -> None:
    try:
        text = yaml.safe_dump(value, default_flow_style=flow, default_style=style,
                              allow_unicode=True)
    except yaml.YAMLError:
        return
    assert_same_or_fallback(text)


@pytest.mark.slow   # hypothesis
@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), VALUES, min_size=1,
                                max_size=4), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["alias", "merge", "merge-list"]),
                          st.dictionaries(st.text("abkz", min_size=1, max_size=2), SCALARS,
                                          max_size=3)), max_size=6),
       st.sampled_from([None, False]))
def test_generated_anchored_documents_read_the_same(blocks: list[dict[str, Any]],
                                                    uses: list[tuple[int, str, dict[str, Any]]],
                                                    flow: bool | None) -> None:
    """Blocks shared the way stacks share them: PyYAML writes an anchor for each object used
    twice, an alias for each later use; merge keys written plain."""
    doc: dict[str, Any] = {f"x-{i}": block for i, block in enumerate(blocks)}
    for n, (i, how, own) in enumerate(uses):
        block = blocks[i % len(blocks)]
        if how == "alias":
            doc[f"s{n}"] = {"v": block, "w": [block, own]}
        else:
            doc[f"s{n}"] = {"<<": block if how == "merge" else [block, own], **own}
    try:
        text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return
    text = text.replace("'<<':", "<<:")
    ok = assert_same_or_fallback(text)
    if "*" in text and "!!" not in text and ok is False:
        with pytest.raises(InputError):     # a fallback only for what the node path rejects
            node_path(text)
