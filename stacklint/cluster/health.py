"""The cluster's own health: managers and quorum, the leader, nodes, uneven spreads.

Raft needs a majority of the managers to elect a leader and to change anything: with N
managers, quorum is N//2 + 1 and (N-1)//2 failures are tolerated.  An even count tolerates
no more failures than one manager fewer.  Without quorum the running tasks go on, but
nothing can be deployed, updated, rescheduled or scaled until the managers are back.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from stacklint.cluster.constraints import admits
from stacklint.cluster.state import Node, Swarm

HEALTHY, AT_RISK, LOST = "healthy", "at risk", "lost"


@dataclass(frozen=True)
class Managers:
    total: int
    reachable: int
    leader: str | None            # hostname
    unreachable: tuple[str, ...]
    error: str = ""               # Docker's own words when the cluster cannot answer

    @property
    def quorum(self) -> int:
        return self.total // 2 + 1

    @property
    def tolerated(self) -> int:
        """Manager failures the swarm survives when all its managers are up."""
        return (self.total - 1) // 2

    @property
    def spare(self) -> int:
        """Further manager failures the swarm survives now."""
        return max(self.reachable - self.quorum, -1)

    @property
    def state(self) -> str:
        if self.error or self.leader is None or self.reachable < self.quorum:
            return LOST
        return AT_RISK if self.spare == 0 else HEALTHY


def managers(swarm: Swarm) -> Managers:
    if swarm.error or not swarm.nodes:
        remote = swarm.info.get("RemoteManagers") or []
        return Managers(len(remote), 0, None, (), swarm.error or "no nodes listed")
    found = [n for n in swarm.nodes if n.role == "manager"]
    up = [n for n in found if n.reachability == "reachable"]
    leader = next((n.hostname for n in found if n.leader), None)
    down = tuple(n.hostname for n in found if n.reachability != "reachable")
    return Managers(len(found), len(up), leader, down)


def describe(m: Managers) -> str:
    """One sentence about the managers, in the notes' terms."""
    if m.state == LOST:
        reach = f"{m.reachable} of {m.total}" if m.total else "too few"
        return (f"quorum lost: {reach} managers reachable, a majority ({m.quorum}) is needed to "
                "elect a leader; running tasks go on, but nothing can be deployed, updated or "
                "rescheduled until enough managers are back")
    text = (f"{m.total} manager(s), {m.reachable} reachable, leader {m.leader}; quorum is "
            f"{m.quorum}, so the swarm survives {m.tolerated} manager failure(s)")
    if m.unreachable:
        text += f"; unreachable now: {', '.join(m.unreachable)}"
    if m.spare == 0:
        text += ("; one more manager failure loses control of the cluster" if m.total > 1
                 else "; a single manager: when it fails, the cluster can no longer be controlled")
    elif m.total % 2 == 0:
        text += (f"; {m.total} managers tolerate no more failures than {m.total - 1}: "
                 "add or demote one")
    return text


def unavailable(swarm: Swarm) -> list[Node]:
    """Nodes that take no new tasks: drained, paused, or not ready."""
    return [n for n in swarm.nodes if not n.takes_tasks]


def node_words(node: Node) -> str:
    if node.state != "ready":
        return f"{node.hostname} is {node.state}: its tasks are rescheduled elsewhere"
    if node.availability == "drain":
        extra = " (as a manager it still votes and serves the API)" if node.role == "manager" \
            else ""
        return f"{node.hostname} is drained: its tasks were moved away, none start there{extra}"
    return f"{node.hostname} is paused: its tasks keep running, no new task starts there"


@dataclass
class Spread:
    """A replicated service whose tasks crowd some nodes while others it may use have none."""

    service: str
    per_node: dict[str, int]
    idle: list[str] = field(default_factory=list)

    @property
    def command(self) -> str:
        return f"docker service update --force {self.service}"


def uneven(swarm: Swarm) -> list[Spread]:
    """Swarm does not move running tasks when a node joins or comes back: find the crowding.

    A service is uneven when one node runs two or more tasks more than another node its
    constraints admit (which takes tasks and has room for none of them yet).
    """
    out = []
    for svc in swarm.services:
        spec = svc["Spec"]
        if "Replicated" not in (spec.get("Mode") or {}):
            continue
        tasks = [t for t in swarm.tasks_of(svc["ID"])
                 if (t.get("Status") or {}).get("State") == "running" and t.get("NodeID")]
        if len(tasks) < 2:
            continue
        counts = Counter(t["NodeID"] for t in tasks)
        admitted = [n for n in swarm.nodes
                    if n.takes_tasks and admits(spec, n)]
        if len(admitted) < 2:
            continue
        per = {n.hostname: counts.get(n.id, 0) for n in admitted}
        if max(per.values()) - min(per.values()) >= 2:
            out.append(Spread(spec["Name"], per, [h for h, c in per.items() if c == 0]))
    return out


def report(swarm: Swarm) -> dict[str, Any]:
    """The health of the cluster as data (`stacklint cluster --format json`)."""
    m = managers(swarm)
    return {
        "managers": {"total": m.total, "reachable": m.reachable, "leader": m.leader,
                     "quorum": m.quorum, "tolerated": m.tolerated,
                     "unreachable": list(m.unreachable), "state": m.state, "error": m.error,
                     "summary": describe(m)},
        "nodes": [{"hostname": n.hostname, "id": n.id, "role": n.role, "state": n.state,
                   "availability": n.availability, "leader": n.leader,
                   "reachability": n.reachability or None, "labels": n.labels}
                  for n in swarm.nodes],
        "unavailable": [node_words(n) for n in unavailable(swarm)],
        "uneven": [{"service": s.service, "tasks_per_node": s.per_node, "idle": s.idle,
                    "fix": s.command} for s in uneven(swarm)],
    }
