"""Helpers for tests that need the real local swarm (`scripts/swarm start`)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
SWARM_SCRIPT = REPO / "scripts" / "swarm"
DEPLOY_FIXTURES = REPO / "tests" / "fixtures" / "deploy"
IMAGE = "stacklint-test/web"
HOW = 'start one with `scripts/swarm start && . "$(scripts/swarm env-file)"`'


def docker(*args: str, host: str | None = None, stdin: str | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI against `host` (or the environment's engine)."""
    env = dict(os.environ)
    if host:
        env["DOCKER_HOST"] = host
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def _script_host() -> str | None:
    """DOCKER_HOST from `scripts/swarm env-file`, when that file exists."""
    proc = subprocess.run([str(SWARM_SCRIPT), "env-file"], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        return None
    for line in Path(proc.stdout.strip()).read_text().splitlines():
        if line.startswith("export DOCKER_HOST="):
            return line.split("=", 1)[1].strip("'\"")
    return None


def unavailable(reason: str) -> NoReturn:
    """Skip; but fail where `scripts/swarm start` ran (its env file sets STACKLINT_SWARM=1)."""
    if os.environ.get("STACKLINT_SWARM") == "1":
        pytest.fail(f"{reason} although `scripts/swarm start` ran (STACKLINT_SWARM=1)")
    pytest.skip(reason)


def require_swarm() -> str:
    """DOCKER_HOST of a reachable swarm manager, or skip with the reason."""
    if not shutil.which("docker"):
        unavailable("the docker CLI is not installed; deploy tests need a swarm")
    host = os.environ.get("DOCKER_HOST") or _script_host()
    if not host:
        unavailable(f"no Docker engine configured (DOCKER_HOST unset); {HOW}")
    proc = docker("info", "--format", "{{.Swarm.ControlAvailable}}", host=host, timeout=20)
    if proc.returncode != 0:
        unavailable(f"no Docker engine reachable at {host}; {HOW}")
    if proc.stdout.strip() != "true":
        unavailable(f"the engine at {host} is not a swarm manager; {HOW}")
    for tag in ("v1", "v2", "bad"):
        if docker("image", "inspect", f"{IMAGE}:{tag}", host=host).returncode != 0:
            unavailable(f"test image {IMAGE}:{tag} missing; run `scripts/swarm build-images`")
    return host


def new_stack_name() -> str:
    return f"sltest{uuid.uuid4().hex[:8]}"


def stack_services(stack: str, host: str) -> list[str]:
    proc = docker("service", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}",
                  host=host)
    return proc.stdout.split()


def running_containers(stack: str, host: str) -> list[str]:
    """IDs of the containers of `stack`'s tasks that still run on the (single-node) swarm.
    Only running ones: a job's exited containers, and a task's that never started, can stay
    after their service is gone, and hold nothing."""
    proc = docker("ps", "-q", "--filter", f"label=com.docker.stack.namespace={stack}",
                  host=host)
    return proc.stdout.split()


def remove_stack(stack: str, host: str) -> None:
    """`docker stack rm` and wait until its services are gone and so are its containers (a
    removed service's tasks keep running through their stop grace period, holding their
    ports and CPU, so the next test would start beside them); also drop the deploy history
    stacklint recorded for it (`docker stack rm` keeps it on purpose)."""
    docker("stack", "rm", stack, host=host)
    deadline = time.monotonic() + 60
    while ((stack_services(stack, host) or running_containers(stack, host))
           and time.monotonic() < deadline):
        time.sleep(0.5)
    forget_history(stack, host)


def forget_history(stack: str, host: str) -> None:
    """Remove the config objects of the stack's deploy history."""
    proc = docker("config", "ls", "-q", "--filter", f"label=io.stacklint.history.stack={stack}",
                  host=host)
    if proc.stdout.split():
        docker("config", "rm", *proc.stdout.split(), host=host)


def running_images(service: str, host: str) -> list[str]:
    """The image of every task of `service` that is meant to run and does."""
    proc = docker("service", "ps", "--filter", "desired-state=running", "--format",
                  "{{.Image}}|{{.CurrentState}}", service, host=host)
    return sorted(line.split("|")[0] for line in proc.stdout.splitlines()
                  if line.split("|")[1].startswith("Running"))


@pytest.fixture
def swarm_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh stack name on the swarm (DOCKER_HOST set for the test), removed afterwards."""
    host = require_swarm()
    monkeypatch.setenv("DOCKER_HOST", host)
    name = new_stack_name()
    yield name
    remove_stack(name, host)


def update_status(service: str, host: str) -> dict:  # type: ignore[type-arg]
    """The service's UpdateStatus ({} when it has none)."""
    proc = docker("service", "inspect", service, "--format", "{{json .UpdateStatus}}", host=host)
    return json.loads(proc.stdout or "null") or {}
