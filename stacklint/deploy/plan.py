"""What a `docker stack deploy` would change, per service and per object, and why.

The wanted specs come from `specconvert` (what the CLI sends); the running ones from
`docker service inspect`. Both go through the same normalisation (the defaults the engine
fills in, network IDs back to names, order-free lists sorted, empty values dropped), so
what is left is what the engine will see change. The decision follows swarmkit:
- a task is replaced when its task spec or endpoint spec changes (`orchestrator.IsTaskDirty`);
- a change of placement alone (constraints, preferences, max_replicas_per_node) replaces only
  the tasks whose node no longer matches the constraints (`IsTaskDirtyPlacementConstraintsOnly`);
  a global service's tasks on such nodes are shut down, and nodes that newly match get one;
- service labels, `update_config`, `rollback_config` are stored without touching a task;
- the number of replicas is a scale; a change of mode kind is refused by the engine;
- a job's tasks run again on every update, changed or not (`JobIteration` goes up).
Read-only: only `docker … ls` and `inspect` are called.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stacklint import dockercli
from stacklint.cluster.constraints import ConstraintError, parse
from stacklint.cluster.state import Node, node_from
from stacklint.deploy import specconvert
from stacklint.deploy.specconvert import NAMESPACE_LABEL

CREATE, ROLL, SCALE, META, NONE, JOB, REFUSED, REMOVE, KEEP = (
    "create", "rolling update", "scale only", "metadata only", "no change", "job re-run",
    "refused", "remove", "kept (not in the files)")
# swarmkit's defaults (api/defaults): what an omitted update_config means
_UPDATE_DEFAULTS = {"Parallelism": 1, "Delay": 0, "FailureAction": "pause",
                    "Monitor": 5_000_000_000, "MaxFailureRatio": 0, "Order": "stop-first"}
_HEALTH_DEFAULTS = {"Interval": 30_000_000_000, "Timeout": 30_000_000_000, "Retries": 3,
                    "StartPeriod": 0}
_NS = 1_000_000_000
# what a rollout's duration estimate leaves out: nothing in the spec says how long they take
NOT_COUNTED = "image pulls, container starts and scheduling"
# the compose key a spec path comes from, for the reasons a line gives
_COMPOSE = {
    "TaskTemplate.ContainerSpec.Image": "image", "TaskTemplate.ContainerSpec.Env": "environment",
    "TaskTemplate.ContainerSpec.Command": "entrypoint",
    "TaskTemplate.ContainerSpec.Args": "command",
    "TaskTemplate.ContainerSpec.Labels": "labels",
    "TaskTemplate.ContainerSpec.Mounts": "volumes",
    "TaskTemplate.ContainerSpec.Healthcheck": "healthcheck",
    "TaskTemplate.ContainerSpec.Secrets": "secrets",
    "TaskTemplate.ContainerSpec.Configs": "configs",
    "TaskTemplate.ContainerSpec.Hosts": "extra_hosts",
    "TaskTemplate.ContainerSpec.StopGracePeriod": "stop_grace_period",
    "TaskTemplate.Resources": "deploy.resources",
    "TaskTemplate.RestartPolicy": "deploy.restart_policy",
    "TaskTemplate.Placement.Constraints": "deploy.placement.constraints",
    "TaskTemplate.Placement": "deploy.placement",
    "TaskTemplate.Networks": "networks", "TaskTemplate.LogDriver": "logging",
    "EndpointSpec.Ports": "ports", "EndpointSpec.Mode": "deploy.endpoint_mode",
    "Labels": "deploy.labels", "UpdateConfig": "deploy.update_config",
    "RollbackConfig": "deploy.rollback_config", "Mode": "deploy.mode",
    "Mode.Replicated.Replicas": "deploy.replicas",
}


@dataclass
class Change:
    field: str          # the compose key (or spec path when there is none)
    old: Any
    new: Any

    def text(self) -> str:
        return f"{self.field}: {_short(self.old)} -> {_short(self.new)}"


@dataclass
class ServicePlan:
    name: str                     # the full service name (STACK_svc)
    action: str
    why: str = ""
    changes: list[Change] = field(default_factory=list)
    rollout: dict[str, Any] | None = None   # how a rolling update will go
    # a placement-only change: which tasks go ({"task", "node"}), which stay, where tasks start
    placement: dict[str, Any] | None = None


@dataclass
class ObjectPlan:
    kind: str                     # network, volume, config, secret
    name: str
    action: str                   # create, unchanged, labels only, refused, exists (external), ...
    why: str = ""


@dataclass
class Plan:
    stack: str
    resolve_image: str
    services: list[ServicePlan]
    objects: list[ObjectPlan]

    @property
    def refused(self) -> list[str]:
        return ([s.name for s in self.services if s.action == REFUSED]
                + [o.name for o in self.objects if o.action == "refused"])

    def as_json(self) -> dict[str, Any]:
        from stacklint.reporters.json import versioned
        return versioned({"stack": self.stack, "resolve_image": self.resolve_image,
                "services": [asdict(s) for s in self.services],
                "objects": [asdict(o) for o in self.objects], "refused": self.refused})


# --- reading the swarm -------------------------------------------------------------------

@dataclass
class Running:
    services: dict[str, dict[str, Any]]
    network_names: dict[str, str]       # network ID -> name
    networks: dict[str, dict[str, Any]]  # name -> inspect
    secrets: dict[str, dict[str, Any]]  # name -> inspect
    configs: dict[str, dict[str, Any]]
    volumes: set[str]                   # names of volumes on this node


def _inspect_all(docker: str, kind: str, ids: list[str]) -> list[dict[str, Any]]:
    """Inspect objects listed a moment ago.  One may be gone by now (a stack being removed
    takes its networks with it): `docker inspect` then prints the others and names the
    missing one on stderr, and the plan goes on with what exists."""
    if not ids:
        return []
    proc = dockercli.run(docker, [kind, "inspect", *ids])
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if line.strip()]
        if not errors or not all("not found" in line.lower() or "no such" in line.lower()
                                 for line in errors):
            raise dockercli.unreachable_or(proc.stderr, f"`docker {kind} inspect` failed")
    found = json.loads(proc.stdout) if proc.stdout.strip() else []
    return found or []


def read_running(docker: str, stack: str) -> Running:
    """The stack's services and every object a plan may refer to (read-only)."""
    label = f"label={NAMESPACE_LABEL}={stack}"
    rows = dockercli.query_lines(docker, ["service", "ls", "--format", "{{json .}}", "--filter", label])
    services = {s["Spec"]["Name"]: s for s in _inspect_all(docker, "service",
                                                            [r["ID"] for r in rows])}
    nets = dockercli.query_lines(docker, ["network", "ls", "--no-trunc", "--format", "{{json .}}"])
    wanted = [n["ID"] for n in nets if n.get("Scope") == "swarm"]
    networks = {n["Name"]: n for n in _inspect_all(docker, "network", wanted)}
    secrets = {s["Spec"]["Name"]: s for s in _inspect_all(
        docker, "secret", [r["ID"] for r in dockercli.query_lines(
            docker, ["secret", "ls", "--format", "{{json .}}"])])}
    configs = {c["Spec"]["Name"]: c for c in _inspect_all(
        docker, "config", [r["ID"] for r in dockercli.query_lines(
            docker, ["config", "ls", "--format", "{{json .}}"])])}
    volumes = {v["Name"] for v in dockercli.query_lines(
        docker, ["volume", "ls", "--format", "{{json .}}"])}
    return Running(services, {n["ID"]: n["Name"] for n in nets}, networks, secrets, configs,
                   volumes)


