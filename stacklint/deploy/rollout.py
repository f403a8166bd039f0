"""Follow a stack's rollout: poll Swarm until every service's update has ended."""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from stacklint import dockercli
from stacklint.cluster import pending

EXIT_ROLLED_BACK = 4
EXIT_PAUSED = 5
EXIT_TIMED_OUT = 6

# Swarm's final UpdateStatus states and how stacklint names the outcome
FINAL = {"completed": "completed", "paused": "paused",
         "rollback_completed": "rolled back", "rollback_paused": "rollback paused"}
# "stuck": the spec is what it was, tasks of another image run, and no update is under way
# (a redeploy of the same spec clears UpdateStatus): Swarm leaves it so until a person acts
EXIT_CODES = {"rolled back": EXIT_ROLLED_BACK, "paused": EXIT_PAUSED,
              "rollback paused": EXIT_PAUSED, "stuck": EXIT_PAUSED, "timed out": EXIT_TIMED_OUT,
              pending.OUTCOME: pending.EXIT_PENDING}
# How long a changed service may go without a new UpdateStatus before its
# converged tasks count as done (Swarm starts the updater asynchronously).
SETTLE_SECONDS = 10.0
_REPLICAS = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Before:
    """A service as it was just before the deploy."""

    started: str | None       # UpdateStatus.StartedAt of its last update
    template: str             # task template and ports as JSON: a change means a rolling update
    state: str = ""           # UpdateStatus.State of its last update ('' when none)
    message: str = ""         # UpdateStatus.Message
    image: str = ""           # the spec's image
    running: tuple[str, ...] = ()   # the image of every running task
    desired: int = 0


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
    images: tuple[tuple[str, int], ...] = ()   # (image, running tasks) of what the tasks run
    mode: str = "replicated"     # or global: its task count is the number of nodes

    @property
    def stray(self) -> int:
        """Running tasks of another image than the spec's."""
        return self.running - self.current


class Display(Protocol):
    def update(self, progress: list[Progress], elapsed: float) -> None: ...


def _services(docker: str, stack: str) -> list[dict[str, Any]]:
    rows = dockercli.query_lines(docker, ["service", "ls", "--format", "{{json .}}", "--filter",
                                       f"label=com.docker.stack.namespace={stack}"])
    if not rows:
        return []
    specs = dockercli.query_json(docker, ["service", "inspect", *[r["ID"] for r in rows]]) or []
    by_name = {s["Spec"]["Name"]: s for s in specs}
    for row in rows:                      # service ls knows the desired count (also global)
        match = _REPLICAS.search(row.get("Replicas", ""))
        if row.get("Name") in by_name:
            by_name[row["Name"]]["_desired"] = int(match.group(2)) if match else 0
    return list(by_name.values())


def snapshot(docker: str, stack: str) -> dict[str, Before]:
    """The stack's services before the deploy, by full service name."""
    services = _services(docker, stack)
    tasks = _tasks(docker, [s["ID"] for s in services])
    out = {}
    for svc in services:
        name, status = svc["Spec"]["Name"], svc.get("UpdateStatus") or {}
        out[name] = Before(status.get("StartedAt"), _fingerprint(svc), status.get("State", ""),
                           status.get("Message", ""), _image(svc),
                           tuple(_task_image(t) for t in _running(tasks.get(name, []))),
                           _desired(svc))
    return out


# what each UpdateStatus left behind means for a new deploy
_UNSETTLED = {
    "updating": "an update is under way",
    "rollback_started": "a rollback is under way",
    "paused": "its last update is paused half-way",
    "rollback_paused": "the rollback of its last update is paused half-way",
    "rollback_completed": "Swarm rolled back its last update: it runs the spec before that",
}


def unsettled(before: Mapping[str, Before]) -> list[str]:
    """What the swarm runs that its specs do not say: one line per service in trouble.

    A deploy over such a service hides it: `docker stack deploy` of the spec that is already
    there changes nothing and clears UpdateStatus, while the tasks go on as they were.
    """
    lines = []
    for name, b in sorted(before.items()):
        why = []
        if b.state in _UNSETTLED:
            why.append(f"{_UNSETTLED[b.state]} ({b.state}" +
                       (f": {b.message})" if b.message else ")"))
        other = Counter(image for image in b.running if image != b.image)
        if other:
            runs = ", ".join(f"{n} run {image}" for image, n in sorted(other.items()))
            why.append(f"{sum(other.values())} of its {len(b.running)} running tasks do not run "
                       f"the spec's {b.image} ({runs})")
        if why:
            lines.append(f"{name}: {'; '.join(why)}")
    return lines


