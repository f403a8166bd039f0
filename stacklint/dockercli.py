"""Talk to Docker for `stacklint deploy`: preflight checks and `docker stack deploy`."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from typing import Any

from stacklint.errors import StacklintError

# swarmkit accepts a service or network name only when it is a DNS name component
# (`isValidDNSName` in manager/controlapi), at most 63 characters; a stack name
# becomes the prefix of every service and network name.
_DNS_NAME = re.compile(r"[a-zA-Z0-9](?:[-_]*[a-zA-Z0-9]+)*")
_MAX_NAME = 63
_QUERY_TIMEOUT = 30.0      # seconds for one `docker` query; deploys get longer
_DEPLOY_TIMEOUT = 300
_DETACH_NOTICE = (
    "Since --detach=false was not specified, tasks will be created in the background.",
    "In a future release, --detach=false will become the default.")


class DeployError(StacklintError):
    """Docker is missing, unreachable, not a swarm manager, or refused the deploy (exit 2)."""


def docker_cli() -> str:
    """The `docker` executable on PATH."""
    found = shutil.which("docker")
    if not found:
        raise DeployError("the docker CLI is not on PATH",
                          hint="install the Docker CLI, or add the folder that holds `docker` "
                               "to PATH")
    return found


def target() -> str:
    """Which engine the CLI talks to, for messages."""
    if os.environ.get("DOCKER_HOST"):
        return f"DOCKER_HOST={os.environ['DOCKER_HOST']}"
    if os.environ.get("DOCKER_CONTEXT"):
        return f"context {os.environ['DOCKER_CONTEXT']}"
    return "the current Docker context"


def query_timeout() -> float:
    """Seconds one `docker` query may take: STACKLINT_DOCKER_TIMEOUT, else 30."""
    try:
        return float(os.environ.get("STACKLINT_DOCKER_TIMEOUT") or _QUERY_TIMEOUT)
    except ValueError:
        return _QUERY_TIMEOUT


def run(docker: str, args: Sequence[str], stdin: str | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """Run `docker args…` as an argument list (never a shell), inheriting the environment."""
    timeout = query_timeout() if timeout is None else timeout
    try:
        return subprocess.run([docker, *args], input=stdin, capture_output=True, text=True,
                              timeout=timeout, check=False,
                              stdin=None if stdin is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        raise DeployError(f"cannot run {docker}",
                          hint="install the Docker CLI, or add it to PATH") from None
    except subprocess.TimeoutExpired:
        raise DeployError(f"`docker {' '.join(args[:3])}` did not answer within {timeout:.0f} s "
                          f"({target()})",
                          hint="check that the engine is up and reachable") from None


def query_json(docker: str, args: Sequence[str]) -> Any:
    """Run a `docker` query whose output is JSON; engine errors become `DeployError`."""
    proc = run(docker, args)
    if proc.returncode != 0:
        raise unreachable_or(proc.stderr, f"`docker {' '.join(args)}` failed")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def query_lines(docker: str, args: Sequence[str]) -> list[Any]:
    """Run a `docker … --format '{{json .}}'` query: one JSON object per line."""
    proc = run(docker, args)
    if proc.returncode != 0:
        raise unreachable_or(proc.stderr, f"`docker {' '.join(args)}` failed")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def unreachable_or(stderr: str, what: str) -> DeployError:
    """The clearest error for a failed `docker` call."""
    text = _first_line(stderr)
    context = re.search(r'context "([^"]*)": context not found', stderr)
    if context:
        return DeployError(f"the Docker context {context.group(1)!r} does not exist ({target()})",
                           hint="`docker context ls` lists the contexts; pick one with "
                                "DOCKER_CONTEXT=NAME or `docker context use NAME`")
    if _is_unreachable(stderr):
        return DeployError(f"cannot reach the Docker engine ({target()}): {text}",
                           hint="start the engine, or point DOCKER_HOST or DOCKER_CONTEXT at a "
                                "swarm manager (for a local one: scripts/swarm start)")
    return DeployError(f"{what}: {text}")


def _is_unreachable(stderr: str) -> bool:
    marks = ("Cannot connect to the Docker daemon", "error during connect",
             "connection refused", "no such file or directory", "Is the docker daemon running")
    return any(m.lower() in stderr.lower() for m in marks)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def check_stack_name(stack: str, services: Iterable[str]) -> None:
    """Refuse a stack name Swarm would reject half-way through a deploy."""
    if not _DNS_NAME.fullmatch(stack):
        raise DeployError(f"invalid stack name {stack!r}",
                          hint="use letters and digits, with '-' or '_' only between them "
                               "(e.g. numbers-prod)")
    for service in services:
        full = f"{stack}_{service}"
        if len(full) > _MAX_NAME:
            raise DeployError(f"service name {full!r} is longer than {_MAX_NAME} characters",
                              hint="use a shorter stack name")


def preflight(docker: str) -> dict[str, Any]:
    """Make sure the engine answers and is a swarm manager; its `docker info` .Swarm."""
    proc = run(docker, ["info", "--format", "{{json .Swarm}}"])
    if proc.returncode != 0 or not proc.stdout.strip().startswith("{"):
        raise unreachable_or(proc.stderr or proc.stdout, "`docker info` failed")
    swarm: dict[str, Any] = json.loads(proc.stdout)     # starts with `{`: a JSON object
    state = swarm.get("LocalNodeState") or "inactive"
    if state != "active":
        raise DeployError(f"the engine at {target()} is not part of a swarm "
                          f"(swarm state: {state})",
                          hint="run `docker swarm init` there, or point DOCKER_HOST or "
                               "DOCKER_CONTEXT at a swarm manager")
    if not swarm.get("ControlAvailable"):
        raise DeployError(f"the engine at {target()} is a swarm worker, not a manager",
                          hint="deploy from a manager node: point DOCKER_HOST or DOCKER_CONTEXT "
                               "at one (`docker node ls` there lists them)")
    return swarm


def deploy_command(stack: str, *, prune: bool = False, with_registry_auth: bool = False,
                   resolve_image: str | None = None) -> list[str]:
    """The `docker stack deploy` arguments; the stack text goes to standard input."""
    args = ["stack", "deploy", "-c", "-"]
    if with_registry_auth:
        args.append("--with-registry-auth")
    if prune:
        args.append("--prune")
    if resolve_image:
        args += ["--resolve-image", resolve_image]
    args.append(stack)
    return args


def stack_deploy(docker: str, args: Sequence[str], text: str) -> tuple[str, str]:
    """Run `docker stack deploy` with the stack on stdin: (output, warnings), or `DeployError`."""
    proc = run(docker, args, stdin=text, timeout=_DEPLOY_TIMEOUT)
    if proc.returncode != 0:
        error = unreachable_or(proc.stderr, "docker stack deploy failed")
        if not _is_unreachable(proc.stderr):
            error.hint = ("the message above is Docker's; the stack passed stacklint's checks, "
                          "so look at the engine side (images, networks, permissions)")
        raise error
    return proc.stdout, _warnings(proc.stderr)


def _warnings(stderr: str) -> str:
    """Docker's warnings, without its notice about --detach (stacklint follows the rollout)."""
    text = stderr
    for notice in _DETACH_NOTICE:
        text = text.replace(notice, "")
    return text.strip()
