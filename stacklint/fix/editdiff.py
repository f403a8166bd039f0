"""`fix --diff` from the fixer's own edits: the unified diff in time linear in the edits.

`difflib` compares every line of both texts (minutes on an 80 000-line file).  The fixer
knows what it changed: lines outside its edits are equal, and each edit's lines (edits on
touching lines together) are one changed block.  Inside a block, which is small, difflib
aligns the lines as it would have; hunks are grouped and printed as
`difflib.unified_diff` does (3 lines of context, the same headers).  When the edits do not
give the fixed text from the original (several passes, a repair before parsing) or a text
has line breaks other than `\\n` and `\\r\\n` (which `splitlines` splits on too), the diff
is difflib's over the whole text.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence

from stacklint.fix.textedit import EditConflict, apply_edits
from stacklint.model import Edit

# what `str.splitlines` splits on besides `\n` (and `\r\n`, one break with it)
_OTHER_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
Opcode = tuple[str, int, int, int, int]


NO_NEWLINE = "\\ No newline at end of file\n"


def unified(before: str, after: str, edits: Sequence[Edit], path: str) -> Iterator[str]:
    """The lines of `diff -u` from `before` to `after` (which `edits` make of it).

    A last line without a line break is followed by GNU diff's `\\ No newline at end of
    file` (difflib leaves it out, and `patch` then cannot apply the diff)."""
    for line in _lines(before, after, edits, path):
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield NO_NEWLINE


def _lines(before: str, after: str, edits: Sequence[Edit], path: str) -> Iterator[str]:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    codes = opcodes(before, after, edits, a, b)
    if codes is None:
        yield from difflib.unified_diff(a, b, path, path)
        return
    matcher = _Given(codes)
    for at, group in enumerate(matcher.get_grouped_opcodes(3)):
        if at == 0:
            yield f"--- {path}\n"
            yield f"+++ {path}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            yield from ("-" + line for line in a[i1:i2])
            yield from ("+" + line for line in b[j1:j2])


class _Given(difflib.SequenceMatcher):      # type: ignore[type-arg]
    """difflib's hunk grouping over opcodes found without comparing the texts."""

    def __init__(self, codes: list[Opcode]) -> None:
        super().__init__(None, [], [])
        self._codes = codes

    def get_opcodes(self) -> list[Opcode]:   # type: ignore[override]
        return list(self._codes)


def _range(start: int, stop: int) -> str:
    """difflib's `_format_range_unified`: 'start,length', 1-based; an empty range names the
    line before it."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def opcodes(before: str, after: str, edits: Sequence[Edit], a: list[str],
            b: list[str]) -> list[Opcode] | None:
    """difflib-style opcodes of the line lists `a` and `b`, from the edits; None when the
    edits do not make `after` of `before` or the lines are not split at `\\n` alone."""
    if _OTHER_BREAKS.search(before) or _OTHER_BREAKS.search(after):
        return None
    edits = sorted(set(edits), key=lambda e: (e.start, e.end, e.content))
    try:
        if apply_edits(before, edits) != after:
            return None
    except EditConflict:
        return None
    codes: list[Opcode] = []
    i = j = 0                       # lines of a and b before the next block
    line_a, line_b = _Lines(before), _Lines(after)
    for lo, hi, shift_lo, shift_hi in _blocks(before, after, edits):
        i1, j1 = line_a.at(lo), line_b.at(lo + shift_lo)
        i2, j2 = line_a.at(hi), line_b.at(hi + shift_hi)
        if i1 > i:
            codes.append(("equal", i, i1, j, j + i1 - i))
        codes += [(tag, i1 + p, i1 + q, j1 + r, j1 + s) for tag, p, q, r, s in
                  difflib.SequenceMatcher(None, a[i1:i2], b[j1:j2], False).get_opcodes()]
        i, j = i2, j2
    if i < len(a):
        codes.append(("equal", i, len(a), j, len(b)))
    return _joined(codes)


def _joined(codes: list[Opcode]) -> list[Opcode]:
    """Equal runs in a row as one (a block's last lines may be equal to the next run):
    difflib's grouping counts context in one run."""
    out: list[Opcode] = []
    for code in codes:
        if code[1] == code[2] and code[3] == code[4]:
            continue
        if out and code[0] == "equal" == out[-1][0]:
            out[-1] = ("equal", out[-1][1], code[2], out[-1][3], code[4])
        else:
            out.append(code)
    return out


class _Lines:
    """The line index of offsets given in increasing order, counted once over the text."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 0

    def at(self, pos: int) -> int:
        """The index of the line starting at `pos` (or of the end: the number of lines)."""
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        partial = pos == len(self.text) and self.text and self.text[-1] != "\n"
        return self.line + bool(partial)


def _blocks(before: str, after: str, edits: list[Edit]) -> Iterator[tuple[int, int, int, int]]:
    """Each changed block of whole lines: its span (lo, hi) in `before`, and how far `after`
    stands from `before` at its start and its end."""
    shift = 0                       # after - before, up to the current edit
    at = 0
    while at < len(edits):
        lo = before.rfind("\n", 0, edits[at].start) + 1
        start_shift = shift
        hi = edits[at].start
        while True:
            # the edits on the block's lines and on the line just after (difflib makes
            # changed lines in a row one block)
            while at < len(edits) and (edits[at].start <= hi
                                       or before.rfind("\n", hi, edits[at].start) < 0):
                edit = edits[at]
                hi = max(hi, _line_end(before, max(edit.end - 1, edit.start)
                                       if edit.end > edit.start else edit.start))
                shift += len(edit.content) - (edit.end - edit.start)
                at += 1
            # both sides must end on a line end: an edit whose text has no final line break
            # joins the next line to it
            if hi >= len(before) or hi > lo and before[hi - 1] == "\n" and \
                    (hi + shift == len(after) or after[hi + shift - 1] == "\n"):
                break
            hi = _line_end(before, hi)
        yield lo, hi, start_shift, shift


def _line_end(text: str, pos: int) -> int:
    found = text.find("\n", pos)
    return len(text) if found < 0 else found + 1
