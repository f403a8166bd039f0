"""Check one big stack on two cores: each process takes half of the services.

Nearly all of the work (reading, interpolation, normalisation, merge, validation,
rules) is per service, and a parsed tree cannot be handed to another process for
less than it costs to parse.  So both processes read every file, each with the
other half's service entries blanked out: an entry becomes spaces and as many line
breaks as it had, so every offset, line and column of what is left stays as it
was.  Each process keeps the findings it owns (its services; the parent also
the top level) and the parent applies the suppressions over all of them, on
the original text.

A stack is split only when that cannot change the result:
- every enabled policy rule reads only its own service and the top level (its rule
  file's `reads`, docs/rules.md: no rule of `stack` scope, no Python check that does
  not declare `reads: own-service`);
- each file's `services:` is a block mapping whose entries start with a plain
  `name:` line at one indentation (anything else: no split);
- each half parses to exactly the service entries it was meant to keep, at the
  lines they stand on, and to the same top level as the other half.  A quoted
  scalar or flow collection running across an entry boundary fails this test
  in one of the halves, because its end is blanked.
Anything unexpected (a parse or load error, a failed child) falls back to the
ordinary one-process check, which then reports whatever is wrong.  With
STACKLINT_DEBUG set, every fallback says why in one line on stderr.
"""
from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable, Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple, TYPE_CHECKING, TypeVar, cast

from stacklint.load import document as _document
from stacklint.load.document import Document
from stacklint.errors import InputError
from stacklint.model import Finding
from stacklint.parallel import SPLIT_FROM, big  # noqa: F401  (said there, used here too)
from stacklint.tree import SMap

if TYPE_CHECKING:
    from stacklint.lint.config import Config
    from stacklint.lint.ruleset import Rule
    from stacklint.model import Stack

PARENT, CHILD = 0, 1
_T = TypeVar("_T")           # what one half's work gives back

