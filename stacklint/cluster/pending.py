"""Why tasks stay `pending`: the scheduler's reason per service, in plain words.

When no node passes swarmkit's filters, the task stays `pending` (Status.Message
"pending task scheduling") with the reason in Status.Err: "no suitable node (scheduling
constraints not satisfied on 5 nodes)".  Nothing changes until the cluster does (a label,
a node made active, capacity freed), so a rollout follower that sees the same reason for a
few seconds can stop waiting and say why, instead of running into its timeout.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from stacklint import dockercli

EXIT_PENDING = 7
OUTCOME = "unschedulable"  # the follower's outcome for such a service (exit 7)
GRACE_SECONDS = 5.0         # a scheduler reason that lasts this long is not a passing state
NO_NODE = "no suitable node"
# swarmkit's filter explanations -> what they mean for the user
_PLAIN = (
    (re.compile(r"(\d+) nodes? not available for new tasks"),
     "{0} node(s) are drained, paused or down"),
    (re.compile(r"insufficient resources on (\d+) nodes?"),
     "{0} node(s) lack the CPU or memory the service reserves (deploy.resources.reservations)"),
    (re.compile(r"scheduling constraints not satisfied on (\d+) nodes?"),
     "{0} node(s) do not match its placement constraints (node labels, role, hostname)"),
    (re.compile(r"unsupported platform on (\d+) nodes?"),
     "{0} node(s) have another OS or architecture than the image"),
    (re.compile(r"host-mode port already in use on (\d+) nodes?"),
     "{0} node(s) already have a task bound to its host-mode port"),
    (re.compile(r"max replicas per node limit exceed"),
     "the other nodes already run max_replicas_per_node tasks of it"),
)


@dataclass(frozen=True)
class Pending:
    service: str
    tasks: int
    error: str                # Docker's words (Status.Err)

    @property
    def plain(self) -> str:
        return plain_words(self.error)

    def describe(self) -> str:
        return (f"{self.tasks} task(s) pending, no node can take them: {self.plain} "
                f"(Docker: {self.error}); `stacklint preflight` names the line to change")


def plain_words(error: str) -> str:
    """swarmkit's "no suitable node (a; b)" as plain words; other errors as they are."""
    inner = re.fullmatch(rf"{NO_NODE} \((.*)\)", error.strip())
    if not inner:
        return error
    parts = []
    for piece in inner.group(1).split(";"):
        piece = piece.strip()
        for pattern, words in _PLAIN:
            found = pattern.search(piece)
            if found:
                parts.append(words.format(*found.groups()))
                break
        else:
            parts.append(piece)
    return "; ".join(parts)


def pending_tasks(rows: Sequence[dict[str, Any]]) -> tuple[int, str]:
    """(pending tasks the scheduler rejected, its reason) among `docker service ps` rows."""
    stuck = [r for r in rows if r.get("DesiredState") == "Running"
             and str(r.get("CurrentState", "")).startswith("Pending")
             and NO_NODE in str(r.get("Error", ""))]
    return len(stuck), (str(stuck[0]["Error"]).strip('"') if stuck else "")


def query(docker: str, services: Sequence[str]) -> dict[str, Pending]:
    """The services among these that have tasks the scheduler cannot place, by name."""
    if not services:
        return {}
    proc = dockercli.run(docker, ["service", "ps", "--no-trunc", "--filter",
                               "desired-state=running", "--format", "{{json .}}", *services])
    import json
    rows: dict[str, list[dict[str, Any]]] = {}
    for line in proc.stdout.splitlines():      # a service not created yet: no rows for it
        if line.strip().startswith("{"):
            row = json.loads(line)
            rows.setdefault(row["Name"].lstrip("\\_ ").rsplit(".", 1)[0], []).append(row)
    out = {}
    for name, found in rows.items():
        count, error = pending_tasks(found)
        if count:
            out[name] = Pending(name, count, error)
    return out


class PendingWatch:
    """For a rollout follower: end a service's wait once its tasks stay unplaceable."""

    def __init__(self, docker: str, grace: float = GRACE_SECONDS) -> None:
        self.docker = docker
        self.grace = grace
        self.since: dict[str, float] = {}

    def update(self, progress: list[Any], elapsed: float) -> list[Any]:
        """`progress` with outcome "unschedulable" for services stuck longer than the grace."""
        open_ = [p.name for p in progress if p.outcome is None]
        if not open_:
            return progress
        found = query(self.docker, open_)
        for name in open_:
            if name in found:
                self.since.setdefault(name, elapsed)
            else:
                self.since.pop(name, None)
        return [replace(p, outcome=OUTCOME, message=found[p.name].describe())
                if p.outcome is None and p.name in found
                and elapsed - self.since[p.name] >= self.grace else p
                for p in progress]
