"""Read the live swarm through the docker CLI's JSON (DOCKER_HOST and the context honoured).

One `Swarm` holds what the checks need: the local engine's swarm info, the nodes, the
services, their tasks that are meant to run, and the swarm-scoped networks, secrets and
configs.  When the managers have lost quorum the engine still answers `docker info`
(with Docker's error in `Swarm.Error`) but refuses every cluster query; `Swarm.error`
then carries that error and the lists stay empty.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from stacklint import dockercli

# what a manager says when it cannot reach a majority of managers
NO_LEADER_MARKS = ("does not have a leader", "lost leader status", "DeadlineExceeded",
                   "context deadline exceeded")


@dataclass(frozen=True)
class Node:
    id: str
    hostname: str
    role: str                 # manager | worker
    availability: str         # active | pause | drain
    state: str                # ready | down | unknown | disconnected
    leader: bool
    reachability: str         # reachable | unreachable | unknown ('' for workers)
    addr: str
    labels: dict[str, str]
    engine_labels: dict[str, str]
    os: str
    arch: str
    nano_cpus: int
    memory: int

    @property
    def takes_tasks(self) -> bool:
        """swarmkit's ReadyFilter: only ready, active nodes get new tasks."""
        return self.state == "ready" and self.availability == "active"


@dataclass
class Swarm:
    info: dict[str, Any]                      # `docker info` .Swarm of the engine asked
    error: str = ""                           # Docker's error when the cluster cannot answer
    nodes: list[Node] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)   # desired state running
    networks: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[dict[str, Any]] = field(default_factory=list)
    configs: list[dict[str, Any]] = field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def service(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s["Spec"]["Name"] == name), None)

    def tasks_of(self, service_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks if t.get("ServiceID") == service_id]


def node_from(raw: dict[str, Any]) -> Node:
    spec, desc = raw.get("Spec") or {}, raw.get("Description") or {}
    status, manager = raw.get("Status") or {}, raw.get("ManagerStatus") or {}
    platform, resources = desc.get("Platform") or {}, desc.get("Resources") or {}
    return Node(
        id=raw["ID"], hostname=desc.get("Hostname", ""), role=spec.get("Role", "worker"),
        availability=spec.get("Availability", "active"), state=status.get("State", "unknown"),
        leader=bool(manager.get("Leader")), reachability=manager.get("Reachability", ""),
        addr=status.get("Addr", ""), labels=dict(spec.get("Labels") or {}),
        engine_labels=dict((desc.get("Engine") or {}).get("Labels") or {}),
        os=platform.get("OS", ""), arch=platform.get("Architecture", ""),
        nano_cpus=int(resources.get("NanoCPUs") or 0),
        memory=int(resources.get("MemoryBytes") or 0))


def _no_leader(text: str) -> bool:
    return any(mark.lower() in text.lower() for mark in NO_LEADER_MARKS)


def _ask(docker: str, args: list[str], swarm: Swarm) -> Any:
    """A JSON query; a lost quorum is recorded in `swarm.error`, other failures raise."""
    proc = dockercli.run(docker, args)
    if proc.returncode != 0:
        if _no_leader(proc.stderr):
            swarm.error = swarm.error or _docker_error(proc.stderr)
            return None
        raise dockercli.unreachable_or(proc.stderr, f"`docker {' '.join(args[:2])}` failed")
    return proc.stdout


def _docker_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1].removeprefix("Error response from daemon: ") if lines else "(no message)"


def _json(text: str | None) -> Any:
    return json.loads(text) if text and text.strip() else []


def _lines(text: str | None) -> list[Any]:
    return [json.loads(line) for line in (text or "").splitlines() if line.strip()]


def read(docker: str, *, tasks: bool = True, objects: bool = True) -> Swarm:
    """The swarm as the engine that DOCKER_HOST or the context names sees it.

    Raises `DeployError` (exit 2) when that engine cannot be reached, is in no swarm, or is a
    worker; a lost quorum is not an error here but `Swarm.error`.  The nodes, the services
    and the objects are asked for at once (each is one or two CLI calls of ~0.1 s).
    """
    from concurrent.futures import ThreadPoolExecutor

    info = dockercli.preflight(docker)
    swarm = Swarm(info)
    if info.get("Error"):
        swarm.error = str(info["Error"])
        return swarm
    with ThreadPoolExecutor(max_workers=3) as pool:
        nodes = pool.submit(_nodes, docker, swarm)
        services = pool.submit(_services, docker, swarm, tasks)
        found = pool.submit(_objects, docker, swarm) if objects else None
        swarm.nodes = nodes.result()
        swarm.services, swarm.tasks = services.result()
        if found is not None:
            swarm.networks, swarm.secrets, swarm.configs = found.result()
    return swarm


def _nodes(docker: str, swarm: Swarm) -> list[Node]:
    ids = (_ask(docker, ["node", "ls", "-q"], swarm) or "").split()
    if not ids:
        return []
    return [node_from(n) for n in _json(_ask(docker, ["node", "inspect", *ids], swarm))]


def _services(docker: str, swarm: Swarm,
              tasks: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ids = (_ask(docker, ["service", "ls", "-q"], swarm) or "").split()
    if not ids:
        return [], []
    services = _json(_ask(docker, ["service", "inspect", *ids], swarm))
    return services, (read_tasks(docker, ids) if tasks and not swarm.error else [])


def _objects(docker: str, swarm: Swarm) -> tuple[list[Any], list[Any], list[Any]]:
    fmt = ["--format", "{{json .}}"]
    networks = _lines(_ask(docker, ["network", "ls", "--filter", "scope=swarm", *fmt], swarm))
    secrets = _lines(_ask(docker, ["secret", "ls", *fmt], swarm))
    ids = [c["ID"] for c in _lines(_ask(docker, ["config", "ls", *fmt], swarm))]
    # a config's data is readable (a secret's never is)
    configs = _json(_ask(docker, ["config", "inspect", *ids], swarm)) if ids else []
    return networks, secrets, configs


def read_tasks(docker: str, service_ids: list[str]) -> list[dict[str, Any]]:
    """The tasks of these services that are meant to run, as full task objects."""
    if not service_ids:
        return []
    proc = dockercli.run(docker, ["service", "ps", "-q", "--no-trunc", "--filter",
                               "desired-state=running", *service_ids])
    if proc.returncode != 0:
        raise dockercli.unreachable_or(proc.stderr, "`docker service ps` failed")
    ids = sorted(set(proc.stdout.split()))
    if not ids:
        return []
    # a task that ended between the two calls is gone: inspect answers for the others
    found = dockercli.run(docker, ["inspect", "--type", "task", *ids])
    return _json(found.stdout) if found.stdout.strip().startswith("[") else []
