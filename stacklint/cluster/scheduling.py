"""Where a stack's tasks can go, decided as swarmkit's scheduler decides it.

swarmkit runs every task through a pipeline of filters per node (manager/scheduler/filter.go)
in this order: ready (the node is `ready` and `active`), resources (reservations against the
node's capacity minus what tasks already on it reserve), plugins, constraints, platform,
host-mode ports, max replicas per node.  Among the nodes that pass, it spreads a service's
tasks (fewest tasks of the service first).  A task no node passes stays `pending` with
"no suitable node (<filter> on N nodes; …)".  `place()` replays that for the services of a
stack on the live nodes, in the stack's order, each placed task taking its share.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from stacklint.cluster.constraints import Constraint
from stacklint.cluster.state import Node, Swarm

TERMINAL = {"complete", "shutdown", "failed", "rejected", "remove", "orphaned"}
# filter name -> swarmkit's Explain() text, in pipeline order
EXPLAIN = {
    "ready": ("{n} node not available for new tasks", "{n} nodes not available for new tasks"),
    "resources": ("insufficient resources on {n} node", "insufficient resources on {n} nodes"),
    "constraints": ("scheduling constraints not satisfied on {n} node",
                    "scheduling constraints not satisfied on {n} nodes"),
    "platform": ("unsupported platform on {n} node", "unsupported platform on {n} nodes"),
    "host-port": ("host-mode port already in use on {n} node",
                  "host-mode port already in use on {n} nodes"),
    "max-replicas": ("max replicas per node limit exceed", "max replicas per node limit exceed"),
}


@dataclass
class Want:
    """What one service of the stack asks of the scheduler."""

    key: str                       # the name in the stack file
    name: str                      # the swarm's service name (stack_key)
    is_global: bool = False
    replicas: int = 1
    constraints: list[Constraint] = field(default_factory=list)
    max_per_node: int = 0          # 0: no limit
    nano_cpus: int = 0
    memory: int = 0
    host_ports: list[tuple[int, str]] = field(default_factory=list)   # (published, protocol)
    start_first: bool = False
    parallelism: int = 1           # 0: all at once


@dataclass
class Room:
    """What is left on one node while tasks are placed."""

    nano_cpus: int
    memory: int
    ports: set[tuple[int, str]] = field(default_factory=set)
    tasks: Counter[str] = field(default_factory=Counter)     # service name -> tasks here


@dataclass
class Verdict:
    want: Want
    wanted: int
    placed: int
    nodes: Counter[str] = field(default_factory=Counter)   # hostname -> tasks placed
    reasons: Counter[str] = field(default_factory=Counter)  # filter -> nodes it rejected
    explanation: str = ""                                  # swarmkit's words for the rest
    rejected: dict[str, str] = field(default_factory=dict)  # hostname -> first failing filter

    @property
    def short(self) -> int:
        return self.wanted - self.placed


def rooms(swarm: Swarm, release: AbstractSet[str] = frozenset()) -> dict[str, Room]:
    """Each node's free capacity and held host ports; tasks of `release` services free theirs."""
    out = {n.id: Room(n.nano_cpus, n.memory) for n in swarm.nodes}
    host_ports = {s["Spec"]["Name"]: _host_ports(s) for s in swarm.services}
    names = {s["ID"]: s["Spec"]["Name"] for s in swarm.services}
    for task in swarm.tasks:
        room = out.get(task.get("NodeID") or "")
        state = (task.get("Status") or {}).get("State", "")
        name = names.get(task.get("ServiceID", ""), "")
        if room is None or state in TERMINAL or name in release:
            continue
        reserve = ((task.get("Spec") or {}).get("Resources") or {}).get("Reservations") or {}
        room.nano_cpus -= int(reserve.get("NanoCPUs") or 0)
        room.memory -= int(reserve.get("MemoryBytes") or 0)
        room.ports |= host_ports.get(name, set())
        room.tasks[name] += 1
    return out


