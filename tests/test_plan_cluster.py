"""`stacklint plan` for placement changes, held against what the five-node cluster does.

Each test deploys a service spread over the nodes, changes only its placement, asks
`stacklint plan` which tasks go and which stay, deploys with `docker stack deploy` itself and
then compares task IDs and container IDs on the nodes: swarmkit keeps a task whose node still
matches the constraints (`IsTaskDirtyPlacementConstraintsOnly`), replaces the others, and
applies preferences and max_replicas_per_node only to tasks it places from then on.  Only
node roles and platforms are used: no node is labelled, drained or otherwise changed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clusterhelp import Cluster, cluster, docker, stacklint, wait, write  # noqa: F401

IMAGE = "stacklint-test/web:v1"
MANAGERS = {"manager1", "manager2", "manager3"}
WORKERS = {"worker1", "worker2"}
EVERYWHERE = "node.platform.os == linux"     # every node of the cluster


def _stack_file(mode: str, placement: str) -> str:
    return f"""\
version: "3.8"
services:
  app:
    image: {IMAGE}
    stop_grace_period: 1s
    deploy:
      {mode}
      update_config: {{parallelism: 1, order: start-first, monitor: 1s}}
      placement:
{placement}
"""


def _deploy(path: str, stack: str) -> None:
    proc = docker("stack", "deploy", "--resolve-image", "never", "-c", path, stack, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _tasks(service: str) -> dict[str, tuple[str, str]]:
    """task ID -> (node, current state) of the tasks meant to run."""
    rows = docker("service", "ps", service, "--no-trunc", "--filter", "desired-state=running",
                  "--format", "{{.ID}} {{.Node}} {{.CurrentState}}").stdout.splitlines()
    out = {}
    for row in rows:
        parts = row.split()
        if len(parts) >= 3:
            out[parts[0]] = (parts[1], parts[2])
        elif parts:
            out[parts[0]] = ("", parts[-1])        # pending: no node yet
    return out


def _update_state(service: str) -> str:
    return docker("service", "inspect", "--format",
                  "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", service).stdout.strip()


def _settled(service: str, count: int, nodes: set[str]) -> bool:
    """`count` tasks running, all on `nodes`, and no update in progress."""
    tasks = _tasks(service)
    return (len(tasks) == count and all(s == "Running" and n in nodes for n, s in tasks.values())
            and _update_state(service) not in ("updating", "rollback_started"))


ENFORCER = "assigned node no longer meets constraints"     # swarmkit's constraint enforcer


def _history(service: str) -> list[dict[str, Any]]:
    """Every task of the service the swarm still keeps, inspected."""
    ids = docker("service", "ps", "-q", "--no-trunc", service).stdout.split()
    return json.loads(docker("inspect", "--type", "task", *ids).stdout or "[]") if ids else []


def _status(service: str) -> dict[str, Any]:
    return json.loads(docker("service", "inspect", "--format", "{{json .UpdateStatus}}",
                             service).stdout or "null") or {}


def _utc(text: str) -> float:
    """An RFC 3339 time as Go prints it in JSON in epoch seconds (0 for none)."""
    from datetime import datetime
    if not text:
        return 0.0
    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + "+00:00").timestamp() + float("0." + (frac or "0"))


def _containers(task_ids: list[str]) -> dict[str, str]:
    """task ID -> the ID of the container it runs."""
    found = json.loads(docker("inspect", "--type", "task", *task_ids).stdout or "[]")
    return {t["ID"]: t["Status"]["ContainerStatus"]["ContainerID"] for t in found}


def _started(node: str, container: str) -> str:
    """When the container was started, read on its own node: a restart would change it."""
    return docker("inspect", "--format", "{{.State.Running}} {{.State.StartedAt}}", container,
                  node=node).stdout.strip()


def _plan(path: str, stack: str) -> dict[str, Any]:
    proc = stacklint("plan", "-f", path, stack, "--resolve-image", "never", "--fail-on",
                     "error", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (service,) = json.loads(proc.stdout)["services"]
    return service


def _names(nodes: list[str]) -> str:
    """As plan.py names nodes: sorted, a count after a node with several tasks."""
    return ", ".join(f"{n} ({nodes.count(n)})" if nodes.count(n) > 1 else n
                     for n in sorted(set(nodes)))


def _start(cluster: Cluster, tmp_path: Path, mode: str, constraint: str, count: int,
           nodes: set[str]) -> tuple[str, str, dict[str, tuple[str, str]]]:
    """Deploy the service on a fresh stack and wait until `count` tasks run on `nodes`:
    (stack, service, its tasks)."""
    stack = cluster.stack()
    service = f"{stack}_app"
    path = write(tmp_path, "first.yml", _stack_file(mode, f"        constraints: [{constraint}]"))
    _deploy(path, stack)
    assert wait(lambda: _settled(service, count, nodes), 120), _tasks(service)
    return stack, service, _tasks(service)


def test_narrowed_constraint_replaces_only_the_tasks_on_nodes_that_no_longer_match(
        cluster: Cluster, tmp_path: Path) -> None:
    stack, service, before = _start(cluster, tmp_path, "replicas: 5", EVERYWHERE, 5,
                                    MANAGERS | WORKERS)
    on_workers = sorted(t for t, (n, _) in before.items() if n in WORKERS)
    on_managers = sorted(t for t, (n, _) in before.items() if n in MANAGERS)
    # spread puts the five over the five nodes; the test needs both kinds
    assert on_workers and on_managers, before
    containers = _containers(sorted(before))
    started = {t: _started(before[t][0], containers[t]) for t in on_managers}

    path = write(tmp_path, "stack.yml", _stack_file(
        "replicas: 5", "        constraints: [node.role == manager]"))
    plan = _plan(path, stack)
    assert plan["action"] == "rolling update", plan
    assert [c["field"] for c in plan["changes"]] == ["deploy.placement.constraints"], plan
    assert sorted(t["task"] for t in plan["placement"]["replaced"]) == on_workers
    assert sorted(t["task"] for t in plan["placement"]["kept"]) == on_managers
    assert plan["placement"]["matching_nodes"] == sorted(MANAGERS)
    worker_nodes = [before[t][0] for t in on_workers]
    manager_nodes = [before[t][0] for t in on_managers]
    assert (f"the {len(on_workers)} task(s) on {_names(worker_nodes)} no longer match and are "
            f"replaced; the {len(on_managers)} on {_names(manager_nodes)} stay") in plan["why"]
    assert plan["rollout"]["tasks"] == len(on_workers)
    assert plan["rollout"]["batches"] == len(on_workers)         # parallelism 1

    _deploy(path, stack)
    assert wait(lambda: _settled(service, 5, MANAGERS), 180), _tasks(service)
    after = _tasks(service)
    # the tasks on managers are the very same tasks, in the very same containers
    assert set(on_managers) <= set(after)
    assert {t: after[t][0] for t in on_managers} == {t: before[t][0] for t in on_managers}
    now = _containers(on_managers)
    assert now == {t: containers[t] for t in on_managers}
    assert {t: _started(before[t][0], containers[t]) for t in on_managers} == started
    assert all(s.startswith("true ") for s in started.values())
    # exactly the worker tasks were replaced, one new task each, on managers
    new = set(after) - set(on_managers)
    assert len(new) == len(on_workers) and not new & set(before)
    for task in on_workers:
        assert docker("inspect", "--type", "task", "--format", "{{.DesiredState}}",
                      task).stdout.strip() == "shutdown"
    assert _update_state(service) == "completed"


def test_preferences_and_max_replicas_leave_running_tasks_alone(cluster: Cluster,
                                                                 tmp_path: Path) -> None:
    stack, service, before = _start(cluster, tmp_path, "replicas: 4", "node.role == worker",
                                    4, WORKERS)
    workers = "        constraints: [node.role == worker]"
    assert sorted(n for n, _ in before.values()) == ["worker1"] * 2 + ["worker2"] * 2, before
    containers = _containers(sorted(before))

    # at most one per node, spread over a label no node carries: two tasks on each worker
    # are one too many now, yet swarmkit leaves them; only new placements see the limit
    path = write(tmp_path, "stack.yml", _stack_file("replicas: 4", workers + """
        max_replicas_per_node: 1
        preferences: [{spread: node.labels.sl-rack}]"""))
    plan = _plan(path, stack)
    assert plan["action"] == "metadata only", plan
    assert sorted(c["field"] for c in plan["changes"]) == [
        "deploy.placement (MaxReplicas)", "deploy.placement (Preferences)"], plan
    assert ("placement preferences and max_replicas_per_node apply only to tasks placed from "
            "now on") in plan["why"]
    assert plan["placement"]["replaced"] == []
    assert sorted(t["task"] for t in plan["placement"]["kept"]) == sorted(before)
    _deploy(path, stack)
    spec = json.loads(docker("service", "inspect", service).stdout)[0]["Spec"]
    assert spec["TaskTemplate"]["Placement"]["MaxReplicas"] == 1      # the update landed
    # the updater finds no dirty task: the tasks and their containers stay as they were
    assert wait(lambda: _update_state(service) != "updating", 60)
    assert not wait(lambda: _tasks(service) != before, 10), _tasks(service)
    assert _containers(sorted(before)) == containers

    # the limit holds for what is placed next: a fifth replica finds no worker with room
    path = write(tmp_path, "stack.yml", _stack_file("replicas: 5", workers + """
        max_replicas_per_node: 1
        preferences: [{spread: node.labels.sl-rack}]"""))
    assert _plan(path, stack)["action"] == "scale only"
    _deploy(path, stack)

    def fifth_pending() -> bool:
        rows = docker("service", "ps", service, "--no-trunc", "--filter",
                      "desired-state=running", "--format", "{{.CurrentState}} {{.Error}}")
        return any(r.startswith("Pending") and "max replicas per node" in r
                   for r in rows.stdout.splitlines())
    assert wait(fifth_pending, 60), docker("service", "ps", "--no-trunc", service).stdout
    assert {t: v for t, v in _tasks(service).items() if t in before} == before


def test_global_service_narrowed_and_widened(cluster: Cluster, tmp_path: Path) -> None:
    stack, service, before = _start(cluster, tmp_path, "mode: global", EVERYWHERE, 5,
                                    MANAGERS | WORKERS)
    wide = str(tmp_path / "first.yml")
    assert sorted(n for n, _ in before.values()) == sorted(MANAGERS | WORKERS), before
    on_managers = sorted(t for t, (n, _) in before.items() if n in MANAGERS)
    on_workers = sorted(t for t, (n, _) in before.items() if n in WORKERS)
    containers = _containers(on_managers)

    narrow = write(tmp_path, "narrow.yml", _stack_file(
        "mode: global", "        constraints: [node.role == manager]"))
    plan = _plan(narrow, stack)
    assert plan["action"] == "scale only", plan
    assert plan["rollout"] is None                     # no rolling: update_config is not used
    assert sorted(t["task"] for t in plan["placement"]["removed"]) == on_workers
    assert sorted(t["task"] for t in plan["placement"]["kept"]) == on_managers
    assert plan["placement"]["added_on"] == []
    assert ("the 2 task(s) on worker1, worker2 no longer match and are shut down, not "
            "replaced; the 3 on manager1, manager2, manager3 stay") in plan["why"]
    _deploy(narrow, stack)
    assert wait(lambda: _settled(service, 3, MANAGERS), 120), _tasks(service)
    assert {t: n for t, (n, _) in _tasks(service).items()} == {
        t: before[t][0] for t in on_managers}
    assert _containers(on_managers) == containers
    for worker in sorted(WORKERS):      # nothing of the stack runs there any more
        assert wait(lambda: not docker("ps", "-q", "--filter",
                                       f"label=com.docker.stack.namespace={stack}",
                                       node=worker).stdout.strip(), 60), worker

    plan = _plan(wide, stack)
    assert plan["action"] == "scale only", plan
    assert plan["placement"]["added_on"] == sorted(WORKERS)
    assert plan["placement"]["removed"] == []
    assert "a new task starts on worker1, worker2" in plan["why"]
    _deploy(wide, stack)
    assert wait(lambda: _settled(service, 5, MANAGERS | WORKERS), 120), _tasks(service)
    after = _tasks(service)
    assert sorted(n for t, (n, _) in after.items() if t not in on_managers) == sorted(WORKERS)
    assert _containers(on_managers) == containers


def test_rollout_estimate_counts_only_the_replaced_tasks(cluster: Cluster,
                                                         tmp_path: Path) -> None:
    """A narrowing that leaves one task of three on a non-matching node rolls one batch."""
    stack, service, before = _start(cluster, tmp_path, "replicas: 3", "node.role == worker",
                                    3, WORKERS)
    busy = sorted(n for n, _ in before.values())
    # three over two workers: one has two tasks; keep only the other one's node
    lone = next(n for n in busy if busy.count(n) == 1)
    path = write(tmp_path, "stack.yml", _stack_file(
        "replicas: 3", f"        constraints: [node.hostname != {lone}]"))
    plan = _plan(path, stack)
    assert plan["action"] == "rolling update", plan
    assert [t["node"] for t in plan["placement"]["replaced"]] == [lone]
    assert plan["rollout"]["tasks"] == 1 and plan["rollout"]["batches"] == 1
    _deploy(path, stack)
    others = (MANAGERS | WORKERS) - {lone}
    assert wait(lambda: _settled(service, 3, others), 120), _tasks(service)
    after = _tasks(service)
    kept = {t for t, (n, _) in before.items() if n != lone}
    assert kept <= set(after) and len(set(after) - kept) == 1


@pytest.mark.parametrize("order, says, old_tasks_left", [
    ("start-first", "they stay pending and their old tasks keep running (start-first) until "
                    "Swarm's constraint enforcer stops those on nodes that no longer match, so "
                    "the update never completes", 5),
    ("stop-first", "they stay pending; stop-first stops an old task before its replacement is "
                   "placed: 1 task(s) stop and are not replaced, and the update never completes",
     4),
])
def test_replacements_that_do_not_fit_stay_pending(cluster: Cluster, tmp_path: Path, order: str,
                                                   says: str, old_tasks_left: int) -> None:
    """max_replicas_per_node 1 on five nodes, narrowed to the three managers: the managers
    are full, so the workers' replacements cannot be placed.  Each update worker (one:
    parallelism 1) waits for its replacement for good; stop-first has stopped its old task."""
    one = "\n        max_replicas_per_node: 1"
    stack = cluster.stack()
    service = f"{stack}_app"
    text = _stack_file("replicas: 5", f"        constraints: [{EVERYWHERE}]{one}")
    path = write(tmp_path, "first.yml", text.replace("start-first", order))
    _deploy(path, stack)
    assert wait(lambda: _settled(service, 5, MANAGERS | WORKERS), 120), _tasks(service)
    before = _tasks(service)
    path = write(tmp_path, "stack.yml", text.replace("start-first", order).replace(
        EVERYWHERE, "node.role == manager"))
    plan = _plan(path, stack)
    assert plan["action"] == "rolling update", plan
    assert ("none of the 2 replacements fits (max_replicas_per_node on manager1, manager2, "
            "manager3): " + says) in plan["why"], plan["why"]
    _deploy(path, stack)

    # The update's own doing is told apart from the constraint enforcer's: once any event of
    # a worker node comes (a heartbeat on a loaded machine will do), swarmkit's enforcer
    # rejects the old task there, whose spec now names the new constraint, and restarts the
    # slot; the restart cannot be placed either, and swarmkit may then stop the update's own
    # replacement in that slot and pause. When that event comes is the swarm's business.
    # Without it, the claim is held whole: one replacement (parallelism 1), pending for want
    # of room, only stop-first's one old task stopped, still updating. With it, what still
    # holds is held: nothing placed since fits, the update stopped no more old tasks than
    # that, and it never completes.
    def stuck() -> bool:
        history = _history(service)
        began = _utc(_status(service).get("StartedAt", ""))
        new = [t for t in history if t["ID"] not in before and _utc(t["CreatedAt"]) >= began]
        stopped = {t["ID"] for t in history if t["ID"] in before
                   and t["Status"]["State"] != "running"
                   and ENFORCER not in t["Status"].get("Err", "")}
        unplaced = [t for t in new if t["Status"]["State"] == "pending"
                    and "max replicas per node limit exceed" in t["Status"].get("Err", "")]
        if not any(ENFORCER in t["Status"].get("Err", "") for t in history):
            return (len(new) == 1 and unplaced == new and len(stopped) == 5 - old_tasks_left
                    and _update_state(service) == "updating")
        live = [t for t in new if t["DesiredState"] in ("ready", "running")]
        print("the constraint enforcer rejected an old task:", [
            (t["Slot"], t["Status"]["State"], t["Status"].get("Err")) for t in history])
        return (bool(live) and all(t in unplaced for t in live)
                and len(stopped) <= 5 - old_tasks_left
                and _update_state(service) != "completed")

    def old_running() -> set[str]:
        now = _tasks(service)
        return {t for t in before if now.get(t, ("", ""))[1] == "Running"}
    assert wait(stuck, 60), docker("service", "ps", "--no-trunc", service).stdout
    # and so it stays: no second replacement, no further old task stopped, still updating
    assert not wait(lambda: not stuck(), 10), docker("service", "ps", "--no-trunc",
                                                     service).stdout
    assert {before[t][0] for t in old_running()} >= MANAGERS     # the managers' tasks stay
