"""Show a rollout: a live table on a terminal, plain lines otherwise, then a summary."""
from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TextIO

from stacklint.rollout import EXIT_CODES, Progress, exit_code

_CLEAR_LINE = "\x1b[2K"
MOVING = ("updating", "rollback_started")


def _row(p: Progress, width: int) -> str:
    result = p.outcome or p.state
    text = f"{p.name:<{width}}  {result:<18}  {p.running}/{p.desired} running"
    if p.image and p.outcome is None and p.state in MOVING:
        text += f", {p.current} on {p.image}"       # how far the rolling update got
    elif p.image:
        text += f"  {p.image}"
    return f"{text}  {p.message}" if p.message else text


class PlainView:
    """One line per service whenever its state, task count or outcome changes (logs, CI)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.seen: dict[str, tuple[object, ...]] = {}

    def update(self, progress: list[Progress], elapsed: float) -> None:
        width = max((len(p.name) for p in progress), default=0)
        for p in progress:
            key = (p.state, p.running, p.desired, p.outcome, p.image, p.current)
            if self.seen.get(p.name) != key:
                self.seen[p.name] = key
                print(f"[{elapsed:5.1f}s] {_row(p, width)}", file=self.out, flush=True)


class LiveView:
    """A table redrawn in place on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines = 0

    def update(self, progress: list[Progress], elapsed: float) -> None:
        width = max((len(p.name) for p in progress), default=0)
        rows = [f"rollout {elapsed:5.1f}s"] + [f"  {_row(p, width)}" for p in progress]
        # a wrapped row would take two lines and break the cursor arithmetic
        columns = shutil.get_terminal_size().columns - 1
        rows = [row[:columns] for row in rows]
        up = f"\x1b[{self.lines}F" if self.lines else ""     # back to the table's first line
        body = "".join(f"{_CLEAR_LINE}{row}\n" for row in rows)
        self.out.write(up + body)
        self.out.flush()
        self.lines = len(rows)


def view_for(out: TextIO) -> PlainView | LiveView:
    """A live table on a terminal, plain lines otherwise."""
    isatty = getattr(out, "isatty", None)
    return LiveView(out) if isatty and isatty() else PlainView(out)


def summary(stack: str, progress: Sequence[Progress]) -> str:
    """The per-service summary and the overall result with its exit code."""
    width = max((len(p.name) for p in progress), default=0)
    lines = [f"rollout of stack {stack}:"] + [f"  {_row(p, width)}" for p in progress]
    code = exit_code(progress)
    if code == 0:
        lines.append("result: every service completed (exit 0)")
    else:
        bad = [p for p in progress if EXIT_CODES.get(p.outcome or "") == code]
        outcomes = " / ".join(sorted({p.outcome or "" for p in bad}))
        lines.append(f"result: {outcomes}: {', '.join(p.name for p in bad)} (exit {code})")
    return "\n".join(lines)