def _host_ports(service: dict[str, Any]) -> set[tuple[int, str]]:
    ports = ((service.get("Endpoint") or {}).get("Ports") or
             ((service.get("Spec") or {}).get("EndpointSpec") or {}).get("Ports") or [])
    return {(int(p.get("PublishedPort") or 0), str(p.get("Protocol") or "tcp"))
            for p in ports if p.get("PublishMode") == "host" and p.get("PublishedPort")}


def first_failure(node: Node, want: Want, room: Room) -> str | None:
    """The first filter of swarmkit's pipeline that rejects `node` for one more task."""
    if not node.takes_tasks:
        return "ready"
    if want.nano_cpus > room.nano_cpus or want.memory > room.memory:
        return "resources"
    if not all(c.matches(node) for c in want.constraints):
        return "constraints"
    if any(port in room.ports for port in want.host_ports):
        return "host-port"
    if want.max_per_node and room.tasks[want.name] >= want.max_per_node:
        return "max-replicas"
    return None


def explain(reasons: Counter[str]) -> str:
    """swarmkit's "no suitable node (…)" for these rejections.

    Like Pipeline.Explain: the filters that rejected most nodes first, ties in pipeline order.
    """
    parts = []
    for name in sorted((f for f in EXPLAIN if reasons[f]), key=lambda f: -reasons[f]):
        one, many = EXPLAIN[name]
        parts.append((one if reasons[name] == 1 else many).format(n=reasons[name]))
    return f"no suitable node ({'; '.join(parts)})" if parts else ""


def _take(room: Room, want: Want) -> None:
    room.nano_cpus -= want.nano_cpus
    room.memory -= want.memory
    room.ports |= set(want.host_ports)
    room.tasks[want.name] += 1


def place_one(nodes: list[Node], want: Want, free: dict[str, Room], count: int) -> Verdict:
    """Place `count` tasks of `want` (or one per eligible node when global)."""
    if want.is_global:
        return _place_global(nodes, want, free)
    verdict = Verdict(want, count, 0)
    for _ in range(count):
        fits = [n for n in nodes if first_failure(n, want, free[n.id]) is None]
        if not fits:
            verdict.rejected = {n.hostname: first_failure(n, want, free[n.id]) or ""
                                for n in nodes}
            verdict.reasons = Counter(verdict.rejected.values())
            verdict.explanation = explain(verdict.reasons)
            break
        # spread: fewest tasks of this service, then fewest tasks at all
        best = min(fits, key=lambda n: (free[n.id].tasks[want.name],
                                        sum(free[n.id].tasks.values())))
        _take(free[best.id], want)
        verdict.nodes[best.hostname] += 1
        verdict.placed += 1
    return verdict


def _place_global(nodes: list[Node], want: Want, free: dict[str, Room]) -> Verdict:
    # the global orchestrator makes a task for every active node the constraints admit;
    # the scheduler may still fail it on that node (resources, ports)
    targets = [n for n in nodes if n.availability == "active" and n.state == "ready"
               and all(c.matches(n) for c in want.constraints)]
    verdict = Verdict(want, len(targets), 0)
    for node in targets:
        failure = first_failure(node, want, free[node.id])
        if failure is None:
            _take(free[node.id], want)
            verdict.nodes[node.hostname] += 1
            verdict.placed += 1
        else:
            verdict.rejected[node.hostname] = failure
            verdict.reasons[failure] += 1
    verdict.explanation = explain(verdict.reasons)
    return verdict


def place(swarm: Swarm, wants: list[Want]) -> dict[str, Verdict]:
    """The final state: every service of the stack in place of its current tasks."""
    free = rooms(swarm, release={w.name for w in wants})
    return {w.key: place_one(swarm.nodes, w, free, w.replicas) for w in wants}


def first_batch(swarm: Swarm, want: Want) -> Verdict:
    """A start-first update's first batch: new tasks while all the old ones still run."""
    count = want.replicas if want.parallelism == 0 else min(want.parallelism, want.replicas)
    return place_one(swarm.nodes, want, rooms(swarm), count)