# `services:` on a line of its own; the line start is tested after the match, since a
# pattern led by `^` is tried at every offset (a 2 MiB text: ~35 ms, against ~2 ms)
_SERVICES = re.compile(r"services[ \t]*:[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_TOP_LEVEL_LINE = re.compile(r"\n[^\s#]")           # ends the services block
_FIRST_CONTENT = re.compile(r"^( *)([^ \r\n#])", re.M)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAYBE_NOT_A_STRING = re.compile(r"[0-9+.-]|(?i:true|false|null)$")   # numbers, booleans, null
_NOT_A_KEY = "-[{?&*!|>'\"%@`"
_ENTRY = r" {%d}(?P<key>[^ \r\n#][^\r\n]*?)[ \t]*:[ \t]*(?:#[^\r\n]*)?\r?$"


class Entry(NamedTuple):      # the records here are no dataclasses: see model.py
    """One service entry of one file: its name, its lines and its character span.

    The span starts after the previous entry's last line of YAML, so comments just above
    a service (a suppression, say) go with it; comments after the last entry stay outside."""

    name: str
    line: int            # the `name:` line
    first: int           # the span's first line
    last: int            # the span's last line
    start: int
    end: int


def entries(text: str) -> list[Entry] | None:
    """The service entries of a plain block `services:` mapping, or None if it is not one."""
    found = [m for m in _SERVICES.finditer(text) if not m.start() or text[m.start() - 1] == "\n"]
    if len(found) != 1:
        return None
    start = found[0].end() + 1
    top = _TOP_LEVEL_LINE.search(text, start - 1)
    end = top.start() + 1 if top else len(text)
    first = _FIRST_CONTENT.search(text, start, end)
    if first is None or first.group(2) in _NOT_A_KEY or "\t" in text[start:end]:
        return None
    indent = len(first.group(1))
    keys: list[tuple[str, int]] = []
    names: set[str] = set()
    entry = re.compile(_ENTRY % indent)
    # each line starting left of or at the entries' indentation.  When every line of the
    # block has at least that many spaces (no blank or comment line), those at exactly it
    # are found by a pattern led by a literal string, which `re` scans for ~3x faster than
    # one tried at every line break (a 2 MiB text: ~4 ms, against ~13)
    at_least = text.count("\n" + " " * indent, start - 1, end) == text.count("\n", start - 1, end - 1)
    lines = r"\n( {%d})(?=[^ \r\n#])" if indent and at_least else r"\n( {0,%d})(?=[^ \r\n#])"
    for match in re.compile(lines % indent).finditer(text, start - 1, end):
        if len(match.group(1)) < indent:
            return None                           # a line left of the entries: not plain
        at = match.start() + 1
        key = entry.match(text, at, _eol(text, at, end))
        name = key.group("key") if key else None
        if name is None or not _NAME.fullmatch(name) or name in names or (
                _MAYBE_NOT_A_STRING.match(name)
                and not isinstance(_document.resolve_plain(name), str)):
            return None
        names.add(name)
        keys.append((name, at))
    if not keys:
        return None
    # span i: from after the last line of YAML before key i to that point before key i+1
    bounds = [start] + [_after_content(text, at, floor) for (_, at), (_, floor)
                        in zip(keys[1:], keys)] + [_after_content(text, end, keys[-1][1])]
    # `line` is the line of offset `counted`: each stretch of the text is counted once
    out, line, counted = [], text.count("\n", 0, start) + 1, start
    for (name, at), span_start, span_end in zip(keys, bounds, bounds[1:]):
        first_line = line + text.count("\n", counted, span_start)
        key_line = first_line + text.count("\n", span_start, at)
        line, counted = key_line + text.count("\n", at, span_end - 1), span_end - 1
        out.append(Entry(name, key_line, first_line, line, span_start, span_end))
    return out


def _after_content(text: str, pos: int, floor: int) -> int:
    """Where the line after the last line of YAML before `pos` (a line start) begins:
    blank and comment-only lines just before `pos` are skipped, not past `floor`."""
    while pos > floor:
        line_start = text.rfind("\n", 0, pos - 1) + 1
        if line_start <= floor:
            break
        stripped = text[line_start:pos].strip()
        if stripped and not stripped.startswith("#"):
            break
        pos = line_start
    return pos


def _eol(text: str, at: int, end: int) -> int:
    found = text.find("\n", at, end)
    return end if found == -1 else found


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each span (whole lines) emptied: its line breaks kept, the rest of its
    length as spaces in front, so every offset, line and column after it is unchanged."""
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        breaks = text.count("\n", start, end)
        parts += (text[pos:start], " " * (end - start - breaks), "\n" * breaks)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


class Plan:
    """Which side owns each service, and each file's entries."""

    __slots__ = ("owner", "entries", "first_lines")

    def __init__(self, owner: dict[str, int], entries: list[list[Entry]]) -> None:
        self.owner = owner
        self.entries = entries
        self.first_lines = [[e.first for e in items] for items in entries]

    def kept(self, index: int, side: int) -> list[Entry]:
        """The entries of file `index` that `side` reads.

        A file none of whose services `side` owns keeps its first entry, so that its
        `services:` is still a mapping; the findings of that entry are the owner's."""
        mine = [e for e in self.entries[index] if self.owner[e.name] == side]
        return mine or self.entries[index][:1]

    def half(self, text: str, index: int, side: int) -> str:
        kept = {e.name for e in self.kept(index, side)}
        return blank(text, ((e.start, e.end) for e in self.entries[index] if e.name not in kept))

    def entry_at(self, index: int, line: int) -> Entry | None:
        """The entry of file `index` that holds `line`; None on the top level."""
        items = self.entries[index]
        at = bisect.bisect_right(self.first_lines[index], line) - 1
        return items[at] if at >= 0 and line <= items[at].last else None

    def owner_at(self, index: int, line: int) -> int:
        """The side owning the entry of file `index` on `line` (the parent: the top level)."""
        entry = self.entry_at(index, line)
        return PARENT if entry is None else self.owner[entry.name]


def plan(texts: Sequence[str]) -> Plan | None:
    """Halves of about equal size, or None when the stack cannot be split safely."""
    per_file = [entries(text) for text in texts]
    if any(items is None for items in per_file):
        return None
    weight: dict[str, int] = {}
    for items in per_file:
        for e in items:                                   # type: ignore[union-attr]
            weight[e.name] = weight.get(e.name, 0) + e.end - e.start
    total, running, owner = sum(weight.values()), 0, {}
    for name, size in weight.items():       # the parent: entries whose middle is in the first half
        owner[name] = PARENT if running + size / 2 < total / 2 else CHILD
        running += size
    if CHILD not in owner.values():
        return None
    return Plan(owner, per_file)                          # type: ignore[arg-type]


class _NotSplittable(Exception):
    """A half did not read as planned."""


class Half(NamedTuple):
    """What one side found, for the services (and, on the parent, the top level) it owns."""

    top: list[list[tuple[Any, ...]]]                  # each file's top-level keys and origins
    validation: list[Finding]
    policy: list[Finding]
    extensions: dict[str | None, Any]   # service (None: the top level) -> its node with `x-stacklint`


def cross_service_rule(config: Config) -> Rule | None:
    """The first enabled policy rule that may read other services than its own, if any."""
    return next((rule for rule in config.ruleset()
                 if rule.kind == "policy" and config.is_enabled(rule) and rule.reads != "own-service"),
                None)


def _reads_why(rule: Rule) -> str:
    if rule.scope != "service":
        return f"rule {rule.id} {rule.name} has scope {rule.scope}"
    said = "declares `reads: whole-stack`" if rule.reads_declared else \
        "is a Python check that does not declare `reads: own-service`"
    return f"rule {rule.id} {rule.name} {said}"


def check(files: Sequence[str], config: Config, env_files: Sequence[str]) -> list[Finding] | None:
    """The findings of one stack, checked in two processes; None when that is not safe
    (then the caller checks it in one)."""
    if not can_fork():
        return fallback("check", "no second core (or no fork)")
    crossing = cross_service_rule(config)
    if crossing is not None:
        return fallback("check", f"{_reads_why(crossing)}: it may read other services")
    try:
        docs = [decoded(path) for path in files]
    except (OSError, InputError) as exc:
        return fallback("check", f"a file cannot be read ({exc})")
    layout = plan([text for _, text, _ in docs])
    if layout is None:
        return fallback("check", unplanned([text for _, text, _ in docs], [p for p, _, _ in docs]))
    halves = in_two(lambda side: _half(side, layout, docs, config, env_files))
    if halves is None:
        return fallback("check", "a half could not be checked as planned (see above)")
    if halves[0].top != halves[1].top:
        return fallback("check", "the halves read different top levels")
    return _combine(*halves, docs, config)


def fallback(command: str, reason: str) -> None:
    """No split: under STACKLINT_DEBUG, say why in one line on stderr."""
    if os.environ.get("STACKLINT_DEBUG"):
        import sys
        print(f"stacklint: {command} in one process: {reason}", file=sys.stderr)


def unplanned(texts: Sequence[str], paths: Sequence[str]) -> str:
    """Why `plan` gave no halves."""
    for text, path in zip(texts, paths):
        if entries(text) is None:
            return (f"{path}: `services:` is not a block mapping of plain `name:` entries at one "
                    "indentation")
    return "every service would fall in one half"


def can_fork() -> bool:
    return hasattr(os, "fork") and _cores() >= 2


def in_two(work: Callable[[int], _T]) -> tuple[_T, _T] | None:
    """(work(PARENT), work(CHILD)), the second run in a forked process and pickled back;
    None when either failed (the caller then does the whole job in one process)."""
    import pickle
    read, write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            _die_with(parent)
            try:
                payload: _T | None = work(CHILD)
            except BaseException as exc:                  # noqa: BLE001 - the parent falls back
                _failed(CHILD, exc)
                payload = None
            with os.fdopen(write, "wb") as out:
                pickle.dump(payload, out, pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)                                   # no atexit, no flushing the parent's buffers
    os.close(write)
    mine: _T | None
    try:
        mine = work(PARENT)
    except Exception as exc:                              # noqa: BLE001 - the one-process run says it
        _failed(PARENT, exc)
        mine = None
    except BaseException:                                 # interrupted: the child goes too
        _end(pid)
        os.close(read)
        raise
    with os.fdopen(read, "rb") as inp:
        data = inp.read()
    os.waitpid(pid, 0)
    try:
        theirs = pickle.loads(data) if data else None
    except Exception:                                     # noqa: BLE001 - a child that died half-way
        theirs = None
    return None if mine is None or theirs is None else (mine, theirs)


def _failed(side: int, exc: BaseException) -> None:
    if os.environ.get("STACKLINT_DEBUG"):
        import sys
        half = "second" if side == CHILD else "first"
        print(f"stacklint: the {half} half failed: {type(exc).__name__}: {exc}".splitlines()[0],
              file=sys.stderr, flush=True)


def _die_with(parent: int) -> None:
    """In the child: be killed when the parent dies (Linux prctl PR_SET_PDEATHSIG), so a
    killed `check` or `fix` leaves no process behind; gone at once if it is already dead."""
    import signal
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)       # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):                     # not Linux: the pipe check below
        pass
    if os.getppid() != parent:
        os._exit(0)


def _end(pid: int) -> None:
    import signal
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                                # not on Linux
        return os.cpu_count() or 1


def decoded(path: str) -> tuple[str, str, str]:
    with open(path, "rb") as handle:
        raw = handle.read()
    text, encoding = _document.decode(raw, path)
    return path, text, encoding


def read_half(layout: Plan, index: int, side: int, path: str, text: str,
              encoding: str) -> Document:
    """File `index` as `side` reads it, parsed; it must hold just the entries it keeps,
    each on its own line (else something ran across an entry boundary)."""
    doc = _document.parse(layout.half(text, index, side), path, encoding)
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    kept = layout.kept(index, side)
    if not isinstance(services, SMap) or list(services) != [e.name for e in kept] \
            or any(services.key_origins[e.name].line != e.line for e in kept):
        raise _NotSplittable(path)
    return doc


def owner_of(finding: Finding, layout: Plan, paths: dict[str, int]) -> int:
    """The side that reports `finding`: its service's owner, else the owner of its line."""
    pointer = finding.location.pointer
    if len(pointer) >= 2 and pointer[0] == "services" and pointer[1] in layout.owner:
        return layout.owner[pointer[1]]
    index = paths.get(finding.location.path)
    return PARENT if index is None else layout.owner_at(index, finding.location.line)


def _half(side: int, layout: Plan, docs: Sequence[tuple[str, str, str]], config: Config,
          env_files: Sequence[str]) -> Half:
    from stacklint.lint.pipeline import raw_findings
    from stacklint.load.stack import load_stack
    halves = [read_half(layout, index, side, path, text, encoding)
              for index, (path, text, encoding) in enumerate(docs)]
    top = [[(key, tuple(doc.data.key_origins[key])) for key in doc.data] for doc in halves]
    stack = load_stack(halves, env_files=list(env_files))
    validation, policy = raw_findings(stack, config)
    paths = {path: index for index, (path, _, _) in enumerate(docs)}

    def owned(finding: Finding) -> bool:
        return owner_of(finding, layout, paths) == side

    services = stack.model.get("services")
    extensions = {name: node for name, node in (services or {}).items()
                  if layout.owner.get(name) == side and isinstance(node, dict)
                  and "x-stacklint" in node}
    if side == PARENT and "x-stacklint" in stack.model:
        extensions[None] = stack.model
    from stacklint.redact import mask_findings   # the parent has no secrets to mask with
    return Half(top, mask_findings([f for f in validation if owned(f)], stack.secrets),
                mask_findings([f for f in policy if owned(f)], stack.secrets), extensions)


def _combine(mine: Half, theirs: Half, docs: Sequence[tuple[str, str, str]],
             config: Config) -> list[Finding]:
    """Both halves' findings, suppressed over the original text as one stack would be."""
    from stacklint.lint.pipeline import finish
    validation = sorted(mine.validation + theirs.validation, key=Finding.sort_key)
    policy = sorted(mine.policy + theirs.policy, key=Finding.sort_key)
    # what suppression reads: the original text, and each `x-stacklint` with its origins
    model, services = SMap(), SMap()
    for name, node in {**mine.extensions, **theirs.extensions}.items():
        entry = model if name is None else SMap(origin=node.origin)
        entry.copy_entry(node, "x-stacklint")
        if name is not None:
            services.put(name, entry)
    model.put("services", services)
    view = SimpleNamespace(model=model, layers=[
        SimpleNamespace(data=None, document=SimpleNamespace(path=path, text=text))
        for path, text, _ in docs])
    # a view with just what suppression reads of a Stack (the merged model, the files' text)
    return finish(cast("Stack", view), validation + policy, config)
