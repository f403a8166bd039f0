"""Read a compose file the way Docker's loader (go-yaml v3) reads it.

Decoding keeps what a fixer must write back (BOM, UTF-16, CRLF).  Parsing uses
PyYAML's C parser for speed (plain files straight from its events, see `yamlevents`),
but resolves plain scalars with go-yaml v3's rules
(YAML 1.2 booleans, `0400` octal, `yes`/`on` as strings), rejects duplicate
keys, expands `<<` merge keys, and records an `Origin` for every node.
"""
from __future__ import annotations

import codecs
import math
import os
import re
from functools import cache
from pathlib import Path
from typing import Any, cast

import stacklint.load.yamlimport  # noqa: F401  (before yaml: see there)
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from stacklint.load import yamlevents
from stacklint.errors import InputError, ReadError
from stacklint.model import Origin
from stacklint.tree import SList, SMap

try:  # the C parser is ~5x faster; fall back so a bare PyYAML still works
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

PLAIN_TAG = "!stacklint/plain"
_STD = "tag:yaml.org,2002:"
# go-yaml v3 refuses documents whose aliases expand far beyond their size
# ("document contains excessive aliasing"); this bound plays the same role.
MAX_EXPANDED_NODES = yamlevents.MAX_EXPANDED_NODES
_ALIAS_RATIO = yamlevents.ALIAS_RATIO
_NEW = tuple.__new__      # an Origin without the NamedTuple's Python-level __new__


class Document:
    """One decoded and parsed file (a plain class, not a dataclass: see model.py)."""

    __slots__ = ("path", "text", "encoding", "newline", "data", "tags", "cr_only", "lead")

    def __init__(self, path: str, text: str, encoding: str, newline: str, data: Any,
                 tags: list[tuple[str, Origin]] | None = None) -> None:
        self.path = path            # as the user named it
        self.text = text            # decoded, BOM removed, newlines as in the file
        self.encoding = encoding    # 'utf-8', 'utf-8-sig', 'utf-16-le', 'utf-16-be'
        self.newline = newline      # '\r\n' or '\n'
        self.data = data            # SMap (or whatever the top level is), None when empty
        self.tags: list[tuple[str, Origin]] = [] if tags is None else tags   # custom (`!reset`)
        self.cr_only = False        # a CR-only file that `fix` reads with \n for each \r
        self.lead = ""              # more byte order marks after the first, kept in front by `fix`

    @property
    def directory(self) -> Path:
        return Path(self.path).resolve().parent

    def encode(self, text: str) -> bytes:
        """Encode `text` back exactly as this file was stored."""
        if self.cr_only:          # same length: every offset of the \n text holds
            text = text.replace("\n", "\r")
        text = self.lead + text   # an edit at the top goes after a second BOM, not before
        if self.encoding == "utf-16-le":
            return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        if self.encoding == "utf-16-be":
            return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        return text.encode(self.encoding)


def decode(raw: bytes, path: str) -> tuple[str, str]:
    """Bytes to text and the encoding to write it back with."""
    if raw.startswith(codecs.BOM_UTF16_LE):
        encoding, body = "utf-16-le", raw[2:]
    elif raw.startswith(codecs.BOM_UTF16_BE):
        encoding, body = "utf-16-be", raw[2:]
    elif raw.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", raw[3:]
    else:
        encoding, body = "utf-8", raw
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        return body.decode(codec), encoding
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise InputError(f"invalid {codec} byte sequence at offset {exc.start}", path, line, 1,
                         hint="save the file as UTF-8 (or UTF-16 with a byte order mark)") from None


def read(path: str | os.PathLike[str]) -> Document:
    """Read, decode and parse one file; any failure is an `InputError`."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror}", name) from None
    text, encoding = decode(raw, name)
    return parse(text, name, encoding)


def newline_of(text: str) -> str:
    """The file's newline, as its first line ends."""
    return "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"


def parse(text: str, path: str = "<string>", encoding: str = "utf-8") -> Document:
    newline = newline_of(text)
    try:
        data, tags = _values(text, path)
    except InputError:
        copy = tab_led_comments(text)
        if copy is None:
            raise
        data, tags = _values(copy, path)    # same offsets: origins point into `text` as well
    if text.startswith("\ufeff"):   # a second BOM: the parsers skip it without counting it
        data, tags = _past_bom(data), [(tag, _shift(origin)) for tag, origin in tags]
    return Document(path, text, encoding, newline, data, tags)