def _fingerprint(svc: dict[str, Any]) -> str:
    """What decides whether Swarm replaces tasks: the task template and the published ports."""
    spec = svc["Spec"]
    return json.dumps([spec.get("TaskTemplate"), spec.get("EndpointSpec")], sort_keys=True)


def _tasks(docker: str, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    ids = list(ids)
    if not ids:
        return {}
    rows = dockercli.query_lines(docker, ["service", "ps", "--no-trunc", "--format", "{{json .}}",
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


def _running(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks meant to run that do: Swarm reports a task with a healthcheck as running only
    once the check passed, so these are also healthy."""
    return [t for t in tasks if t.get("DesiredState") == "Running"
            and str(t.get("CurrentState", "")).startswith("Running")]


def _task_image(task: dict[str, Any]) -> str:
    return str(task.get("Image", "")).split("@", 1)[0]


def classify(name: str, svc: dict[str, Any], tasks: list[dict[str, Any]],
             before: Before | None, elapsed: float) -> Progress:
    """The progress of one service from its inspect data and its tasks.

    Done means what the swarm runs, not what the spec says: every task the service wants
    runs the spec's image (and is healthy, where there is a healthcheck) and no task of
    another image still runs.
    """
    image, desired = _image(svc), _desired(svc)
    if not _replicated(svc) and before is not None:
        desired = max(desired, before.desired)   # between a stop and a start `ls` says 0/0
    running = _running(tasks)
    images = Counter(_task_image(t) for t in running)
    base = Progress(name, "", len(running), desired, image, current=images.get(image, 0),
                    images=tuple(sorted(images.items())),
                    mode="replicated" if _replicated(svc) else "global")
    # a global service's desired count is 0 until the orchestrator made its tasks
    settled = (base.current >= desired and base.stray == 0
               and (desired > 0 or _replicated(svc) or elapsed >= SETTLE_SECONDS))
    status = svc.get("UpdateStatus") or {}
    if status and (before is None or status.get("StartedAt") != before.started):
        state = status.get("State", "updating")   # an update this deploy started
        message = status.get("Message", "")
        if state in _SETTLING and not settled:   # Swarm's word, not yet the tasks'
            return replace(base, state=state, message=_join(message, _not_there(base, tasks)))
        if state in FINAL and state != "completed":
            message = _with_task_error(message, tasks)
        return replace(base, state=state, message=message, outcome=FINAL.get(state))
    waiting = "" if settled else _not_there(base, tasks)
    if before is None:                    # a new service has no UpdateStatus at all
        return replace(base, state="creating", message=waiting,
                       outcome="created" if settled else None)
    if _fingerprint(svc) == before.template:
        if base.stray and elapsed >= SETTLE_SECONDS:
            return replace(base, state="converging", outcome="stuck",
                           message=f"{waiting}; the spec is unchanged and Swarm is not updating "
                                   "these tasks")
        return replace(base, state="converging", message=waiting,
                       outcome="unchanged" if settled else None)
    done = settled and elapsed >= SETTLE_SECONDS
    return replace(base, state="pending", message="waiting for the update to start",
                   outcome="completed" if done else None)


# final states after which the tasks still move to the spec Swarm settled on
_SETTLING = ("completed", "rollback_completed")


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _not_there(p: Progress, tasks: list[dict[str, Any]]) -> str:
    """Why the tasks are not yet what the spec says: other images, and a task's error."""
    parts = []
    if p.stray:
        other = ", ".join(f"{n} on {image}" for image, n in p.images if image != p.image)
        parts.append(f"{p.stray} running task(s) not on {p.image} ({other})")
    error = _task_error(tasks)
    if error:
        parts.append(f"task error: {error}")
    return "; ".join(parts)


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
    unplaceable = pending.PendingWatch(docker)   # tasks no node can take end the wait early
    while True:
        elapsed = clock() - start
        progress = unplaceable.update(observe(docker, stack, expected, before, elapsed), elapsed)
        if elapsed >= timeout:
            progress = [p if p.outcome else _timed_out(p, timeout) for p in progress]
        display.update(progress, elapsed)
        if all(p.outcome for p in progress):
            return progress
        time.sleep(interval)


def _timed_out(p: Progress, timeout: float) -> Progress:
    if p.state == "rollback_completed":     # rolled back, whatever the tasks do since
        return replace(p, outcome=FINAL[p.state])
    note = f"still {p.state} after {timeout:g} s"
    return replace(p, message=f"{note}: {p.message}" if p.message else note, outcome="timed out")


def exit_code(progress: Iterable[Progress]) -> int:
    """0 when every service ended well; otherwise the highest code among the outcomes."""
    return max((EXIT_CODES.get(p.outcome or "", 0) for p in progress), default=0)
