"""`fix --diff` from the fixer's edits: what difflib prints where it is unambiguous, and a
diff that `patch` (or the applier here) turns into exactly the fixed file."""
from __future__ import annotations

import difflib
import importlib.util
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from stacklint.errors import InputError
from stacklint.fix import fixer
from stacklint.fix.editdiff import NO_NEWLINE, opcodes, unified
from stacklint.model import Edit

CASES = sorted([*FIXTURES.glob("fix/*/*.yml"), *FIXTURES.glob("compose-output/*/*.yml")])


def _fixed(path: Path):  # type: ignore[no-untyped-def]
    try:
        doc = fixer.read_for_fix(str(path))[0]
    except InputError:
        return None
    return fixer.fix_chain([doc])[0]


def _edits(result) -> list[Edit]:  # type: ignore[no-untyped-def]
    return [e for f in result.applied if f.fix is not None for e in f.fix.edits]


def apply_unified(before: str, diff: str) -> str:
    """A tiny `patch`: apply the hunks of a unified diff at the lines they name."""
    a, out, at = before.splitlines(keepends=True), [], 0
    lines = diff.splitlines(keepends=True)[2:]
    k = 0
    while k < len(lines):
        head = lines[k]
        assert head.startswith("@@ -"), head
        start = int(head[4:].split(",")[0].split(" ")[0])
        length = head[4:].split(" ")[0]
        start = start if length.endswith(",0") else start - 1   # an empty range names the line before
        out += a[at:start]
        at = start
        k += 1
        while k < len(lines) and not lines[k].startswith("@@"):
            tag, line = lines[k][0], lines[k][1:]
            if k + 1 < len(lines) and lines[k + 1] == NO_NEWLINE:
                line = line[:-1]                # that line has no break: the marker says so
            if tag in " -":
                assert a[at] == line, (at, a[at], line)
                at += 1
            if tag in " +":
                out.append(line)
            k += 2 if k + 1 < len(lines) and lines[k + 1] == NO_NEWLINE else 1
    return "".join(out + a[at:])


def gnu(diff_lines: list[str]) -> str:
    """difflib's diff with GNU diff's marker after a last line without a break."""
    return "".join(line if line.endswith("\n") else line + "\n" + NO_NEWLINE
                   for line in diff_lines)


def _applies(before: str, after: str, diff: str, tmp_path: Path) -> None:
    assert apply_unified(before, diff) == after
    if shutil.which("patch"):
        target = tmp_path / "f.yml"
        target.write_bytes(before.encode("utf-8"))
        done = subprocess.run(["patch", "-s", str(target)], input=diff.encode("utf-8"),
                              capture_output=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert target.read_bytes().decode("utf-8") == after


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_same_as_difflib_on_the_fixtures(case: Path, tmp_path: Path) -> None:
    result = _fixed(case)
    if result is None or not result.changed:
        pytest.skip(f"{case.name}: nothing to fix, or it does not parse")
    a, b = result.original_text.splitlines(True), result.text.splitlines(True)
    got = "".join(unified(result.original_text, result.text, _edits(result), str(case)))
    assert got == gnu(list(difflib.unified_diff(a, b, str(case), str(case))))
    _applies(result.original_text, result.text, got, tmp_path)


def test_the_edits_give_the_opcodes_on_most_fixtures() -> None:
    used = 0
    for case in CASES:
        result = _fixed(case)
        if result is not None and result.changed:
            a, b = result.original_text.splitlines(True), result.text.splitlines(True)
            used += opcodes(result.original_text, result.text, _edits(result), a, b) is not None
    assert used >= 10


def test_random_edits_apply_exactly(tmp_path: Path) -> None:
    rng = random.Random(7)
    tried = no_break = 0
    words = ["a: 1\n", "b: two\n", "  - x\n", "\n", "# note\n", "c: 'q'\n"]
    for _ in range(300):
        before = "".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        cuts = sorted(rng.sample(range(len(before) + 1), min(len(before) + 1, rng.randint(1, 8))))
        edits, pos = [], -1
        for x, y in zip(cuts[::2], cuts[1::2] + [cuts[-1]]):
            if x > pos:
                edits.append(Edit("f", x, y, rng.choice(["", "z", "new: 1\n", "\n", "k\nl"])))
                pos = y
        from stacklint.fix.textedit import apply_edits
        after = apply_edits(before, edits)
        if before == after:
            continue
        tried += 1
        no_break += not after.endswith("\n") or not before.endswith("\n")
        diff = "".join(unified(before, after, edits, "f.yml"))
        assert opcodes(before, after, edits, before.splitlines(True), after.splitlines(True))
        assert apply_unified(before, diff) == after, (before, after, edits, diff)
        if tried % 10 == 0:                     # the real `patch` on some of them
            _applies(before, after, diff, tmp_path)
    assert tried > 100 and no_break > 10


def test_big_generated_file_applies(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", generate)
    spec.loader.exec_module(generate)
    path = generate.write_merged(tmp_path, 60)
    result = _fixed(path)
    assert result is not None and result.changed
    diff = "".join(unified(result.original_text, result.text, _edits(result), str(path)))
    assert opcodes(result.original_text, result.text, _edits(result),
                   result.original_text.splitlines(True), result.text.splitlines(True))
    _applies(result.original_text, result.text, diff, tmp_path)


@pytest.mark.parametrize("before, after", [
    ("a: 1\nb: 2", "a: 1\nb: 3"),            # the last line changes, no break on either side
    ("a: 1\nb: 2", "a: 1\nb: 2\n"),          # the fix adds the break
    ("a: 1\nb: 2\n", "a: 1\nb: 2"),          # the fix takes it away
    ("a: 1\r\nb: 2", "a: 1\r\nb: 3"),        # CRLF
])
def test_a_last_line_without_a_break_is_marked_and_patch_applies(before: str, after: str,
                                                                 tmp_path: Path) -> None:
    edits = [Edit("f.yml", 0, len(before), after)]
    diff = "".join(unified(before, after, edits, "f.yml"))
    assert diff.count(NO_NEWLINE) == (not before.endswith("\n")) + (not after.endswith("\n"))
    _applies(before, after, diff, tmp_path)