def _shift(origin: Origin) -> Origin:
    """`origin` with the skipped BOM counted: one more offset, one more column on line 1."""
    path, line, column, start, end = origin
    return Origin(path, line, column + (line == 1), start + 1, end + 1)


def _past_bom(data: Any) -> Any:
    """Every origin in `data` shifted past a leading BOM (an alias's shared node once)."""
    seen: set[int] = set()
    todo = [data]
    while todo:
        node = todo.pop()
        if not isinstance(node, (SMap, SList)) or id(node) in seen:
            continue
        seen.add(id(node))
        node.origin = node.origin and _shift(node.origin)
        if isinstance(node, SMap):
            for origins in (node.key_origins, node.value_origins):
                for key, origin in origins.items():
                    origins[key] = _shift(origin)
            todo.extend(node.values())
        else:
            node.item_origins = [o and _shift(o) for o in node.item_origins]
            todo.extend(node)
    return data


def _values(text: str, path: str) -> tuple[Any, list[tuple[str, Origin]]]:
    plain, data = yamlevents.build(text, path, resolve_plain)
    if plain:             # no tags, duplicates or errors: no node tree
        return data, []
    try:
        node = compose(text, path)
        converter = Converter(path)
        data = None if node is None else converter.convert(node)
    except RecursionError:
        raise too_deep(path) from None
    return data, converter.tags


def tab_led_comments(text: str) -> str | None:
    """A copy of `text` for parsing only, or None when it would be the same.

    go-yaml v3 reads the comment lines that follow a comment line itself (blank lines may
    stand between), tabs in their indentation included; PyYAML's scanner refuses a tab
    there. In the copy each such tab becomes one space, so every offset stays the same.
    Only a file that failed to parse as it is is read this way."""
    out: list[str] = []
    after_comment = changed = False
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" \t")
        if body.startswith("#"):
            lead = line[: len(line) - len(body)]
            if after_comment and "\t" in lead:
                line, changed = lead.replace("\t", " ") + body, True
            after_comment = True
        elif body.strip(" \t\r\n"):
            after_comment = False
        out.append(line)
    return "".join(out) if changed else None


