"""`stacklint cluster` on the real five-node cluster: managers, nodes, uneven spreads."""
from __future__ import annotations

import json
from pathlib import Path

from clusterhelp import (Cluster, cluster, docker, leader, running, stacklint, wait,  # noqa: F401
                         write)

IMAGE = "stacklint-test/web:v1"


def test_a_healthy_cluster(cluster: Cluster) -> None:
    # the leader Docker names, read before and after: if an election moved it in between,
    # the report may name either
    first = leader()
    proc = stacklint("cluster")
    report = json.loads(stacklint("cluster", "--format", "json").stdout)
    leaders = {first, leader()}
    assert proc.returncode == 0, proc.stderr
    assert any(f"managers: 3 manager(s), 3 reachable, leader {name}; quorum is 2, so the swarm "
               "survives 1 manager failure(s)" in proc.stdout for name in leaders), proc.stdout
    assert proc.stdout.rstrip().endswith("result: healthy (exit 0)")
    assert report["version"] == 1
    assert report["managers"]["leader"] in leaders, report["managers"]
    assert {k: report["managers"][k] for k in ("total", "reachable", "quorum",
                                               "tolerated", "state")} == {
        "total": 3, "reachable": 3, "quorum": 2, "tolerated": 1, "state": "healthy"}
    roles = {n["hostname"]: n["role"] for n in report["nodes"]}
    assert roles == {"manager1": "manager", "manager2": "manager", "manager3": "manager",
                     "worker1": "worker", "worker2": "worker"}
    assert report["uneven"] == [] and report["unavailable"] == [] and report["exit_code"] == 0


def test_a_drained_manager_still_manages(cluster: Cluster) -> None:
    cluster.drain("manager2")
    proc = stacklint("cluster")
    assert proc.returncode == 0            # draining takes tasks away, not the vote
    assert "manager2 is drained: its tasks were moved away, none start there (as a manager " \
           "it still votes and serves the API)" in proc.stdout


def test_tasks_crowded_after_nodes_come_back_and_the_rebalance(cluster: Cluster,
                                                               tmp_path: Path) -> None:
    stack = cluster.stack()
    for node in ("worker1", "worker2"):
        cluster.drain(node)
    # all tasks replaced at once, so the rebalance below takes seconds, not a minute
    path = write(tmp_path, "stack.yml", f"services:\n  web:\n    image: {IMAGE}\n"
                                        "    deploy: {replicas: 6, update_config: "
                                        "{parallelism: 0, monitor: 1s}}\n")
    deployed = stacklint("deploy", "--resolve-image", "never", "--fail-on", "error", "-f", path,
                         stack)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    service = f"{stack}_web"
    assert running(service) == ["manager1", "manager1", "manager2", "manager2", "manager3",
                                "manager3"]
    for node in ("worker1", "worker2"):
        cluster.drain(node, "active")       # they are back: Swarm moves nothing by itself
    report = json.loads(stacklint("cluster", "--format", "json").stdout)
    assert report["uneven"] == [{
        "service": service, "fix": f"docker service update --force {service}",
        "idle": ["worker1", "worker2"],
        "tasks_per_node": {"manager1": 2, "manager2": 2, "manager3": 2, "worker1": 0,
                           "worker2": 0}}]
    text = stacklint("cluster").stdout
    assert f"`docker service update --force {service}` spreads them" in text
    # the command it names does spread them
    assert docker("service", "update", "--force", "--detach", service).returncode == 0
    assert wait(lambda: len(running(service)) == 6 and
                set(running(service)) >= {"worker1", "worker2"}, 60)
    assert json.loads(stacklint("cluster", "--format", "json").stdout)["uneven"] == []


def test_the_docker_context_names_the_cluster(cluster: Cluster, tmp_path: Path) -> None:
    """No DOCKER_HOST, only a context (in a private DOCKER_CONFIG) that names a manager."""
    import os
    import subprocess

    from clusterhelp import host
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path)}
    env.pop("DOCKER_HOST", None)
    made = subprocess.run(["docker", "context", "create", "slc", "--docker",
                           f"host={host('manager2')}"], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    proc = stacklint("cluster", "--format", "json",
                     env={"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "slc",
                          "DOCKER_HOST": ""})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["managers"]["reachable"] == 3