def task_placements(docker: str, service: str) -> list[tuple[str, Node | None]]:
    """(task ID, its node) for every task of `service` meant to run; a pending task has no
    node (None)."""
    rows = dockercli.query_lines(docker, ["service", "ps", "--no-trunc", "--filter",
                                       "desired-state=running", "--format", "{{json .}}", service])
    names = sorted({r.get("Node", "") for r in rows if r.get("Node")})
    nodes = {n.hostname: n for n in map(node_from, _inspect_all(docker, "node", names))}
    return [(r["ID"], nodes.get(r.get("Node") or "")) for r in rows]


def task_nodes(docker: str, service: str) -> list[Node]:
    """The nodes that run a task of `service` now, one entry per task."""
    return [n for _, n in task_placements(docker, service) if n is not None]


def swarm_nodes(docker: str) -> list[Node]:
    ids = [r["ID"] for r in dockercli.query_lines(docker, ["node", "ls", "--format", "{{json .}}"])]
    return [node_from(n) for n in _inspect_all(docker, "node", ids)]


# --- normalisation -------------------------------------------------------------------------

def _prune(value: Any) -> Any:
    """Drop what the API treats as unset: None, '', 0, False, empty maps and lists."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", 0, False, {}, [])}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def normal(spec: dict[str, Any], running: Running, resolve_image: str) -> dict[str, Any]:
    """A service spec with the engine's defaults filled in and order-free parts sorted."""
    spec = copy.deepcopy(spec)
    task = spec.setdefault("TaskTemplate", {})
    task.pop("ForceUpdate", None)          # the CLI carries the running value over
    if task.get("Runtime") == "container":
        task.pop("Runtime")
    container = task.setdefault("ContainerSpec", {})
    if container.get("Isolation") == "default":
        container.pop("Isolation")
    if container.get("StopGracePeriod") is None:
        container["StopGracePeriod"] = 10 * _NS
    policy = task.get("RestartPolicy") or {}
    policy.setdefault("Condition", None)
    policy["Condition"] = policy["Condition"] or "any"
    if policy.get("Delay") is None:
        policy["Delay"] = 5 * _NS
    task["RestartPolicy"] = policy
    if resolve_image != "never":          # the daemon records the image's platforms again
        (task.get("Placement") or {}).pop("Platforms", None)
    for net in task.get("Networks") or []:
        net["Target"] = running.network_names.get(net["Target"], net["Target"])
        net["Aliases"] = sorted(net.get("Aliases") or [])
    task["Networks"] = sorted(task.get("Networks") or [], key=lambda n: n["Target"])
    for kind, objects in (("Secret", running.secrets), ("Config", running.configs)):
        refs = container.get(kind + "s") or []
        for ref in refs:
            found = objects.get(ref.get(kind + "Name", ""))
            ref[kind + "ID"] = found["ID"] if found else "(new)"
        container[kind + "s"] = sorted(refs, key=lambda r: (r[kind + "Name"], r["File"]["Name"]))
    endpoint = spec.get("EndpointSpec") or {}
    endpoint["Mode"] = endpoint.get("Mode") or "vip"
    endpoint["Ports"] = sorted(endpoint.get("Ports") or [], key=lambda p: (
        p.get("PublishedPort") or 0, p.get("TargetPort") or 0, p.get("Protocol") or ""))
    for port in endpoint["Ports"]:
        port.setdefault("Protocol", "tcp")
        port["PublishMode"] = port.get("PublishMode") or "ingress"
    spec["EndpointSpec"] = endpoint
    for key in ("UpdateConfig", "RollbackConfig"):
        spec[key] = {**_UPDATE_DEFAULTS, **{k: v for k, v in (spec.get(key) or {}).items()
                                             if v is not None}}
    pruned: dict[str, Any] = _prune(spec)
    return pruned


