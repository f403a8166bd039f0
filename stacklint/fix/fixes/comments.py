"""Comments on the lines a fix rewrites, moves or deletes go with what they annotate.

An edit replaces text; a `# comment` in the replaced text that the new text does not
carry is put back: at the end of the new line with the same key (`cpus: "0.5"  # half a
core` moved into `deploy`), or the same item (`db:  # the database` -> `- db  # the
database`), else, when whole lines are deleted, as a comment line of its own where they were.
"""
from __future__ import annotations

import re

from stacklint.model import Edit

_KEY = re.compile(r"^\s*(?:-\s+)?(?:path:\s*)?([^\s:#'\"][^:#]*?|'[^']*'|\"[^\"]*\")\s*(?::(?:\s|$)|$)")


def comment_of(line: str) -> tuple[int, str] | None:
    """(offset, text) of a line's comment: a `#` after a space or at the start, outside quotes."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
            continue
        if char in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, line[i:].rstrip("\r")
    return None


def _name(line: str) -> str | None:
    """The key of a `key: value` line, or the item of a `- item` line."""
    match = _KEY.match(line)
    return match.group(1).strip("'\"") if match else None


def keep(text: str, edits: tuple[Edit, ...], newline: str = "\n") -> tuple[Edit, ...]:
    """`edits` (one fix's), with the comments of the text they replace kept in their new text:
    a comment of a deleted line may go to the line another edit of the fix writes."""
    lost = []
    for index, edit in enumerate(edits):
        start = text.rfind("\n", 0, edit.start) + 1      # whole lines of the replaced text
        replaced = text[start:edit.end]
        if "#" not in replaced:          # the usual case: no comment to look for, line by line
            continue
        for line in replaced.split("\n"):
            found = comment_of(line)
            if found and not any(found[1] in e.content for e in edits):
                lost.append((index, _name(line[:found[0]]), found[1],
                             len(line) - len(line.lstrip())))
    if not lost:
        return edits
    contents = [e.content.split("\n") for e in edits]
    loose: dict[int, list[str]] = {}
    for index, name, comment, indent in lost:
        if not _attach(contents, name, comment):
            loose.setdefault(index, []).append(" " * indent + comment)
    out = []
    for index, edit in enumerate(edits):
        content = "\n".join(contents[index])
        extra = loose.get(index)
        at_line_start = edit.start == 0 or text[edit.start - 1] == "\n"
        if extra and at_line_start and (not content or content.endswith("\n")):
            first = content.split("\n", 1)[0]
            if first.strip():          # above the new lines, at their indentation
                pad = " " * (len(first) - len(first.lstrip()))
                extra = [pad + c.lstrip() for c in extra]
            content = "".join(c + newline for c in extra) + content
        out.append(edit if content == edit.content else edit._replace(content=content))
    return tuple(out)


# keys a fix writes under another name (service_resources.py)
_RENAMED = {"mem_limit": "memory", "mem_reservation": "memory"}


def _attach(contents: list[list[str]], name: str | None, comment: str) -> bool:
    """Put `comment` at the end of the first new line with key or item `name`."""
    if not name:
        return False
    name = _RENAMED.get(name, name)
    for lines in contents:
        for i, line in enumerate(lines):
            body = line.rstrip("\r")
            if body.strip() and comment_of(body) is None and _name(body) == name:
                lines[i] = body + "  " + comment + line[len(body):]
                return True
    return False
