"""Helpers for tests on the five-node cluster of `scripts/cluster up` (3 managers, 2 workers).

Tests may drain, label, demote and stop nodes of this cluster only because the project's
own script started it (its folder holds the env file the script writes); the `cluster`
fixture puts every node back as it was after each test.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "cluster"
NODES = ("manager1", "manager2", "manager3", "worker1", "worker2")
MANAGERS = NODES[:3]
HOW = "start it with `scripts/cluster up` (root)"


def folder() -> Path:
    return Path(os.environ.get("STACKLINT_CLUSTER_DIR") or "/var/tmp/stacklint-cluster")


def host(node: str) -> str:
    return f"unix://{folder() / node / 'docker.sock'}"


def unavailable(reason: str) -> NoReturn:
    """Skip; but fail where `scripts/cluster up` ran (its env sets STACKLINT_CLUSTER=1)."""
    if os.environ.get("STACKLINT_CLUSTER") == "1":
        pytest.fail(f"{reason} although `scripts/cluster up` ran (STACKLINT_CLUSTER=1)")
    pytest.skip(reason)


def docker(*args: str, node: str = "manager1", timeout: float = 60,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": host(node)}
    env.pop("DOCKER_CONTEXT", None)
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def script(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STACKLINT_CLUSTER_DIR": str(folder())}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout, check=False)


def stacklint(*args: str, node: str = "manager1", env: dict[str, str] | None = None,
              timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python -m stacklint args…` against a node of the cluster."""
    full = {**os.environ, "DOCKER_HOST": host(node), "NO_COLOR": "1", **(env or {})}
    if "DOCKER_CONTEXT" not in (env or {}):
        full.pop("DOCKER_CONTEXT", None)
    return subprocess.run([sys.executable, "-m", "stacklint", *args], capture_output=True,
                          text=True, env=full, cwd=REPO, timeout=timeout, check=False)


def nodes() -> list[dict[str, Any]]:
    ids = docker("node", "ls", "-q").stdout.split()
    return json.loads(docker("node", "inspect", *ids).stdout) if ids else []


def settled() -> bool:
    """Five ready nodes, three reachable managers with a leader, all active, no labels."""
    try:
        found = nodes()
    except (json.JSONDecodeError, subprocess.TimeoutExpired):
        return False
    managers = [n for n in found if n["Spec"]["Role"] == "manager"]
    return (len(found) == len(NODES)
            and all(n["Status"]["State"] == "ready" for n in found)
            and len(managers) == len(MANAGERS)
            # a manager that just came back may have no ManagerStatus yet
            and all((n.get("ManagerStatus") or {}).get("Reachability") == "reachable"
                    for n in managers)
            and any((n.get("ManagerStatus") or {}).get("Leader") for n in managers))


def leader() -> str:
    """The hostname of the manager that leads now. `scripts/cluster up` makes manager1 the
    leader, but an election on a loaded machine (a missed heartbeat) can move it."""
    return next(n["Description"]["Hostname"] for n in nodes()
                if (n.get("ManagerStatus") or {}).get("Leader"))


def require_cluster() -> None:
    if not shutil.which("docker"):
        unavailable("the docker CLI is not installed; the cluster tests need it")
    if not (folder() / "env").is_file():
        unavailable(f"no cluster started by scripts/cluster at {folder()}; {HOW}")
    for node in NODES:
        if docker("info", "--format", "{{.Swarm.LocalNodeState}}", node=node,
                  timeout=20).stdout.strip() != "active":
            unavailable(f"cluster node {node} does not answer at {host(node)}; {HOW}")
    if not wait(settled, 60):
        unavailable("the cluster's five nodes are not all ready with three managers; "
                    "`scripts/cluster down && scripts/cluster up` starts it afresh")