# --- comparing -----------------------------------------------------------------------------

def diff(old: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Changed leaves (maps recursed, lists whole): (dotted path, old, new)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out += diff(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
        return out
    return [] if old == new else [(path, old, new)]


def _compose_field(path: str) -> str:
    best = max((p for p in _COMPOSE if path == p or path.startswith(p + ".")),
               key=len, default=None)
    if best is None:
        return path
    rest = path[len(best) + 1:]
    return f"{_COMPOSE[best]} ({rest})" if rest else _COMPOSE[best]


def _short(value: Any) -> str:
    if value is None:
        return "(unset)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _mode_kind(spec: dict[str, Any]) -> str:
    kind: str = next(iter(spec.get("Mode") or {"Replicated": {}}))
    return kind


def _wanted_image(spec: dict[str, Any], current: dict[str, Any], resolve_image: str) -> str | None:
    """Put the running image into `spec` where the CLI/daemon would keep it; a note or None."""
    wanted = spec["TaskTemplate"]["ContainerSpec"].get("Image", "")
    running = current["Spec"]["TaskTemplate"]["ContainerSpec"].get("Image", "")
    written = (current["Spec"].get("Labels") or {}).get(specconvert.IMAGE_LABEL)
    if resolve_image == "changed" and wanted == written:
        spec["TaskTemplate"]["ContainerSpec"]["Image"] = running
        return None
    if resolve_image == "always" and "@" not in wanted and running.split("@", 1)[0] == wanted:
        spec["TaskTemplate"]["ContainerSpec"]["Image"] = running
        return (f"{wanted} is resolved again at deploy (--resolve-image always): if the "
                f"registry moved the tag, the service rolls")
    return None


def plan_service(stack: str, name: str, wanted: dict[str, Any], current: dict[str, Any] | None,
                 running: Running, resolve_image: str, docker: str | None = None) -> ServicePlan:
    """The decision for one service."""
    full = wanted["Name"]
    if current is None:
        return ServicePlan(full, CREATE, "not running yet")
    old_kind, new_kind = _mode_kind(current["Spec"]), _mode_kind(wanted)
    if old_kind != new_kind:
        return ServicePlan(full, REFUSED, f"Docker refuses a change of mode "
                           f"({_mode_name(old_kind)} -> {_mode_name(new_kind)}): remove the "
                           f"service first (docker service rm {full})",
                           [Change("deploy.mode", _mode_name(old_kind), _mode_name(new_kind))])
    wanted = copy.deepcopy(wanted)
    note = _wanted_image(wanted, current, resolve_image)
    old, new = normal(current["Spec"], running, resolve_image), normal(wanted, running,
                                                                       resolve_image)
    changes = [(p, a, b) for p, a, b in diff(old, new) if p != "Name"]
    if any(p == "TaskTemplate.ContainerSpec.Image" for p, _, _ in changes):
        # the CLI's label of the image as written follows the image: one change, not two
        changes = [c for c in changes if c[0] != f"Labels.{specconvert.IMAGE_LABEL}"]
    as_changes = [Change(_compose_field(p), a, b) for p, a, b in changes]
    tasks = [c for c in changes if c[0].startswith(("TaskTemplate", "EndpointSpec"))]
    scale = [c for c in changes if c[0].startswith("Mode")]
    plan = ServicePlan(full, NONE, "", as_changes)
    if "Job" in new_kind:
        plan.action = JOB
        plan.why = ("a job's tasks run again on every update, changed or not"
                    + ("" if changes else " (nothing changed)"))
    elif tasks:
        placement_only = all(p.startswith("TaskTemplate.Placement") for p, _, _ in tasks)
        if placement_only and docker:
            _placement_change(plan, docker, new, current, [p for p, _, _ in tasks],
                              new_kind == "Global")
            if scale:
                plan.why += "; the number of replicas changes too"
        else:
            plan.action, plan.why = ROLL, "task spec changed"
            plan.rollout = rollout_of(new, _desired(current))
    elif scale:
        plan.action, plan.why = SCALE, "only the number of replicas changes"
    elif changes:
        plan.action, plan.why = META, "service settings only: no task is replaced"
    else:
        plan.why = "the running spec is what the files say"
    if note:
        plan.why += f"; {note}"
    return plan


def matches(constraints: Iterable[str], node: Node) -> bool:
    """swarmkit's constraint filter (cluster.constraints); an unparsable constraint, which
    the engine refuses at deploy, matches no node."""
    try:
        return all(parse(text).matches(node) for text in constraints)
    except ConstraintError:
        return False


def _names(nodes: Iterable[Node | None]) -> str:
    """Hostnames, sorted, a count after a name that holds several tasks."""
    counts: dict[str, int] = {}
    for node in nodes:
        name = node.hostname if node is not None else "(no node: pending)"
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} ({c})" if c > 1 else n for n, c in sorted(counts.items()))


def _placement_change(plan: ServicePlan, docker: str, new: dict[str, Any],
                      current: dict[str, Any], paths: list[str], is_global: bool) -> None:
    """Only `TaskTemplate.Placement` changed.  swarmkit (`IsTaskDirtyPlacementConstraintsOnly`,
    with the whole Placement: constraints, preferences, max replicas, platforms) keeps a task
    whose node matches the new constraints and replaces the others; the scheduler applies
    preferences and max_replicas_per_node to tasks it places from now on, never to running
    ones.  A global service does not roll: its tasks on nodes that no longer match are shut
    down, and a node that now matches gets a task (`global.reconcileServices`)."""
    constraints = new["TaskTemplate"].get("Placement", {}).get("Constraints") or []
    placed = task_placements(docker, plan.name)
    gone = [(t, n) for t, n in placed if n is None or not matches(constraints, n)]
    stay = [(t, n) for t, n in placed if (t, n) not in gone]
    nodes = swarm_nodes(docker)
    # where a new task can start: the scheduler's ready, active nodes that match
    open_nodes = [n for n in nodes if n.takes_tasks and matches(constraints, n)]
    plan.placement = {
        "constraints": list(constraints),
        "removed" if is_global else "replaced":
            [{"task": t, "node": n.hostname if n else None} for t, n in gone],
        "kept": [{"task": t, "node": n.hostname if n else None} for t, n in stay],
        "matching_nodes": sorted(n.hostname for n in open_nodes)}
    later = [f for f in ("Preferences", "MaxReplicas")
             if any(p.startswith(f"TaskTemplate.Placement.{f}") for p in paths)]
    words = {"Preferences": "placement preferences", "MaxReplicas": "max_replicas_per_node"}
    note = (f"; {' and '.join(words[f] for f in later)} apply only to tasks placed from now "
            f"on, never to running ones" if later else "")
    if is_global:
        # the global orchestrator's nodes: all but drained and down ones; a paused node gets
        # no new task
        running_on = {n.id for _, n in placed if n is not None}
        added = [n for n in nodes if n.availability == "active" and n.state != "down"
                 and n.id not in running_on and matches(constraints, n)]
        plan.placement["added_on"] = sorted(n.hostname for n in added)
        if not gone and not added:
            plan.action = META
            plan.why = (f"only the placement changed and the node of every task "
                        f"({len(placed)}) still matches: no task is replaced" + note)
            return
        parts = []
        if gone:
            parts.append(f"the {len(gone)} task(s) on {_names(n for _, n in gone)} no longer "
                         f"match and are shut down, not replaced")
        if added:
            parts.append(f"a new task starts on {_names(added)}")
        parts.append(f"the {len(stay)} on {_names(n for _, n in stay) or 'no node'} stay"
                     if stay else "no task stays")
        plan.action = SCALE
        plan.why = ("global service, placement changed: " + "; ".join(parts)
                    + " (at once: update_config does not apply)" + note)
        return
    if not gone:
        plan.action = META
        plan.why = (f"only the placement changed and the node of every task ({len(placed)}) "
                    f"still matches: no task is replaced" + note)
        return
    plan.action = ROLL
    plan.why = (f"placement constraints changed: the {len(gone)} task(s) on "
                f"{_names(n for _, n in gone)} no longer match and are replaced; "
                + (f"the {len(stay)} on {_names(n for _, n in stay)} stay" if stay
                   else "no task stays"))
    plan.rollout = rollout_of(new, _desired(current), len(gone))
    start_first = plan.rollout["order"] == "start-first"
    fit = _room(new, open_nodes, [n for _, n in stay])
    if fit < len(gone):
        plan.why += ("; no ready node matches: the replacements stay pending" if not open_nodes
                     else f"; {f'only {fit}' if fit else 'none'} of the {len(gone)} "
                          f"replacements fit{'s' if not fit else ''} (max_replicas_per_node on "
                          f"{_names(open_nodes)}): {'the others stay' if fit else 'they stay'} "
                          f"pending")
        # each update worker waits for its replacement to run, so up to `parallelism` of them
        # wait for good; stop-first has stopped the old task each of them took
        stuck = min(plan.rollout["parallelism"] or len(gone), len(gone) - fit)
        # swarmkit's constraint enforcer removes an old task from a node that no longer
        # matches at that node's next event, so "keep running" holds only until then
        plan.why += (" and their old tasks keep running (start-first) until Swarm's constraint "
                     "enforcer stops those on nodes that no longer match, so the update never "
                     "completes" if start_first else
                     f"; stop-first stops an old task before its replacement is placed: "
                     f"{stuck} task(s) stop and are not replaced, and the update never "
                     f"completes")
    else:
        plan.why += (f"; the replacements go to the matching nodes "
                     f"({', '.join(plan.placement['matching_nodes'])})")
        if start_first:
            plan.why += " (start-first: an old task runs until its replacement is running)"
    plan.why += note


def _room(spec: dict[str, Any], open_nodes: list[Node], staying: list[Node | None]) -> int:
    """How many new tasks the matching nodes take under max_replicas_per_node (the
    scheduler's MaxReplicasFilter counts the service's tasks on a node); other limits
    (resources, ports) are the preflight's."""
    most = int(spec["TaskTemplate"].get("Placement", {}).get("MaxReplicas") or 0)
    if not open_nodes:
        return 0
    if not most:
        return 1 << 30
    ids = [n.id for n in staying if n is not None]
    return sum(max(0, most - ids.count(n.id)) for n in open_nodes)


def _mode_name(kind: str) -> str:
    return {"Replicated": "replicated", "Global": "global", "ReplicatedJob": "replicated-job",
            "GlobalJob": "global-job"}.get(kind, kind)


def _desired(current: dict[str, Any]) -> int:
    mode = current["Spec"].get("Mode") or {}
    if "Replicated" in mode:
        return int(mode["Replicated"].get("Replicas") or 0)
    return int(current.get("_tasks", 1))


def rollout_of(spec: dict[str, Any], tasks: int, replaced: int | None = None) -> dict[str, Any]:
    """How a rolling update will go, and how long it takes when no task fails.

    swarmkit's updater (`update.Updater.Run`) runs `parallelism` workers; each takes the next
    task, stops the old one first (stop-first: until it exits, at most stop_grace_period),
    starts the new one and waits until it is running, which for a task with a healthcheck
    means healthy, then waits `delay`.  After the last task it watches once more for
    `monitor` (delay + 1s when delay >= monitor) and marks the update completed.  Per task,
    healthy takes at least one `interval` (the first probe) and, without failing, at most
    start_period + retries x (interval + timeout).  Not counted, as the spec cannot say:
    pulling the image on the node, creating and starting the container, scheduling.
    """
    conf = spec.get("UpdateConfig") or {}
    mode = spec.get("Mode") or {}
    if "Replicated" in mode:
        tasks = int(mode["Replicated"].get("Replicas") or 0)
    count = tasks if replaced is None else replaced
    parallelism = int(conf.get("Parallelism", 1))
    batches = 1 if parallelism == 0 else max(1, math.ceil(count / parallelism))
    container = spec["TaskTemplate"]["ContainerSpec"]
    health = container.get("Healthcheck")
    healthy_least = healthy_most = 0
    if health and health.get("Test") != ["NONE"]:
        h = {**_HEALTH_DEFAULTS, **health}
        healthy_least = h["Interval"]
        healthy_most = h["StartPeriod"] + h["Retries"] * (h["Interval"] + h["Timeout"])
    order = conf.get("Order", "stop-first")
    stop = container.get("StopGracePeriod", 10 * _NS) if order == "stop-first" else 0
    monitor, delay = conf.get("Monitor", 0), conf.get("Delay", 0)
    watch = delay + _NS if delay >= monitor else monitor
    least = batches * (healthy_least + delay) + watch
    worst = batches * (stop + healthy_most + delay) + watch
    return {"tasks": count, "parallelism": parallelism, "batches": batches, "order": order,
            "monitor_s": monitor / _NS, "delay_s": delay / _NS,
            "failure_action": conf.get("FailureAction", "pause"),
            "least_s": round(least / _NS, 1), "worst_case_s": round(worst / _NS, 1),
            "not_counted": NOT_COUNTED}

def plan_objects(stack: str, model: dict[str, Any], running: Running,
                 recorded: tuple[int, dict[str, str]] | None = None) -> list[ObjectPlan]:
    """`recorded`: the newest revision's number and its secret file hashes, if any."""
    out = []
    used_nets = {n for svc in (model.get("services") or {}).values()
                 for n in (svc.get("networks") or ["default"])}
    nets = dict(model.get("networks") or {})
    if "default" in used_nets:
        nets.setdefault("default", {})
    for name, entry in sorted(nets.items()):
        out.append(_network(stack, name, entry or {}, running))
    for name, entry in sorted((model.get("volumes") or {}).items()):
        entry = entry or {}
        full = specconvert.scoped(stack, name, entry)
        if entry.get("external"):
            out.append(ObjectPlan("volume", full, "external", "must exist on every node that "
                                  "runs a task using it"))
        elif full in running.volumes:
            out.append(ObjectPlan("volume", full, "unchanged", "exists on this node; Docker "
                                  "never changes an existing volume's driver or options"))
        else:
            out.append(ObjectPlan("volume", full, "create", "created by the first task that "
                                  "mounts it, on each node"))
    for kind, objects in (("config", running.configs), ("secret", running.secrets)):
        for name, entry in sorted((model.get(kind + "s") or {}).items()):
            out.append(_file_object(stack, kind, name, entry or {}, objects, recorded))
    return out


def _network(stack: str, name: str, entry: dict[str, Any], running: Running) -> ObjectPlan:
    full = specconvert.scoped(stack, name, entry)
    found = running.networks.get(full)
    if entry.get("external"):
        return (ObjectPlan("network", full, "external", "exists") if found else
                ObjectPlan("network", full, "refused", "external network not found: "
                           "Docker refuses the deploy; create it first"))
    if not found:
        return ObjectPlan("network", full, "create", f"driver {entry.get('driver') or 'overlay'}")
    wanted = {"Driver": entry.get("driver") or "overlay",
              "Attachable": bool(entry.get("attachable")),
              "Internal": bool(entry.get("internal")),
              "Labels": specconvert._labels(stack, entry.get("labels"))}
    have = {k: found.get(k) for k in wanted}
    opts = entry.get("driver_opts") or {}
    have_opts = found.get("Options") or {}
    changed = [p for p, _, _ in diff(_prune(have), _prune(wanted))]
    changed += [f"driver_opts.{k}" for k, v in opts.items() if have_opts.get(k) != str(v)]
    if changed:
        return ObjectPlan("network", full, "unchanged", "differs from the files in "
                          f"{', '.join(changed)}, but Docker keeps an existing network as it is; "
                          "to apply it, remove the stack's network (the services using it first)")
    return ObjectPlan("network", full, "unchanged", "exists")


def _file_object(stack: str, kind: str, name: str, entry: dict[str, Any],
                 objects: dict[str, dict[str, Any]],
                 recorded: tuple[int, dict[str, str]] | None = None) -> ObjectPlan:
    full = specconvert.scoped(stack, name, entry)
    found = objects.get(full)
    if entry.get("external"):
        return (ObjectPlan(kind, full, "external", "exists") if found else
                ObjectPlan(kind, full, "refused", f"external {kind} not found: Docker refuses the "
                           f"deploy; create it first (docker {kind} create)"))
    if not found:
        return ObjectPlan(kind, full, "create", f"from {entry.get('file') or 'environment'}")
    labels = specconvert._labels(stack, entry.get("labels"))
    label_change = labels != (found["Spec"].get("Labels") or {})
    data = _read_data(entry)
    stored = found["Spec"].get("Data")
    if data is not None and stored is not None and base64.b64decode(stored) != data:
        return ObjectPlan(kind, full, "refused", f"{entry.get('file')} differs from the {kind} "
                          f"of that name: Docker refuses the deploy (only updates to Labels are "
                          f"allowed); give the {kind} a new name (e.g. {name}_v2)")
    revision, hashes = recorded or (0, {})
    known = hashes.get(name)
    if data is not None and stored is None and known:
        # the engine never returns a secret; the history has the SHA-256 of its last file
        if hashlib.sha256(data).hexdigest() != known:
            return ObjectPlan(kind, full, "refused", f"{entry.get('file')} differs from the file "
                              f"revision {revision} deployed as this {kind} (SHA-256): Docker "
                              f"refuses the deploy (only updates to Labels are allowed); give "
                              f"the {kind} a new name (e.g. {name}_v2)")
        return ObjectPlan(kind, full, "labels only" if label_change else "unchanged",
                          f"same file as revision {revision} (SHA-256)")
    if data is not None and stored is None:
        why = (f"content cannot be read back from the swarm: if {entry.get('file')} changed, "
               f"Docker refuses the deploy")
        return ObjectPlan(kind, full, "labels only" if label_change else "unchanged", why)
    return ObjectPlan(kind, full, "labels only" if label_change else "unchanged",
                      "labels change" if label_change else "same content")


def _read_data(entry: dict[str, Any]) -> bytes | None:
    if entry.get("file"):
        try:
            return Path(str(entry["file"])).read_bytes()
        except OSError:
            return None
    if entry.get("content") is not None:
        return str(entry["content"]).encode()
    return None


# --- the whole plan --------------------------------------------------------------------------

def make_plan(docker: str, stack: str, model: dict[str, Any], resolve_image: str = "always",
              prune: bool = False) -> Plan:
    """Compare the merged stack (plain data) with what runs under `stack`."""
    running = read_running(docker, stack)
    services = []
    wanted_names = set()
    for name, svc in sorted((model.get("services") or {}).items()):
        wanted = specconvert.service_spec(stack, name, svc or {}, model)
        wanted_names.add(wanted["Name"])
        current = running.services.get(wanted["Name"])
        if current is not None and "Global" in (current["Spec"].get("Mode") or {}):
            current["_tasks"] = len(task_nodes(docker, wanted["Name"]))
        services.append(plan_service(stack, name, wanted, current, running, resolve_image,
                                     docker))
    for full in sorted(set(running.services) - wanted_names):
        services.append(ServicePlan(full, REMOVE if prune else KEEP,
                                    "--prune removes it" if prune else
                                    "no longer in the files; --prune would remove it"))
    from stacklint.deploy import history

    revs = history.revisions(docker, stack)
    recorded = (revs[-1].number, revs[-1].secrets) if revs else None
    return Plan(stack, resolve_image, services, plan_objects(stack, model, running, recorded))


def render_text(plan: Plan) -> str:
    lines = [f"plan for stack {plan.stack} (--resolve-image {plan.resolve_image}):"]
    width = max((len(s.name) for s in plan.services), default=0)
    for s in plan.services:
        lines.append(f"  {s.name:<{width}}  {s.action}: {s.why}" if s.why else
                     f"  {s.name:<{width}}  {s.action}")
        for change in s.changes:
            lines.append(f"  {'':<{width}}    {change.text()}")
        if s.rollout:
            r = s.rollout
            lines.append(f"  {'':<{width}}    rolls {r['tasks']} task(s) in {r['batches']} "
                         f"batch(es) of {r['parallelism'] or 'all'}, {r['order']}, monitor "
                         f"{r['monitor_s']:g}s, delay {r['delay_s']:g}s, on failure "
                         f"{r['failure_action']}")
            span = (f"{r['least_s']:g}s" if r["least_s"] == r["worst_case_s"] else
                    f"{r['least_s']:g}s to {r['worst_case_s']:g}s")
            lines.append(f"  {'':<{width}}    takes {span} without a failure, plus "
                         f"{r['not_counted']} (not counted)")
    for o in plan.objects:
        lines.append(f"  {o.kind} {o.name}: {o.action}" + (f" ({o.why})" if o.why else ""))
    counts: dict[str, int] = {}
    for s in plan.services:
        counts[s.action] = counts.get(s.action, 0) + 1
    lines.append("summary: " + (", ".join(f"{n} {a}" for a, n in counts.items()) or
                                "no services"))
    if plan.refused:
        lines.append(f"Docker will refuse this deploy: {', '.join(plan.refused)}")
    return "\n".join(lines)
