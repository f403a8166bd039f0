"""Mutations of the project's own stack files, the way real files go wrong (tests/test_fuzz.py).

Every mutation is a function `(text, rng) -> text` on decoded text; `encode` then picks
the bytes: UTF-8 with or without BOM (one or two), UTF-16 with a BOM, and LF, CRLF or
CR-only line endings. `STATS` counts what the suite saw, for its summary line.
"""
from __future__ import annotations

import codecs
import random
import re
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"

STATS: Counter[str] = Counter()


def sources() -> list[Path]:
    """Single stack files of the project's fixtures and examples (sorted: a seed means
    the same inputs on every machine)."""
    found = []
    for folder in (FIXTURES / "merge", FIXTURES / "fix", FIXTURES / "precommit",
                   FIXTURES / "deploy", REPO / "examples"):
        for path in sorted(folder.rglob("*.y*ml")):
            if "expected" in path.name or path.stat().st_size > 20_000:
                continue
            try:
                text = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue              # the UTF-16 fixtures: `encode` makes those
            if "services" in text:
                found.append(path)
    return found


# values Docker (or YAML) reads in surprising ways; each replaces one scalar
HOSTILE = [
    ".inf", "-.inf", ".nan", '"inf"', '"NaN"', "1e309", "-1", "-0", "99999999999999999999",
    "9223372036854775808", "0x10", "0o17", "1_000", "+12", "2562048h", "-5s", "1.5h", "0",
    '"1h2m3.5s"', '"10µs"', "512Mi", '""', "1.5", "80.5", "65536", '"8080-8070:80"',
    '"٣٠٠٠"', '"３０００"', "2001-12-14", "2001-12-14t21:59:43.10-05:00", "yes", "off", "~",
    "null", '"\\0"', '"\\x07"', "!!binary aGk=", "!!str 1", "!!int x", "*nowhere", "[]",
    "{}", "[[[]]]", '"${UNSET}"', '"${A:?must be set}"', '"$$"', '"${"', "'", '"', "|",
    ">-", "&x 1", "- - -", "? a", "@at", "`tick`", "%percent", "'a''b'", "\"a\\\"b\"",
]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def flip_byte(text: str, rng: random.Random) -> str:
    if not text:
        return text
    i = rng.randrange(len(text))
    return text[:i] + chr(ord(text[i]) ^ (1 << rng.randrange(7))) + text[i + 1:]


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    if len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def nul_byte(text: str, rng: random.Random) -> str:
    i = rng.randrange(len(text) + 1)
    return text[:i] + rng.choice(["\0", "\x07", "\x1b", "\ufeff", "\u2028", "\x85"]) + text[i:]


def reindent(text: str, rng: random.Random) -> str:
    """One line's indentation changed: a tab, one space more or less."""
    lines = _lines(text)
    i = rng.randrange(len(lines))
    line = lines[i]
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    lines[i] = rng.choice(["\t" + line, " " * (indent + 1) + body,
                           " " * max(indent - 1, 0) + body, "\t" + body])
    return "\n".join(lines)


def tab_comment(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), "\t# a comment indented by a tab")
    return "\n".join(lines)


_VALUE = re.compile(r"^(\s*(?:- )?[\w.-]+:[ ]+)(\S.*)$")


def hostile_value(text: str, rng: random.Random) -> str:
    """One `key: value` line's value replaced by a hostile scalar."""
    lines = _lines(text)
    spots = [i for i, line in enumerate(lines) if _VALUE.match(line)]
    if not spots:
        return text
    i = rng.choice(spots)
    match = _VALUE.match(lines[i])
    assert match
    lines[i] = match.group(1) + rng.choice(HOSTILE)
    return "\n".join(lines)


def hostile_item(text: str, rng: random.Random) -> str:
    """One `- item` line's item replaced by a hostile scalar (ports, volumes, commands)."""
    lines = _lines(text)
    spots = [i for i, line in enumerate(lines) if re.match(r"^\s*- \S", line)]
    if not spots:
        return text
    i = rng.choice(spots)
    head = lines[i][: lines[i].index("- ") + 2]
    lines[i] = head + rng.choice(HOSTILE)
    return "\n".join(lines)


def self_merge(text: str, rng: random.Random) -> str:
    """An anchor that merges itself, or a merge key of a missing or scalar alias."""
    block = rng.choice([
        "x-loop: &loop\n  <<: *loop\n  a: 1\n",
        "x-base: &base\n  a: 1\nx-more:\n  <<: [*base, *base]\n",
        "x-scalar: &s 1\nx-merge:\n  <<: *s\n",
        "x-list: &l [1, 2]\nx-merge:\n  <<: *l\n",
        "x-merge:\n  <<: *missing\n",
    ])
    return block + text if rng.random() < 0.5 else text.rstrip("\n") + "\n" + block


def alias_bomb(text: str, rng: random.Random) -> str:
    """Billion laughs: each level aliases the one before ten times."""
    levels = rng.randrange(4, 10)
    out = ["x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels):
        out.append(f"x-l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    return text.rstrip("\n") + "\n" + "\n".join(out) + "\n"


def deep_nesting(text: str, rng: random.Random) -> str:
    depth = rng.choice([200, 1000, 5000, 20000])
    kind = rng.random() < 0.5
    deep = "[" * depth + "]" * depth if kind else "{a: " * depth + "1" + "}" * depth
    return text.rstrip("\n") + f"\nx-deep: {deep}\n"


def huge_number(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    spots = [i for i, line in enumerate(lines) if re.search(r":\s+\d", line)]
    if not spots:
        return text
    i = rng.choice(spots)
    digits = rng.choice(["9" * 40, "1" + "0" * 400, "1e400", "-" + "9" * 30, "0." + "0" * 30 + "1"])
    lines[i] = re.sub(r"(:\s+)\d[\w.]*", lambda m: m.group(1) + digits, lines[i], count=1)
    return "\n".join(lines)


MUTATIONS = {f.__name__: f for f in (
    flip_byte, truncate, delete_line, duplicate_line, nul_byte, reindent, tab_comment,
    hostile_value, hostile_item, self_merge, alias_bomb, deep_nesting, huge_number)}
# mutations whose input is about time and memory more than about messages
HEAVY = {"alias_bomb", "deep_nesting"}

ENCODINGS = ("utf-8", "utf-8-sig", "utf-8-double-bom", "utf-16-le", "utf-16-be")
NEWLINES = ("\n", "\r\n", "\r")


def encode(text: str, encoding: str, newline: str) -> bytes:
    text = text.replace("\r\n", "\n").replace("\n", newline)
    if encoding == "utf-8-double-bom":
        return codecs.BOM_UTF8 * 2 + text.encode("utf-8", "surrogatepass")
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def mutate(source: Path, steps: list[tuple[str, int]], encoding: str, newline: str) -> bytes:
    text = source.read_text(encoding="utf-8")
    for name, seed in steps:
        text = MUTATIONS[name](text, random.Random(seed))
    return encode(text, encoding, newline)