def wait(check: Any, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return bool(check())


def answers(node: str) -> bool:
    """Whether the node's engine answers `docker info` within 20 s."""
    try:
        return docker("info", "--format", "{{.ID}}", node=node, timeout=20).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def revive(node: str) -> None:
    """Restart a node's engine that stopped answering.

    Docker 20.10's engine sometimes hangs for good right after `docker node demote` (its
    swarm state stays half changed, every API call waits); restarted, it comes back with
    the demotion done. Without this one hang fails every cluster test after it."""
    script("stop", node)
    proc = script("start", node)
    assert proc.returncode == 0, f"{node} did not start again: {proc.stderr}"


def stack_containers(stack: str, node: str) -> list[str]:
    """IDs of the containers a node still has of `stack`'s tasks."""
    proc = docker("ps", "-aq", "--filter", f"label=com.docker.stack.namespace={stack}",
                  node=node, timeout=20)
    return proc.stdout.split()


def new_stack_name() -> str:
    return f"slc{uuid.uuid4().hex[:8]}"


class Cluster:
    """What one test changed, so the fixture can undo it."""

    def __init__(self) -> None:
        self.stacks: list[str] = []
        self.stopped: set[str] = set()
        self.frozen: set[str] = set()
        self.demoted: set[str] = set()
        self.labels: list[tuple[str, str]] = []
        self.configs: list[str] = []

    def stack(self) -> str:
        name = new_stack_name()
        self.stacks.append(name)
        return name

    def drain(self, node: str, availability: str = "drain") -> None:
        assert docker("node", "update", "--availability", availability, node).returncode == 0

    def label(self, node: str, key: str, value: str) -> None:
        self.labels.append((node, key))
        assert docker("node", "update", "--label-add", f"{key}={value}", node).returncode == 0

    def demote(self, node: str) -> None:
        self.demoted.add(node)
        assert docker("node", "demote", node).returncode == 0

    def stop(self, *names: str) -> None:
        self.stopped.update(names)
        proc = script("stop", *names)
        assert proc.returncode == 0, proc.stderr

    def freeze(self, node: str) -> None:
        """SIGSTOP a node's dockerd: an engine that accepts connections and never answers."""
        self.frozen.add(node)
        os.kill(int((folder() / node / "pid").read_text()), 19)

    def restore(self) -> None:
        for node in self.frozen:
            os.kill(int((folder() / node / "pid").read_text()), 18)
        if self.stopped:
            proc = script("start", *sorted(self.stopped))
            assert proc.returncode == 0, proc.stderr
        # the managers need a leader again before anything else can be put back
        assert wait(lambda: docker("node", "ls", timeout=30).returncode == 0, 90), \
            "the cluster found no leader again"
        for node in self.demoted:
            if not answers(node):
                revive(node)
        for node in self.demoted:
            docker("node", "promote", node)
        for name in self.stacks:
            docker("stack", "rm", name)
        for node, key in self.labels:
            docker("node", "update", "--label-rm", key, node)
        for n in nodes():
            if n["Spec"]["Availability"] != "active":
                docker("node", "update", "--availability", "active", n["ID"])
        assert wait(settled, 90), "the cluster did not settle after the test"
        for name in self.stacks:
            wait(lambda: not docker("service", "ls", "-q", "--filter",
                                    f"label=com.docker.stack.namespace={name}").stdout.strip(),
                 30)
            # a removed service's containers keep their reservations until they have stopped
            # (busybox ignores SIGTERM: the 10 s grace period), and the next test may need them
            wait(lambda: not any(stack_containers(name, node) for node in NODES), 60)
        for name in self.configs:
            docker("config", "rm", name)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    require_cluster()
    changes = Cluster()
    try:
        yield changes
    finally:
        changes.restore()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def pending_errors(stack: str, seconds: float = 60, services: int = 1) -> dict[str, str]:
    """service -> Docker's Status.Err of its pending tasks, once the scheduler has spoken
    for `services` services (it records a task's reason when it fails to place it; on a
    loaded machine the first reason can come seconds before the last)."""
    def errors() -> dict[str, str]:
        rows = docker("stack", "ps", stack, "--no-trunc", "--filter", "desired-state=running",
                      "--format", "{{json .}}").stdout.splitlines()
        out = {}
        for row in map(json.loads, rows):
            if row["CurrentState"].startswith("Pending") and row["Error"]:
                out[row["Name"].rsplit(".", 1)[0]] = row["Error"].strip('"')
        return out
    wait(lambda: len(errors()) >= services, seconds)
    return errors()


def running(service: str) -> list[str]:
    """Hostnames of the nodes where a task of `service` runs."""
    rows = docker("service", "ps", service, "--filter", "desired-state=running", "--format",
                  "{{.Node}} {{.CurrentState}}").stdout.splitlines()
    return sorted(r.split()[0] for r in rows if r.split()[1:2] == ["Running"])