def _bad_character(text: str, exc: Any, path: str) -> InputError:
    """PyYAML's reader names only an offset (`position 27`): the line and column of it."""
    offset = min(max(int(getattr(exc, "position", 0) or 0), 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    char = getattr(exc, "character", "")
    point = ord(char) if isinstance(char, str) and len(char) == 1 else char
    code = f"#x{point:04x}" if isinstance(point, int) else repr(point)
    return InputError(f"YAML error: unacceptable character {code}: control characters are "
                      "not allowed", path, line, column,
                      hint="delete the character (a NUL or other control byte, often from a "
                           "bad copy or a binary file), or quote it as an escape (\"\\x00\")")


def too_deep(path: str) -> InputError:
    """Python's recursion limit, hit by absurdly nested YAML, as a clear input error."""
    return InputError("the file nests mappings and lists too deeply to be read", path, 1, 1,
                      hint="flatten the structure (a few dozen levels are plenty)")


class _Loader(_BaseLoader):
    """Composes nodes only; plain scalars get PLAIN_TAG and are resolved later."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            return PLAIN_TAG
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag


def compose(text: str, path: str) -> Node | None:
    loader = _Loader(text)
    try:
        # Docker (yaml.Unmarshal) reads the first document of a stream and ignores the rest
        node = loader.get_node() if loader.check_node() else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if "maximum nesting depth" in problem:    # libyaml >= 0.2.5 stops deep nesting itself
            raise too_deep(path) from None
        if exc.context and exc.context not in problem:
            problem = f"{problem} ({exc.context})"
        bom = mark is not None and mark.line == 0 and text.startswith("\ufeff")   # skipped, uncounted
        raise InputError(f"YAML syntax error: {problem}", path,
                         mark.line + 1 if mark else None, mark.column + 1 + bom if mark else None,
                         hint="check the indentation and quoting around this line") from None
    except yaml.reader.ReaderError as exc:     # a character YAML forbids: say where it is
        raise _bad_character(text, exc, path) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", path, 1, 1,
                         hint="check the file's YAML syntax") from None
    finally:
        loader.dispose()
    return node


# go-yaml v3: strconv.ParseInt(s, 0, 64) after removing underscores
_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_SPECIAL = {
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
}


class Timestamp(str):
    """A plain scalar go-yaml v3 reads as a timestamp (time.Time), kept as its text.

    Docker decodes a time.Time into no string field ("expected type 'string', got
    unconvertible type 'time.Time'"); `decoding` says so where the value stands."""

    made = 0      # how many this process made: while none, no tree holds one

    def __new__(cls, text: str) -> Timestamp:
        Timestamp.made += 1
        return super().__new__(cls, text)


# go-yaml v3's allowedTimestampFormats, as Go's time.Parse reads them: "2006-1-2T15:4:5.9Z07:00"
# (and a lower-case t), "2006-1-2 15:4:5.9" (one or more spaces, no zone), "2006-1-2"
@cache      # compiled on first use: most stacks hold no date
def _timestamp() -> re.Pattern[str]:
    return re.compile(r"(\d{4})-(\d\d?)-(\d\d?)(?:(?:([Tt])|( +))(\d\d?):(\d\d?):(\d\d?)"
                      r"(?:[.,]\d+)?(Z|[+-](\d\d):(\d\d))?)?")


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_timestamp(text: str) -> bool:
    """Whether go-yaml v3 resolves this plain scalar to a time.Time."""
    m = _timestamp().fullmatch(text)
    if m is None:
        return False
    year, month, day, t, space, hour, minute, second, zone, zh, zm = m.groups()
    if t and zone is None or space and zone is not None:
        return False
    year, month, day = int(year), int(month), int(day)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1] - (month == 2 and not leap):
        return False
    if hour is not None and (int(hour) > 23 or int(minute) > 59 or int(second) > 59):
        return False
    return zh is None or int(zh) <= 24 and int(zm) <= 60


def resolve_plain(text: str) -> Any:
    """The value go-yaml v3 gives a plain (unquoted, untagged) scalar."""
    if text in _NULLS:
        return None
    if text in _SPECIAL:
        return _SPECIAL[text]
    first = text[0]
    if first == ".":
        try:
            return float(text) if _FLOAT.fullmatch(text) else text
        except ValueError:
            return text
    if not (first.isdigit() or first in "+-"):
        return text
    if text[4:5] == "-" and is_timestamp(text):
        return Timestamp(text)
    digits = text.replace("_", "")
    m = _INT.fullmatch(digits)
    if m:
        sign, body = m.groups()
        if body[:2] in ("0x", "0X", "0o", "0O", "0b", "0B"):
            value = int(body[2:], {"x": 16, "o": 8, "b": 2}[body[1].lower()])
        elif len(body) > 1 and body[0] == "0":
            value = int(body, 8)
        else:
            value = int(body)
        value = -value if sign == "-" else value
        if -(2**63) <= value < 2**64:
            return value
    if _FLOAT.fullmatch(digits):
        number = float(digits)
        # strconv.ParseFloat fails with a range error beyond float64 (`1e309`, 400 digits):
        # go-yaml then keeps the plain scalar as a string
        return number if math.isfinite(number) else text
    return text


def _origin(path: str, node: Node) -> Origin:
    start, end = node.start_mark, node.end_mark
    return _NEW(Origin, (path, start.line + 1, start.column + 1, start.index, end.index))


class Converter:
    """Node tree to SMap/SList/scalars, with origins and go-yaml's checks."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.done: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}
        self.nodes = 0
        self.tags: list[tuple[str, Origin]] = []   # Docker ignores them; rules may not
        self.active: set[int] = set()               # containers being converted (cycles)

    def convert(self, node: Node) -> Any:
        expanded = self._size(node)
        if expanded > MAX_EXPANDED_NODES or expanded > _ALIAS_RATIO * self.nodes + 10_000:
            raise InputError("document contains excessive aliasing "
                             f"({expanded} nodes after expanding aliases)", self.path, 1, 1,
                             hint="use fewer nested aliases")
        return self._value(node)

    def _size(self, node: Node) -> int:
        """Nodes after alias expansion, memoised per node (aliases share nodes)."""
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        self.nodes += 1
        self.sizes[key] = 1  # a recursive alias counts once instead of looping
        if isinstance(node, MappingNode):
            size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            size = 1 + sum(self._size(v) for v in node.value)
        else:
            size = 1
        self.sizes[key] = size
        return size

    def _value(self, node: Node) -> Any:
        key = id(node)
        if key in self.active:   # `x: &a {<<: *a}`, `&l [*l]`: go-yaml refuses the cycle
            raise InputError("an anchor's value contains an alias of itself", self.path,
                             node.start_mark.line + 1, node.start_mark.column + 1,
                             hint="an alias can only name an anchor whose value is complete: "
                                  "move the alias out of the anchored value")
        if key in self.done:   # an alias: the same object, as go-yaml shares it
            return self.done[key]
        if node.tag != PLAIN_TAG and not node.tag.startswith(_STD):
            self.tags.append((node.tag, _origin(self.path, node)))
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
        elif isinstance(node, SequenceNode):
            value = SList(origin=_origin(self.path, node))
            self.done[key] = value
            self.active.add(key)
            for item in node.value:
                value.add(self._value(item), _origin(self.path, item))
            self.active.discard(key)
        else:
            value = SMap(origin=_origin(self.path, node))
            self.done[key] = value
            self.active.add(key)
            self._mapping(cast(MappingNode, node), value)   # the composer makes only these three
            self.active.discard(key)
        self.done[key] = value
        return value

    def _scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == PLAIN_TAG:
            return resolve_plain(text)
        if not tag.startswith(_STD):
            return text          # go-yaml keeps unknown tags' text: `!reset null` -> "null"
        kind = tag[len(_STD):]
        if kind == "str":
            return text
        resolved = resolve_plain(text)
        wanted = {"int": int, "float": float, "bool": bool, "null": type(None)}.get(kind)
        if wanted is float and isinstance(resolved, int) and not isinstance(resolved, bool):
            return float(resolved)
        if wanted is None or isinstance(resolved, wanted):
            return resolved
        raise InputError(f"cannot decode {text!r} as !!{kind}", self.path,
                         node.start_mark.line + 1, node.start_mark.column + 1,
                         hint=f"remove the `!!{kind}` tag, or write a value of that type")

    def _mapping(self, node: MappingNode, out: SMap) -> None:
        seen: dict[str, int] = {}
        merged: list[SMap] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag in (PLAIN_TAG, _STD + "merge") \
                    and key_node.value == "<<":
                merged.extend(self._merge_sources(value_node))
                continue
            if isinstance(key_node, ScalarNode):
                first = seen.get(key_node.value)
                if first is not None:
                    raise InputError(
                        f'mapping key "{key_node.value}" already defined at line {first}',
                        self.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                        hint="remove one of the two keys")
                seen[key_node.value] = key_node.start_mark.line + 1
            key = self._key(key_node)
            out.put(key, self._value(value_node), _origin(self.path, key_node),
                    _origin(self.path, value_node))
        # `<<`: explicit keys win; among merged maps the earlier one wins
        for source in merged:
            for key in source:
                if key not in out:
                    out.copy_entry(source, key)

    def _merge_sources(self, node: Node) -> list[SMap]:
        value = self._value(node)
        items = value if isinstance(value, SList) else [value]
        if not all(isinstance(item, SMap) for item in items):
            raise InputError("map merge requires map or sequence of maps as the value", self.path,
                             node.start_mark.line + 1, node.start_mark.column + 1,
                             hint="`<<` takes an alias of a mapping (`<<: *base`) or a list "
                                  "of them (`<<: [*base, *more]`)")
        return list(items)

    def _key(self, node: Node) -> str:
        value = self._value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str):
            return value
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        shown = node.value if isinstance(node, ScalarNode) else "a mapping or list"
        raise InputError(f"mapping key {shown!s} is not a string", self.path, line, col,
                         hint=f'quote it: "{shown}"' if isinstance(node, ScalarNode)
                         else "a key is a plain string: `name:`, not a list or mapping")
