"""Show a rollout: a live table on a terminal, plain lines otherwise, then a summary."""
from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TextIO

from stacklint.deploy.rollout import EXIT_CODES, Progress, exit_code

_CLEAR_LINE = "\x1b[2K"
MOVING = ("updating", "rollback_started")


def _counts(p: Progress) -> str:
    if p.desired == 0 and p.mode == "global":
        return f"{p.running} running"   # no task yet: `0/0` would read as "nothing wanted"
    return f"{p.running}/{p.desired} running"


def _runs(p: Progress) -> str:
    """The image the running tasks run; the spec's image only when it is theirs too."""
    if p.outcome is None and p.state in MOVING:
        return f", {p.current} on {p.image}"     # how far the rolling update got
    if not p.stray:
        return f"  {p.image}" if p.image else ""
    images = ", ".join(f"{n} on {image}" for image, n in p.images)
    return f"  {images} (spec: {p.image})"


def _row(p: Progress, width: int, columns: int | None = None) -> str:
    """One service's row; within `columns` the message, then the name, give way, never
    the counts or the image."""
    result = p.outcome or p.state
    name = p.name
    fixed = f"  {result:<18}  {_counts(p)}{_runs(p)}"
    if columns is not None and width + len(fixed) > columns:
        fixed = f"  {result}  {_counts(p)}{_runs(p)}"
        width = min(width, max(columns - len(fixed), 4))
        if len(name) > width:
            name = name[:width - 3] + "..."
    text = f"{name:<{width}}{fixed}"
    if not p.message:
        return text
    message = f"  {p.message}"
    if columns is not None and len(text) + len(message) > columns:
        room = columns - len(text)
        message = message[:room - 3] + "..." if room > 5 else ""
    return text + message


class PlainView:
    """One line per service whenever its state, task count or outcome changes (logs, CI)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.seen: dict[str, tuple[object, ...]] = {}
        self.last: list[Progress] = []

    def update(self, progress: list[Progress], elapsed: float) -> None:
        self.last = progress
        width = max((len(p.name) for p in progress), default=0)
        for p in progress:
            key = (p.state, p.running, p.desired, p.outcome, p.image, p.current, p.images)
            if self.seen.get(p.name) != key:
                self.seen[p.name] = key
                print(f"[{elapsed:5.1f}s] {_row(p, width)}", file=self.out, flush=True)


class LiveView:
    """A table redrawn in place on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines = 0
        self.last: list[Progress] = []

    def update(self, progress: list[Progress], elapsed: float) -> None:
        self.last = progress
        width = max((len(p.name) for p in progress), default=0)
        # a wrapped row would take two lines and break the cursor arithmetic
        columns = shutil.get_terminal_size().columns - 1
        rows = [f"rollout {elapsed:5.1f}s"] + [f"  {_row(p, width, columns - 2)}"
                                                for p in progress]
        rows = [row[:columns] for row in rows]   # only a terminal too narrow for the image
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
        lines += next_steps(progress)
    return "\n".join(lines)


def next_steps(progress: Sequence[Progress]) -> list[str]:
    """What a person does about a service Swarm left paused (it waits for them)."""
    lines = []
    for p in progress:
        if p.outcome == "paused":
            lines.append(f"next for {p.name}: `docker service update --rollback {p.name}` goes "
                         "back to the spec before this deploy; or fix the release and deploy "
                         "again with --force")
        elif p.outcome == "stuck":
            lines.append(f"next for {p.name}: deploy a release that works (the tasks that run "
                         "still serve), with --force; `docker service ps --no-trunc "
                         f"{p.name}` shows the failing tasks")
        elif p.outcome == "rollback paused":   # --rollback now would return to the new spec
            lines.append(f"next for {p.name}: the previous version fails too: "
                         f"`docker service ps --no-trunc {p.name}` shows why; fix it and deploy "
                         "again with --force")
    return lines


def interrupted(stack: str, progress: Sequence[Progress], signal_name: str) -> str:
    """Where the rollout stood when stacklint stopped following it."""
    lines = [f"stopped following ({signal_name}); the rollout goes on in the swarm without "
             "stacklint:"]
    width = max((len(p.name) for p in progress), default=0)
    lines += [f"  {_row(p, width)}" for p in progress]
    lines.append(f"`docker stack ps {stack}` shows it; `docker service inspect --format "
                 "'{{json .UpdateStatus}}' SERVICE` says how an update ended")
    return "\n".join(lines)
