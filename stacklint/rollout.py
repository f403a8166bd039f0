"""Follow a stack's rollout: poll Swarm until every service's update has ended."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from stacklint import deploy

EXIT_ROLLED_BACK = 4
EXIT_PAUSED = 5
EXIT_TIMED_OUT = 6

# Swarm's final UpdateStatus states and how stacklint names the outcome
FINAL = {"completed": "completed", "paused": "paused",
         "rollback_completed": "rolled back", "rollback_paused": "rollback paused"}
EXIT_CODES = {"rolled back": EXIT_ROLLED_BACK, "paused": EXIT_PAUSED,
              "rollback paused": EXIT_PAUSED, "timed out": EXIT_TIMED_OUT}
# How long a changed service may go without a new UpdateStatus before its
# converged tasks count as done (Swarm starts the updater asynchronously).
SETTLE_SECONDS = 10.0
_REPLICAS = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Before:
    """A service as it was just before the deploy."""

    started: str | None       # UpdateStatus.StartedAt of its last update
    template: str             # task template and ports as JSON: a change means a rolling update


@dataclass(frozen=True)
class Progress:
    """Where one service's rollout stands."""

    name: str
    state: str                # Swarm's UpdateStatus.State, or creating / converging / pending
    running: int
    desired: int
    image: str
    message: str = ""
    outcome: str | None = None   # set once final: completed, created, unchanged, rolled back, ...
    current: int = 0             # running tasks that already run `image`


class Display(Protocol):
    def update(self, progress: list[Progress], elapsed: float) -> None: ...


def _services(docker: str, stack: str) -> list[dict[str, Any]]:
    rows = deploy.query_lines(docker, ["service", "ls", "--format", "{{json .}}", "--filter",
                                       f"label=com.docker.stack.namespace={stack}"])
    if not rows:
        return []
    specs = deploy.query_json(docker, ["service", "inspect", *[r["ID"] for r in rows]]) or []
    by_name = {s["Spec"]["Name"]: s for s in specs}
    for row in rows:                      # service ls knows the desired count (also global)
        match = _REPLICAS.search(row.get("Replicas", ""))
        if row.get("Name") in by_name:
            by_name[row["Name"]]["_desired"] = int(match.group(2)) if match else 0
    return list(by_name.values())


def snapshot(docker: str, stack: str) -> dict[str, Before]:
    """The stack's services before the deploy, by full service name."""
    return {s["Spec"]["Name"]: Before((s.get("UpdateStatus") or {}).get("StartedAt"),
                                      _fingerprint(s))
            for s in _services(docker, stack)}


def _fingerprint(svc: dict[str, Any]) -> str:
    """What decides whether Swarm replaces tasks: the task template and the published ports."""
    spec = svc["Spec"]
    return json.dumps([spec.get("TaskTemplate"), spec.get("EndpointSpec")], sort_keys=True)


def _tasks(docker: str, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    ids = list(ids)
    if not ids:
        return {}
    rows = deploy.query_lines(docker, ["service", "ps", "--no-trunc", "--format", "{{json .}}",
                                       *ids])
    tasks: dict[str, list[dict[str, Any]]] = {}
    for row in rows:                      # names are service.slot or service.node-id
        tasks.setdefault(row["Name"].lstrip("\\_ ").rsplit(".", 1)[0], []).append(row)
    return tasks


def observe(docker: str, stack: str, expected: Iterable[str], before: Mapping[str, Before],
            elapsed: float) -> list[Progress]:
    """One poll: the progress of every expected service."""
    services = {s["Spec"]["Name"]: s for s in _services(docker, stack)}
    tasks = _tasks(docker, [s["ID"] for s in services.values()])
    out = []
    for name in expected:
        svc = services.get(name)
        if svc is None:
            out.append(Progress(name, "pending", 0, 0, "", "not created yet"))
        else:
            out.append(classify(name, svc, tasks.get(name, []), before.get(name), elapsed))
    return out


def classify(name: str, svc: dict[str, Any], tasks: list[dict[str, Any]],
             before: Before | None, elapsed: float) -> Progress:
    """The progress of one service from its inspect data and its tasks."""
    image, desired = _image(svc), _desired(svc)
    running = [t for t in tasks if t.get("DesiredState") == "Running"
               and str(t.get("CurrentState", "")).startswith("Running")]
    current = sum(1 for t in running if str(t.get("Image", "")).split("@", 1)[0] == image)
    base = Progress(name, "", len(running), desired, image, current=current)
    status = svc.get("UpdateStatus") or {}
    if status and (before is None or status.get("StartedAt") != before.started):
        state = status.get("State", "updating")   # an update this deploy started
        message = status.get("Message", "")
        if state in FINAL and state != "completed":
            message = _with_task_error(message, tasks)
        return replace(base, state=state, message=message, outcome=FINAL.get(state))
    # a global service's desired count is 0 until the orchestrator made its tasks
    converged = len(running) >= desired and (desired > 0 or _replicated(svc)
                                             or elapsed >= SETTLE_SECONDS)
    error = "" if converged else _task_error(tasks)
    waiting = f"task error: {error}" if error else ""
    if before is None:                    # a new service has no UpdateStatus at all
        return replace(base, state="creating", message=waiting,
                       outcome="created" if converged else None)
    if _fingerprint(svc) == before.template:
        return replace(base, state="converging", message=waiting,
                       outcome="unchanged" if converged else None)
    done = converged and elapsed >= SETTLE_SECONDS
    return replace(base, state="pending", message="waiting for the update to start",
                   outcome="completed" if done else None)


def _replicated(svc: dict[str, Any]) -> bool:
    return "Replicated" in (svc["Spec"].get("Mode") or {})


def _desired(svc: dict[str, Any]) -> int:
    if _replicated(svc):
        return int(svc["Spec"]["Mode"]["Replicated"].get("Replicas") or 0)
    return int(svc.get("_desired", 0))      # global: from `docker service ls`


def _image(svc: dict[str, Any]) -> str:
    image = svc["Spec"].get("TaskTemplate", {}).get("ContainerSpec", {}).get("Image", "")
    return str(image).split("@", 1)[0]    # drop the digest --resolve-image pinned


def _task_error(tasks: list[dict[str, Any]]) -> str:
    return next((str(t["Error"]).strip('"') for t in tasks if t.get("Error")), "")


def _with_task_error(message: str, tasks: list[dict[str, Any]]) -> str:
    error = _task_error(tasks)
    return f"{message} (task error: {error})" if error else message


def watch(docker: str, stack: str, expected: list[str], before: Mapping[str, Before],
          timeout: float, display: Display, interval: float = 1.0,
          clock: Callable[[], float] = time.monotonic) -> list[Progress]:
    """Poll until every expected service has an outcome, or `timeout` seconds pass."""
    start = clock()
    while True:
        elapsed = clock() - start
        progress = observe(docker, stack, expected, before, elapsed)
        if elapsed >= timeout:
            progress = [p if p.outcome else _timed_out(p, timeout) for p in progress]
        display.update(progress, elapsed)
        if all(p.outcome for p in progress):
            return progress
        time.sleep(interval)


def _timed_out(p: Progress, timeout: float) -> Progress:
    note = f"still {p.state} after {timeout:g} s"
    return replace(p, message=f"{note}: {p.message}" if p.message else note, outcome="timed out")


def exit_code(progress: Iterable[Progress]) -> int:
    """0 when every service ended well; otherwise the highest code among the outcomes."""
    return max((EXIT_CODES.get(p.outcome or "", 0) for p in progress), default=0)
