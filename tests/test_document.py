"""Reading files as Docker's go-yaml v3 does: encodings, scalars, keys, aliases."""
from __future__ import annotations

import codecs
import math
from pathlib import Path

import pytest

from stacklint.load.document import Timestamp, parse, read, resolve_plain
from stacklint.errors import InputError
from stacklint.tree import plain


@pytest.mark.parametrize("text, value", [
    ("yes", "yes"), ("on", "on"), ("Off", "Off"), ("y", "y"), ("true", True), ("False", False),
    ("TRUE", True), ("0400", 256), ("012", 10), ("0o17", 15), ("0x1F", 31), ("0b101", 5),
    ("1_000", 1000), ("+12", 12), ("-0", 0), ("1.0", 1.0), ("1e3", 1000.0), (".5", 0.5),
    ("~", None), ("null", None), ("", None), ("2001-12-14", Timestamp("2001-12-14")),
    ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"), ("2001-02-30", "2001-02-30"), ("1.2.3", "1.2.3"),
    ("08", 8.0), ("9999999999999999999999", 1e22), ("0.50", 0.5), ("-.inf", -math.inf),
])
def test_plain_scalars_like_go_yaml_v3(text: str, value: object) -> None:
    got = resolve_plain(text)
    assert got == value and type(got) is type(value)


def test_encodings_and_newlines(tmp_path: Path) -> None:
    text = 'services:\r\n  web:\r\n    image: "nginx"\r\n'
    for name, raw in [("u8", text.encode()), ("bom", codecs.BOM_UTF8 + text.encode()),
                      ("le", codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
                      ("be", codecs.BOM_UTF16_BE + text.encode("utf-16-be"))]:
        (tmp_path / name).write_bytes(raw)
        doc = read(tmp_path / name)
        assert plain(doc.data) == {"services": {"web": {"image": "nginx"}}}
        assert doc.newline == "\r\n" and doc.encode(doc.text) == raw
        origin = doc.data["services"]["web"].value_origins["image"]
        assert (origin.line, origin.column) == (3, 12)
        assert doc.text[origin.start:origin.end] == '"nginx"'


def test_duplicate_key_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        parse("a: 1\nb: 2\na: 3\n", "f.yml")
    assert (info.value.line, info.value.column) == (3, 1)
    assert 'mapping key "a" already defined at line 1' in info.value.message


def test_anchors_and_merge_keys() -> None:
    doc = parse("x: &x {a: 1, b: 2}\ny:\n  <<: *x\n  b: 3\nz: *x\n")
    assert plain(doc.data) == {"x": {"a": 1, "b": 2}, "y": {"a": 1, "b": 3}, "z": {"a": 1, "b": 2}}
    assert doc.data["y"].key_origins["a"].line == 1          # the merged key's own line


def test_billion_laughs_fails_fast() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(['*a%d' % (i - 1)] * 10)}]" for i in range(1, 9)]
    with pytest.raises(InputError) as info:
        parse("\n".join(lines) + "\n")
    assert "excessive aliasing" in info.value.message


def test_custom_tags_are_ignored_like_docker() -> None:
    doc = parse("a: !reset null\nb: !reset []\nc: !override x\n")
    assert plain(doc.data) == {"a": "null", "b": [], "c": "x"}


def test_syntax_error_has_position() -> None:
    with pytest.raises(InputError) as info:
        parse("services:\n  web:\n   image: [\n", "f.yml")
    assert info.value.path == "f.yml" and info.value.line


def test_first_document_only_like_docker() -> None:
    doc = parse("a: 1\n---\nb: 2\n")
    assert plain(doc.data) == {"a": 1}
    assert parse("# only a comment\n").data is None


def test_pyyaml_reader_pattern_is_compiled_on_first_use() -> None:
    """yamlimport defers the one costly pattern of PyYAML's pure-Python reader; that
    reader still refuses a control character, and `re.compile` is the real one again."""
    import re
    import subprocess
    import sys
    code = ("import re, stacklint.load.document, yaml, yaml.reader\n"
            "from stacklint.load.yamlimport import LazyPattern\n"
            "assert isinstance(yaml.reader.Reader.NON_PRINTABLE, LazyPattern)\n"
            "assert re.compile.__module__ == 're' and re.compile.__name__ == 'compile'\n"
            "try:\n    yaml.load('a: \\x01', Loader=yaml.SafeLoader)\n"
            "except yaml.reader.ReaderError as e:\n    print(e.character == 1)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "True", done.stderr
    from stacklint.load.yamlimport import NON_PRINTABLE, LazyPattern
    lazy, real = LazyPattern(NON_PRINTABLE, 0), re.compile(NON_PRINTABLE)
    for text in ("plain text é", "tab\there", "bell\x07", "\ufffe", "\U0001f600 ok"):
        assert bool(lazy.search(text)) == bool(real.search(text))


def test_pyyaml_resolves_as_before_with_its_patterns_deferred() -> None:
    """The implicit resolvers and the timestamp pattern are deferred too (yamlimport):
    `yaml.safe_load` gives the same values as a PyYAML imported without stacklint."""
    import subprocess
    import sys
    sample = ("a: [yes, No, on, 0x1F, 0o17, 017, 1_000, -3, 1.5e3, .inf, -.Inf, .nan, ~, null, "
              "'1', 2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5, "
              "2002-12-14t21:59:43Z, '=', text]\nb: &x {c: 1}\nd: {<<: *x, e: 2}\n")
    show = f"import yaml; print(repr(yaml.safe_load({sample!r})))"
    deferred = ("import stacklint.load.document, yaml.resolver, yaml.constructor\n"
                "from stacklint.load.yamlimport import LazyPattern\n"
                "patterns = [p for ps in yaml.resolver.Resolver.yaml_implicit_resolvers.values()"
                " for _, p in ps]\n"
                "assert patterns and all(isinstance(p, LazyPattern) for p in patterns)\n"
                "assert isinstance(yaml.constructor.SafeConstructor.timestamp_regexp, LazyPattern)\n")
    root = Path(__file__).resolve().parent.parent
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
            for code in (show, deferred + show)]
    assert runs[0].returncode == 0 and runs[1].returncode == 0, runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "datetime.date(2001, 12, 14)" in runs[0].stdout


def test_a_date_in_the_first_document_of_a_process_is_still_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`decoding` walks the tree for unquoted dates only once a Timestamp was made; the
    first one made counts."""
    from stacklint.validate import decoding
    monkeypatch.setattr(Timestamp, "made", 0)
    assert not list(decoding.problems(parse("services:\n  a:\n    user: x\n").data))
    found = list(decoding.problems(parse("services:\n  a:\n    user: 2001-12-14\n").data))
    assert Timestamp.made == 1 and [p.pointer for p in found] == [("services", "a", "user")]
