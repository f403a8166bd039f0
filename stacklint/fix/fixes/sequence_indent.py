"""SL711: keys of a list item that lost their indentation (`- target: 80` / `published: 80`).

Runs on text that does not parse.  A line at the column of the item's dash
cannot continue the item, so YAML rejects the file.  The repair indents such
lines to the item's first key, and is used only when it is the one column
that makes the file parse: the lines sit deeper than the key that owns the
list, so any other reading would need some other column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from stacklint.load.document import parse
from stacklint.errors import InputError
from stacklint.fix.fixes import Rule
from stacklint.model import Edit

RULE = Rule("SL711", "list-item-indentation", "Indent the item's keys under its first key")
_ITEM = re.compile(r"( *)(- +)(?=[^\s#\-\[{'\"][^#]*?:(?:\s|$))")
_KEY = re.compile(r" *[^\s#\-\[{][^#]*?:(?:\s|$)")
MAX_PROBE = 8


@dataclass(frozen=True)
class Slip:
    first_line: int          # 0-based index of the first misplaced line
    last_line: int           # exclusive
    dash_col: int
    key_col: int
    owner_col: int


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    return not line.strip() or line.strip().startswith("#")


def find_slips(lines: list[str]) -> list[Slip]:
    """Groups of `key:` lines at the dash column right after a `- key:` item."""
    slips = []
    for i, line in enumerate(lines):
        item = _ITEM.match(line)
        if not item:
            continue
        dash, key_col = len(item.group(1)), len(item.group(1)) + len(item.group(2))
        j = i + 1
        while j < len(lines) and not _blank(lines[j]) and _indent(lines[j]) >= key_col:
            j += 1                                    # the item's own, well-indented lines
        k = j
        while k < len(lines) and not _blank(lines[k]) and (
                _indent(lines[k]) > dash or (_indent(lines[k]) == dash and _KEY.match(lines[k])
                                             and not lines[k].lstrip().startswith("-"))):
            k += 1
        owner = _owner_col(lines, i, dash)
        if k > j and _indent(lines[j]) == dash and owner is not None:
            slips.append(Slip(j, k, dash, key_col, owner))
    return slips


def _owner_col(lines: list[str], item: int, dash: int) -> int | None:
    """Column of the `key:` that owns the list, when it is shallower than the dash."""
    for line in reversed(lines[:item]):
        if _blank(line) or _indent(line) >= dash:
            continue
        return _indent(line) if line.rstrip().endswith(":") else None
    return None


def _shift(lines: list[str], slip: Slip, col: int) -> list[str]:
    delta = col - slip.dash_col
    out = list(lines)
    for n in range(slip.first_line, slip.last_line):
        out[n] = " " * delta + out[n] if delta >= 0 else out[n][-delta:]
    return out


def _parses(lines: list[str], path: str) -> bool:
    try:
        parse("".join(lines), path)
    except InputError:
        return False
    return True


def repair(text: str, path: str) -> tuple[str, list[Edit], list[tuple[int, str]]] | None:
    """(repaired text, edits, (line, message) per slip), or None when there is no single repair."""
    lines = _lines(text)
    slips = find_slips(lines)
    if not slips:
        return None
    fixed = lines
    for slip in slips:
        fixed = _shift(fixed, slip, slip.key_col)
    if not _parses(fixed, path):
        return None
    for slip in slips:                 # exactly one reading: no other column parses
        rest = lines
        for other in slips:
            if other is not slip:
                rest = _shift(rest, other, other.key_col)
        if any(_parses(_shift(rest, slip, c), path)
               for c in range(slip.owner_col + 1, slip.key_col + MAX_PROBE) if c != slip.key_col):
            return None
    edits, offsets, pos = [], [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    messages: list[tuple[int, str]] = []
    for slip in slips:
        pad = " " * (slip.key_col - slip.dash_col)
        edits += [Edit(path, offsets[n], offsets[n], pad)
                  for n in range(slip.first_line, slip.last_line)]
        messages.append((slip.first_line + 1, f"indented {slip.last_line - slip.first_line} "
                         f"line(s) by {len(pad)} to continue the list item above"))
    return "".join(fixed), edits, messages
